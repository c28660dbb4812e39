import { writeFileSync } from "node:fs";
import { credentials } from "@grpc/grpc-js";
import { routing as contract } from "@lienthong/contracts";
import { DEVELOPMENT_CLIENTS, DEVELOPMENT_OFFICIALS, type DevelopmentOfficial } from "@lienthong/service-host";
import { tempDir, type TempDir } from "@lienthong/testing";
import { HOUSEHOLD_BUSINESS, at, grpcCall, startRouting, type RoutingHarness } from "./support/routing-harness";

const LEADER: DevelopmentOfficial = DEVELOPMENT_OFFICIALS.leaderMuongLat;
const REASON = "Chờ ý kiến của cơ quan thuế về nghĩa vụ tài chính";

/**
 * The apology by the rules (DOMAIN.md §10; Decree 118/2025/NĐ-CP, Circular 03/2025/TT-VPCP Appendix I Mẫu số 04):
 * the competent authority's leader issues it before the appointment, with a reason and a later working day,
 * as often as APOLOGY_MAX allows; the dossier's appointment and deadline timers move to the new date.
 */
describe("routing: the apology with a new appointment", () => {
  let routing: RoutingHarness;

  const severalPolls = async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    await routing.allObserved();
  };

  /** A household-business dossier accepted on Monday 6 Oct 2025 08:00: due Thursday 9 Oct 08:00. */
  async function accepted(): Promise<string> {
    await routing.setClock(at(6, 8));
    const { dossierId } = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    const reply = await routing.act(dossierId, "accept");
    expect(reply.body.assignment.appointmentAt).toBe(at(9, 8).toISOString());
    return dossierId;
  }

  const apologize = (dossierId: string, body: Record<string, unknown>, official = LEADER) =>
    routing.act(dossierId, "apologize", body, official);

  beforeAll(async () => {
    routing = await startRouting({ APOLOGY_MAX: "1" }, at(6, 8));
  });

  afterAll(async () => {
    await routing.stop();
  });

  it("a due-soon dossier gets its apology before the appointment; the new date holds and re-arms the clock", async () => {
    const dossierId = await accepted();
    await routing.setClock(at(8, 9));
    await routing.waitForEvent(dossierId, "deadlineDueSoon");
    expect((await routing.assignment(dossierId)).allowedActions).toContain("apologize");

    const newAppointment = at(15, 9).toISOString();
    const reply = await apologize(dossierId, { reason: REASON, newAppointmentAt: newAppointment });
    expect(reply.status).toBe(200);
    expect(reply.body.assignment).toMatchObject({
      status: 4,
      appointmentAt: newAppointment,
      // The first appointment is kept beside the one in force (decision 59).
      originalAppointmentAt: at(9, 8).toISOString(),
      apologies: 1,
      deadlineState: "within_deadline",
    });
    expect(await routing.waitForEvent(dossierId, "apologyIssued")).toMatchObject({
      issuedAt: at(8, 9).toISOString(),
      previousAppointmentAt: at(9, 8).toISOString(),
      newAppointmentAt: newAppointment,
      reason: REASON,
      officialId: LEADER.subject,
      apologyNumber: 1,
      procedureCode: HOUSEHOLD_BUSINESS,
      competentAuthority: expect.objectContaining({ code: "14845" }),
      receivingUnit: expect.objectContaining({ code: "14845", name: "Ủy ban nhân dân xã Mường Lát" }),
    });

    // The old appointment passes: not overdue. The new one is near: due soon again, then overdue after it.
    await routing.setClock(at(10, 9));
    await severalPolls();
    expect(routing.eventsOf(dossierId, "dossierOverdue")).toHaveLength(0);
    await routing.setClock(at(14, 10));
    expect(await routing.waitForEvent(dossierId, "deadlineDueSoon", 2)).toMatchObject({
      appointmentAt: newAppointment,
    });
    // APOLOGY_MAX=1: the new date is set once.
    const again = await apologize(dossierId, { reason: REASON, newAppointmentAt: at(17, 9).toISOString() });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: "FAILED_PRECONDITION", reason: "APOLOGY_LIMIT_REACHED" });
    await routing.setClock(at(16, 0, 1));
    expect(await routing.waitForEvent(dossierId, "dossierOverdue")).toMatchObject({
      previousAppointmentAt: newAppointment,
      apologiesIssued: 1,
    });
    expect(await routing.assignment(dossierId)).toMatchObject({
      deadlineState: "overdue",
      overdueWithoutApology: false,
    });
    // Overdue for the indicators, but with its apology: not among those flagged to the authority.
    const indicators = await routing.get("/v1/indicators/14845?from=2025-10-06&to=2025-10-16", { official: LEADER });
    expect(indicators.body.indicators).toMatchObject({ currentlyOverdue: 1, overdueWithoutApology: 0 });
  });

  it("is refused once the appointment has passed", async () => {
    const dossierId = await accepted();
    // Thursday 10:00: the appointment (08:00) has passed, though the dossier is judged overdue only tomorrow.
    await routing.setClock(at(9, 10));
    const reply = await apologize(dossierId, { reason: REASON, newAppointmentAt: at(15, 9).toISOString() });
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ code: "FAILED_PRECONDITION", reason: "APPOINTMENT_PASSED" });
    expect(routing.eventsOf(dossierId, "apologyIssued")).toHaveLength(0);
  });

  it("needs a reason and a later working day as the new appointment", async () => {
    const dossierId = await accepted();
    await routing.setClock(at(8, 9));
    const fields = async (body: Record<string, unknown>) => {
      const reply = await apologize(dossierId, body);
      expect(reply.status).toBe(400);
      return reply.body.violations.map((violation) => violation.field);
    };
    expect(await fields({ newAppointmentAt: at(15, 9).toISOString() })).toEqual(["reason"]);
    expect(await fields({ reason: REASON })).toEqual(["newAppointmentAt"]);
    expect(await fields({ reason: "  ", newAppointmentAt: at(15, 9).toISOString() })).toEqual(["reason"]);
    expect(await fields({ reason: REASON, newAppointmentAt: "15/10/2025" })).toEqual(["newAppointmentAt"]);
    // The same date as the current appointment, and an earlier one.
    expect(await fields({ reason: REASON, newAppointmentAt: at(9, 16).toISOString() })).toEqual(["newAppointmentAt"]);
    expect(await fields({ reason: REASON, newAppointmentAt: at(8, 16).toISOString() })).toEqual(["newAppointmentAt"]);
    // Saturday 11 October 2025 is no working day.
    expect(await fields({ reason: REASON, newAppointmentAt: at(11, 9).toISOString() })).toEqual(["newAppointmentAt"]);
    // A working day, but not in working hours (Thanh Hoá keeps the default 07:00–11:30, 13:30–17:00): midnight,
    // the lunch break, the evening, and 23:30Z, which is 06:30 of the next Vietnam day.
    const outsideHours = async (newAppointmentAt: string, time: string) => {
      const reply = await apologize(dossierId, { reason: REASON, newAppointmentAt });
      expect(reply.status).toBe(400);
      expect(reply.body.violations).toEqual([
        {
          field: "newAppointmentAt",
          reason: `must be within the working hours of the competent authority's province (Vietnam time), not ${time}`,
        },
      ]);
    };
    await outsideHours(at(15, 0).toISOString(), "00:00");
    await outsideHours(at(15, 12).toISOString(), "12:00");
    await outsideHours(at(15, 23).toISOString(), "23:00");
    await outsideHours("2025-10-14T23:30:00Z", "06:30");
    expect(routing.eventsOf(dossierId, "apologyIssued")).toHaveLength(0);
    expect((await routing.assignment(dossierId)).appointmentAt).toBe(at(9, 8).toISOString());
  });

  it("may set the close of the working day, as computed appointments do", async () => {
    const dossierId = await accepted();
    await routing.setClock(at(8, 9));
    const reply = await apologize(dossierId, { reason: REASON, newAppointmentAt: at(15, 17).toISOString() });
    expect(reply.status).toBe(200);
    expect(reply.body.assignment.appointmentAt).toBe(at(15, 17).toISOString());
  });

  it("is refused for a procedure whose catalog entry allows no extension", async () => {
    await routing.setClock(at(6, 8));
    // Attesting a signature (2.000884): same day, no extension in the catalog.
    const { dossierId } = await routing.submit({ procedureCode: "2.000884" });
    expect((await routing.act(dossierId, "accept")).status).toBe(200);
    const reply = await apologize(dossierId, { reason: REASON, newAppointmentAt: at(15, 9).toISOString() });
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ code: "FAILED_PRECONDITION", reason: "EXTENSION_NOT_ALLOWED" });
    expect(routing.eventsOf(dossierId, "apologyIssued")).toHaveLength(0);
  });

  it("is the competent authority's leader's act: another role is refused, another tenant finds no dossier", async () => {
    const dossierId = await accepted();
    await routing.setClock(at(8, 9));
    const body = { reason: REASON, newAppointmentAt: at(15, 9).toISOString() };
    expect((await apologize(dossierId, body, DEVELOPMENT_OFFICIALS.processingOfficialMuongLat)).status).toBe(403);
    expect((await apologize(dossierId, body, DEVELOPMENT_OFFICIALS.receivingOfficerMuongLat)).status).toBe(403);
    const otherTenant = await routing.act(
      dossierId,
      "apologize",
      body,
      DEVELOPMENT_OFFICIALS.leaderTamChung,
      DEVELOPMENT_CLIENTS.tamChung,
    );
    expect(otherTenant.status).toBe(404);
    expect(routing.eventsOf(dossierId, "apologyIssued")).toHaveLength(0);
  });

  it("is asked for over gRPC too (ApplyAction APOLOGIZE with new_appointment_at)", async () => {
    const dossierId = await accepted();
    await routing.setClock(at(8, 9));
    const client = new contract.RoutingServiceClient(
      `127.0.0.1:${routing.running.grpcPort}`,
      credentials.createInsecure(),
    );
    try {
      const metadata = await routing.metadata({ client: DEVELOPMENT_CLIENTS.muongLat, official: LEADER });
      const reply = await grpcCall<contract.ApplyActionRequest, contract.ApplyActionResponse>((r, m, c) =>
        client.applyAction(r, m, c),
      )(
        contract.ApplyActionRequest.fromPartial({
          dossierRef: dossierId,
          action: contract.DossierAction.DOSSIER_ACTION_APOLOGIZE,
          reason: REASON,
          newAppointmentAt: at(15, 9).toISOString(),
        }),
        metadata,
      );
      expect(reply.assignment).toMatchObject({ appointmentAt: at(15, 9).toISOString(), apologies: 1 });
    } finally {
      client.close();
    }
    expect(await routing.waitForEvent(dossierId, "apologyIssued")).toMatchObject({ reason: REASON });
  });
});

