import {
  DOSSIER_ACTIONS,
  DOSSIER_OUTCOMES,
  DOSSIER_STATES,
  DOSSIER_STATUSES,
  DossierStatus,
  IllegalTransitionError,
  allowedActions,
  applicantMayWithdraw,
  clockEffect,
  isTerminalStatus,
  reachableStatuses,
  afterAction,
  afterOutcome,
  actorOf,
  rolesFor,
  statusLabel,
  type DossierAction,
  type DossierPosition,
  type DossierState,
} from "../src";

const S = DossierStatus;
/** DOMAIN.md §2, column "next". */
const DOMAIN_TABLE: Record<number, number[]> = {
  1: [2, 3, 7],
  2: [4],
  3: [],
  4: [5, 6, 7, 8, 9],
  5: [4, 7],
  6: [4, 9],
  7: [],
  8: [4],
  9: [10],
  10: [],
};
const states = Object.keys(DOSSIER_STATES) as DossierState[];

describe("dossier statuses", () => {
  it("has the ten portal codes with labels", () => {
    expect(Object.values(S).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(statusLabel(S.SUPPLEMENT_REQUESTED)).toBe("Yêu cầu bổ sung");
    expect(statusLabel(S.DECIDED, "en")).toMatch(/decided/i);
    expect(Object.keys(DOSSIER_STATUSES)).toHaveLength(10);
  });

  it("describes the deadline clock per status", () => {
    expect([1, 2, 4, 5, 6, 7, 9].map((s) => clockEffect(s as DossierStatus))).toEqual([
      "not_started",
      "starts",
      "runs",
      "paused",
      "paused",
      "stops",
      "stops",
    ]);
  });
});

describe("dossier workflow", () => {
  it("moves between exactly the statuses of DOMAIN.md §2", () => {
    for (const status of Object.values(S)) expect(reachableStatuses(status)).toEqual(DOMAIN_TABLE[status]);
  });

  it("marks 3, 7 and 10 terminal; 8 can resume", () => {
    expect(Object.values(S).filter(isTerminalStatus)).toEqual([3, 7, 10]);
  });

  it("walks a full life through the contract's action names and the services' outcomes", () => {
    let position: DossierPosition = { state: "submitted", status: S.SUBMITTED };
    const seen: number[] = [position.status];
    const path: (DossierAction | "result_signed")[] = [
      "accept",
      "request_supplement",
      "resume",
      "request_payment",
      "record_payment",
      "decide",
      "result_signed",
      "return_result",
    ];
    for (const move of path) {
      position = move === "result_signed" ? afterOutcome(position, move) : afterAction(position, move);
      seen.push(position.status);
    }
    expect(seen).toEqual([1, 4, 5, 4, 6, 4, 4, 9, 10]);
  });

  it("keeps a decided dossier waiting for its signed result: no action until the signature service answers", () => {
    const decided = afterAction({ state: "processing", status: S.PROCESSING }, "decide");
    expect(decided).toEqual({ state: "awaiting_signature", status: S.PROCESSING });
    expect(allowedActions("awaiting_signature")).toEqual([]);
    expect(afterOutcome(decided, "result_signed")).toEqual({ state: "decided", status: S.DECIDED });
    // A result that only waited for the payment: the portal sees 6 until the signed result, then 9.
    const afterPayment = afterAction({ state: "awaiting_payment", status: S.AWAITING_PAYMENT }, "decide");
    expect(afterPayment.status).toBe(S.AWAITING_PAYMENT);
    expect(afterOutcome(afterPayment, "result_signed").status).toBe(S.DECIDED);
    // A failed signature gives the dossier back to the official, who can decide again, stop or transfer.
    const back = afterOutcome(decided, "signature_failed");
    expect(allowedActions(back.state)).toEqual(expect.arrayContaining(["decide", "stop", "transfer"]));
  });

  it("refuses an action not allowed now, naming the status and what is allowed", () => {
    let error: unknown;
    try {
      afterAction({ state: "result_returned", status: S.RESULT_RETURNED }, "withdraw");
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(IllegalTransitionError);
    expect(error).toMatchObject({
      code: "FAILED_PRECONDITION",
      reason: "ILLEGAL_TRANSITION",
      retriable: false,
      details: { status: 10, allowedActions: [] },
    });
    expect((error as Error).message).toBe(
      'Action "withdraw" is not allowed: the dossier is at status 10 (Result returned); allowed actions: none',
    );
    expect(() => afterAction({ state: "awaiting_signature", status: S.PROCESSING }, "stop")).toThrow(
      /at status 4 \(Processing, its decision awaiting the signed result\)/,
    );
  });

  it("lists the actions open in each state in the contract's order", () => {
    expect(allowedActions("submitted")).toEqual(["accept", "refuse", "withdraw"]);
    expect(allowedActions("processing")).toEqual([
      "request_supplement",
      "request_payment",
      "decide",
      "stop",
      "transfer",
      "withdraw",
      "apologize",
    ]);
    expect(allowedActions("awaiting_payment")).toEqual(["record_payment", "decide"]);
    expect(allowedActions("refused")).toEqual([]);
  });

  it("tells intake whether an applicant may still withdraw at a portal status", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter((s) => applicantMayWithdraw(s as DossierStatus))).toEqual([1, 4, 5]);
  });

  it("every move names known states", () => {
    for (const move of [...Object.values(DOSSIER_ACTIONS), ...Object.values(DOSSIER_OUTCOMES)]) {
      for (const state of [...move.from, move.to]) expect(states).toContain(state);
    }
  });

  it("widens the table only where a province's practice is turned on: a supplement before acceptance", () => {
    const submitted: DossierPosition = { state: "submitted", status: S.SUBMITTED };
    const practice = { supplementBeforeAcceptance: true };
    // Off: the statute's table, the request at status 1 refused naming what is allowed.
    expect(() => afterAction(submitted, "request_supplement")).toThrow(
      'Action "request_supplement" is not allowed: the dossier is at status 1 (Submitted, awaiting intake check); allowed actions: accept, refuse, withdraw',
    );
    expect(rolesFor("request_supplement")).toEqual(["processing_official", "leader"]);
    // On: the receiving unit's officer asks at 1; the portal sees 5; the applicant's supplement brings it back to 1.
    const asked = afterAction(submitted, "request_supplement", practice);
    expect(asked).toEqual({ state: "supplement_before_acceptance", status: S.SUPPLEMENT_REQUESTED });
    expect(actorOf("request_supplement", "submitted", practice)).toEqual({
      roles: ["receiving_officer"],
      at: "receiving_unit",
    });
    expect(actorOf("request_supplement", "processing", practice).at).toBe("competent_authority");
    expect(rolesFor("request_supplement", practice)).toEqual(["processing_official", "leader", "receiving_officer"]);
    expect(allowedActions("submitted", practice)).toEqual(["accept", "refuse", "request_supplement", "withdraw"]);
    expect(allowedActions(asked.state)).toEqual(["refuse", "withdraw"]);
    expect(afterOutcome(asked, "supplement_provided")).toEqual(submitted);
    expect(() => afterAction(asked, "accept", practice)).toThrow(IllegalTransitionError);
    // The portal's table gains 1 → 5 and 5 → 1, 3 with it, and nothing without it.
    expect(reachableStatuses(S.SUBMITTED, practice)).toEqual([2, 3, 5, 7]);
    expect(reachableStatuses(S.SUPPLEMENT_REQUESTED, practice)).toEqual([1, 3, 4, 7]);
    expect(reachableStatuses(S.SUPPLEMENT_REQUESTED)).toEqual([4, 7]);
  });
});
