/**
 * Dossier lifecycle: the external status codes 1–10 exchanged with the
 * National Public Service Portal, the allowed transitions, and what each
 * status does to the deadline clock (DOMAIN.md §2).
 */
import { PlatformError, invalidField } from "@lienthong/errors";

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
  next: readonly DossierStatus[];
}

const S = DossierStatus;

export const DOSSIER_STATUSES: Readonly<Record<DossierStatus, DossierStatusInfo>> = {
  1: {
    code: 1,
    name: "SUBMITTED",
    vi: "Mới đăng ký",
    en: "Submitted, awaiting intake check",
    clock: "not_started",
    next: [S.ACCEPTED, S.REFUSED, S.WITHDRAWN],
  },
  2: { code: 2, name: "ACCEPTED", vi: "Được tiếp nhận", en: "Accepted", clock: "starts", next: [S.PROCESSING] },
  3: { code: 3, name: "REFUSED", vi: "Không được tiếp nhận", en: "Refused at intake", clock: "none", next: [] },
  4: {
    code: 4,
    name: "PROCESSING",
    vi: "Đang xử lý",
    en: "Processing",
    clock: "runs",
    next: [S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT, S.WITHDRAWN, S.STOPPED, S.DECIDED],
  },
  5: {
    code: 5,
    name: "SUPPLEMENT_REQUESTED",
    vi: "Yêu cầu bổ sung",
    en: "Supplement requested",
    clock: "paused",
    next: [S.PROCESSING, S.WITHDRAWN],
  },
  6: {
    code: 6,
    name: "AWAITING_PAYMENT",
    vi: "Chờ thực hiện nghĩa vụ tài chính",
    en: "Awaiting fee or tax payment",
    clock: "paused",
    next: [S.PROCESSING, S.DECIDED],
  },
  7: { code: 7, name: "WITHDRAWN", vi: "Rút hồ sơ", en: "Withdrawn by the applicant", clock: "stops", next: [] },
  // A stopped dossier may be resumed (e.g. a suspension lifted), so STOPPED is not terminal.
  8: { code: 8, name: "STOPPED", vi: "Dừng xử lý", en: "Processing stopped", clock: "stops", next: [S.PROCESSING] },
  9: {
    code: 9,
    name: "DECIDED",
    vi: "Đã xử lý xong",
    en: "Decided, signed result ready",
    clock: "stops",
    next: [S.RESULT_RETURNED],
  },
  10: { code: 10, name: "RESULT_RETURNED", vi: "Đã trả kết quả", en: "Result returned", clock: "none", next: [] },
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

export function allowedNextStatuses(status: DossierStatus): readonly DossierStatus[] {
  return info(status).next;
}

/** No transition leads out of a terminal status (3, 7, 10). */
export function isTerminal(status: DossierStatus): boolean {
  return allowedNextStatuses(status).length === 0;
}

export class IllegalTransitionError extends PlatformError {
  constructor(
    readonly from: DossierStatus,
    readonly to: DossierStatus,
    readonly allowed: readonly DossierStatus[],
    readonly action?: DossierAction,
  ) {
    const allowedText = allowed.length === 0 ? "none (terminal)" : allowed.join(", ");
    super(
      "FAILED_PRECONDITION",
      `${action ? `action "${action}": ` : ""}illegal dossier status transition ${from} (${DOSSIER_STATUSES[from].name}) → ${to} (${DOSSIER_STATUSES[to].name}); allowed from ${from}: ${allowedText}`,
      { reason: "ILLEGAL_TRANSITION" },
    );
  }
}

/** Returns `to` when the table allows from → to, otherwise throws IllegalTransitionError. */
export function transition(from: DossierStatus, to: DossierStatus): DossierStatus {
  const allowed = allowedNextStatuses(from);
  info(to);
  if (!allowed.includes(to)) throw new IllegalTransitionError(from, to, allowed);
  return to;
}

/** Named actions of officials and applicants, each a move between statuses. */
export type DossierAction =
  | "accept"
  | "refuse"
  | "startProcessing"
  | "requestSupplement"
  | "resumeFromSupplement"
  | "requestPayment"
  | "recordPayment"
  | "withdraw"
  | "stop"
  | "resume"
  | "decide"
  | "returnResult";

export interface DossierActionRule {
  from: readonly DossierStatus[];
  to: DossierStatus;
}

export const DOSSIER_ACTIONS: Readonly<Record<DossierAction, DossierActionRule>> = {
  accept: { from: [S.SUBMITTED], to: S.ACCEPTED },
  refuse: { from: [S.SUBMITTED], to: S.REFUSED },
  startProcessing: { from: [S.ACCEPTED], to: S.PROCESSING },
  requestSupplement: { from: [S.PROCESSING], to: S.SUPPLEMENT_REQUESTED },
  resumeFromSupplement: { from: [S.SUPPLEMENT_REQUESTED], to: S.PROCESSING },
  requestPayment: { from: [S.PROCESSING], to: S.AWAITING_PAYMENT },
  // Payment received: processing continues (6 → 4). A result that only waited
  // for the payment is issued with "decide" straight from 6 (6 → 9).
  recordPayment: { from: [S.AWAITING_PAYMENT], to: S.PROCESSING },
  withdraw: { from: [S.SUBMITTED, S.PROCESSING, S.SUPPLEMENT_REQUESTED], to: S.WITHDRAWN },
  stop: { from: [S.PROCESSING], to: S.STOPPED },
  resume: { from: [S.STOPPED], to: S.PROCESSING },
  decide: { from: [S.PROCESSING, S.AWAITING_PAYMENT], to: S.DECIDED },
  returnResult: { from: [S.DECIDED], to: S.RESULT_RETURNED },
};

export function isDossierAction(value: unknown): value is DossierAction {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(DOSSIER_ACTIONS, value);
}

/** The status after `action`, or IllegalTransitionError (carrying the action) when not allowed now. */
export function applyAction(status: DossierStatus, action: DossierAction): DossierStatus {
  if (!isDossierAction(action)) throw invalidField("action", `unknown dossier action "${String(action)}"`);
  const rule = DOSSIER_ACTIONS[action];
  const allowed = allowedNextStatuses(status);
  if (!rule.from.includes(status)) throw new IllegalTransitionError(status, rule.to, allowed, action);
  return rule.to;
}

export function allowedActions(status: DossierStatus): DossierAction[] {
  info(status);
  return (Object.keys(DOSSIER_ACTIONS) as DossierAction[]).filter((action) =>
    DOSSIER_ACTIONS[action].from.includes(status),
  );
}
