import { EventTypes, lifecycleEvent } from "@lienthong/contracts";
import {
  call,
  publishRoutingEvent,
  startIntake,
  submitValid,
  waitForRecord,
  type ApplicationBody,
  type IntakeHarness,
} from "./support/intake-harness";

describe("the timeline projects what each event changes", () => {
  let harness: IntakeHarness;

  beforeAll(async () => {
    harness = await startIntake({ partitions: 1 });
  });

  afterAll(async () => {
    await harness?.stop();
  });

  test("supplement request, new appointment, signed result and decision, each applied by its own event", async () => {
    const application: ApplicationBody = await submitValid(harness);
    const { dossierId, dossierCode } = application;
    // intake's own event comes back through the bus first: later entries follow it.
    await waitForRecord(harness, dossierId, (record) => record.timeline.length === 1, "the submitted entry");

    const requestedAt = "2026-03-02T02:00:00.000Z";
    await publishRoutingEvent(harness, "supplementRequested", {
      dossierId,
      dossierCode,
      status: 5,
      requestedAt,
      missingItems: ["Giấy xác nhận tình trạng hôn nhân"],
    });
    const requested = await waitForRecord(harness, dossierId, (record) => record.status === 5, "status 5");
    expect(requested.supplementRequest).toEqual({ requestedAt, missingItems: ["Giấy xác nhận tình trạng hôn nhân"] });

    const newAppointmentAt = "2026-03-20T09:00:00.000Z";
    await publishRoutingEvent(harness, "dossierOverdue", { dossierId, dossierCode, newAppointmentAt });
    const overdue = await waitForRecord(harness, dossierId, (record) => record.timeline.length === 3, "overdue");
    // No status in the event: the status and the open request stay.
    expect(overdue).toMatchObject({ status: 5, appointmentAt: newAppointmentAt });
    expect(overdue.supplementRequest).not.toBeNull();

    const downloadPath = `/v1/documents/${dossierId}/result.pdf`;
    await publishRoutingEvent(harness, "documentSigned", { dossierId, dossierCode, downloadPath });
    await waitForRecord(harness, dossierId, (record) => record.resultDocumentPath === downloadPath, "signed result");

    await publishRoutingEvent(harness, "dossierDecided", { dossierId, dossierCode, status: 9 });
    const decided = await waitForRecord(harness, dossierId, (record) => record.status === 9, "status 9");
    // Leaving status 5 closes the request; what earlier events set is kept.
    expect(decided).toMatchObject({
      supplementRequest: null,
      appointmentAt: newAppointmentAt,
      resultDocumentPath: downloadPath,
    });
    expect(decided.timeline.map(({ status, eventType }) => [status, eventType])).toEqual([
      [1, EventTypes.applicationSubmitted.type],
      [5, EventTypes.supplementRequested.type],
      [0, EventTypes.dossierOverdue.type],
      [0, EventTypes.documentSigned.type],
      [9, EventTypes.dossierDecided.type],
    ]);

    const read = await call(harness.running.httpUrl, "GET", `/v1/applications/${dossierCode}`);
    expect((read.body as { application: ApplicationBody & { resultDocumentPath: string } }).application).toMatchObject({
      status: 9,
      appointmentAt: newAppointmentAt,
      resultDocumentPath: downloadPath,
    });
  });

  test("intake's own submission arriving after routing's first event joins the timeline without turning the status back", async () => {
    const { dossierId, dossierCode } = await submitValid(harness);
    await waitForRecord(harness, dossierId, (record) => record.timeline.length === 1, "the submitted entry");
    await publishRoutingEvent(harness, "applicationAccepted", { dossierId, dossierCode, status: 2 });
    await waitForRecord(harness, dossierId, (record) => record.status === 2, "status 2");

    // The submission again, as when intake's topic lags behind routing's (a redelivery here).
    await harness.broker
      .bus(EventTypes.applicationSubmitted.producer)
      .publish([lifecycleEvent("applicationSubmitted", { dossierId, dossierCode, status: 1 })]);
    const record = await waitForRecord(harness, dossierId, (stored) => stored.timeline.length === 3, "the late entry");
    expect(record.status).toBe(2);
    expect(record.timeline.map(({ status, eventType }) => [status, eventType])).toEqual([
      [1, EventTypes.applicationSubmitted.type],
      [2, EventTypes.applicationAccepted.type],
      [1, EventTypes.applicationSubmitted.type],
    ]);
  });
});
