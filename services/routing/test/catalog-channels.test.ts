import { writeFileSync } from "node:fs";
import { common } from "@lienthong/contracts";
import { computeAppointment, createCalendar, resumeAppointment, sampleUnits, vietnamDate } from "@lienthong/domain";
import {
  DEVELOPMENT_CLIENTS,
  parseKey,
  storedKeyOf,
  type DevelopmentClient,
  type DevelopmentOfficial,
} from "@lienthong/service-host";
import { FEATURED_PROCEDURE, FREE_PROCEDURE_CODE, provinceCatalogCsv, tempDir } from "@lienthong/testing";
import { MONDAY, startRouting, type RoutingHarness } from "./support/routing-harness";

/**
 * A province's whole catalog, as the portal exports it (libs/testing's
 * synthetic 2,160 rows), in routing: a dossier takes the time limit and fee
 * of the way it was filed — online or in person (at the counter, or by post,
 * received alike) — and is decided by an agency of a kind the platform does
 * not build in.
 */
describe("routing: a dossier under a province's imported catalog takes its channel's terms", () => {
  const calendar = createCalendar();
  /** The processing officer of the province's departments that are not built in (no development identity has them). */
  const DEPARTMENT_OFFICIAL: DevelopmentOfficial = {
    subject: "xu-ly-so-khcn",
    name: "Chuyên viên Sở Khoa học và Công nghệ",
    unitCodes: [FEATURED_PROCEDURE.agencyCode, "38.BQLKKT", "38.THUE"],
    roles: ["processing_official"],
  };
  /** The system the province's departments act through (the development clients know none of their codes). */
  const DEPARTMENTS_SYSTEM: DevelopmentClient = {
    clientId: "thanh-hoa-departments",
    key: "ltk.testdepartments.test-key-thanh-hoa-departments-00001",
    unitCodes: DEPARTMENT_OFFICIAL.unitCodes,
  };
  const units = sampleUnits();
  const allCommunes = units.provinces().flatMap((province) => units.communesOf(province.code).map((c) => c.code));
  const clients = JSON.stringify({
    clients: [...Object.values(DEVELOPMENT_CLIENTS), DEPARTMENTS_SYSTEM].map(({ key, clientId, unitCodes }) => {
      const { id, secret } = parseKey(key)!;
      return { clientId, unitCodes: unitCodes === "*" ? allCommunes : unitCodes, keys: [storedKeyOf(id, secret)] };
    }),
  });
  let routing: RoutingHarness;
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    dir = await tempDir("routing-province-catalog");
    writeFileSync(dir.file("thanh-hoa.csv"), provinceCatalogCsv());
    routing = await startRouting({ CATALOG_FILE: dir.file("thanh-hoa.csv"), CLIENTS: clients }, MONDAY);
  }, 60_000);

  afterAll(async () => {
    await routing?.stop();
    await dir?.remove();
  });

  const requestPayment = (dossierId: string, body: Record<string, unknown> = {}) =>
    routing.request("POST", `/v1/dossiers/${dossierId}/actions/request_payment`, body, {
      official: DEPARTMENT_OFFICIAL,
      client: DEPARTMENTS_SYSTEM,
    });

  it.each([
    ["online", common.Channel.CHANNEL_ONLINE, FEATURED_PROCEDURE.onlineWorkingDays, FEATURED_PROCEDURE.onlineFeeVnd],
    [
      "at the counter",
      common.Channel.CHANNEL_COUNTER,
      FEATURED_PROCEDURE.inPersonWorkingDays,
      FEATURED_PROCEDURE.inPersonFeeVnd,
    ],
    ["by post", common.Channel.CHANNEL_POST, FEATURED_PROCEDURE.inPersonWorkingDays, FEATURED_PROCEDURE.inPersonFeeVnd],
  ])(
    "filed %s: the appointment counts that channel's working days and the payment request asks its fee",
    async (_how, channel, workingDays, feeVnd) => {
      const { dossierId } = await routing.submit({ procedureCode: FEATURED_PROCEDURE.code, channel });
      expect((await routing.act(dossierId, "accept")).status).toBe(200);

      const assignment = await routing.assignment(dossierId);
      expect(assignment).toMatchObject({
        status: 4,
        competentAuthority: { code: FEATURED_PROCEDURE.agencyCode, name: FEATURED_PROCEDURE.agencyName },
        appointmentAt: calendar.addWorkingDays(MONDAY, workingDays, "38").toISOString(),
      });

      // The official names no amount: the catalog's fee for the channel is asked.
      expect((await requestPayment(dossierId)).status).toBe(200);
      const requested = await routing.waitForEvent(dossierId, "paymentRequested");
      expect(requested.amountVnd).toBe(feeVnd);
      expect(routing.eventsOf(dossierId, "paymentRequested")).toHaveLength(1);
      expect((await routing.assignment(dossierId)).status).toBe(6);
    },
    60_000,
  );

  it("transfers to the agency of a kind the catalog added, by its stand-in code", async () => {
    const { dossierId } = await routing.submit({ procedureCode: FEATURED_PROCEDURE.code });
    expect((await routing.act(dossierId, "accept")).status).toBe(200);
    const transferred = await routing.request(
      "POST",
      `/v1/dossiers/${dossierId}/actions/transfer`,
      { targetAgencyCode: "38.BQLKKT", reason: "Dự án trong khu công nghiệp" },
      { official: DEPARTMENT_OFFICIAL, client: DEPARTMENTS_SYSTEM },
    );
    expect(transferred.status).toBe(200);
    expect((await routing.assignment(dossierId)).competentAuthority).toMatchObject({
      code: "38.BQLKKT",
      name: "Ban Quản lý Khu kinh tế và các khu công nghiệp tỉnh Thanh Hoá",
    });
  }, 60_000);

  it("a free procedure's payment request must name its amount, and an amount named is the one asked", async () => {
    const { dossierId } = await routing.submit({ procedureCode: FREE_PROCEDURE_CODE });
    expect((await routing.act(dossierId, "accept")).status).toBe(200);
    expect((await routing.assignment(dossierId)).competentAuthority).toMatchObject({ code: "38.BQLKKT" });

    const refused = await requestPayment(dossierId);
    expect(refused.status).toBe(400);
    expect(refused.body.violations).toEqual([
      {
        field: "amountVnd",
        reason: "is required to request payment: the catalog sets no fee for this procedure and channel",
      },
    ]);
    expect((await routing.assignment(dossierId)).status).toBe(4);

    expect((await requestPayment(dossierId, { amountVnd: 120_000 })).status).toBe(200);
    expect((await routing.waitForEvent(dossierId, "paymentRequested")).amountVnd).toBe(120_000);
  }, 60_000);

  // Last: it moves the clock. The tax office's 2.100022 takes 20 calendar days in person and 10 working days online.
  it("a pause is measured in the time limit of the dossier's channel, and the overdue flag follows its appointment", async () => {
    const TAX_PROCEDURE = "2.100022";
    const inPersonTime = { value: 20, unit: "calendar_days" } as const;
    const onlineTime = { value: 10, unit: "working_days" } as const;
    const asDepartment = { official: DEPARTMENT_OFFICIAL, client: DEPARTMENTS_SYSTEM };
    const act = (dossierId: string, action: string, body: Record<string, unknown> = {}) =>
      routing.request("POST", `/v1/dossiers/${dossierId}/actions/${action}`, body, asDepartment);
    const online = await routing.submit({ procedureCode: TAX_PROCEDURE, channel: common.Channel.CHANNEL_ONLINE });
    const inPerson = await routing.submit({ procedureCode: TAX_PROCEDURE, channel: common.Channel.CHANNEL_COUNTER });
    for (const { dossierId } of [online, inPerson]) expect((await routing.act(dossierId, "accept")).status).toBe(200);
    const accepted = {
      online: computeAppointment(MONDAY, onlineTime, calendar, "38"),
      inPerson: computeAppointment(MONDAY, inPersonTime, calendar, "38"),
    };
    expect((await routing.assignment(online.dossierId)).appointmentAt).toBe(accepted.online.toISOString());
    expect((await routing.assignment(inPerson.dossierId)).appointmentAt).toBe(accepted.inPerson.toISOString());

    // Paused over a weekend: one working day, three calendar days.
    const pausedAt = vietnamDate(2025, 10, 10, 9);
    const resumedAt = vietnamDate(2025, 10, 13, 9);
    await routing.setClock(pausedAt);
    for (const { dossierId } of [online, inPerson])
      expect((await act(dossierId, "request_supplement", { missingItems: ["Tờ khai đăng ký thuế"] })).status).toBe(200);
    await routing.setClock(resumedAt);
    const resumed = {
      online: resumeAppointment(accepted.online, pausedAt, resumedAt, "working_days", calendar, "38").appointmentAt,
      inPerson: resumeAppointment(accepted.inPerson, pausedAt, resumedAt, "calendar_days", calendar, "38")
        .appointmentAt,
    };
    // The two units give different dates, so the test tells them apart.
    expect(resumed.online.toISOString()).not.toBe(
      resumeAppointment(
        accepted.online,
        pausedAt,
        resumedAt,
        "calendar_days",
        calendar,
        "38",
      ).appointmentAt.toISOString(),
    );
    expect((await act(online.dossierId, "resume")).body.assignment.appointmentAt).toBe(resumed.online.toISOString());
    expect((await act(inPerson.dossierId, "resume")).body.assignment.appointmentAt).toBe(
      resumed.inPerson.toISOString(),
    );

    // Each overdue dossier is flagged at its own channel's appointment, with no new date made up for it.
    for (const [dossierId, appointment] of [
      [online.dossierId, resumed.online],
      [inPerson.dossierId, resumed.inPerson],
    ] as const) {
      const detectedAt = new Date(appointment.getTime() + 2 * 24 * 3_600_000);
      await routing.setClock(detectedAt);
      const overdue = await routing.waitForEvent(dossierId, "dossierOverdue");
      expect(overdue).toMatchObject({ previousAppointmentAt: appointment.toISOString(), apologiesIssued: 0 });
      expect(overdue.newAppointmentAt).toBeUndefined();
    }
  }, 120_000);
});
