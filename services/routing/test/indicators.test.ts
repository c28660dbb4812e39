import * as grpc from "@grpc/grpc-js";
import { common, routing as contract } from "@lienthong/contracts";
import { DEVELOPMENT_OFFICIALS, auditLog, type DevelopmentOfficial } from "@lienthong/service-host";
import { put, remove } from "@lienthong/storage";
import { waitFor } from "@lienthong/testing";
import { assignments, indicatorDays, provinceIndicatorDays } from "../src/store/collections";
import {
  CRIMINAL_RECORD_CERTIFICATE,
  HAC_THANH,
  HAC_THANH_RECEIVING_OFFICER,
  HOUSEHOLD_BUSINESS,
  MUONG_LAT,
  TAM_CHUNG,
  at,
  grpcCall,
  officialFor,
  startRouting,
  type Credentials,
  type RoutingHarness,
  type SubmitOptions,
} from "./support/routing-harness";

/** Each commune's figures are read by its leader, the province's by the province's operator. */
const leaderOf = {
  [MUONG_LAT]: DEVELOPMENT_OFFICIALS.leaderMuongLat,
  [TAM_CHUNG]: DEVELOPMENT_OFFICIALS.leaderTamChung,
};
const operator = DEVELOPMENT_OFFICIALS.operator;
/** Hà Nội's province IT: an operator, of another province. */
const HA_NOI_OPERATOR: DevelopmentOfficial = {
  subject: "van-hanh-ha-noi",
  name: "Cán bộ vận hành hệ thống Hà Nội",
  unitCodes: ["01"],
  roles: ["operator"],
};
/** A commune of Thanh Hoá where nothing happens in these tests. */
const TRUNG_LY = "14854";
const { CHANNEL_ONLINE: ONLINE, CHANNEL_COUNTER: COUNTER } = common.Channel;

/**
 * Known dossiers (household business, 3 working days), in time order:
 * - D7 Mường Lát, counter, accepted Fri 3 Oct (before the range), left open: overdue on Thu 9;
 * - D1 Mường Lát, online, accepted Mon 6, finished Tue 7: early;
 * - D2 Mường Lát, counter, accepted Mon 6, finished Thu 9: on time;
 * - D3 Mường Lát, counter, accepted Mon 6, finished Fri 10: late (overdue first);
 * - D4 Mường Lát, online, accepted Mon 6, left open: overdue from Fri 10;
 * - D5 Mường Lát, online, submitted Mon 6, never accepted: not received;
 * - D6 Tam Chung, counter, accepted Thu 9, open and within its deadline.
 * The figures are read at Fri 10 09:00: D7 and D4 are open and overdue then.
 */
