import { common, events, statusCarriedBy, type DecodedEvent } from "@lienthong/contracts";
import { isDossierStatus, statusLabel, vietnameseDate, vietnameseDateTime } from "@lienthong/domain";

/** The languages an applicant can be told in: Vietnamese first, English for foreign residents. */
export const TEMPLATE_LANGUAGES = ["vi", "en"] as const;
export type TemplateLanguage = (typeof TEMPLATE_LANGUAGES)[number];

/**
 * What a template variable holds: `text` is printed; `flag` only decides an
 * `{{#if}}`; `list` only feeds an `{{#each}}`. `free` marks what an officer
 * typed (a refusal's reason, the missing items, a payment's description):
 * unbounded, may name someone, so no SMS or ZNS template may print it (the
 * SMS shows on a locked screen and every segment is billed).
 */
export interface VariableSpec {
  kind: "text" | "flag" | "list";
  free?: boolean;
  /** Names the applicant: a ZNS message (Zalo's account, opened by its holder) may carry it, an SMS never does. */
  personal?: boolean;
  /** Computed from the event's other values (see `derived`): a preview derives it, never takes it. */
  derived?: boolean;
}

type Values<V extends Record<string, VariableSpec>> = {
  [K in keyof V]: V[K]["kind"] extends "flag" ? boolean : V[K]["kind"] extends "list" ? string[] : string;
};

/** Every event type's templates receive these: who is addressed and which dossier. */
const COMMON = {
  applicantName: { kind: "text", personal: true },
  dossierCode: { kind: "text" },
  /** The status the event puts the dossier in, as the portal names it ("Được tiếp nhận" / "Accepted"). */
  statusLabel: { kind: "text" },
} as const satisfies Record<string, VariableSpec>;

type EventNamed<N extends DecodedEvent["name"]> = Extract<DecodedEvent, { name: N }>["payload"];

/**
 * One event type an applicant is told about: the variables its templates may
 * use (beyond COMMON), how an event gives their values in a language, and a
 * sample event for previews and for the check made when templates load.
 */
interface TemplatedEvent<N extends DecodedEvent["name"], V extends Record<string, VariableSpec>> {
  /**
   * Urgent news goes by phone even in quiet hours: what the applicant must act on or has waited for (a supplement
   * or payment to make, the result, a new appointment). The rest waits for the morning.
   */
  urgent: boolean;
  variables: V;
  values(payload: EventNamed<N>, language: TemplateLanguage): Values<V>;
  /**
   * The `derived` variables' values from the others (a count of a list): applied after `values`, and again after a
   * preview's overrides, so a derived value always agrees with what it counts.
   */
  derive?(values: Values<V>): Partial<Values<V>>;
  sample: EventNamed<N>;
}

function templated<N extends DecodedEvent["name"], V extends Record<string, VariableSpec>>(
  _name: N,
  spec: TemplatedEvent<N, V>,
): TemplatedEvent<N, V> {
  return spec;
}

/**
 * The slips' names as the forms title them: forms 01–04 of Circular 03/2025/TT-VPCP Appendix I (decision 58; form
 * 04 was "Phiếu xin lỗi và hẹn lại ngày trả kết quả" under Circular 01/2018/TT-VPCP).
 */
const SLIP_NAMES: Record<TemplateLanguage, Record<number, string>> = {
  vi: {
    [events.SlipKind.SLIP_KIND_RECEIPT]: "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    [events.SlipKind.SLIP_KIND_SUPPLEMENT_REQUEST]: "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    [events.SlipKind.SLIP_KIND_REFUSAL]: "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    [events.SlipKind.SLIP_KIND_APOLOGY]: "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết",
  },
  en: {
    [events.SlipKind.SLIP_KIND_RECEIPT]: "Receipt and appointment slip",
    [events.SlipKind.SLIP_KIND_SUPPLEMENT_REQUEST]: "Request for additional documents",
    [events.SlipKind.SLIP_KIND_REFUSAL]: "Refusal slip",
    [events.SlipKind.SLIP_KIND_APOLOGY]: "Apology and proposed extension of the processing time",
  },
};

/** "17 giờ 00, ngày 02 tháng 12 năm 2026" in Vietnamese; "17:00, 2 December 2026" in English; both in Vietnam time. */
function dateTimeIn(language: TemplateLanguage, iso: string | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (language === "vi") return vietnameseDateTime(date);
  const time = new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Ho_Chi_Minh", timeStyle: "short" }).format(date);
  return `${time}, ${dateIn(language, iso)}`;
}

/** "ngày 02 tháng 12 năm 2026" / "2 December 2026", in Vietnam time. */
function dateIn(language: TemplateLanguage, iso: string | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (language === "vi") return vietnameseDate(date);
  return new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Ho_Chi_Minh", dateStyle: "long" }).format(date);
}

