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
import type { Role } from "./roles";
import { DossierStatus, statusLabel } from "./status";

const S = DossierStatus;

/** Each internal state and the external status code it shows as (null: keeps the status it was entered from). */
export const DOSSIER_STATES = {
  submitted: S.SUBMITTED,
  refused: S.REFUSED,
  processing: S.PROCESSING,
  supplement_requested: S.SUPPLEMENT_REQUESTED,
  // Asked before acceptance where a province's practice allows it: the portal sees 5, the clock has not started.
  supplement_before_acceptance: S.SUPPLEMENT_REQUESTED,
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
 * Who may take an action: an official with one of these roles, belonging to
 * the dossier's receiving unit (the intake check at the counter) or to its
 * competent authority (everything after acceptance).
 */
interface Actor {
  roles: readonly Role[];
  at: "receiving_unit" | "competent_authority";
}

interface ActionRule extends Move {
  actor: Actor;
}

/**
 * What a province's practice may add to the statute's table (DOMAIN.md §9–§10: keep it configurable), each
 * turned on by a deployment setting; all off, the table is the statute's (DOMAIN.md §2).
 */
export interface WorkflowPractice {
  /** The receiving unit may ask for a supplement before accepting (routing's SUPPLEMENT_BEFORE_ACCEPTANCE). */
  supplementBeforeAcceptance?: boolean;
}
export type PracticeName = keyof WorkflowPractice;

/** The statute's table alone. */
export const STATUTORY: WorkflowPractice = {};

/**
 * An action's rule: the statute's, and the further moves a practice adds when it is on, each from other
 * states and with its own target and actor. Only the way into a practice's state is the practice's: the way
 * out of it stays in the table, so a deployment that turns the practice off strands no dossier.
 */
interface ActionEntry extends ActionRule {
  practice?: { [P in PracticeName]?: ActionRule };
}

const atCounter = (...roles: Role[]): Actor => ({ roles, at: "receiving_unit" });
const atAuthority = (...roles: Role[]): Actor => ({ roles, at: "competent_authority" });

/**
 * Officials' actions, named as the contract names them (lower_snake of
 * gov.lienthong.routing.v1.DossierAction). "accept" passes through status 2
 * (accepted, the clock starts) to 4 at the competent authority in one commit,
 * so 2 is never a resting state. "decide" from 6 settles a result that only
 * waited for the payment. "transfer" changes the competent authority, not the
 * state.
 */
export const DOSSIER_ACTIONS = {
  accept: { from: ["submitted"], to: "processing", via: S.ACCEPTED, actor: atCounter("receiving_officer") },
  refuse: { from: ["submitted", "supplement_before_acceptance"], to: "refused", actor: atCounter("receiving_officer") },
  request_supplement: {
    from: ["processing"],
    to: "supplement_requested",
    actor: atAuthority("processing_official", "leader"),
    // Where a province's practice allows it, the receiving unit asks before accepting (the clock not started);
    // the applicant's supplement brings the dossier back to the intake check (outcome supplement_provided).
    practice: {
      supplementBeforeAcceptance: {
        from: ["submitted"],
        to: "supplement_before_acceptance",
        actor: atCounter("receiving_officer"),
      },
    },
  },
  request_payment: { from: ["processing"], to: "awaiting_payment", actor: atAuthority("processing_official") },
  record_payment: { from: ["awaiting_payment"], to: "processing", actor: atAuthority("processing_official") },
  decide: { from: ["processing", "awaiting_payment"], to: "awaiting_signature", actor: atAuthority("leader") },
  stop: { from: ["processing"], to: "stopped", actor: atAuthority("processing_official", "leader") },
  resume: {
    from: ["supplement_requested", "stopped"],
    to: "processing",
    actor: atAuthority("processing_official", "leader"),
  },
  transfer: { from: ["processing"], to: "processing", actor: atAuthority("processing_official", "leader") },
  withdraw: {
    from: ["submitted", "processing", "supplement_requested", "supplement_before_acceptance"],
    to: "withdrawn",
    actor: atCounter("receiving_officer"),
  },
  return_result: { from: ["decided"], to: "result_returned", actor: atCounter("result_clerk") },
  // The head of the competent authority apologises before the appointment and sets a new one (form 04,
  // DOMAIN.md §10): an event inside status 4, not a status; while the clock is paused there is nothing to move.
  apologize: { from: ["processing"], to: "processing", actor: atAuthority("leader") },
} as const satisfies Record<string, ActionEntry>;
export type DossierAction = keyof typeof DOSSIER_ACTIONS;

/**
 * What other services make happen: the signed result arrived, or could not
 * be produced — then the dossier is back in processing, where the official
 * can decide again (a new signature request), stop or transfer it. The
 * applicant's supplement asked before acceptance (relayed by intake) brings
 * the dossier back to the intake check; after acceptance it is `resume`.
 */
export const DOSSIER_OUTCOMES = {
  result_signed: { from: ["awaiting_signature"], to: "decided" },
  signature_failed: { from: ["awaiting_signature"], to: "processing" },
  supplement_provided: { from: ["supplement_before_acceptance"], to: "submitted" },
} as const satisfies Record<string, Move>;
export type DossierOutcome = keyof typeof DOSSIER_OUTCOMES;

export const dossierActions = Object.keys(DOSSIER_ACTIONS) as DossierAction[];

/** The statute's rule of an action and those the practices turned on add. */
function rulesOf(action: DossierAction, practice: WorkflowPractice): ActionRule[] {
  const entry: ActionEntry = DOSSIER_ACTIONS[action];
  const added = Object.entries(entry.practice ?? {}).flatMap(([name, rule]) =>
    practice[name as PracticeName] === true && rule ? [rule] : [],
  );
  return [entry, ...added];
}

/** The rule that takes `action` from `state` under `practice`; undefined when the workflow does not allow it. */
export function ruleFor(action: DossierAction, state: DossierState, practice: WorkflowPractice = STATUTORY) {
  return rulesOf(action, practice).find((rule) => rule.from.includes(state));
}

/**
 * Who may take an action: the roles, and whether at the receiving unit or at the competent authority. From a
 * state a practice's rule applies to, that rule's actor; otherwise the statute's.
 */
export function actorOf(action: DossierAction, state?: DossierState, practice: WorkflowPractice = STATUTORY): Actor {
  return (state && ruleFor(action, state, practice)?.actor) || DOSSIER_ACTIONS[action].actor;
}

/** Every role that may take the action from some state under `practice` (asked before the dossier is read). */
export function rolesFor(action: DossierAction, practice: WorkflowPractice = STATUTORY): Role[] {
  return [...new Set(rulesOf(action, practice).flatMap((rule) => rule.actor.roles))];
}

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
export function allowedActions(state: DossierState, practice: WorkflowPractice = STATUTORY): DossierAction[] {
  return dossierActions.filter((action) => ruleFor(action, state, practice) !== undefined);
}

/** Refused: names the action, the status, and what is allowed instead. */
export class IllegalTransitionError extends PlatformError {
  constructor(
    readonly move: DossierAction | DossierOutcome,
    readonly state: DossierState,
    readonly status: DossierStatus,
    practice: WorkflowPractice = STATUTORY,
  ) {
    const allowed = allowedActions(state, practice);
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

/** The position after an official's action under a deployment's practice, or IllegalTransitionError. */
export function afterAction(
  position: DossierPosition,
  action: DossierAction,
  practice: WorkflowPractice = STATUTORY,
): DossierPosition {
  if (!isDossierAction(action)) throw invalidField("action", `must be one of ${dossierActions.join(", ")}`);
  const rule = ruleFor(action, position.state, practice);
  if (!rule) throw new IllegalTransitionError(action, position.state, position.status, practice);
  return { state: rule.to, status: statusAfter(rule.to, position.status) };
}

/** The position after another service's outcome, or IllegalTransitionError. */
export function afterOutcome(position: DossierPosition, outcome: DossierOutcome): DossierPosition {
  return moveFrom(DOSSIER_OUTCOMES[outcome], position, outcome);
}

function moveFrom(move: Move, position: DossierPosition, name: DossierAction | DossierOutcome): DossierPosition {
  if (!move.from.includes(position.state)) throw new IllegalTransitionError(name, position.state, position.status);
  return { state: move.to, status: statusAfter(move.to, position.status) };
}

function movesUnder(practice: WorkflowPractice): Move[] {
  return [...dossierActions.flatMap((action) => rulesOf(action, practice)), ...Object.values(DOSSIER_OUTCOMES)];
}

/**
 * The external statuses reachable from a status in one step as the portal
 * sees it (a pass-through such as accept's 2, or a wait for the signed
 * result, included): the table of DOMAIN.md §2, derived from the workflow;
 * a practice turned on widens it. A state no move enters (a practice's, while
 * it is off) holds no dossier and counts for nothing.
 */
export function reachableStatuses(status: DossierStatus, practice: WorkflowPractice = STATUTORY): DossierStatus[] {
  const allMoves = movesUnder(practice);
  const entered = new Set<DossierState>(["submitted", ...allMoves.map((move) => move.to)]);
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
    if (DOSSIER_STATES[state] === status && entered.has(state)) follow(state);
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
