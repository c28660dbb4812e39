import { randomUUID } from "node:crypto";
import { EventTypes, lifecycleEvent } from "@lienthong/contracts";
import { inbox } from "@lienthong/messaging";
import { waitFor } from "@lienthong/testing";
import { applications } from "../src/store/collections";
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
    // intake's own event is on the timeline from the start: later entries follow it.

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

  test("intake enters its own events as it makes them, with the ids they carry on its topic, and never reads them back", async () => {
    const { dossierId, dossierCode } = await submitValid(harness);
    // In the submission's own commit: no bus round trip, so nothing to wait for.
    const submitted = (await harness.runtime.store.get(applications, dossierId))!.data;
    expect(submitted.timeline).toEqual([
      expect.objectContaining({ status: 1, eventType: EventTypes.applicationSubmitted.type, source: "intake" }),
    ]);
    await waitFor(() => harness.observed.some((event) => event.key === dossierId), {
      description: "the submission on intake's topic",
    });
    const published = harness.observed.filter((event) => event.key === dossierId);
    expect(published.map(({ id, type, time }) => ({ eventId: id, eventType: type, occurredAt: time }))).toEqual([
      expect.objectContaining({ eventId: submitted.timeline[0]!.eventId, occurredAt: submitted.submittedAt }),
    ]);

    // A submission on intake's topic (another id, as a lagging or replayed topic would bring) is not read:
    // routing's event after it is the next entry, and the status goes on from there.
    await harness.broker
      .bus(EventTypes.applicationSubmitted.producer)
      .publish([lifecycleEvent("applicationSubmitted", { dossierId, dossierCode, status: 1 })]);
    await publishRoutingEvent(harness, "applicationAccepted", { dossierId, dossierCode, status: 2 });
    const record = await waitForRecord(harness, dossierId, (stored) => stored.status === 2, "status 2");
    expect(record.timeline.map(({ status, eventType }) => [status, eventType])).toEqual([
      [1, EventTypes.applicationSubmitted.type],
      [2, EventTypes.applicationAccepted.type],
    ]);
  });

  test("an event delivered twice enters the timeline once, known by its id in the entry, with no inbox marker", async () => {
    const { dossierId, dossierCode } = await submitValid(harness);
    const accepted = {
      ...lifecycleEvent("applicationAccepted", { dossierId, dossierCode, status: 2 }),
      id: randomUUID(),
    };
    const routing = harness.broker.bus(EventTypes.applicationAccepted.producer);
    await routing.publish([accepted]);
    await routing.publish([accepted]);
    // A later event of the same dossier: once it is in, both copies before it were handled.
    await publishRoutingEvent(harness, "dossierRouted", { dossierId, dossierCode, status: 3 });
    const record = await waitForRecord(harness, dossierId, (stored) => stored.status === 3, "status 3");
    expect(record.timeline.map(({ eventType }) => eventType)).toEqual([
      EventTypes.applicationSubmitted.type,
      EventTypes.applicationAccepted.type,
      EventTypes.dossierRouted.type,
    ]);
    expect(record.timeline[1]!.eventId).toBe(accepted.id);
    expect(await harness.runtime.store.find(inbox)).toEqual([]);
  });
});
