import { failedPrecondition, invalidField } from "@lienthong/errors";
import { formatVietnamDate, toVietnamParts } from "@lienthong/domain";
import type { OutgoingEvent } from "@lienthong/messaging";
import type { AssignmentRecord } from "../../store/collections";
import { provinceOf } from "../deadline-clock";
import type { RoutingPorts } from "../ports";
import type { ActionRequest } from "./action-request";
import { receivingUnitOf } from "./receiving-unit";
import { routingEvent } from "./routing-event";

/**
 * The competent authority's apology with a new appointment (văn bản xin lỗi và đề nghị gia hạn thời gian giải
 * quyết, Mẫu số 04 of Circular 03/2025/TT-VPCP Appendix I, guiding Decree 118/2025/NĐ-CP; decision 58 has the
 * form's history): issued by its leader *before* the appointment, with the reason and a new date (DOMAIN.md §10 [S]). Refused once the appointment has passed (the dossier is then flagged overdue,
 * fire-deadline-timers.ts), beyond APOLOGY_MAX, inside APOLOGY_MIN_LEAD_WORKING_HOURS of the appointment, and for a
 * procedure whose catalog entry allows no extension. The new appointment must be a later Vietnam date (timeliness is
 * judged by date) on a working day of the authority's province, at a time of its working hours: form 04 prints the
 * hour ("… giờ … phút"), and the applicant comes to the desk then.
 */
export function planApology(
  ports: RoutingPorts,
  data: AssignmentRecord,
  request: ActionRequest,
  now: Date,
): { changes: Partial<AssignmentRecord>; event: OutgoingEvent } {
  const current = data.appointmentAt ? new Date(data.appointmentAt) : undefined;
  const dossier = data.dossierCode;
  if (!current || data.overdue || now.getTime() >= current.getTime()) {
    throw failedPrecondition(
      `Dossier ${dossier}: an apology is issued before the appointment, and its appointment has passed`,
      { appointmentAt: data.appointmentAt },
      "APPOINTMENT_PASSED",
    );
  }
  const { apologyMax, apologyMinLeadWorkingHours } = ports.deadlines;
  if (data.apologies >= apologyMax) {
    throw failedPrecondition(
      `Dossier ${dossier} already has ${data.apologies} apology(ies); this deployment allows ${apologyMax} (APOLOGY_MAX)`,
      { apologies: data.apologies, apologyMax },
      "APOLOGY_LIMIT_REACHED",
    );
  }
  const province = provinceOf(data);
  const left = ports.calendar.workingHoursBetween(now, current, province);
  if (apologyMinLeadWorkingHours > 0 && left < apologyMinLeadWorkingHours) {
    throw failedPrecondition(
      `Dossier ${dossier}: an apology is due at least ${apologyMinLeadWorkingHours} working hours before the appointment`,
      { remainingWorkingHours: left, apologyMinLeadWorkingHours },
      "APOLOGY_TOO_LATE",
    );
  }
  if (ports.catalog.version(data.procedureCode, data.procedureVersion)?.allowsExtension === false) {
    throw failedPrecondition(
      `Dossier ${dossier}: the catalog allows no new appointment for procedure ${data.procedureCode}`,
      undefined,
      "EXTENSION_NOT_ALLOWED",
    );
  }
  const next = new Date(request.newAppointmentAt ?? "");
  if (formatVietnamDate(next) <= formatVietnamDate(current)) {
    throw invalidField(
      "newAppointmentAt",
      `must be a date after the current appointment (${formatVietnamDate(current)})`,
    );
  }
  if (!ports.calendar.isWorkingDay(next, province)) {
    throw invalidField("newAppointmentAt", "must be a working day of the competent authority's province");
  }
  if (!withinWorkingHours(ports, next, province)) {
    throw invalidField(
      "newAppointmentAt",
      `must be within the working hours of the competent authority's province (Vietnam time), not ${formatVietnamTime(next)}`,
    );
  }
  const newAppointmentAt = next.toISOString();
  const apologies = data.apologies + 1;
  return {
    changes: { appointmentAt: newAppointmentAt, apologies },
    event: routingEvent("apologyIssued", data, {
      issuedAt: now.toISOString(),
      previousAppointmentAt: data.appointmentAt ?? undefined,
      newAppointmentAt,
      reason: request.reason ?? "",
      officialId: request.officialId,
      apologyNumber: apologies,
      procedureCode: data.procedureCode,
      procedureName: data.procedureName,
      competentAuthority: data.competentAuthority ?? undefined,
      receivingUnit: receivingUnitOf(ports, data),
    }),
  };
}

/**
 * Whether an instant falls in one of the province's working sessions, its end included: inside a session the next
 * working instant is the instant itself, and the close of the working day is where computed appointments fall.
 */
function withinWorkingHours(ports: RoutingPorts, at: Date, province: string): boolean {
  const time = at.getTime();
  return (
    ports.calendar.nextWorkingInstant(at, province).getTime() === time ||
    ports.calendar.endOfWorkingDay(at, province).getTime() === time
  );
}

/** "23:30", Vietnam time: the refusal names the hour the official sent as the applicant would read it. */
function formatVietnamTime(at: Date): string {
  const { hour, minute } = toVietnamParts(at);
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
}
