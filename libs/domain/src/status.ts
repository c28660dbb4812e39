/**
 * The external status codes 1–10 exchanged with the National Public Service
 * Portal (DOMAIN.md §2): their labels and what each does to the deadline
 * clock. Which moves between them are allowed is the workflow's business
 * (workflow.ts), which refines these codes into internal states.
 */
import { invalidField } from "@lienthong/errors";

export const DossierStatus = {
  SUBMITTED: 1,
  ACCEPTED: 2,
  REFUSED: 3,
  PROCESSING: 4,
  SUPPLEMENT_REQUESTED: 5,
  AWAITING_PAYMENT: 6,
  WITHDRAWN: 7,
  STOPPED: 8,
  DECIDED: 9,
  RESULT_RETURNED: 10,
} as const;
export type DossierStatus = (typeof DossierStatus)[keyof typeof DossierStatus];
export type DossierStatusName = keyof typeof DossierStatus;

/**
 * What entering a status does to the deadline clock:
 * not_started – before acceptance; starts – acceptance starts it; runs – it
 * counts; paused – waiting on the applicant, the wait is added to the
 * appointment on resume; stops – it ends (DECIDED is where on-time is judged);
 * none – the dossier never had or no longer has a clock.
 */
export type ClockEffect = "not_started" | "starts" | "runs" | "paused" | "stops" | "none";

export interface DossierStatusInfo {
  code: DossierStatus;
  name: DossierStatusName;
  vi: string;
  en: string;
  clock: ClockEffect;
}

export const DOSSIER_STATUSES: Readonly<Record<DossierStatus, DossierStatusInfo>> = {
  1: { code: 1, name: "SUBMITTED", vi: "Mới đăng ký", en: "Submitted, awaiting intake check", clock: "not_started" },
  2: { code: 2, name: "ACCEPTED", vi: "Được tiếp nhận", en: "Accepted", clock: "starts" },
  3: { code: 3, name: "REFUSED", vi: "Không được tiếp nhận", en: "Refused at intake", clock: "none" },
  4: { code: 4, name: "PROCESSING", vi: "Đang xử lý", en: "Processing", clock: "runs" },
  5: { code: 5, name: "SUPPLEMENT_REQUESTED", vi: "Yêu cầu bổ sung", en: "Supplement requested", clock: "paused" },
  6: {
    code: 6,
    name: "AWAITING_PAYMENT",
    vi: "Chờ thực hiện nghĩa vụ tài chính",
    en: "Awaiting fee or tax payment",
    clock: "paused",
  },
  7: { code: 7, name: "WITHDRAWN", vi: "Rút hồ sơ", en: "Withdrawn by the applicant", clock: "stops" },
  8: { code: 8, name: "STOPPED", vi: "Dừng xử lý", en: "Processing stopped", clock: "stops" },
  9: { code: 9, name: "DECIDED", vi: "Đã xử lý xong", en: "Decided, signed result ready", clock: "stops" },
  10: { code: 10, name: "RESULT_RETURNED", vi: "Đã trả kết quả", en: "Result returned", clock: "none" },
};

export function isDossierStatus(value: unknown): value is DossierStatus {
  return typeof value === "number" && Object.prototype.hasOwnProperty.call(DOSSIER_STATUSES, value);
}

function info(status: DossierStatus): DossierStatusInfo {
  if (!isDossierStatus(status)) throw invalidField("status", `unknown dossier status ${String(status)}`);
  return DOSSIER_STATUSES[status];
}

export function statusLabel(status: DossierStatus, language: "vi" | "en" = "vi"): string {
  return info(status)[language];
}

export function clockEffect(status: DossierStatus): ClockEffect {
  return info(status).clock;
}
