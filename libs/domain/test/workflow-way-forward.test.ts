import {
  DOSSIER_ACTIONS,
  DOSSIER_OUTCOMES,
  DOSSIER_STATES,
  allowedActions,
  isTerminalStatus,
  ruleFor,
  type DossierAction,
  type DossierOutcome,
  type DossierState,
  type WorkflowPractice,
} from "../src";

/**
 * No dossier without a way forward, over every state of the workflow table:
 * a dossier that is not finished always offers some official an action, or
 * waits for another service's outcome — and whatever that outcome is, failure
 * included, an official can act afterwards. That every consumer failure
 * becomes such an outcome is proven where it happens: every signing code ends
 * in documentSigned or signatureFailed (services/signature sign-result.test.ts,
 * parked retries included), and libs/cli/test/render-failure.test.ts takes a
 * notice that cannot be rendered through the four services and back to the
 * officials.
 */

const states = Object.keys(DOSSIER_STATES) as DossierState[];
/** Every practice a deployment may turn on: the widest table, so that a practice's states are walked too. */
const EVERY_PRACTICE: Required<WorkflowPractice> = { supplementBeforeAcceptance: true };
const actions = Object.keys(DOSSIER_ACTIONS) as DossierAction[];
const outcomes = Object.keys(DOSSIER_OUTCOMES) as DossierOutcome[];

const leaves = (move: { from: readonly string[] }, state: DossierState) => move.from.includes(state);
const outcomesFrom = (state: DossierState) => outcomes.filter((outcome) => leaves(DOSSIER_OUTCOMES[outcome], state));
const isFinal = (state: DossierState) => allowedActions(state).length === 0 && outcomesFrom(state).length === 0;
/** Waiting: no official may act, another service's outcome is pending. */
const isWaiting = (state: DossierState) => allowedActions(state).length === 0 && outcomesFrom(state).length > 0;

function nextStates(state: DossierState): DossierState[] {
  return [
    ...allowedActions(state, EVERY_PRACTICE).flatMap((action) => ruleFor(action, state, EVERY_PRACTICE)?.to ?? []),
    ...outcomesFrom(state).map((outcome) => DOSSIER_OUTCOMES[outcome].to),
  ];
}

function reachableFrom(start: DossierState): Set<DossierState> {
  const seen = new Set<DossierState>([start]);
  const queue = [start];
  for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
    for (const next of nextStates(state)) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

describe("no dossier without a way forward", () => {
  it("finishes only in the portal's terminal statuses: refused, withdrawn, result returned", () => {
    expect(states.filter(isFinal)).toEqual(["refused", "withdrawn", "result_returned"]);
    for (const state of states) {
      const shown = DOSSIER_STATES[state];
      expect({ state, final: isFinal(state) }).toEqual({ state, final: shown !== null && isTerminalStatus(shown) });
    }
  });

  it("offers every open state an action some role may take, or waits only for outcomes each followed by one", () => {
    const stuck: string[] = [];
    for (const state of states.filter((candidate) => !isFinal(candidate))) {
      for (const action of allowedActions(state)) {
        if (DOSSIER_ACTIONS[action].actor.roles.length === 0) stuck.push(`${state}: nobody may ${action}`);
      }
      if (allowedActions(state).length > 0) continue;
      for (const outcome of outcomesFrom(state)) {
        const after = DOSSIER_OUTCOMES[outcome].to;
        if (allowedActions(after).length === 0) stuck.push(`${state} --${outcome}--> ${after}: no action`);
      }
    }
    expect(stuck).toEqual([]);
    // The one waiting state today: a decision awaiting its signed result.
    expect(states.filter(isWaiting)).toEqual(["awaiting_signature"]);
    expect(outcomesFrom("awaiting_signature")).toEqual(["result_signed", "signature_failed"]);
  });

  it("lets the official try again, or take another way, when a wait ends in failure", () => {
    for (const waiting of states.filter(isWaiting)) {
      const entering = actions.filter((action) => DOSSIER_ACTIONS[action].to === waiting);
      const failures = outcomesFrom(waiting).filter((outcome) =>
        allowedActions(DOSSIER_OUTCOMES[outcome].to).some((action) => entering.includes(action)),
      );
      // A failure that will recur (a result that cannot be rendered) must not trap the dossier in a retry loop.
      const otherWays = failures.flatMap((outcome) =>
        allowedActions(DOSSIER_OUTCOMES[outcome].to).filter((action) => DOSSIER_ACTIONS[action].to !== waiting),
      );
      expect({ waiting, failures: failures.length > 0, otherWays: otherWays.length > 0 }).toEqual({
        waiting,
        failures: true,
        otherWays: true,
      });
    }
    expect(allowedActions(DOSSIER_OUTCOMES.signature_failed.to)).toEqual(
      expect.arrayContaining(["decide", "stop", "transfer"]),
    );
  });

  it("can finish from every state, and every state is reachable from submission", () => {
    const final = states.filter(isFinal);
    for (const state of states) {
      const reachable = reachableFrom(state);
      expect({ state, canFinish: final.some((end) => reachable.has(end)) }).toEqual({ state, canFinish: true });
    }
    expect([...reachableFrom("submitted")].sort()).toEqual([...states].sort());
  });
});