/** An amount in đồng as each language groups digits: "1.500.000" / "1,500,000". */
function amountIn(language: TemplateLanguage, amountVnd: number): string {
  return new Intl.NumberFormat(language === "vi" ? "vi-VN" : "en-GB", { maximumFractionDigits: 0 }).format(amountVnd);
}

/** The events an applicant is told about: each has its variables below and a template file per language. */
export const TEMPLATED_EVENT_NAMES = [
  "applicationAccepted",
  "applicationRefused",
  "supplementRequested",
  "paymentRequested",
  "resultIssued",
  "apologyIssued",
  "slipIssued",
  "supplementOverdue",
] as const;
export type TemplatedEventName = (typeof TEMPLATED_EVENT_NAMES)[number];

const SAMPLE = { dossierId: "0193a1f2-7b3c-7d4e-8f90-a1b2c3d4e5f6", dossierCode: "14845-261207-0001" } as const;

/**
 * The one table of what an applicant is told about, and with which variables.
 * Planning, the loading check and the preview all read it; an event missing
 * here is told to the commune systems only (by webhook).
 */
const TEMPLATED_EVENTS = {
  applicationAccepted: templated("applicationAccepted", {
    urgent: false,
    variables: { appointment: { kind: "text" } },
    values: (payload, language) => ({ appointment: dateTimeIn(language, payload.appointmentAt) }),
    sample: events.ApplicationAccepted.fromPartial({
      ...SAMPLE,
      status: common.DossierStatus.DOSSIER_STATUS_ACCEPTED,
      acceptedAt: "2026-12-07T02:15:00.000Z",
      appointmentAt: "2026-12-16T10:00:00.000Z",
    }),
  }),
  applicationRefused: templated("applicationRefused", {
    urgent: false,
    variables: { reason: { kind: "text", free: true } },
    values: (payload) => ({ reason: payload.reason }),
    sample: events.ApplicationRefused.fromPartial({
      ...SAMPLE,
      status: common.DossierStatus.DOSSIER_STATUS_REFUSED,
      refusedAt: "2026-12-07T02:15:00.000Z",
      reason: "Hồ sơ không thuộc thẩm quyền giải quyết của xã",
    }),
  }),
  supplementRequested: templated("supplementRequested", {
    urgent: true,
    variables: {
      missingItems: { kind: "list", free: true },
      missingItemCount: { kind: "text", derived: true },
      /** The date to supply by (decision 63), empty when the deployment sets no deadline: templates test it in `#if`. */
      supplementDue: { kind: "text" },
    },
    values: (payload, language) => ({
      missingItems: payload.missingItems,
      missingItemCount: "",
      supplementDue: dateIn(language, payload.supplementDueAt),
    }),
    derive: (values) => ({ missingItemCount: String(values.missingItems.length) }),
    sample: events.SupplementRequested.fromPartial({
      ...SAMPLE,
      status: common.DossierStatus.DOSSIER_STATUS_SUPPLEMENT_REQUESTED,
      requestedAt: "2026-12-08T03:00:00.000Z",
      missingItems: ["Bản sao Giấy khai sinh", "Tờ khai có xác nhận của trưởng thôn"],
      supplementDueAt: "2026-12-15T10:00:00.000Z",
    }),
  }),
  paymentRequested: templated("paymentRequested", {
    urgent: true,
    variables: {
      amount: { kind: "text" },
      description: { kind: "text", free: true },
      requestedAt: { kind: "text" },
    },
    values: (payload, language) => ({
      amount: amountIn(language, payload.amountVnd),
      description: payload.description,
      requestedAt: dateIn(language, payload.requestedAt),
    }),
    sample: events.PaymentRequested.fromPartial({
      ...SAMPLE,
      status: common.DossierStatus.DOSSIER_STATUS_AWAITING_PAYMENT,
      requestedAt: "2026-12-08T03:00:00.000Z",
      amountVnd: 1_500_000,
      description: "Lệ phí cấp giấy chứng nhận",
    }),
  }),
  resultIssued: templated("resultIssued", {
    urgent: true,
    variables: { approved: { kind: "flag" }, issuedAt: { kind: "text" } },
    values: (payload, language) => ({
      approved: payload.outcome === common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
      issuedAt: dateTimeIn(language, payload.issuedAt),
    }),
    sample: events.ResultIssued.fromPartial({
      ...SAMPLE,
      status: common.DossierStatus.DOSSIER_STATUS_DECIDED,
      issuedAt: "2026-12-15T09:30:00.000Z",
      outcome: common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
    }),
  }),
  apologyIssued: templated("apologyIssued", {
    urgent: true,
    variables: {
      reason: { kind: "text", free: true },
      previousAppointment: { kind: "text" },
      newAppointment: { kind: "text" },
    },
    values: (payload, language) => ({
      reason: payload.reason,
      previousAppointment: dateTimeIn(language, payload.previousAppointmentAt),
      newAppointment: dateTimeIn(language, payload.newAppointmentAt),
    }),
    sample: events.ApologyIssued.fromPartial({
      ...SAMPLE,
      issuedAt: "2026-12-14T02:00:00.000Z",
      previousAppointmentAt: "2026-12-16T10:00:00.000Z",
      newAppointmentAt: "2026-12-23T10:00:00.000Z",
      reason: "Cần xác minh thêm thông tin với cơ quan khác",
      apologyNumber: 1,
    }),
  }),
  slipIssued: templated("slipIssued", {
    urgent: false,
    // No link: the slip's own route needs a commune system's key, and the applicant's copy is a link of ten minutes
    // signed by intake's public lookup (decision 58), so the messages send the applicant there.
    variables: { slipName: { kind: "text" } },
    values: (payload, language) => ({ slipName: SLIP_NAMES[language][payload.kind] ?? "" }),
    sample: events.SlipIssued.fromPartial({
      ...SAMPLE,
      kind: events.SlipKind.SLIP_KIND_RECEIPT,
      documentId: "6f1c2a4e-7d0b-4e55-9a57-0c3f2b8d1e90",
      downloadPath: "/v1/documents/6f1c2a4e-7d0b-4e55-9a57-0c3f2b8d1e90",
      issuedAt: "2026-12-07T02:16:00.000Z",
    }),
  }),
  supplementOverdue: templated("supplementOverdue", {
    // Past the date the applicant was given (decision 63): the unit may now refuse or stop the dossier, so they act.
    urgent: true,
    variables: { supplementDue: { kind: "text" }, requestedAt: { kind: "text" } },
    values: (payload, language) => ({
      supplementDue: dateIn(language, payload.supplementDueAt),
      requestedAt: dateIn(language, payload.requestedAt),
    }),
    sample: events.SupplementOverdue.fromPartial({
      ...SAMPLE,
      detectedAt: "2026-12-15T17:00:00.000Z",
      supplementDueAt: "2026-12-15T10:00:00.000Z",
      requestedAt: "2026-12-08T03:00:00.000Z",
    }),
  }),
} as const satisfies Record<TemplatedEventName, unknown>;