describe("routing: indicators over a date range", () => {
  let routing: RoutingHarness;

  const acceptNew = async (receivingUnitCode: string, channel: common.Channel) => {
    const { dossierId } = await routing.submit({
      procedureCode: HOUSEHOLD_BUSINESS,
      receivingUnitCode,
      applicantCommuneCode: receivingUnitCode,
      channel,
    });
    expect((await routing.act(dossierId, "accept", {}, officialFor("accept", receivingUnitCode))).status).toBe(200);
    return dossierId;
  };
  const finish = async (dossierId: string) => {
    expect((await routing.act(dossierId, "decide", { outcome: "approved", summary: "Cấp giấy" })).status).toBe(200);
    await routing.waitForEvent(dossierId, "signatureRequested");
    await routing.sign(dossierId);
  };

  beforeAll(async () => {
    routing = await startRouting({}, at(3, 8));
    await acceptNew(MUONG_LAT, COUNTER);
    await routing.setClock(at(6, 8));
    const d1 = await acceptNew(MUONG_LAT, ONLINE);
    const d2 = await acceptNew(MUONG_LAT, COUNTER);
    const d3 = await acceptNew(MUONG_LAT, COUNTER);
    await acceptNew(MUONG_LAT, ONLINE);
    await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS, channel: ONLINE });
    await routing.setClock(at(7, 10));
    await finish(d1);
    await routing.setClock(at(9, 9));
    await acceptNew(TAM_CHUNG, COUNTER);
    await routing.setClock(at(9, 10));
    await finish(d2);
    await routing.setClock(at(10, 9));
    await finish(d3);
  });

  afterAll(async () => {
    await routing.stop();
  });

  it("gives exact figures for a commune over REST", async () => {
    const reply = await routing.get(`/v1/indicators/${MUONG_LAT}?from=2025-10-06&to=2025-10-10`, {
      official: leaderOf[MUONG_LAT],
    });
    expect(reply.status).toBe(200);
    expect(reply.body.indicators).toEqual({
      unitCode: MUONG_LAT,
      fromDate: "2025-10-06",
      toDate: "2025-10-10",
      received: 4,
      receivedOnline: 2,
      onlineShare: 0.5,
      finishedEarly: 1,
      finishedOnTime: 1,
      finishedLate: 1,
      // Decision 766 2.1: D1 and D2 on time, over D1–D3 finished and D7 and D4 open and overdue.
      onTimeRate: 2 / 5,
      currentlyOverdue: 2,
      openWithinDeadline: 0,
      // No apology came before either appointment.
      overdueWithoutApology: 2,
    });
  });

  it("gives exact figures for a province and for a narrower range", async () => {
    const province = await routing.get("/v1/indicators/38?from=2025-10-03&to=2025-10-10", { official: operator });
    expect(province.body.indicators).toMatchObject({
      received: 6,
      receivedOnline: 2,
      onlineShare: 2 / 6,
      finishedEarly: 1,
      finishedOnTime: 1,
      finishedLate: 1,
      currentlyOverdue: 2,
      openWithinDeadline: 1,
      onTimeRate: 3 / 6,
    });
    const oneDay = await routing.get(`/v1/indicators/${MUONG_LAT}?from=2025-10-07&to=2025-10-07`, {
      official: leaderOf[MUONG_LAT],
    });
    expect(oneDay.body.indicators).toMatchObject({
      received: 0,
      onlineShare: 0,
      finishedEarly: 1,
      finishedOnTime: 0,
      finishedLate: 0,
      // D1 on time; D7 and D4, open through the 7th, overdue now.
      currentlyOverdue: 2,
      onTimeRate: 1 / 3,
    });
    const tamChung = await routing.get(`/v1/indicators/${TAM_CHUNG}?from=2025-10-06&to=2025-10-10`, {
      official: leaderOf[TAM_CHUNG],
    });
    expect(tamChung.body.indicators).toMatchObject({
      received: 1,
      receivedOnline: 0,
      finishedEarly: 0,
      // Nothing finished, D6 open and within its deadline: all on time so far.
      openWithinDeadline: 1,
      onTimeRate: 1,
      currentlyOverdue: 0,
    });
  });

  it("counts a dossier received before the period and overdue now, and none accepted after the period", async () => {
    const asLeader = { official: leaderOf[MUONG_LAT] };
    // D7 was accepted on the 3rd: still open, it is processed in the 6–10 period, and late already.
    const friday = await routing.get(`/v1/indicators/${MUONG_LAT}?from=2025-10-10&to=2025-10-10`, asLeader);
    expect(friday.body.indicators).toMatchObject({
      received: 0,
      finishedLate: 1,
      currentlyOverdue: 2,
      openWithinDeadline: 0,
      onTimeRate: 0,
    });
    const third = await routing.get(`/v1/indicators/${MUONG_LAT}?from=2025-10-03&to=2025-10-03`, asLeader);
    expect(third.body.indicators).toMatchObject({ received: 1, currentlyOverdue: 1, onTimeRate: 0 });
    // Before D7's acceptance the commune processed nothing.
    const before = await routing.get(`/v1/indicators/${MUONG_LAT}?from=2025-10-01&to=2025-10-02`, asLeader);
    expect(before.body.indicators).toMatchObject({
      received: 0,
      finishedLate: 0,
      currentlyOverdue: 0,
      openWithinDeadline: 0,
      onTimeRate: 0,
    });
  });

  it("validates the unit and the range, naming the field and the reason", async () => {
    const as = { official: operator };
    const refused = async (query: string) => {
      const reply = await routing.get(`/v1/indicators/${query}`, as);
      expect(reply.status).toBe(400);
      return reply.body.violations;
    };
    expect(await refused("123?from=2025-10-06&to=2025-10-10")).toEqual([
      { field: "unitCode", reason: "must be a 5-digit commune code or a 2-digit province code" },
    ]);
    expect((await routing.get("/v1/indicators/99999?from=2025-10-06&to=2025-10-10", as)).status).toBe(404);
    expect(await refused(`${MUONG_LAT}?from=2025-10-10&to=2025-10-06`)).toEqual([
      { field: "to", reason: "must not be before from" },
    ]);
    expect(await refused(`${MUONG_LAT}?from=2025-02-29&to=2025-10-06`)).toEqual([
      { field: "from", reason: "is not a calendar date" },
    ]);
    expect(await refused(`${MUONG_LAT}?from=2025-10-06`)).toEqual([expect.objectContaining({ field: "to" })]);
    // At most a year: a leap year's 366 days are one.
    expect(await refused("38?from=2024-01-01&to=2025-01-01")).toEqual([
      { field: "to", reason: "must make a range of at most 366 days with from" },
    ]);
    expect((await routing.get("/v1/indicators/38?from=2024-01-01&to=2024-12-31", as)).status).toBe(200);
  });

  it("serves the same figures over gRPC", async () => {
    const client = new contract.RoutingServiceClient(
      `127.0.0.1:${routing.running.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
    try {
      const getIndicators = grpcCall<contract.GetIndicatorsRequest, contract.GetIndicatorsResponse>(
        (request, metadata, callback) => client.getIndicators(request, metadata, callback),
      );
      const reply = await getIndicators(
        contract.GetIndicatorsRequest.fromPartial({
          unitCode: MUONG_LAT,
          fromDate: "2025-10-06",
          toDate: "2025-10-10",
        }),
        await routing.metadata({ official: leaderOf[MUONG_LAT] }),
      );
      expect(reply.indicators).toMatchObject({
        received: 4,
        receivedOnline: 2,
        onlineShare: 0.5,
        finishedLate: 1,
        currentlyOverdue: 2,
        openWithinDeadline: 0,
      });
      expect(reply.indicators?.onTimeRate).toBeCloseTo(2 / 5, 12);
      await expect(
        getIndicators(
          contract.GetIndicatorsRequest.fromPartial({ unitCode: MUONG_LAT, fromDate: "2025-10-06", toDate: "" }),
          await routing.metadata({ official: leaderOf[MUONG_LAT] }),
        ),
      ).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    } finally {
      client.close();
    }
  });
});

/**
 * A province's communes in one read (decision 42): the figures each commune
 * gets alone, from the same rule. Known dossiers (household business, 3
 * working days, unless said otherwise), read at Fri 10 09:00:
 * - A Mường Lát, accepted Mon 6, left open: overdue now;
 * - B Mường Lát, online, accepted Mon 6, finished Fri 10: late;
 * - C Mường Lát, accepted Mon 6, finished Tue 7: early;
 * - D received at Tam Chung for an applicant of Mường Lát, accepted Thu 9: decided by Mường Lát, open within
 *   its deadline — received at one commune, counted as open at another;
 * - E a criminal-record certificate received at Hạc Thành, accepted Mon 6: decided by the provincial police,
 *   in no commune's open figures but in the province's;
 * - F Tam Chung, accepted Wed 8 at 00:30 (still Tue 7 in UTC): counted on Wednesday, open within its deadline;
 * - Trung Lý has nothing.
 */
describe("routing: every commune of a province in one read", () => {
  let routing: RoutingHarness;
  const communes = [MUONG_LAT, TAM_CHUNG, HAC_THANH, TRUNG_LY];

  const accepted = async (options: Partial<SubmitOptions>) => {
    const { dossierId } = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS, ...options });
    const unit = options.receivingUnitCode ?? MUONG_LAT;
    const official = unit === HAC_THANH ? HAC_THANH_RECEIVING_OFFICER : officialFor("accept", unit);
    expect((await routing.act(dossierId, "accept", {}, official)).status).toBe(200);
    return dossierId;
  };
  const finish = async (dossierId: string) => {
    expect((await routing.act(dossierId, "decide", { outcome: "approved", summary: "Cấp giấy" })).status).toBe(200);
    await routing.sign(dossierId);
  };
  const communesOf = async (province: string, range: string, as: Credentials = { official: operator }) => {
    const reply = await routing.get(`/v1/indicators/${province}/communes?${range}`, as);
    expect(reply.status).toBe(200);
    return reply.body as unknown as Required<contract.ListCommuneIndicatorsResponse>;
  };

  beforeAll(async () => {
    routing = await startRouting({}, at(6, 8));
    await accepted({});
    const b = await accepted({ channel: ONLINE });
    const c = await accepted({});
    await accepted({
      procedureCode: CRIMINAL_RECORD_CERTIFICATE,
      receivingUnitCode: HAC_THANH,
      applicantCommuneCode: TAM_CHUNG,
    });
    await routing.setClock(at(7, 10));
    await finish(c);
    await routing.setClock(at(8, 0, 30));
    await accepted({ receivingUnitCode: TAM_CHUNG, applicantCommuneCode: TAM_CHUNG });
    await routing.setClock(at(9, 9));
    await accepted({ receivingUnitCode: TAM_CHUNG, applicantCommuneCode: MUONG_LAT });
    await routing.setClock(at(10, 9));
    await finish(b);
  });

  afterAll(async () => {
    await routing.stop();
  });

  it("gives each commune the figures it gets alone, and the province its own", async () => {
    for (const [from, to] of [
      ["2025-10-06", "2025-10-10"],
      ["2025-10-07", "2025-10-07"],
      ["2025-10-08", "2025-10-08"],
      ["2025-10-09", "2025-10-10"],
      ["2025-10-01", "2025-10-05"],
    ]) {
      const range = `from=${from}&to=${to}`;
      const all = await communesOf("38", range);
      // Every commune of the province, each once, in the units list's order.
      expect(all.communes.map((commune) => commune.unitCode)).toEqual(
        routing.runtime.reference.units.communesOf("38").map((commune) => commune.code),
      );
      expect(all.province).toEqual(
        (await routing.get(`/v1/indicators/38?${range}`, { official: operator })).body.indicators,
      );
      for (const unitCode of communes) {
        const alone = await routing.get(`/v1/indicators/${unitCode}?${range}`, { official: operator });
        expect(all.communes.find((commune) => commune.unitCode === unitCode)).toEqual(alone.body.indicators);
      }
    }

    const week = await communesOf("38", "from=2025-10-06&to=2025-10-10");
    const figures = (unitCode: string) => week.communes.find((commune) => commune.unitCode === unitCode);
    expect(figures(MUONG_LAT)).toMatchObject({
      received: 3,
      receivedOnline: 1,
      finishedEarly: 1,
      finishedOnTime: 0,
      finishedLate: 1,
      currentlyOverdue: 1,
      openWithinDeadline: 1,
      onTimeRate: 2 / 4,
    });
    expect(figures(TAM_CHUNG)).toMatchObject({ received: 2, currentlyOverdue: 0, openWithinDeadline: 1 });
    expect(figures(HAC_THANH)).toMatchObject({ received: 1, currentlyOverdue: 0, openWithinDeadline: 0 });
    expect(figures(TRUNG_LY)).toMatchObject({ received: 0, finishedLate: 0, openWithinDeadline: 0, onTimeRate: 0 });
    expect(week.province).toMatchObject({ received: 6, finishedLate: 1, currentlyOverdue: 1, openWithinDeadline: 3 });
    // Nothing else happened in the province: every other commune is all zeros.
    const others = week.communes.filter((commune) => !communes.includes(commune.unitCode));
    expect(others.filter((commune) => commune.received + commune.openWithinDeadline > 0)).toEqual([]);
  });

  it("keeps each closed day of the province once, every commune in it, and counts today live", async () => {
    const kept = async () =>
      (await routing.runtime.store.find(provinceIndicatorDays, { where: { provinceCode: "38" } })).map(
        (row) => row.data,
      );
    // The ranges above covered 1–10 October; the 10th is today, still open.
    const days = (await kept()).map((record) => record.day).sort((a, b) => a - b);
    expect(days).toHaveLength(9);
    expect(days.at(-1)! - days[0]!).toBe(8);
    const tuesday = (await kept()).find((record) => record.communes[MUONG_LAT]?.finishedEarly === 1);
    expect(tuesday).toEqual({
      provinceCode: "38",
      day: days[6],
      province: { finishedEarly: 1 },
      communes: { [MUONG_LAT]: { finishedEarly: 1 } },
    });

    // Kept, not recounted: Tuesday's early result stays without the dossier it was counted from.
    const early = (await routing.runtime.store.find(assignments, { where: { timeliness: 1 } }))[0]!;
    await routing.runtime.store.commit([remove(assignments, early.id)]);
    const again = await communesOf("38", "from=2025-10-07&to=2025-10-07");
    expect(again.communes.find((commune) => commune.unitCode === MUONG_LAT)).toMatchObject({ finishedEarly: 1 });
    await routing.runtime.store.commit([put(assignments, early.id, early.data)]);
  });

  it("gives a province's communes to its own officials and operators only, audited, naming bad input", async () => {
    const range = "from=2025-10-06&to=2025-10-10";
    await communesOf("38", range, { official: DEVELOPMENT_OFFICIALS.leaderThanhHoaPolice });
    const anotherProvince = await routing.get(`/v1/indicators/38/communes?${range}`, { official: HA_NOI_OPERATOR });
    const aCommune = await routing.get(`/v1/indicators/38/communes?${range}`, { official: leaderOf[MUONG_LAT] });
    for (const reply of [anotherProvince, aCommune]) {
      expect({ status: reply.status, code: reply.body.code }).toEqual({ status: 403, code: "PERMISSION_DENIED" });
    }
    const entries = async () =>
      (await routing.runtime.store.find(auditLog, {}))
        .map(({ data }) => data)
        .filter((entry) => entry.action === "read_commune_indicators" && entry.target === "unit:38")
        .map(({ outcome, officialId }) => `${outcome} ${officialId}`);
    // The audit log is appended after the reply: wait for each decision, not only the first one made.
    const decisions = [
      `allowed ${operator.subject}`,
      `denied ${HA_NOI_OPERATOR.subject}`,
      `denied ${leaderOf[MUONG_LAT].subject}`,
    ];
    await waitFor(async () => await entries().then((all) => decisions.every((decision) => all.includes(decision))), {
      description: "every decision on the province's communes in the audit log",
    });

    const refused = async (query: string) => {
      const reply = await routing.get(`/v1/indicators/${query}`, { official: operator });
      expect(reply.status).toBe(400);
      return reply.body.violations;
    };
    expect(await refused(`${MUONG_LAT}/communes?${range}`)).toEqual([
      { field: "provinceCode", reason: "must be a 2-digit province code" },
    ]);
    expect(await refused("38/communes?from=2025-10-10&to=2025-10-06")).toEqual([
      { field: "to", reason: "must not be before from" },
    ]);
    expect(await refused("38/communes?from=2024-01-01&to=2025-01-01")).toEqual([
      { field: "to", reason: "must make a range of at most 366 days with from" },
    ]);
    expect(await refused("38/communes?to=2025-10-06")).toEqual([expect.objectContaining({ field: "from" })]);
    expect((await routing.get(`/v1/indicators/99/communes?${range}`, { official: operator })).status).toBe(404);
  });

  it("serves the same over gRPC, and refuses another province's operator there too", async () => {
    const client = new contract.RoutingServiceClient(
      `127.0.0.1:${routing.running.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
    try {
      const listCommuneIndicators = grpcCall<
        contract.ListCommuneIndicatorsRequest,
        contract.ListCommuneIndicatorsResponse
      >((request, metadata, callback) => client.listCommuneIndicators(request, metadata, callback));
      const request = contract.ListCommuneIndicatorsRequest.fromPartial({
        provinceCode: "38",
        fromDate: "2025-10-06",
        toDate: "2025-10-10",
      });
      const all = await listCommuneIndicators(request, await routing.metadata({ official: operator }));
      const rest = await communesOf("38", "from=2025-10-06&to=2025-10-10");
      expect(all).toEqual(rest);
      await expect(
        listCommuneIndicators(request, await routing.metadata({ official: HA_NOI_OPERATOR })),
      ).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
      await expect(
        listCommuneIndicators({ ...request, toDate: "" }, await routing.metadata({ official: operator })),
      ).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    } finally {
      client.close();
    }
  });
});

