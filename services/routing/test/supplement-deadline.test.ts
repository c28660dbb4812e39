import { credentials } from "@grpc/grpc-js";
import { routing as contract } from "@lienthong/contracts";
import { DEVELOPMENT_CLIENTS, DEVELOPMENT_OFFICIALS } from "@lienthong/service-host";
import {
  HOUSEHOLD_BUSINESS,
  MUONG_LAT,
  at,
  grpcCall,
  startRouting,
  type RoutingHarness,
} from "./support/routing-harness";

const RECEIVING_OFFICER = DEVELOPMENT_OFFICIALS.receivingOfficerMuongLat;
const PROCESSING_OFFICIAL = DEVELOPMENT_OFFICIALS.processingOfficialMuongLat;
const ITEMS = { missingItems: ["Bản sao Giấy chứng nhận quyền sử dụng đất", "Tờ khai có xác nhận của thôn"] };

/** The end of the working day (17:00 in Thanh Hoá) of 2025-10-`day`, as the assignment and events carry it. */
const endOfDay = (day: number) => at(day, 17).toISOString();

/**
 * The supplement's deadline (SUPPLEMENT_DEADLINE_WORKING_DAYS; DOMAIN.md names no statutory figure, [U]): the
 * request carries the date by which the applicant should supply, on the working-day calendar of the authority's
 * province; once it passes without the supplement, a durable timer flags the dossier to the unit that asked
 * (supplementOverdue), which decides — nothing is refused for it.
 */
describe("routing: the date by which a supplement is due", () => {
  let routing: RoutingHarness | undefined;
  afterEach(async () => {
    await routing?.stop();
    routing = undefined;
  });

  async function grpcAssignment(harness: RoutingHarness, dossierId: string) {
    const client = new contract.RoutingServiceClient(
      `127.0.0.1:${harness.running.grpcPort}`,
      credentials.createInsecure(),
    );
    try {
      const metadata = await harness.metadata({ client: DEVELOPMENT_CLIENTS.muongLat, official: PROCESSING_OFFICIAL });
      const reply = await grpcCall<contract.GetAssignmentRequest, contract.GetAssignmentResponse>((r, m, c) =>
        client.getAssignment(r, m, c),
      )(contract.GetAssignmentRequest.fromPartial({ dossierRef: dossierId }), metadata);
      return reply.assignment;
    } finally {
      client.close();
    }
  }

  async function awaitingSupplement(harness: RoutingHarness): Promise<string> {
    const { dossierId } = await harness.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    expect((await harness.act(dossierId, "accept")).status).toBe(200);
    // Tuesday 7 Oct 2025 10:00: three working days → Friday 10 Oct, due by the end of that working day.
    await harness.setClock(at(7, 10));
    const reply = await harness.act(dossierId, "request_supplement", ITEMS);
    expect(reply.status).toBe(200);
    return dossierId;
  }

  it("carries the due date, and flags the dossier once when it passes, across a restart", async () => {
    routing = await startRouting({ SUPPLEMENT_DEADLINE_WORKING_DAYS: "3" }, at(6, 8));
    const dossierId = await awaitingSupplement(routing);
    expect(await routing.waitForEvent(dossierId, "supplementRequested")).toMatchObject({
      supplementDueAt: endOfDay(10),
    });
    expect(await routing.assignment(dossierId)).toMatchObject({
      status: 5,
      supplementDueAt: endOfDay(10),
      supplementOverdue: false,
    });

    // The due date itself is still in time (judged by date, as appointments are).
    await routing.setClock(at(10, 23, 30));
    await routing.restart();
    await routing.allObserved();
    expect(routing.eventsOf(dossierId, "supplementOverdue")).toHaveLength(0);

    // The next day the timer, stored with the dossier, fires in the restarted service.
    await routing.setClock(at(11, 0, 30));
    const flagged = await routing.waitForEvent(dossierId, "supplementOverdue");
    expect(flagged).toMatchObject({
      supplementDueAt: endOfDay(10),
      requestedAt: at(7, 10).toISOString(),
      detectedAt: at(11, 0, 30).toISOString(),
      competentAuthority: { code: MUONG_LAT },
      receivingUnit: { code: MUONG_LAT },
    });
    // gRPC's Assignment carries the same as REST, and the appointment given at acceptance.
    const overGrpc = await grpcAssignment(routing, dossierId);
    expect(overGrpc).toMatchObject({
      status: 5,
      supplementDueAt: endOfDay(10),
      supplementOverdue: true,
      originalAppointmentAt: at(9, 8).toISOString(),
    });
    const queue = await routing.get(`/v1/queues/${MUONG_LAT}?status=5`, {
      client: DEVELOPMENT_CLIENTS.muongLat,
      official: PROCESSING_OFFICIAL,
    });
    expect(queue.body.assignments.find((row) => row.dossierId === dossierId)).toMatchObject({
      status: 5,
      supplementOverdue: true,
      allowedActions: ["resume", "withdraw"],
    });

    // Once per request: neither another poll nor another restart flags it again, and nothing refused it.
    await routing.restart();
    await routing.setClock(at(13, 9));
    await routing.allObserved();
    expect(routing.eventsOf(dossierId, "supplementOverdue")).toHaveLength(1);
    expect(routing.eventsOf(dossierId, "applicationRefused")).toHaveLength(0);
    expect((await routing.assignment(dossierId)).status).toBe(5);

    // The authority decides with the existing actions: here it resumes, and the flag is gone with the wait.
    expect((await routing.act(dossierId, "resume")).body.assignment).toMatchObject({
      status: 4,
      supplementOverdue: false,
    });
  });

  it("flags nothing when the supplement came in time", async () => {
    routing = await startRouting({ SUPPLEMENT_DEADLINE_WORKING_DAYS: "3" }, at(6, 8));
    const dossierId = await awaitingSupplement(routing);
    await routing.setClock(at(9, 9));
    await routing.publish("supplementProvided", { dossierId, providedAt: at(9, 9).toISOString() });
    await routing.waitForEvent(dossierId, "dossierResumed");
    await routing.setClock(at(14, 9));
    await routing.allObserved();
    expect(routing.eventsOf(dossierId, "supplementOverdue")).toHaveLength(0);
  });

  it("sets no date by default", async () => {
    routing = await startRouting({}, at(6, 8));
    const dossierId = await awaitingSupplement(routing);
    const requested = await routing.waitForEvent(dossierId, "supplementRequested");
    expect(requested.supplementDueAt).toBeUndefined();
    expect((await routing.assignment(dossierId)).supplementDueAt).toBeUndefined();
    await routing.setClock(at(31, 9));
    await routing.allObserved();
    expect(routing.eventsOf(dossierId, "supplementOverdue")).toHaveLength(0);
  });
});

