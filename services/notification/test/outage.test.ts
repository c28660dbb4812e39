import { randomUUID } from "node:crypto";
import { EventTypes, common, decodeEvent, type PayloadOf } from "@lienthong/contracts";
import { DEVELOPMENT_OFFICIALS } from "@lienthong/service-host";
import { waitFor } from "@lienthong/testing";
import {
  CLIENT_WITH_WEBHOOK,
  EFFECT_TIMEOUT_MS,
  startNotification,
  verifiedBody,
  type Dossier,
  type NotificationHarness,
  type RestDelivery,
} from "./support/notification-harness";

const { DossierStatus } = common;
const SUSPEND_AFTER = 3;
const MINUTE_MS = 60_000;

interface Endpoint {
  endpointId: string;
  clientIds: string[];
  state: "active" | "suspended";
  consecutiveFailures: number;
  held: number;
  pending: number;
}

/**
 * A commune system's webhook receiver (a real local HTTP server) goes down
 * for ten minutes of the service's clock. Its endpoint is suspended after
 * NOTIFICATION_ENDPOINT_SUSPEND_AFTER failures (one event, a metric), its
 * deliveries are held, and a probe on a backoff finds it back: resumed (one
 * event), and every held delivery is sent exactly once, in order,
 * result_issued included. The clock is injected and moved, nobody sleeps ten minutes.
 */