/**
 * A closed day's figures are counted once and kept (decision 30): a year of
 * them is then read, not counted. Days still open are counted live.
 */
describe("routing: indicators keep the figures of closed days", () => {
  let routing: RoutingHarness;
  const asLeader = { official: leaderOf[MUONG_LAT] };
  const keptDays = async () =>
    (await routing.runtime.store.find(indicatorDays, { where: { unitCode: MUONG_LAT } })).map((row) => row.data);

  beforeAll(async () => {
    routing = await startRouting({}, at(6, 8));
  });

  afterAll(async () => {
    await routing.stop();
  });

  it("keeps a day once it is over and an hour has passed, and counts today live", async () => {
    const { dossierId } = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS, channel: ONLINE });
    expect((await routing.act(dossierId, "accept")).status).toBe(200);

    // 00:30 on Tuesday: Monday may still take a commit stamped before midnight, so it is counted, not kept.
    await routing.setClock(at(7, 0, 30));
    const early = await routing.get(`/v1/indicators/${MUONG_LAT}?from=2025-10-06&to=2025-10-07`, asLeader);
    expect(early.body.indicators).toMatchObject({ received: 1, receivedOnline: 1 });
    expect(await keptDays()).toEqual([]);

    await routing.setClock(at(7, 9));
    const later = await routing.get(`/v1/indicators/${MUONG_LAT}?from=2025-10-06&to=2025-10-07`, asLeader);
    expect(later.body.indicators).toMatchObject({ received: 1, receivedOnline: 1 });
    const monday = { unitCode: MUONG_LAT, received: 1, receivedOnline: 1, finishedEarly: 0, finishedOnTime: 0 };
    expect(await keptDays()).toEqual([expect.objectContaining({ ...monday, finishedLate: 0 })]);

    // Kept, not recounted: Monday's figure stays even without the dossier it was counted from.
    await routing.runtime.store.commit([remove(assignments, dossierId)]);
    const kept = await routing.get(`/v1/indicators/${MUONG_LAT}?from=2025-10-06&to=2025-10-06`, asLeader);
    expect(kept.body.indicators).toMatchObject({ received: 1 });

    // Today's acceptance shows at once.
    const today = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS, channel: COUNTER });
    expect((await routing.act(today.dossierId, "accept")).status).toBe(200);
    const live = await routing.get(`/v1/indicators/${MUONG_LAT}?from=2025-10-06&to=2025-10-07`, asLeader);
    expect(live.body.indicators).toMatchObject({ received: 2, receivedOnline: 1, onlineShare: 0.5 });
    expect(await keptDays()).toHaveLength(1);
  });

  it("keeps what happened on a closed day, but counts the open dossiers as they stand now", async () => {
    const tuesday = `/v1/indicators/${MUONG_LAT}?from=2025-10-07&to=2025-10-07`;
    expect((await routing.get(tuesday, asLeader)).body.indicators).toMatchObject({
      received: 1,
      openWithinDeadline: 1,
      currentlyOverdue: 0,
      onTimeRate: 1,
    });

    // A week later Tuesday is closed and kept; its dossier, never decided, is overdue now.
    await routing.setClock(at(14, 9));
    expect((await routing.get(tuesday, asLeader)).body.indicators).toMatchObject({
      received: 1,
      receivedOnline: 0,
      openWithinDeadline: 0,
      currentlyOverdue: 1,
      onTimeRate: 0,
    });
    const tuesdayKept = (await keptDays()).find((row) => row.received === 1 && row.receivedOnline === 0);
    expect(tuesdayKept).toEqual({
      unitCode: MUONG_LAT,
      day: expect.any(Number) as number,
      received: 1,
      receivedOnline: 0,
      finishedEarly: 0,
      finishedOnTime: 0,
      finishedLate: 0,
    });
  });
});