/** Thanh Hoá's `routing_dossiers_in_progress` gauge for one status, as Prometheus scrapes it. */
async function inProgress(harness: RoutingHarness, status: string): Promise<number | undefined> {
  const text = await (await fetch(`${harness.running.opsUrl}/metrics`)).text();
  const series = new RegExp(`^routing_dossiers_in_progress\\{province="38",status="${status}"[^}]*\\} (\\d+)$`, "m");
  const value = series.exec(text)?.[1];
  return value === undefined ? undefined : Number(value);
}

/**
 * A supplement asked before acceptance where a province's practice allows it (SUPPLEMENT_BEFORE_ACCEPTANCE):
 * the receiving unit's officer asks at status 1, the applicant's supplement brings the dossier back to 1, and
 * no processing time is counted or paused; off, the request at 1 is refused as the statute's table says.
 */
describe("routing: a supplement before acceptance, where practice allows it", () => {
  let routing: RoutingHarness | undefined;
  afterEach(async () => {
    await routing?.stop();
    routing = undefined;
  });

  const grpcRequestSupplement = async (harness: RoutingHarness, dossierId: string) => {
    const client = new contract.RoutingServiceClient(
      `127.0.0.1:${harness.running.grpcPort}`,
      credentials.createInsecure(),
    );
    try {
      const metadata = await harness.metadata({ client: DEVELOPMENT_CLIENTS.muongLat, official: RECEIVING_OFFICER });
      return await grpcCall<contract.ApplyActionRequest, contract.ApplyActionResponse>((r, m, c) =>
        client.applyAction(r, m, c),
      )(
        contract.ApplyActionRequest.fromPartial({
          dossierRef: dossierId,
          action: contract.DossierAction.DOSSIER_ACTION_REQUEST_SUPPLEMENT,
          missingItems: ITEMS.missingItems,
        }),
        metadata,
      );
    } finally {
      client.close();
    }
  };

  it("is refused at status 1 by default, naming the allowed actions", async () => {
    routing = await startRouting({}, at(6, 8));
    const { dossierId } = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    const byAuthority = await routing.act(dossierId, "request_supplement", ITEMS, PROCESSING_OFFICIAL);
    expect(byAuthority.status).toBe(409);
    expect(byAuthority.body).toMatchObject({
      reason: "ILLEGAL_TRANSITION",
      details: { status: 1, allowedActions: ["accept", "refuse", "withdraw"] },
    });
    // The receiving officer has no role for it without the practice, over either transport.
    expect((await routing.act(dossierId, "request_supplement", ITEMS, RECEIVING_OFFICER)).status).toBe(403);
    await expect(grpcRequestSupplement(routing, dossierId)).rejects.toMatchObject({ code: 7 });
    expect((await routing.assignment(dossierId)).status).toBe(1);
  });

  it("goes 1 → 5 → 1 with no clock, counts for once-only, and the appointment counts from acceptance", async () => {
    routing = await startRouting(
      { SUPPLEMENT_BEFORE_ACCEPTANCE: "true", SUPPLEMENT_DEADLINE_WORKING_DAYS: "2" },
      at(6, 8),
    );
    const { dossierId } = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    expect((await routing.assignment(dossierId)).allowedActions).toEqual([
      "accept",
      "refuse",
      "request_supplement",
      "withdraw",
    ]);
    // A processing official is not the one who asks at the counter.
    expect((await routing.act(dossierId, "request_supplement", ITEMS, PROCESSING_OFFICIAL)).status).toBe(403);

    const asked = await grpcRequestSupplement(routing, dossierId);
    expect(asked.assignment).toMatchObject({ status: 5, clock: "not_started", allowedActions: ["refuse", "withdraw"] });
    expect(asked.assignment?.appointmentAt).toBeUndefined();
    const requested = await routing.waitForEvent(dossierId, "supplementRequested");
    expect(requested).toMatchObject({
      status: 5,
      officialId: RECEIVING_OFFICER.subject,
      supplementDueAt: endOfDay(8),
      receivingUnit: { code: MUONG_LAT },
    });
    expect(requested.competentAuthority).toBeUndefined();
    expect(await routing.assignment(dossierId)).toMatchObject({ supplementDueAt: endOfDay(8) });
    // Province IT sees it among the dossiers in progress: at 5, in the receiving unit's province.
    expect(await inProgress(routing, "5")).toBe(1);
    expect(await inProgress(routing, "1")).toBe(0);

    // Provided on Wednesday: back to 1, awaiting acceptance; nothing was paused, nothing pushed.
    await routing.setClock(at(8, 9));
    await routing.publish("supplementProvided", { dossierId, providedAt: at(8, 9).toISOString() });
    const back = await routing.waitForEvent(dossierId, "dossierResumed");
    expect(back).toMatchObject({ status: 1, resumedFrom: 5, waitedWorkingHours: 0 });
    expect(back.appointmentAt).toBeUndefined();
    expect(await routing.assignment(dossierId)).toMatchObject({
      status: 1,
      clock: "not_started",
      supplementOverdue: false,
    });
    expect((await routing.assignment(dossierId)).supplementDueAt).toBeUndefined();

    // Once-only counts the request made before acceptance.
    const again = await routing.act(dossierId, "request_supplement", ITEMS, RECEIVING_OFFICER);
    expect(again.body).toMatchObject({ reason: "SUPPLEMENT_ALREADY_REQUESTED" });

    // The clock starts at acceptance: 3 working days from Wednesday 09:00, as for a dossier never asked.
    const accepted = await routing.act(dossierId, "accept", {}, RECEIVING_OFFICER);
    expect(accepted.body.assignment).toMatchObject({
      status: 4,
      clock: "running",
      appointmentAt: at(13, 9).toISOString(),
    });
    const afterAcceptance = await routing.act(dossierId, "request_supplement", ITEMS, PROCESSING_OFFICIAL);
    expect(afterAcceptance.body).toMatchObject({ reason: "SUPPLEMENT_ALREADY_REQUESTED" });
    await routing.setClock(at(15, 9));
    await routing.allObserved();
    expect(routing.eventsOf(dossierId, "supplementOverdue")).toHaveLength(0);
  });

  it("flags an overdue supplement to the receiving unit, which may refuse the dossier", async () => {
    routing = await startRouting(
      { SUPPLEMENT_BEFORE_ACCEPTANCE: "true", SUPPLEMENT_DEADLINE_WORKING_DAYS: "1" },
      at(6, 8),
    );
    const { dossierId } = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    const asked = await routing.act(dossierId, "request_supplement", ITEMS, RECEIVING_OFFICER);
    expect(asked.body.assignment).toMatchObject({ status: 5, supplementDueAt: endOfDay(7) });
    await routing.restart();
    await routing.setClock(at(8, 8));
    const flagged = await routing.waitForEvent(dossierId, "supplementOverdue");
    expect(flagged).toMatchObject({ supplementDueAt: endOfDay(7), receivingUnit: { code: MUONG_LAT } });
    expect(flagged.competentAuthority).toBeUndefined();
    const queue = await routing.get(`/v1/queues/${MUONG_LAT}`, {
      client: DEVELOPMENT_CLIENTS.muongLat,
      official: RECEIVING_OFFICER,
    });
    expect(queue.body.assignments.find((row) => row.dossierId === dossierId)).toMatchObject({
      status: 5,
      supplementOverdue: true,
      clock: "not_started",
    });
    const refused = await routing.act(dossierId, "refuse", { reason: "Không bổ sung hồ sơ trong thời hạn" });
    expect(refused.body.assignment).toMatchObject({ status: 3 });
  });
});
