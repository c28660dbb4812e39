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
      onTimeRate: 2 / 3,
      currentlyOverdue: 2,
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
      onTimeRate: 1,
    });
    const tamChung = await routing.get(`/v1/indicators/${TAM_CHUNG}?from=2025-10-06&to=2025-10-10`, {
      official: leaderOf[TAM_CHUNG],
    });
    expect(tamChung.body.indicators).toMatchObject({
      received: 1,
      receivedOnline: 0,
      finishedEarly: 0,
      onTimeRate: 0,
      currentlyOverdue: 0,
    });
  });

  it("validates the unit and the range", async () => {
    const as = { official: operator };
    expect((await routing.get("/v1/indicators/123?from=2025-10-06&to=2025-10-10", as)).status).toBe(400);
    expect((await routing.get("/v1/indicators/99999?from=2025-10-06&to=2025-10-10", as)).status).toBe(404);
    const reversed = await routing.get(`/v1/indicators/${MUONG_LAT}?from=2025-10-10&to=2025-10-06`, as);
    expect(reversed.status).toBe(400);
    expect(reversed.body.violations).toEqual([{ field: "to", reason: "must not be before from" }]);
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
      });
      expect(reply.indicators?.onTimeRate).toBeCloseTo(2 / 3, 12);
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
});