export type TemplateValues = Record<string, string | boolean | string[]>;

export function isTemplatedEvent(name: string): name is TemplatedEventName {
  return Object.hasOwn(TEMPLATED_EVENTS, name);
}

/**
 * The spec of a variable of an event, if it has one: its own names only, never one an object inherits
 * (`constructor`, `toString`, `__proto__`), which Handlebars renders as absent at send time.
 */
export function variableOf(variables: Record<string, VariableSpec>, name: string): VariableSpec | undefined {
  return Object.hasOwn(variables, name) ? variables[name] : undefined;
}

/** Whether an event's news goes by phone even in quiet hours. */
export function isUrgent(name: TemplatedEventName): boolean {
  return TEMPLATED_EVENTS[name].urgent;
}

/** Every variable an event type's templates may use (COMMON and its own), with what each holds. */
export function variablesOf(name: TemplatedEventName): Record<string, VariableSpec> {
  return { ...COMMON, ...TEMPLATED_EVENTS[name].variables };
}

/** The values of every variable of an event, in a language, for an applicant. */
export function valuesOf(event: DecodedEvent, applicantName: string, language: TemplateLanguage): TemplateValues {
  const spec = TEMPLATED_EVENTS[event.name as TemplatedEventName] as
    TemplatedEvent<DecodedEvent["name"], Record<string, VariableSpec>> | undefined;
  if (!spec) throw new TypeError(`event ${event.name} has no templates`);
  const payload = event.payload as { dossierCode: string };
  const status = statusCarriedBy(event);
  return derivedValues(event.name as TemplatedEventName, {
    applicantName,
    dossierCode: payload.dossierCode,
    statusLabel: isDossierStatus(status) ? statusLabel(status, language) : "",
    ...spec.values(event.payload, language),
  });
}

/** The values with their derived ones computed from the rest (after a preview's overrides too). */
export function derivedValues(name: TemplatedEventName, values: TemplateValues): TemplateValues {
  const spec = TEMPLATED_EVENTS[name] as { derive?: (values: TemplateValues) => TemplateValues };
  return { ...values, ...spec.derive?.(values) };
}

/** The sample an event type's templates are checked and previewed with. */
export function sampleEvent(name: TemplatedEventName): DecodedEvent {
  return { name, payload: TEMPLATED_EVENTS[name].sample } as DecodedEvent;
}

/** The name the samples address. */
export const SAMPLE_APPLICANT_NAME = "Nguyễn Văn An";
