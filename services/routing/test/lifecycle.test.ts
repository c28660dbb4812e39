import { createCalendar } from "@lienthong/domain";
import { DEVELOPMENT_CLIENTS, DEVELOPMENT_OFFICIALS } from "@lienthong/service-host";
import { recordResponses, waitFor } from "@lienthong/testing";
import {
  CRIMINAL_RECORD_CERTIFICATE,
  FIRST_LAND_CERTIFICATE,
  HAC_THANH,
  HAC_THANH_RECEIVING_OFFICER,
  HOUSEHOLD_BUSINESS,
  MARRIAGE_REGISTRATION,
  MUONG_LAT,
  TAM_CHUNG,
  at,
  startRouting,
  type RoutingHarness,
} from "./support/routing-harness";

const receivingOfficer = DEVELOPMENT_OFFICIALS.receivingOfficerMuongLat;
const leader = DEVELOPMENT_OFFICIALS.leaderMuongLat;
const calendar = createCalendar();

describe("routing: officials' actions through the composition root", () => {
  // Every REST answer below is checked against the service's OpenAPI document by the last test.
  const responses = recordResponses();
  afterAll(() => responses.stop());

  let routing: RoutingHarness;

  beforeAll(async () => {
    routing = await startRouting();
  });

  afterAll(async () => {
    await routing.stop();
  });

  it("registers a submitted application at status 1 in the receiving unit's queue, with no clock yet", async () => {
    const { dossierId, dossierCode } = await routing.submit({
      receivingUnitCode: HAC_THANH,
      applicantCommuneCode: MUONG_LAT,
    });
    const assignment = await routing.assignment(dossierCode);
    expect(assignment).toMatchObject({
      dossierId,
      status: 1,
      receivingUnitCode: HAC_THANH,
      procedureVersion: 0,
      allowedActions: ["accept", "refuse", "withdraw"],
      clock: "not_started",
      deadlineState: "within_deadline",
    });
    expect(assignment.appointmentAt).toBeUndefined();
    const queue = await routing.get(`/v1/queues/${HAC_THANH}`);
    expect(queue.body.assignments.map((a) => a.dossierId)).toContain(dossierId);
    expect(routing.eventsOf(dossierId, "applicationAccepted")).toHaveLength(0);
  });

  it("(a) a marriage registration whose supplement waits 3 working days finishes on time, its appointment moved by exactly 3 working days", async () => {
    await routing.setClock(at(6, 8));
    const { dossierId } = await routing.submit({ procedureCode: MARRIAGE_REGISTRATION });
    const accepted = await routing.act(dossierId, "accept");
    expect(accepted.status).toBe(200);
    // Same-day procedure accepted Monday 08:00: due at the end of Monday (17:00 Vietnam time).
    const firstAppointment = "2025-10-06T10:00:00.000Z";
    expect(accepted.body.assignment).toMatchObject({
      status: 4,
      procedureVersion: 1,
      appointmentAt: firstAppointment,
      clock: "running",
      competentAuthority: {
        code: MUONG_LAT,
        name: "Ủy ban nhân dân xã Mường Lát",
        level: 1,
        communeCode: MUONG_LAT,
        provinceCode: "38",
      },
    });
    const acceptedEvent = await routing.waitForEvent(dossierId, "applicationAccepted");
    expect(acceptedEvent).toMatchObject({
      status: 2,
      officialId: receivingOfficer.subject,
      procedureVersion: 1,
      appointmentAt: firstAppointment,
    });
    expect(await routing.waitForEvent(dossierId, "dossierRouted")).toMatchObject({
      status: 4,
      competentAuthority: { code: MUONG_LAT },
    });

    await routing.setClock(at(6, 9));
    const missingItems = ["Giấy xác nhận tình trạng hôn nhân", "Bản sao giấy tờ tùy thân"];
    const requested = await routing.act(dossierId, "request_supplement", { missingItems });
    expect(requested.body.assignment).toMatchObject({ status: 5, clock: "paused" });
    expect(await routing.waitForEvent(dossierId, "supplementRequested")).toMatchObject({ status: 5, missingItems });

    // Thursday 09:00: the applicant hands in every item (intake relays it).
    await routing.setClock(at(9, 9));
    await routing.publish("supplementProvided", {
      dossierId,
      providedAt: at(9, 9).toISOString(),
      providedItems: missingItems,
    });
    const resumed = await routing.waitForEvent(dossierId, "dossierResumed");
    expect(resumed).toMatchObject({ status: 4, resumedFrom: 5, waitedWorkingHours: 24 });
    const movedAppointment = calendar.addWorkingDays(new Date(firstAppointment), 3, "38").toISOString();
    expect(movedAppointment).toBe("2025-10-09T10:00:00.000Z");
    expect(resumed.appointmentAt).toBe(movedAppointment);
    expect((await routing.assignment(dossierId)).appointmentAt).toBe(movedAppointment);

    await routing.setClock(at(9, 10));
    const decided = await routing.act(dossierId, "decide", {
      outcome: "approved",
      summary: "Đủ điều kiện đăng ký kết hôn",
    });
    expect(decided.status).toBe(200);
    expect(decided.body.assignment).toMatchObject({ status: 4, outcome: 1, allowedActions: [] });
    // The leader who decided signs, for the competent authority.
    expect(await routing.waitForEvent(dossierId, "signatureRequested")).toMatchObject({
      officialId: leader.subject,
      competentAuthority: { code: MUONG_LAT },
    });
    await routing.sign(dossierId);
    const issued = await routing.waitForEvent(dossierId, "resultIssued");
    expect(issued).toMatchObject({ status: 9, timeliness: 2, appointmentAt: movedAppointment });
    expect(await routing.assignment(dossierId)).toMatchObject({
      status: 9,
      timeliness: 2,
      clock: "stopped",
      allowedActions: ["return_result"],
    });

    const returned = await routing.act(dossierId, "return_result");
    expect(returned.body.assignment).toMatchObject({ status: 10, allowedActions: [] });
    expect(await routing.waitForEvent(dossierId, "resultReturned")).toMatchObject({ status: 10 });
  });

  it("(b) a criminal-record certificate received at a commune centre routes to the provincial police of that province", async () => {
    await routing.setClock(at(6, 10));
    const { dossierId } = await routing.submit({
      procedureCode: CRIMINAL_RECORD_CERTIFICATE,
      receivingUnitCode: HAC_THANH,
      applicantCommuneCode: TAM_CHUNG,
    });
    const accepted = await routing.act(dossierId, "accept", {}, HAC_THANH_RECEIVING_OFFICER);
    expect(accepted.body.assignment).toMatchObject({
      status: 4,
      receivingUnitCode: HAC_THANH,
      competentAuthority: {
        code: "38.CA",
        name: "Công an tỉnh Thanh Hoá",
        level: 2,
        communeCode: "",
        provinceCode: "38",
      },
      // 10 working days from Monday 10:00.
      appointmentAt: calendar.addWorkingDays(at(6, 10), 10, "38").toISOString(),
    });
    expect(await routing.waitForEvent(dossierId, "dossierRouted")).toMatchObject({
      competentAuthority: { code: "38.CA", level: 2 },
    });
    const policeQueue = await routing.get("/v1/queues/38.CA", { client: DEVELOPMENT_CLIENTS.thanhHoaPolice });
    expect(policeQueue.body.assignments.map((a) => a.dossierId)).toEqual([dossierId]);
    const receivingQueue = await routing.get(`/v1/queues/${HAC_THANH}`);
    expect(receivingQueue.body.assignments.map((a) => a.dossierId)).not.toContain(dossierId);
  });

  it("decides a land procedure where the land lies, not where the applicant lives", async () => {
    await routing.setClock(at(6, 10));
    const { dossierId } = await routing.submit({
      procedureCode: FIRST_LAND_CERTIFICATE,
      receivingUnitCode: MUONG_LAT,
      applicantCommuneCode: MUONG_LAT,
      landCommuneCode: TAM_CHUNG,
    });
    const accepted = await routing.act(dossierId, "accept");
    expect(accepted.body.assignment).toMatchObject({
      status: 4,
      competentAuthority: { code: TAM_CHUNG, communeCode: TAM_CHUNG },
    });
  });

  it("refuses at intake with the reason (1 → 3), which closes the dossier", async () => {
    const { dossierId } = await routing.submit();
    const missingReason = await routing.act(dossierId, "refuse");
    expect(missingReason.status).toBe(400);
    expect(missingReason.body.violations).toEqual([{ field: "reason", reason: "is required to refuse" }]);
    const refused = await routing.act(dossierId, "refuse", {
      reason: "Hồ sơ không thuộc thẩm quyền tiếp nhận",
    });
    expect(refused.body.assignment).toMatchObject({ status: 3, allowedActions: [], clock: "stopped" });
    expect(await routing.waitForEvent(dossierId, "applicationRefused")).toMatchObject({
      status: 3,
      reason: "Hồ sơ không thuộc thẩm quyền tiếp nhận",
      officialId: receivingOfficer.subject,
    });
  });

  it("asks for every missing item at once: an empty list is refused", async () => {
    const { dossierId } = await accepted();
    const reply = await routing.act(dossierId, "request_supplement", { missingItems: [] });
    expect(reply.status).toBe(400);
    expect(reply.body.violations).toEqual([{ field: "missingItems", reason: "is required to request supplement" }]);
  });

  it("resumes a supplement wait by an official's action too (items received at the counter)", async () => {
    await routing.setClock(at(7, 8));
    const { dossierId } = await accepted();
    await routing.act(dossierId, "request_supplement", { missingItems: ["Tờ khai"] });
    await routing.setClock(at(7, 10));
    const resumed = await routing.act(dossierId, "resume");
    expect(resumed.body.assignment).toMatchObject({ status: 4, clock: "running" });
    expect(await routing.waitForEvent(dossierId, "dossierResumed")).toMatchObject({
      resumedFrom: 5,
      waitedWorkingHours: 2,
    });
  });

  it("requests a payment (4 → 6, clock paused) and records it (6 → 4, appointment pushed by the wait)", async () => {
    await routing.setClock(at(7, 8));
    const { dossierId } = await accepted(HOUSEHOLD_BUSINESS);
    const before = (await routing.assignment(dossierId)).appointmentAt;
    const requested = await routing.act(dossierId, "request_payment", {
      amountVnd: 100_000,
      reason: "Lệ phí đăng ký",
    });
    expect(requested.body.assignment).toMatchObject({
      status: 6,
      clock: "paused",
      allowedActions: ["record_payment", "decide"],
    });
    expect(await routing.waitForEvent(dossierId, "paymentRequested")).toMatchObject({
      status: 6,
      amountVnd: 100_000,
      description: "Lệ phí đăng ký",
    });

    await routing.setClock(at(8, 8));
    const noReceipt = await routing.act(dossierId, "record_payment");
    expect(noReceipt.status).toBe(400);
    const recorded = await routing.act(dossierId, "record_payment", { receiptNumber: "BL-0001" });
    expect(recorded.body.assignment.status).toBe(4);
    expect(await routing.waitForEvent(dossierId, "paymentRecorded")).toMatchObject({
      amountVnd: 100_000,
      receiptNumber: "BL-0001",
    });
    const resumed = await routing.waitForEvent(dossierId, "dossierResumed");
    expect(resumed).toMatchObject({ resumedFrom: 6, waitedWorkingHours: 8 });
    expect(resumed.appointmentAt).toBe(calendar.addWorkingDays(new Date(before!), 1, "38").toISOString());
  });

  it("stops processing with a reason (4 → 8) and resumes it (8 → 4)", async () => {
    const { dossierId } = await accepted();
    const stopped = await routing.act(dossierId, "stop", {
      reason: "Chờ kết quả xác minh của cơ quan khác",
    });
    expect(stopped.body.assignment).toMatchObject({ status: 8, clock: "stopped", allowedActions: ["resume"] });
    expect(await routing.waitForEvent(dossierId, "dossierStopped")).toMatchObject({
      status: 8,
      reason: "Chờ kết quả xác minh của cơ quan khác",
    });
    const resumed = await routing.act(dossierId, "resume");
    expect(resumed.body.assignment).toMatchObject({ status: 4, clock: "running" });
    expect(await routing.waitForEvent(dossierId, "dossierResumed")).toMatchObject({ status: 4, resumedFrom: 8 });
  });

  it("transfers between agencies and tiers: the queue follows, the status and appointment stay", async () => {
    const { dossierId } = await accepted();
    const before = await routing.assignment(dossierId);
    const unknown = await routing.act(dossierId, "transfer", { targetAgencyCode: "99.XX" });
    expect(unknown.status).toBe(400);
    const same = await routing.act(dossierId, "transfer", { targetAgencyCode: MUONG_LAT });
    expect(same.status).toBe(400);

    const toCommune = await routing.act(dossierId, "transfer", {
      targetAgencyCode: TAM_CHUNG,
      reason: "Người yêu cầu cư trú tại xã Tam Chung",
    });
    expect(toCommune.body.assignment).toMatchObject({
      status: 4,
      appointmentAt: before.appointmentAt,
      competentAuthority: { code: TAM_CHUNG, level: 1 },
    });
    expect(await routing.waitForEvent(dossierId, "dossierTransferred")).toMatchObject({
      fromAuthority: { code: MUONG_LAT },
      toAuthority: { code: TAM_CHUNG, name: "Ủy ban nhân dân xã Tam Chung" },
      reason: "Người yêu cầu cư trú tại xã Tam Chung",
    });
    const tamChungQueue = await routing.get(`/v1/queues/${TAM_CHUNG}`);
    expect(tamChungQueue.body.assignments.map((a) => a.dossierId)).toContain(dossierId);

    // Tam Chung holds it now: its official transfers it on, Mường Lát's no longer can.
    const fromMuongLat = await routing.act(dossierId, "transfer", { targetAgencyCode: "38.STP" });
    expect(fromMuongLat.status).toBe(404);
    const toProvince = await routing.act(
      dossierId,
      "transfer",
      { targetAgencyCode: "38.STP" },
      DEVELOPMENT_OFFICIALS.leaderTamChung,
    );
    expect(toProvince.body.assignment.competentAuthority).toMatchObject({
      code: "38.STP",
      name: "Sở Tư pháp tỉnh Thanh Hoá",
      level: 2,
    });
    const after = await routing.get(`/v1/queues/${TAM_CHUNG}`);
    expect(after.body.assignments.map((a) => a.dossierId)).not.toContain(dossierId);
  });

  it("withdraws on an official's action (4 → 7) and on the applicant's request relayed by intake (5 → 7)", async () => {
    const first = await accepted();
    const withdrawn = await routing.act(first.dossierId, "withdraw", {
      reason: "Công dân rút hồ sơ tại quầy",
    });
    expect(withdrawn.body.assignment).toMatchObject({ status: 7, allowedActions: [] });
    expect(await routing.waitForEvent(first.dossierId, "dossierWithdrawn")).toMatchObject({
      status: 7,
      reason: "Công dân rút hồ sơ tại quầy",
    });

    const second = await accepted();
    await routing.act(second.dossierId, "request_supplement", { missingItems: ["Tờ khai"] });
    await routing.publish("withdrawalRequested", {
      dossierId: second.dossierId,
      requestedAt: routing.now().toISOString(),
      reason: "Không còn nhu cầu",
    });
    expect(await routing.waitForEvent(second.dossierId, "dossierWithdrawn")).toMatchObject({
      status: 7,
      reason: "Không còn nhu cầu",
    });
    expect((await routing.assignment(second.dossierId)).status).toBe(7);
  });

  it("keeps POST /v1/dossiers/:ref/decision for existing callers; a failed signature lets the official decide again", async () => {
    const { dossierId } = await accepted();
    // A same-day procedure is due soon at once: let that timer fire before reading the version to act on.
    await routing.setClock(routing.now());
    const decided = await routing.get(`/v1/dossiers/${dossierId}`);
    const reply = await fetch(`${routing.running.httpUrl}/v1/dossiers/${dossierId}/decision`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(await routing.headers({ official: leader, client: DEVELOPMENT_CLIENTS.muongLat })),
      },
      body: JSON.stringify({
        outcome: "rejected",
        summary: "Không đủ điều kiện",
        expectedVersion: decided.body.assignment.version,
      }),
    });
    expect(reply.status).toBe(200);
    const requested = await routing.waitForEvent(dossierId, "signatureRequested");
    expect(requested).toMatchObject({ outcome: 2, summary: "Không đủ điều kiện" });
    await routing.publish("signatureFailed", {
      dossierId,
      requestId: requested.requestId,
      reason: "HSM unavailable",
    });
    await waitForAllowed(dossierId, "decide");
    const again = await routing.act(dossierId, "decide", { outcome: "approved", summary: "Đủ điều kiện" });
    expect(again.status).toBe(200);
    await routing.waitForEvent(dossierId, "signatureRequested", 2);
    await routing.sign(dossierId);
    expect(await routing.assignment(dossierId)).toMatchObject({ status: 9, outcome: 1 });
  });

  async function accepted(procedureCode = MARRIAGE_REGISTRATION) {
    const dossier = await routing.submit({ procedureCode });
    const reply = await routing.act(dossier.dossierId, "accept");
    expect(reply.status).toBe(200);
    return dossier;
  }

  async function waitForAllowed(dossierId: string, action: string) {
    await waitFor(async () => ((await routing.assignment(dossierId)).allowedActions as string[]).includes(action), {
      description: `${action} allowed again`,
    });
  }

  it("answers every request as its OpenAPI document says", async () => {
    expect(await responses.nonConforming()).toEqual([]);
    expect(responses.checked).toBeGreaterThanOrEqual(20);
  });
});
