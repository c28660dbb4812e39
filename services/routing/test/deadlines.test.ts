import {
  HOUSEHOLD_BUSINESS,
  MARRIAGE_REGISTRATION,
  at,
  startRouting,
  type RoutingHarness,
} from "./support/routing-harness";

describe("routing: durable deadline timers", () => {
  let routing: RoutingHarness;

  /**
   * Long enough for several polls of the watcher (20 ms): an event that was going to repeat would have been
   * committed; then, however busy the machine, it has left the outbox and been observed.
   */
  const severalPolls = async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    await routing.allObserved();
  };

  beforeAll(async () => {
    routing = await startRouting({ APOLOGY_MAX: "1" }, at(6, 8));
  });

  afterAll(async () => {
    await routing.stop();
  });

  it("(c) warns once when due soon, then flags an overdue dossier without apology — across a restart — with no new date, and judges it late", async () => {
    const { dossierId } = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    const accepted = await routing.act(dossierId, "accept");
    // 3 working days from Monday 08:00: Thursday 08:00.
    expect(accepted.body.assignment.appointmentAt).toBe(at(9, 8).toISOString());

    // Tuesday: more than a working day left.
    await routing.setClock(at(7, 16));
    await severalPolls();
    expect(routing.eventsOf(dossierId, "deadlineDueSoon")).toHaveLength(0);
    expect((await routing.assignment(dossierId)).deadlineState).toBe("within_deadline");

    // Wednesday 09:00: 7 working hours left.
    await routing.setClock(at(8, 9));
    const dueSoon = await routing.waitForEvent(dossierId, "deadlineDueSoon");
    expect(dueSoon).toMatchObject({ appointmentAt: at(9, 8).toISOString(), remainingWorkingHours: 7 });
    await routing.setClock(at(8, 10));
    await severalPolls();
    expect(routing.eventsOf(dossierId, "deadlineDueSoon")).toHaveLength(1);
    expect((await routing.assignment(dossierId)).deadlineState).toBe("due_soon");

    // The service is down while the appointment passes; the timer is in the store, not in memory.
    await routing.runtime.stop();
    const detectedAt = at(10, 9);
    await routing.restart();
    expect(routing.eventsOf(dossierId, "dossierOverdue")).toHaveLength(0);
    await routing.setClock(detectedAt);
    const overdue = await routing.waitForEvent(dossierId, "dossierOverdue");
    // No apology after the fact: the authority is told, the appointment stays, no new date is made up.
    expect(overdue).toMatchObject({
      detectedAt: detectedAt.toISOString(),
      previousAppointmentAt: at(9, 8).toISOString(),
      apologiesIssued: 0,
      competentAuthority: expect.objectContaining({ code: "14845" }),
    });
    expect(overdue.newAppointmentAt).toBeUndefined();
    expect(overdue.apologyText).toBe("");
    await severalPolls();
    expect(routing.eventsOf(dossierId, "dossierOverdue")).toHaveLength(1);
    expect(await routing.assignment(dossierId)).toMatchObject({
      status: 4,
      appointmentAt: at(9, 8).toISOString(),
      deadlineState: "overdue",
      apologies: 0,
      overdueWithoutApology: true,
    });
    // The competent authority's queue shows it flagged.
    const queue = await routing.get("/v1/queues/14845");
    expect(queue.body.assignments.find((entry) => entry.dossierId === dossierId)).toMatchObject({
      overdueWithoutApology: true,
    });

    // Another restart: the fired timer stays fired.
    await routing.restart();
    await routing.setClock(at(10, 10));
    await severalPolls();
    expect(routing.eventsOf(dossierId, "dossierOverdue")).toHaveLength(1);

    await routing.act(dossierId, "decide", { outcome: "approved", summary: "Cấp giấy chứng nhận" });
    await routing.sign(dossierId);
    expect(await routing.waitForEvent(dossierId, "resultIssued")).toMatchObject({ status: 9, timeliness: 3 });
    expect((await routing.assignment(dossierId)).overdueWithoutApology).toBe(false);
  });

  it("disarms the timers while the clock is paused and re-arms them for the pushed appointment", async () => {
    await routing.setClock(at(20, 8));
    const { dossierId } = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    await routing.act(dossierId, "accept");
    await routing.act(dossierId, "request_supplement", { missingItems: ["Bản sao giấy tờ"] });
    // Paused across the original appointment (Thursday 23, 08:00): no timer fires.
    await routing.setClock(at(24, 9));
    await severalPolls();
    expect(routing.eventsOf(dossierId, "deadlineDueSoon")).toHaveLength(0);
    expect(routing.eventsOf(dossierId, "dossierOverdue")).toHaveLength(0);
    expect((await routing.assignment(dossierId)).deadlineState).toBe("within_deadline");

    const resumed = await routing.act(dossierId, "resume");
    // Paused Monday 08:00 → Friday 09:00 = 4 working days and 1 hour: Thursday 23, 08:00 + 33 h = Wednesday 29, 09:00.
    expect(resumed.body.assignment.appointmentAt).toBe(at(29, 9).toISOString());
    expect(await routing.waitForEvent(dossierId, "dossierResumed")).toMatchObject({ waitedWorkingHours: 33 });
    await routing.setClock(at(29, 16));
    await severalPolls();
    expect(routing.eventsOf(dossierId, "dossierOverdue")).toHaveLength(0);
    await routing.setClock(at(30, 0, 1));
    expect(await routing.waitForEvent(dossierId, "dossierOverdue")).toMatchObject({
      previousAppointmentAt: resumed.body.assignment.appointmentAt,
    });
  });

  it("a same-day procedure is due soon as soon as it is accepted, and its overdue check is the next morning", async () => {
    await routing.setClock(at(30, 14));
    const { dossierId } = await routing.submit({ procedureCode: MARRIAGE_REGISTRATION });
    await routing.act(dossierId, "accept");
    expect(await routing.waitForEvent(dossierId, "deadlineDueSoon")).toMatchObject({
      appointmentAt: at(30, 17).toISOString(),
      remainingWorkingHours: 3,
    });
    await routing.setClock(at(30, 23, 59));
    await severalPolls();
    expect(routing.eventsOf(dossierId, "dossierOverdue")).toHaveLength(0);
    await routing.setClock(at(31, 0, 0));
    expect(await routing.waitForEvent(dossierId, "dossierOverdue")).toMatchObject({
      previousAppointmentAt: at(30, 17).toISOString(),
    });
  });
});