describe("notification: a webhook receiver down for ten minutes", () => {
  let harness: NotificationHarness;
  let clockAheadMs = 0;
  let operatorToken: string;

  beforeAll(async () => {
    harness = await startNotification(
      { NOTIFICATION_ENDPOINT_SUSPEND_AFTER: String(SUSPEND_AFTER) },
      { clock: () => new Date(Date.now() + clockAheadMs) },
    );
    operatorToken = await harness.token(DEVELOPMENT_OFFICIALS.operator);
  });

  afterAll(async () => {
    await harness?.stop();
  });

  const endpointEvents = () =>
    harness.outcomes
      .filter(
        (event) =>
          event.type === EventTypes.notificationEndpointSuspended.type ||
          event.type === EventTypes.notificationEndpointResumed.type,
      )
      .map((event) => ({ type: event.type, key: event.key, ...decodeEvent(event.type, event.data) }));

  const muongLatEndpoint = async (): Promise<Endpoint> => {
    const reply = await harness.call("GET", "/ops/webhook-endpoints", { token: operatorToken });
    expect(reply.status).toBe(200);
    const endpoint = (reply.body as { endpoints: Endpoint[] }).endpoints.find((e) =>
      e.clientIds.includes(CLIENT_WITH_WEBHOOK),
    );
    if (!endpoint) throw new Error("Mường Lát's endpoint is not listed");
    return endpoint;
  };

  const publish = async <N extends "applicationAccepted" | "dossierRouted" | "supplementRequested" | "resultIssued">(
    name: N,
    dossier: Dossier,
    payload: Partial<PayloadOf<N>>,
  ) =>
    harness.handled(
      await harness.publish(name, { ...payload, dossierId: dossier.dossierId, dossierCode: dossier.dossierCode }),
    );

  const webhooksOf = (dossier: Dossier) =>
    harness.webhooks.forDossier(dossier.dossierId).map((call) => ({
      id: call.headers["webhook-id"],
      status: verifiedBody(call).status as number,
      type: verifiedBody(call).type as string,
    }));

  test(
    "suspended once, probed, resumed once: every held delivery exactly once and in order, result_issued included",
    async () => {
      const first = await harness.submit();
      const second = await harness.submit();
      await publish("applicationAccepted", first, { status: DossierStatus.DOSSIER_STATUS_ACCEPTED });
      await harness.waitForDeliveries(
        first.dossierCode,
        (all) => all.filter((d) => d.stateName === "delivered").length === 3,
        "the first dossier's deliveries before the outage",
      );
      await harness.waitForDeliveries(second.dossierCode, (all) => all[0]?.stateName === "delivered", "the second's");

      await harness.webhooks.goDown();
      const outageStartedAt = clockAheadMs;
      await publish("dossierRouted", first, { status: DossierStatus.DOSSIER_STATUS_PROCESSING });
      await publish("applicationAccepted", second, { status: DossierStatus.DOSSIER_STATUS_ACCEPTED });
      await publish("supplementRequested", second, {
        status: DossierStatus.DOSSIER_STATUS_SUPPLEMENT_REQUESTED,
        missingItems: ["Tờ khai"],
      });

      await waitFor(async () => (await muongLatEndpoint()).state === "suspended", {
        description: `the endpoint suspended after ${SUSPEND_AFTER} failures`,
        timeoutMs: EFFECT_TIMEOUT_MS,
      });
      // Counted once the suspension is on disk, a moment after readers can see it.
      await waitFor(async () => (await harness.metric("notification_webhook_endpoint_suspensions_total")) > 0, {
        description: "the suspension counted",
        timeoutMs: EFFECT_TIMEOUT_MS,
      });
      expect(await harness.metric("notification_webhook_endpoint_suspensions_total")).toBe(1);
      expect(await harness.metric("notification_webhook_endpoints_suspended")).toBe(1);

      // More happens during the outage: the result is issued, and a third dossier comes in.
      await publish("resultIssued", first, {
        status: DossierStatus.DOSSIER_STATUS_DECIDED,
        outcome: common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
      });
      const third = await harness.submit();
      await waitFor(async () => (await muongLatEndpoint()).held === 5, {
        description: "every webhook of the outage held",
        timeoutMs: EFFECT_TIMEOUT_MS,
      });
      const held = [
        ...(await harness.deliveries(first.dossierCode)),
        ...(await harness.deliveries(second.dossierCode)),
        ...(await harness.deliveries(third.dossierCode)),
      ].filter((d: RestDelivery) => d.stateName === "held");
      expect(held.map((d) => d.state)).toEqual([4, 4, 4, 4, 4]);

      // Ten minutes of the service's clock, a minute at a time: probes fail (connection refused), nothing is lost.
      for (let minute = 1; minute <= 10; minute += 1) {
        clockAheadMs = outageStartedAt + minute * MINUTE_MS;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      await waitFor(
        () => harness.logLines.filter((line) => line.includes("suspended webhook endpoint still failing")).length >= 3,
        { description: "several probes while the receiver is down", timeoutMs: EFFECT_TIMEOUT_MS },
      );
      const during = await muongLatEndpoint();
      expect(during).toMatchObject({ state: "suspended", held: 5 });
      expect(harness.outcomesOf(first.dossierId, "notificationFailed")).toEqual([]);

      await harness.webhooks.recover();
      // The next probe is at most the backoff cap (5 minutes) away.
      clockAheadMs += 5 * MINUTE_MS;
      await waitFor(async () => (await muongLatEndpoint()).state === "active", {
        description: "the endpoint resumed by a probe",
        timeoutMs: EFFECT_TIMEOUT_MS,
      });
      for (const dossier of [first, second, third]) {
        await harness.waitForDeliveries(
          dossier.dossierCode,
          (all) => all.every((d) => d.stateName === "delivered"),
          `every delivery of ${dossier.dossierCode} delivered`,
        );
      }

      expect(webhooksOf(first).map((w) => w.status)).toEqual([1, 2, 4, 9]);
      expect(webhooksOf(first).at(-1)?.type).toBe(EventTypes.resultIssued.type);
      expect(webhooksOf(second).map((w) => w.status)).toEqual([1, 2, 5]);
      expect(webhooksOf(third).map((w) => w.status)).toEqual([1]);
      // Exactly once: while it was down nothing reached it, after it came back each id came once.
      const ids = [first, second, third].flatMap((dossier) => webhooksOf(dossier).map((w) => w.id));
      expect(new Set(ids).size).toBe(ids.length);
      // The five held ones came after the recovery, each dossier's in order (above); across dossiers they go at once.
      const afterRecovery = harness.webhooks.received.slice(-5).map((call) => verifiedBody(call));
      expect(afterRecovery.map((body) => [body.dossierId, body.status])).toEqual(
        expect.arrayContaining([
          [first.dossierId, 4],
          [second.dossierId, 2],
          [second.dossierId, 5],
          [first.dossierId, 9],
          [third.dossierId, 1],
        ]),
      );

      const endpoint = await muongLatEndpoint();
      const events = endpointEvents();
      expect(events.map((event) => event.name)).toEqual([
        "notificationEndpointSuspended",
        "notificationEndpointResumed",
      ]);
      expect(events[0]).toMatchObject({
        key: endpoint.endpointId,
        payload: {
          endpointId: endpoint.endpointId,
          clientIds: [CLIENT_WITH_WEBHOOK],
          consecutiveFailures: SUSPEND_AFTER,
          reason: "webhook endpoint unreachable",
        },
      });
      expect(events[1]).toMatchObject({
        payload: { endpointId: endpoint.endpointId, releasedDeliveries: 5, resumedBy: "probe" },
      });
      await waitFor(async () => (await harness.metric("notification_webhook_endpoint_resumptions_total")) > 0, {
        description: "the resumption counted",
        timeoutMs: EFFECT_TIMEOUT_MS,
      });
      expect(await harness.metric("notification_webhook_endpoint_resumptions_total")).toBe(1);
      expect(await harness.metric("notification_webhook_endpoints_suspended")).toBe(0);
      expect(endpoint).toMatchObject({ state: "active", consecutiveFailures: 0, held: 0, pending: 0 });
    },
    6 * EFFECT_TIMEOUT_MS,
  );

  test("logs the outage by endpoint id and ids only: never the URL or personal data", () => {
    const everything = harness.logLines.join("\n");
    expect(everything).toContain("webhook endpoint suspended");
    expect(everything).not.toContain(harness.webhooks.url("/"));
    expect(harness.logLines.filter((line) => harness.personalDataIn(line).length > 0)).toEqual([]);
  });

  test("the endpoint events carry no URL", () => {
    for (const event of harness.outcomes) expect(Buffer.from(event.data).toString("latin1")).not.toContain("127.0.0.1");
  });

  test(
    "a new dossier after the outage is told at once: nothing is left held or suspended",
    async () => {
      const dossier = await harness.submit({ dossierId: randomUUID() });
      await harness.waitForDeliveries(dossier.dossierCode, (all) => all[0]?.stateName === "delivered", "delivered");
      expect(endpointEvents()).toHaveLength(2);
    },
    2 * EFFECT_TIMEOUT_MS,
  );
});
