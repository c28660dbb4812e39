import {
  allowedActions,
  allowedNextStatuses,
  applyAction,
  clockEffect,
  DOSSIER_ACTIONS,
  DOSSIER_STATUSES,
  DossierStatus,
  IllegalTransitionError,
  isTerminal,
  statusLabel,
  transition,
  type DossierAction,
} from "../src";

const S = DossierStatus;
const TABLE: Record<number, number[]> = {
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

describe("dossier status machine", () => {
  it("has the ten portal codes with labels", () => {
    expect(Object.values(S).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(statusLabel(S.SUPPLEMENT_REQUESTED)).toBe("Yêu cầu bổ sung");
    expect(statusLabel(S.DECIDED, "en")).toMatch(/decided/i);
  });

  it("allows exactly the transitions of DOMAIN.md §2", () => {
    for (const from of Object.values(S)) {
      for (const to of Object.values(S)) {
        const allowed = TABLE[from]!.includes(to);
        if (allowed) expect(transition(from, to)).toBe(to);
        else expect(() => transition(from, to)).toThrow(IllegalTransitionError);
      }
      expect([...allowedNextStatuses(from)].sort((a, b) => a - b)).toEqual(TABLE[from]);
    }
  });

  it("reports a refused transition with from, to, allowed and FAILED_PRECONDITION", () => {
    let error: unknown;
    try {
      transition(S.ACCEPTED, S.DECIDED);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: "FAILED_PRECONDITION", from: 2, to: 9, allowed: [4], retriable: false });
    expect((error as Error).message).toContain("2 (ACCEPTED) → 9 (DECIDED)");
  });

  it("marks 3, 7 and 10 terminal; 8 can resume", () => {
    expect(Object.values(S).filter(isTerminal)).toEqual([3, 7, 10]);
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

  it("walks a full life through named actions", () => {
    const path: DossierAction[] = [
      "accept",
      "startProcessing",
      "requestSupplement",
      "resumeFromSupplement",
      "requestPayment",
      "recordPayment",
      "decide",
      "returnResult",
    ];
    let status: DossierStatus = S.SUBMITTED;
    const seen: number[] = [status];
    for (const action of path) seen.push((status = applyAction(status, action)));
    expect(seen).toEqual([1, 2, 4, 5, 4, 6, 4, 9, 10]);
  });

  it("every action lands on a transition the table allows", () => {
    for (const [action, rule] of Object.entries(DOSSIER_ACTIONS)) {
      for (const from of rule.from) expect(TABLE[from]).toContain(applyAction(from, action as DossierAction));
    }
  });

  it("refuses an action not allowed now, naming it", () => {
    expect(() => applyAction(S.RESULT_RETURNED, "withdraw")).toThrow(
      /action "withdraw".*10 \(RESULT_RETURNED\) → 7 \(WITHDRAWN\).*none \(terminal\)/,
    );
    expect(() => applyAction(S.ACCEPTED, "withdraw")).toThrow(IllegalTransitionError);
  });

  it("lists the actions open in each status", () => {
    expect(allowedActions(S.SUBMITTED)).toEqual(["accept", "refuse", "withdraw"]);
    expect(allowedActions(S.PROCESSING).sort()).toEqual([
      "decide",
      "requestPayment",
      "requestSupplement",
      "stop",
      "withdraw",
    ]);
    expect(allowedActions(S.REFUSED)).toEqual([]);
    expect(Object.keys(DOSSIER_STATUSES)).toHaveLength(10);
  });
});
