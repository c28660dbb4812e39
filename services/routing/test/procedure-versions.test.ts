import { writeFileSync } from "node:fs";
import { computeAppointment, createCalendar, sampleCatalog } from "@lienthong/domain";
import { tempDir } from "@lienthong/testing";
import { HOUSEHOLD_BUSINESS, at, startRouting, type RoutingHarness } from "./support/routing-harness";

/**
 * DOMAIN.md §3: the dossier keeps the procedure version that applied when it
 * was accepted, even after a new version (here with twice the processing time)
 * comes into force while it is open.
 */
describe("routing: a dossier keeps the procedure version it was accepted under", () => {
  const calendar = createCalendar();
  const current = sampleCatalog().find(HOUSEHOLD_BUSINESS, at(6, 8))!;
  const version1 = {
    ...current,
    version: 1,
    validFrom: "2025-01-01",
    processingTime: { value: 3, unit: "working_days" as const },
  };
  // Wednesday 8 October 2025: the new version doubles the processing time.
  const version2 = {
    ...current,
    version: 2,
    validFrom: "2025-10-08",
    processingTime: { value: 6, unit: "working_days" as const },
  };
  let routing: RoutingHarness;
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    dir = await tempDir("routing-versions");
    writeFileSync(dir.file("catalog.json"), JSON.stringify({ procedures: [version1, version2] }));
    routing = await startRouting({ CATALOG_FILE: dir.file("catalog.json"), APOLOGY_MAX: "1" }, at(6, 8));
  });

  afterAll(async () => {
    await routing.stop();
    await dir.remove();
  });

  it("accepted under version 1, it keeps version 1's appointment after version 2 took effect", async () => {
    const { dossierId } = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    const accepted = await routing.act(dossierId, "accept");
    expect(accepted.body.assignment).toMatchObject({ procedureVersion: 1, appointmentAt: at(9, 8).toISOString() });
    expect(at(9, 8).toISOString()).toBe(
      computeAppointment(at(6, 8), version1.processingTime, calendar, "38").toISOString(),
    );
    expect(at(9, 8).toISOString()).not.toBe(
      computeAppointment(at(6, 8), version2.processingTime, calendar, "38").toISOString(),
    );

    // Monday 13 October: version 2 is in force and the dossier is overdue against version 1's appointment.
    await routing.setClock(at(13, 9));
    const overdue = await routing.waitForEvent(dossierId, "dossierOverdue");
    expect(overdue.previousAppointmentAt).toBe(at(9, 8).toISOString());
    expect(await routing.assignment(dossierId)).toMatchObject({
      procedureVersion: 1,
      appointmentAt: at(9, 8).toISOString(),
    });

    // A dossier accepted now gets version 2.
    const later = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    const acceptedLater = await routing.act(later.dossierId, "accept");
    expect(acceptedLater.body.assignment).toMatchObject({ procedureVersion: 2 });
  });
});
