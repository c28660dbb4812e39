import { HOUSEHOLD_BUSINESS, at, startRouting, type RoutingHarness } from "./support/routing-harness";

/**
 * A supplement is requested once, listing every missing item at once (Decree 118/2025/NĐ-CP Art. 11(2),
 * DOMAIN.md §10); SUPPLEMENT_MAX lets a province whose practice differs allow more.
 */
describe("routing: one supplement request per dossier, as configured", () => {
  const cycle = async (routing: RoutingHarness) => {
    const { dossierId } = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    expect((await routing.act(dossierId, "accept")).status).toBe(200);
    expect((await routing.act(dossierId, "request_supplement", { missingItems: ["Tờ khai"] })).status).toBe(200);
    expect((await routing.act(dossierId, "resume")).status).toBe(200);
    return { dossierId, again: await routing.act(dossierId, "request_supplement", { missingItems: ["Bản sao"] }) };
  };

  it("refuses a second request by default, naming the rule", async () => {
    const routing = await startRouting({}, at(6, 8));
    try {
      const { dossierId, again } = await cycle(routing);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: "FAILED_PRECONDITION", reason: "SUPPLEMENT_ALREADY_REQUESTED" });
      expect(again.body.detail).toContain("Decree 118/2025/NĐ-CP Art. 11(2)");
      await routing.allObserved();
      expect(routing.eventsOf(dossierId, "supplementRequested")).toHaveLength(1);
      expect((await routing.assignment(dossierId)).status).toBe(4);
    } finally {
      await routing.stop();
    }
  });

  it("allows as many as SUPPLEMENT_MAX says", async () => {
    const routing = await startRouting({ SUPPLEMENT_MAX: "2" }, at(6, 8));
    try {
      const { dossierId, again } = await cycle(routing);
      expect(again.status).toBe(200);
      expect((await routing.act(dossierId, "resume")).status).toBe(200);
      const third = await routing.act(dossierId, "request_supplement", { missingItems: ["Ảnh"] });
      expect(third.body).toMatchObject({ reason: "SUPPLEMENT_ALREADY_REQUESTED" });
    } finally {
      await routing.stop();
    }
  });
});
