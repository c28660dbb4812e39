import { common, statusCarriedBy, type DecodedEvent } from "@lienthong/contracts";
import { isDossierStatus, statusLabel, vietnameseDateTime } from "@lienthong/domain";

/** A lifecycle event about one dossier (every event but those about webhook endpoints). */
export type DossierEvent = Extract<DecodedEvent, { payload: { dossierId: string; dossierCode: string } }>;

/** The subject of the mail that tells an applicant their dossier's result is ready (the benchmark waits for it). */
export function resultMailSubject(dossierCode: string): string {
  return `Hồ sơ ${dossierCode} đã có kết quả`;
}

/** The mail an applicant receives for an event, or undefined when the event is not one they are told about. */
export function applicantMail(
  event: DossierEvent,
  applicantName: string,
): { subject: string; text: string } | undefined {
  const code = event.payload.dossierCode;
  const greeting = `Kính gửi ông/bà ${applicantName},`;
  const footer =
    "Tra cứu tình trạng hồ sơ bằng mã hồ sơ và 4 số cuối số định danh cá nhân.\nHệ thống LiênThông — thư tự động, vui lòng không trả lời.";
  switch (event.name) {
    case "applicationAccepted": {
      const appointment = event.payload.appointmentAt
        ? ` Thời gian hẹn trả kết quả: ${vietnameseDateTime(new Date(event.payload.appointmentAt))}.`
        : "";
      return {
        subject: `Hồ sơ ${code} đã được tiếp nhận`,
        text: `${greeting}\n\nHồ sơ ${code} của ông/bà đã được tiếp nhận.${appointment}\n\n${footer}\n`,
      };
    }
    case "applicationRefused":
      return {
        subject: `Hồ sơ ${code} không được tiếp nhận`,
        text: `${greeting}\n\nHồ sơ ${code} không được tiếp nhận. Lý do: ${event.payload.reason}.\n\n${footer}\n`,
      };
    case "supplementRequested": {
      const items = event.payload.missingItems.map((item) => `- ${item}`).join("\n");
      return {
        subject: `Hồ sơ ${code} cần bổ sung`,
        text: `${greeting}\n\nHồ sơ ${code} cần bổ sung các thành phần sau:\n${items}\n\n${footer}\n`,
      };
    }
    case "resultIssued": {
      const approved = event.payload.outcome === common.DecisionOutcome.DECISION_OUTCOME_APPROVED;
      const issued = event.payload.issuedAt ? ` lúc ${vietnameseDateTime(new Date(event.payload.issuedAt))}` : "";
      return {
        subject: resultMailSubject(code),
        text: `${greeting}\n\nHồ sơ ${code} đã được giải quyết (${approved ? "chấp thuận" : "từ chối"}). Kết quả đã được ký số${issued} và sẵn sàng để nhận.\n\n${footer}\n`,
      };
    }
    default:
      return undefined;
  }
}

/** The webhook body for a commune system: ids, type and status only — no personal data. */
export function webhookBody(event: DossierEvent & { id: string; type: string; time: string }): string | undefined {
  const status = statusCarriedBy(event);
  if (!isDossierStatus(status)) return undefined;
  return JSON.stringify({
    type: event.type,
    eventId: event.id,
    occurredAt: event.time,
    dossierId: event.payload.dossierId,
    dossierCode: event.payload.dossierCode,
    status,
    statusLabel: statusLabel(status),
  });
}

/**
 * The SMS an applicant receives for an event (with diacritics; stripped when
 * the gateway does not carry them), or undefined when the event is not one
 * they are told about. No name: a text shows on a locked screen.
 */
export function applicantSms(event: DossierEvent): string | undefined {
  const code = event.payload.dossierCode;
  switch (event.name) {
    case "applicationAccepted": {
      const appointment = event.payload.appointmentAt
        ? ` Hẹn trả kết quả: ${vietnameseDateTime(new Date(event.payload.appointmentAt))}.`
        : "";
      return `Hồ sơ ${code} đã được tiếp nhận.${appointment}`;
    }
    case "applicationRefused":
      // Not the officer's reason: free text of any length (every segment is billed) that may name someone, on a
      // locked screen. The mail and the dossier lookup carry it.
      return `Hồ sơ ${code} không được tiếp nhận; xem lý do khi tra cứu hồ sơ.`;
    case "supplementRequested":
      return `Hồ sơ ${code} cần bổ sung ${event.payload.missingItems.length} thành phần; xem chi tiết khi tra cứu hồ sơ.`;
    case "resultIssued": {
      const approved = event.payload.outcome === common.DecisionOutcome.DECISION_OUTCOME_APPROVED;
      return `Hồ sơ ${code} đã có kết quả (${approved ? "chấp thuận" : "từ chối"}), sẵn sàng để nhận.`;
    }
    default:
      return undefined;
  }
}

/**
 * The values of a ZNS template's parameters for an event (Zalo approves a
 * template with its parameter names: customer_name, dossier_code, status and,
 * for an acceptance, appointment), or undefined when the event is not told by ZNS.
 */
export function znsData(event: DossierEvent, applicantName: string): Record<string, string> | undefined {
  if (applicantSms(event) === undefined) return undefined;
  const status = statusCarriedBy(event);
  const data: Record<string, string> = {
    customer_name: applicantName,
    dossier_code: event.payload.dossierCode,
    status: isDossierStatus(status) ? statusLabel(status) : "",
  };
  if (event.name === "applicationAccepted" && event.payload.appointmentAt)
    data.appointment = vietnameseDateTime(new Date(event.payload.appointmentAt));
  return data;
}