/**
 * The authority's province's own calendar (PROVINCE_CALENDARS_FILE): its days off and worked Saturdays, its working
 * hours; and APOLOGY_MIN_LEAD_WORKING_HOURS, counted on it.
 */
describe("routing: the apology on the province's calendar", () => {
  let routing: RoutingHarness;
  let dir: TempDir;

  beforeAll(async () => {
    dir = await tempDir("routing-apology-calendar");
    writeFileSync(
      dir.file("provinces.json"),
      JSON.stringify({
        provinces: {
          "38": {
            workingHours: [
              { start: "07:30", end: "11:30" },
              { start: "13:00", end: "17:30" },
            ],
            overrides: [
              { date: "2025-10-13", kind: "holiday", name: "Nghỉ do bão", source: "Công điện của UBND tỉnh" },
              { date: "2025-10-11", kind: "working_day", name: "Làm bù cho ngày 13/10/2025" },
            ],
          },
        },
      }),
    );
    routing = await startRouting(
      { PROVINCE_CALENDARS_FILE: dir.file("provinces.json"), APOLOGY_MIN_LEAD_WORKING_HOURS: "8", APOLOGY_MAX: "3" },
      at(6, 8),
    );
  });

  afterAll(async () => {
    await routing?.stop();
    await dir?.remove();
  });

  async function accepted(): Promise<{ dossierId: string; appointmentAt: string }> {
    await routing.setClock(at(6, 8));
    const { dossierId } = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    const reply = await routing.act(dossierId, "accept");
    expect(reply.status).toBe(200);
    return { dossierId, appointmentAt: reply.body.assignment.appointmentAt ?? "" };
  }

  const apologize = (dossierId: string, newAppointmentAt: Date | string) =>
    routing.act(
      dossierId,
      "apologize",
      {
        reason: REASON,
        newAppointmentAt: typeof newAppointmentAt === "string" ? newAppointmentAt : newAppointmentAt.toISOString(),
      },
      LEADER,
    );

  it("takes the province's day off and worked Saturday, and its working hours", async () => {
    const { dossierId } = await accepted();
    await routing.setClock(at(7, 9));
    // Monday 13 October is a day off in Thanh Hoá only.
    const dayOff = await apologize(dossierId, at(13, 9));
    expect(dayOff.status).toBe(400);
    expect(dayOff.body.violations).toEqual([
      { field: "newAppointmentAt", reason: "must be a working day of the competent authority's province" },
    ]);
    // 07:15 is before the province's morning session; 17:15 is inside its afternoon one (not the default's).
    expect((await apologize(dossierId, at(14, 7, 15))).body.violations).toEqual([
      {
        field: "newAppointmentAt",
        reason: "must be within the working hours of the competent authority's province (Vietnam time), not 07:15",
      },
    ]);
    expect(routing.eventsOf(dossierId, "apologyIssued")).toHaveLength(0);
    // Saturday 11 October is worked in Thanh Hoá: a valid new date.
    const saturday = await apologize(dossierId, at(11, 9));
    expect(saturday.status).toBe(200);
    expect(saturday.body.assignment.appointmentAt).toBe(at(11, 9).toISOString());
    const evening = await apologize(dossierId, at(14, 17, 15));
    expect(evening.status).toBe(200);
    expect(evening.body.assignment).toMatchObject({ appointmentAt: at(14, 17, 15).toISOString(), apologies: 2 });
  });

  it("is refused within APOLOGY_MIN_LEAD_WORKING_HOURS of the appointment", async () => {
    const { dossierId, appointmentAt } = await accepted();
    // Wednesday 15:00: 2.5 working hours left that day and the Thursday morning up to the appointment.
    await routing.setClock(at(8, 15));
    const reply = await apologize(dossierId, at(15, 9));
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({
      code: "FAILED_PRECONDITION",
      reason: "APOLOGY_TOO_LATE",
      details: { apologyMinLeadWorkingHours: 8 },
    });
    expect(reply.body.details.remainingWorkingHours).toBeLessThan(8);
    expect(routing.eventsOf(dossierId, "apologyIssued")).toHaveLength(0);
    expect((await routing.assignment(dossierId)).appointmentAt).toBe(appointmentAt);
  });
});
