import * as grpc from "@grpc/grpc-js";
import { common, routing as contract } from "@lienthong/contracts";
import { DEVELOPMENT_OFFICIALS } from "@lienthong/service-host";
import { remove } from "@lienthong/storage";
import { assignments, indicatorDays } from "../src/store/collections";
import {
  HOUSEHOLD_BUSINESS,
  MUONG_LAT,
  TAM_CHUNG,
  at,
  grpcCall,
  officialFor,
  startRouting,
  type RoutingHarness,
} from "./support/routing-harness";

/** Each commune's figures are read by its leader, the province's by the province's operator. */
const leaderOf = {
  [MUONG_LAT]: DEVELOPMENT_OFFICIALS.leaderMuongLat,
  [TAM_CHUNG]: DEVELOPMENT_OFFICIALS.leaderTamChung,
};
const operator = DEVELOPMENT_OFFICIALS.operator;
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