/**
 * The example: a commune with one early result and one dossier
 * overdue right now is on time for half of what it handled, not all of it.
 */
describe("routing: an open overdue dossier counts against the on-time rate", () => {
  let routing: RoutingHarness;
  const asLeader = { official: leaderOf[MUONG_LAT] };
  const week = `/v1/indicators/${MUONG_LAT}?from=2025-10-06&to=2025-10-10`;

  beforeAll(async () => {
    routing = await startRouting({}, at(6, 8));
  });

  afterAll(async () => {
    await routing.stop();
  });

  it("shows 50 % for one early result and one dossier overdue now", async () => {
    const early = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    const overdue = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    for (const { dossierId } of [early, overdue]) expect((await routing.act(dossierId, "accept")).status).toBe(200);
    await routing.setClock(at(7, 10));
    expect((await routing.act(early.dossierId, "decide", { outcome: "approved", summary: "Cấp giấy" })).status).toBe(
      200,
    );
    await routing.sign(early.dossierId);

    // Thursday 9, the appointment day: the open dossier is still within its deadline.
    await routing.setClock(at(9, 16));
    const thursday = await routing.get(week, asLeader);
    expect(thursday.body.indicators).toMatchObject({
      finishedEarly: 1,
      openWithinDeadline: 1,
      currentlyOverdue: 0,
      onTimeRate: 1,
    });

    // Friday 10: the appointment passed without a result.
    await routing.setClock(at(10, 9));
    const friday = await routing.get(week, asLeader);
    expect(friday.body.indicators).toMatchObject({
      received: 2,
      finishedEarly: 1,
      finishedOnTime: 0,
      finishedLate: 0,
      openWithinDeadline: 0,
      currentlyOverdue: 1,
      onTimeRate: 0.5,
    });
  });

  it("counts a paused dossier as open and a stopped one in no figure", async () => {
    const paused = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    const stopped = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    for (const { dossierId } of [paused, stopped]) expect((await routing.act(dossierId, "accept")).status).toBe(200);
    const supplement = await routing.act(paused.dossierId, "request_supplement", { missingItems: ["Tờ khai"] });
    expect(supplement.body.assignment?.status).toBe(5);
    const stop = await routing.act(stopped.dossierId, "stop", { reason: "Không thuộc thẩm quyền" });
    expect(stop.body.assignment?.status).toBe(8);

    // Processing ended at the stop (DOMAIN.md §10): the stopped dossier is neither open nor finished.
    expect((await routing.get(week, asLeader)).body.indicators).toMatchObject({
      received: 4,
      finishedEarly: 1,
      openWithinDeadline: 1,
      currentlyOverdue: 1,
      onTimeRate: 2 / 3,
    });
  });
});

