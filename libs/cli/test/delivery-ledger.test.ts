import { describe, expect, test } from "@jest/globals";
import { DeliveryLedger } from "./support/delivery-ledger";

/** The checker's arithmetic (distributed-checker.test.ts): what counts as lost, duplicated, unexpected or a repeat. */
describe("the checker's delivery ledger", () => {
  const ledger = () =>
    new DeliveryLedger(
      [
        { name: "webhooks", repeats: "absorbed" },
        { name: "timeline", repeats: "duplicated" },
      ],
      (dossierId) => `code-of-${dossierId}`,
    );

  test("an expected item seen under its one id, however often, is received; the repeats are a figure", () => {
    const counted = ledger();
    counted.expect("webhooks", "d1", "webhook for accepted");
    counted.observe("webhooks", "d1", "webhook for accepted", "w-1");
    counted.observe("webhooks", "d1", "webhook for accepted", "w-1");
    const report = counted.report();
    expect(report.rows[0]).toEqual(
      expect.objectContaining({ expected: 1, matched: 1, lost: 0, duplicated: 0, unexpected: 0, rawRepeats: 1 }),
    );
    expect(report.faults).toBe(0);
  });

  test("lost: seen under fewer ids than expected; duplicated: under more", () => {
    const counted = ledger();
    counted.expect("webhooks", "d1", "webhook for accepted");
    counted.expect("webhooks", "d2", "webhook for routed");
    counted.observe("webhooks", "d2", "webhook for routed", "w-2");
    counted.observe("webhooks", "d2", "webhook for routed", "w-3");
    const report = counted.report();
    expect(report.rows[0]).toEqual(expect.objectContaining({ expected: 2, matched: 1, lost: 1, duplicated: 1 }));
    expect(report.findings).toEqual([
      "code-of-d1 webhooks: lost webhook for accepted (0 of 1)",
      "code-of-d2 webhooks: duplicated webhook for routed (2 distinct ids for 1: w-2, w-3)",
    ]);
    expect(report.faults).toBe(2);
  });

  test("a repeat in a view that deduplicates itself (the timeline) is a duplicate", () => {
    const counted = ledger();
    counted.expect("timeline", "d1", "routed");
    counted.observe("timeline", "d1", "routed", "e-1");
    counted.observe("timeline", "d1", "routed", "e-1");
    const report = counted.report();
    expect(report.rows[1]).toEqual(expect.objectContaining({ matched: 1, duplicated: 1, rawRepeats: 1 }));
    expect(report.findings).toEqual(["code-of-d1 timeline: routed (e-1) shown 2 times"]);
  });

  test("unexpected: a key the dossier does not call for, an unknown dossier, or a stray such as a dead letter", () => {
    const counted = ledger();
    counted.expect("webhooks", "d1", "webhook for accepted");
    counted.observe("webhooks", "d1", "webhook for accepted", "w-1");
    counted.observe("webhooks", "d1", "webhook for refused", "w-9");
    counted.observe("webhooks", undefined, "webhook for accepted", "w-8");
    counted.stray("webhooks", "d1", "unverified call w-7");
    const report = counted.report();
    expect(report.rows[0]).toEqual(expect.objectContaining({ matched: 1, unexpected: 3 }));
    expect(report.faults).toBe(3);
  });

  test("an allowed item may be missing, but not doubled", () => {
    const counted = ledger();
    counted.allow("timeline", "d1", "deadline_due_soon");
    counted.allow("timeline", "d2", "deadline_due_soon");
    counted.allow("timeline", "d3", "deadline_due_soon");
    counted.observe("timeline", "d2", "deadline_due_soon", "e-1");
    counted.observe("timeline", "d3", "deadline_due_soon", "e-2");
    counted.observe("timeline", "d3", "deadline_due_soon", "e-3");
    const report = counted.report();
    expect(report.rows[1]).toEqual(expect.objectContaining({ expected: 0, optional: 2, lost: 0, duplicated: 1 }));
    expect(report.faults).toBe(1);
  });
});
