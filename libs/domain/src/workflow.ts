/**
 * The dossier workflow: the one table of what may happen to a dossier and
 * when. Every transport and service reads it — routing applies it, the API
 * lists the allowed actions from it, intake asks it whether an applicant may
 * still withdraw — so adding an action is one entry here (and the compiler
 * then points at every place that must handle it).
 *
 * States refine the portal's status codes (status.ts): "awaiting_signature"
 * is a decided dossier whose signed result is still being produced. The
 * portal keeps seeing the status it was decided at (4, or 6 for a result that
 * only waited for the payment) until the result is signed (9); nothing may
 * happen to it meanwhile.
 */
import { PlatformError, invalidField } from "@lienthong/errors";
import { DossierStatus, statusLabel } from "./status";

const S = DossierStatus;

/** Each internal state and the external status code it shows as (null: keeps the status it was entered from). */
export const DOSSIER_STATES = {
  submitted: S.SUBMITTED,
  refused: S.REFUSED,
  processing: S.PROCESSING,
  supplement_requested: S.SUPPLEMENT_REQUESTED,
  awaiting_payment: S.AWAITING_PAYMENT,
  withdrawn: S.WITHDRAWN,
  stopped: S.STOPPED,
  awaiting_signature: null,
  decided: S.DECIDED,
  result_returned: S.RESULT_RETURNED,
} as const satisfies Record<string, DossierStatus | null>;
export type DossierState = keyof typeof DOSSIER_STATES;

interface Move {
  from: readonly DossierState[];
  to: DossierState;
  /** A status the move passes through on the way, in the same commit. */
  via?: DossierStatus;
}

/**
 * Officials' actions, named as the contract names them (lower_snake of
 * gov.lienthong.routing.v1.DossierAction). "accept" passes through status 2
 * (accepted, the clock starts) to 4 at the competent authority in one commit,
 * so 2 is never a resting state. "decide" from 6 settles a result that only
 * waited for the payment. "transfer" changes the competent authority, not the
 * state.
 */
export const DOSSIER_ACTIONS = {
  accept: { from: ["submitted"], to: "processing", via: S.ACCEPTED },
  refuse: { from: ["submitted"], to: "refused" },
  request_supplement: { from: ["processing"], to: "supplement_requested" },
  request_payment: { from: ["processing"], to: "awaiting_payment" },
  record_payment: { from: ["awaiting_payment"], to: "processing" },
  decide: { from: ["processing", "awaiting_payment"], to: "awaiting_signature" },
  stop: { from: ["processing"], to: "stopped" },
  resume: { from: ["supplement_requested", "stopped"], to: "processing" },
  transfer: { from: ["processing"], to: "processing" },
  withdraw: { from: ["submitted", "processing", "supplement_requested"], to: "withdrawn" },
  return_result: { from: ["decided"], to: "result_returned" },
} as const satisfies Record<string, Move>;
export type DossierAction = keyof typeof DOSSIER_ACTIONS;

/**
 * What other services make happen: the signed result arrived, or could not
 * be produced — then the dossier is back in processing, where the official
 * can decide again (a new signature request), stop or transfer it.
 */
export const DOSSIER_OUTCOMES = {
  result_signed: { from: ["awaiting_signature"], to: "decided" },
  signature_failed: { from: ["awaiting_signature"], to: "processing" },
} as const satisfies Record<string, Move>;
export type DossierOutcome = keyof typeof DOSSIER_OUTCOMES;

export const dossierActions = Object.keys(DOSSIER_ACTIONS) as DossierAction[];

export function isDossierAction(value: unknown): value is DossierAction {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(DOSSIER_ACTIONS, value);
}

export function isDossierState(value: unknown): value is DossierState {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(DOSSIER_STATES, value);
}

/** The portal status after entering `state` from a dossier at status `before`. */
export function statusAfter(state: DossierState, before: DossierStatus): DossierStatus {
  return DOSSIER_STATES[state] ?? before;
}

/** The actions an official may take in this state, in the contract's order. */
export function allowedActions(state: DossierState): DossierAction[] {
  return dossierActions.filter((action) => (DOSSIER_ACTIONS[action].from as readonly DossierState[]).includes(state));
}

/** Refused: names the action, the status, and what is allowed instead. */
export class IllegalTransitionError extends PlatformError {
  constructor(
    readonly move: DossierAction | DossierOutcome,
    readonly state: DossierState,
    readonly status: DossierStatus,
  ) {
    const allowed = allowedActions(state);
    super(
      "FAILED_PRECONDITION",
      `Action "${move}" is not allowed: the dossier is at status ${status} (${statusLabel(status, "en")}${
        state === "awaiting_signature" ? ", its decision awaiting the signed result" : ""
      }); allowed actions: ${allowed.length > 0 ? allowed.join(", ") : "none"}`,
      { reason: "ILLEGAL_TRANSITION", details: { status, allowedActions: allowed } },
    );
  }
}

/** Where a dossier is: its workflow state and the status the portal sees. */
export interface DossierPosition {
  state: DossierState;
  status: DossierStatus;
}

/** The position after an official's action, or IllegalTransitionError. */
export function afterAction(position: DossierPosition, action: DossierAction): DossierPosition {
  if (!isDossierAction(action)) throw invalidField("action", `must be one of ${dossierActions.join(", ")}`);
  return moveFrom(DOSSIER_ACTIONS[action], position, action);
}

/** The position after another service's outcome, or IllegalTransitionError. */
export function afterOutcome(position: DossierPosition, outcome: DossierOutcome): DossierPosition {
  return moveFrom(DOSSIER_OUTCOMES[outcome], position, outcome);
}

function moveFrom(move: Move, position: DossierPosition, name: DossierAction | DossierOutcome): DossierPosition {
  if (!move.from.includes(position.state)) throw new IllegalTransitionError(name, position.state, position.status);
  return { state: move.to, status: statusAfter(move.to, position.status) };
}

const allMoves: readonly Move[] = [...Object.values(DOSSIER_ACTIONS), ...Object.values(DOSSIER_OUTCOMES)];

/**
 * The external statuses reachable from a status in one step as the portal
 * sees it (a pass-through such as accept's 2, or a wait for the signed
 * result, included): the table of DOMAIN.md §2, derived from the workflow.
 */
export function reachableStatuses(status: DossierStatus): DossierStatus[] {
  const reachable = new Set<DossierStatus>();
  const follow = (from: DossierState) => {
    for (const move of allMoves) {
      if (!move.from.includes(from)) continue;
      const shown = DOSSIER_STATES[move.to];
      if (move.via !== undefined) reachable.add(move.via);
      else if (shown === null) follow(move.to);
      else if (shown !== status) reachable.add(shown);
    }
  };
  for (const state of Object.keys(DOSSIER_STATES) as DossierState[]) {
    if (DOSSIER_STATES[state] === status) follow(state);
  }
  for (const move of allMoves) {
    if (move.via === status) reachable.add(statusAfter(move.to, status));
  }
  return [...reachable].sort((a, b) => a - b);
}

/** No move leads out of a terminal status (3, 7, 10). */
export function isTerminalStatus(status: DossierStatus): boolean {
  return reachableStatuses(status).length === 0;
}

/** Whether an applicant may still withdraw a dossier the portal shows at this status (intake knows only the status). */
export function applicantMayWithdraw(status: DossierStatus): boolean {
  return (DOSSIER_ACTIONS.withdraw.from as readonly DossierState[]).some((state) => DOSSIER_STATES[state] === status);
}