/** Days are Vietnam days (UTC+7): 00:30 on Tuesday in Vietnam is still Monday in UTC. */
describe("routing: indicators count Vietnam days", () => {
  let routing: RoutingHarness;
  const asLeader = { official: leaderOf[MUONG_LAT] };
  const day = (date: string) => routing.get(`/v1/indicators/${MUONG_LAT}?from=${date}&to=${date}`, asLeader);

  beforeAll(async () => {
    routing = await startRouting({}, at(6, 0, 30));
  });

  afterAll(async () => {
    await routing.stop();
  });

  it("counts an acceptance at 00:30 on the Vietnam day it happened, received and open", async () => {
    const monday = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    expect((await routing.act(monday.dossierId, "accept")).status).toBe(200);
    await routing.setClock(at(7, 0, 30));
    const tuesday = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    expect((await routing.act(tuesday.dossierId, "accept")).status).toBe(200);

    expect((await day("2025-10-05")).body.indicators).toMatchObject({ received: 0, openWithinDeadline: 0 });
    expect((await day("2025-10-06")).body.indicators).toMatchObject({
      received: 1,
      openWithinDeadline: 1,
      onTimeRate: 1,
    });
    // Tuesday's dossier was accepted after Monday ended, and Monday's is still open on Tuesday.
    expect((await day("2025-10-07")).body.indicators).toMatchObject({ received: 1, openWithinDeadline: 2 });

    // Once Monday is closed and kept, its figures are the same: Sunday kept nothing, Monday one acceptance.
    await routing.setClock(at(7, 9));
    expect((await day("2025-10-06")).body.indicators).toMatchObject({ received: 1, openWithinDeadline: 1 });
    const kept = await routing.runtime.store.find(indicatorDays, { where: { unitCode: MUONG_LAT } });
    expect(kept.map((row) => row.data).sort((a, b) => a.day - b.day)).toEqual([
      expect.objectContaining({ received: 0 }),
      expect.objectContaining({ received: 1 }),
    ]);
  });
});
