import { randomUUID } from "node:crypto";
import { EventTypes, common, events, type EventTypeName, type PayloadOf } from "@lienthong/contracts";
import { DEVELOPMENT_OFFICIALS } from "@lienthong/service-host";
import { waitFor } from "@lienthong/testing";
import {
  EFFECT_TIMEOUT_MS,
  MUONG_LAT,
  applicant,
  startNotification,
  verifiedBody,
  type NotificationHarness,
  type RestDelivery,
} from "./support/notification-harness";

const { DeliveryChannel } = events;
const { DossierStatus } = common;

/** One dossier's routing events after its submission, as routing publishes them, in order. */
type Step = { [N in EventTypeName]: { name: N; payload: Partial<PayloadOf<N>> } }[EventTypeName];

function routingSteps(dossierId: string, dossierCode: string): Step[] {
  const ids = { dossierId, dossierCode };
  return [
    {
      name: "applicationAccepted",
      payload: { ...ids, status: DossierStatus.DOSSIER_STATUS_ACCEPTED, appointmentAt: "2026-12-16T10:00:00.000Z" },
    },
    { name: "dossierRouted", payload: { ...ids, status: DossierStatus.DOSSIER_STATUS_PROCESSING } },
    {
      name: "supplementRequested",
      payload: { ...ids, status: DossierStatus.DOSSIER_STATUS_SUPPLEMENT_REQUESTED, missingItems: ["Tờ khai"] },
    },
    {
      name: "resultIssued",
      payload: {
        ...ids,
        status: DossierStatus.DOSSIER_STATUS_DECIDED,
        outcome: common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
      },
    },
  ];
}

/** The webhook statuses and mail subjects a fully told dossier gets, in order. */
const WEBHOOK_STATUSES = [1, 2, 4, 5, 9];
const mailSubjects = (code: string) => [
  `Hồ sơ ${code} đã được tiếp nhận`,
  `Hồ sơ ${code} cần bổ sung`,
  `Hồ sơ ${code} đã có kết quả`,
];

interface Parked {
  dossierId: string;
  parkedSince: string;
  alerted: boolean;
  events: { eventId: string; type: string; parkedAt: string }[];
}

/**
 * Routing's events may reach notification before intake's submission that
 * says whom to tell (another topic, another partition). They are parked with
 * the consumer's inbox marker and planned, in arrival order, when the
 * submission arrives: every mail and webhook exactly once, in order, whatever
 * the order of arrival; a restart in between loses and doubles nothing; a
 * wait longer than NOTIFICATION_PARK_ALERT_AFTER_MS raises an alert once.
 */
describe("notification: events that arrive before the dossier's submission", () => {
  let harness: NotificationHarness;
  let operatorToken: string;
  /** Moved by the alert test: the service's clock, ahead of the wall clock by this much. */
  let clockAheadMs = 0;

  beforeAll(async () => {
    harness = await startNotification(
      { NOTIFICATION_PARK_ALERT_AFTER_MS: String(10 * 60_000) },
      { clock: () => new Date(Date.now() + clockAheadMs) },
    );
    operatorToken = await harness.token(DEVELOPMENT_OFFICIALS.operator);
  });

  afterAll(async () => {
    await harness?.stop();
  });

  const publishAll = async (steps: Step[]) => {
    for (const step of steps) await harness.handled(await harness.publish(step.name, step.payload as never));
  };

  const parked = async (): Promise<Parked[]> => {
    const reply = await harness.call("GET", "/ops/parked-events", { token: operatorToken });
    expect(reply.status).toBe(200);
    return (reply.body as { dossiers: Parked[] }).dossiers;
  };

  /** Waits until every delivery of the dossier is delivered, and checks each arrived exactly once and in order. */
  const expectToldInOrder = async (dossierId: string, dossierCode: string, email: string) => {
    const expected = WEBHOOK_STATUSES.length + mailSubjects(dossierCode).length;
    const listed = await harness.waitForDeliveries(
      dossierCode,
      (all) => all.length === expected && all.every((d) => d.stateName === "delivered"),
      `every delivery of ${dossierCode} delivered`,
    );
    const webhooks = harness.webhooks.forDossier(dossierId);
    expect(webhooks.map((call) => verifiedBody(call).status)).toEqual(WEBHOOK_STATUSES);
    expect(new Set(webhooks.map((call) => call.headers["webhook-id"])).size).toBe(WEBHOOK_STATUSES.length);
    expect(harness.mail.to(email).map((mail) => mail.subject)).toEqual(mailSubjects(dossierCode));
    expect(listed.filter((d: RestDelivery) => d.channel === DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK)).toHaveLength(
      WEBHOOK_STATUSES.length,
    );
  };

  test.each([
    ["before every routing event (the usual order)", 0],
    ["after the first routing event", 1],
    ["after every routing event", 4],
  ])(
    "a submission arriving %s: every mail and webhook exactly once, in order",
    async (_when, eventsBefore) => {
      const dossierId = randomUUID();
      const dossierCode = harness.nextDossierCode(MUONG_LAT);
      const email = `${dossierId.slice(0, 8)}@example.vn`;
      const steps = routingSteps(dossierId, dossierCode);

      await publishAll(steps.slice(0, eventsBefore));
      // Parked, not dead-lettered, nothing planned yet: the commune sees no dossier notification knows.
      const waiting = (await parked()).find((dossier) => dossier.dossierId === dossierId);
      expect(waiting?.events.map((event) => event.type)).toEqual(
        eventsBefore === 0 ? undefined : steps.slice(0, eventsBefore).map((step) => EventTypes[step.name].type),
      );
      expect(harness.webhooks.forDossier(dossierId)).toEqual([]);

      await harness.submit({ dossierId, dossierCode, applicant: { email } });
      await publishAll(steps.slice(eventsBefore));

      await expectToldInOrder(dossierId, dossierCode, email);
      expect((await parked()).some((dossier) => dossier.dossierId === dossierId)).toBe(false);
    },
    3 * EFFECT_TIMEOUT_MS,
  );

  test(
    "a dossier whose submission never comes holds up no other dossier",
    async () => {
      const stranded = randomUUID();
      const strandedCode = harness.nextDossierCode(MUONG_LAT);
      await publishAll(routingSteps(stranded, strandedCode).slice(0, 2));

      const dossierId = randomUUID();
      const email = `${dossierId.slice(0, 8)}@example.vn`;
      const dossier = await harness.submit({ dossierId, applicant: { email } });
      await publishAll(routingSteps(dossierId, dossier.dossierCode));
      await expectToldInOrder(dossierId, dossier.dossierCode, email);
      // Still parked, never dropped: it waits for its submission.
      expect((await parked()).find((d) => d.dossierId === stranded)?.events).toHaveLength(2);
    },
    3 * EFFECT_TIMEOUT_MS,
  );

  test(
    "a restart between parking and the submission loses nothing and doubles nothing",
    async () => {
      const dossierId = randomUUID();
      const dossierCode = harness.nextDossierCode(MUONG_LAT);
      const email = `${dossierId.slice(0, 8)}@example.vn`;
      const steps = routingSteps(dossierId, dossierCode);
      const first = await harness.publish(steps[0]!.name, steps[0]!.payload as never);
      await harness.handled(first);
      await publishAll(steps.slice(1, 3));

      await harness.restart();

      expect((await parked()).find((d) => d.dossierId === dossierId)?.events).toHaveLength(3);
      // The broker delivers the first event again (at least once): the inbox recorded it with its parking.
      await harness.handled(await harness.publish(steps[0]!.name, steps[0]!.payload as never, first));
      expect((await parked()).find((d) => d.dossierId === dossierId)?.events).toHaveLength(3);

      await harness.submit({ dossierId, dossierCode, applicant: { email } });
      await publishAll(steps.slice(3));
      await expectToldInOrder(dossierId, dossierCode, email);

      // And once more: what was sent is not sent again.
      await harness.restart();
      const sentBefore = harness.webhooks.forDossier(dossierId).length + harness.mail.to(email).length;
      const later = await harness.publish("dossierOverdue", { dossierId, dossierCode });
      await harness.handled(later);
      expect(harness.webhooks.forDossier(dossierId).length + harness.mail.to(email).length).toBe(sentBefore);
      expect((await harness.deliveries(dossierCode)).every((d) => d.stateName === "delivered")).toBe(true);
    },
    4 * EFFECT_TIMEOUT_MS,
  );

  test(
    "parked longer than NOTIFICATION_PARK_ALERT_AFTER_MS: one alert (metric and warning, the dossier id only), and the events keep waiting",
    async () => {
      const dossierId = randomUUID();
      const dossierCode = harness.nextDossierCode(MUONG_LAT);
      const alertsBefore = await harness.metric("notification_parked_alerts_total");
      await publishAll(routingSteps(dossierId, dossierCode).slice(0, 1));
      expect(await harness.metric("notification_parked_events")).toBeGreaterThanOrEqual(1);

      // Just under the bound (by the service's clock): no alert.
      clockAheadMs += 9 * 60_000;
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(await harness.metric("notification_parked_alerts_total")).toBe(alertsBefore);

      clockAheadMs += 2 * 60_000;
      await waitFor(async () => (await harness.metric("notification_parked_alerts_total")) > alertsBefore, {
        description: "the parked-events alert",
        timeoutMs: EFFECT_TIMEOUT_MS,
      });
      expect(await harness.metric("notification_parked_oldest_age_seconds")).toBeGreaterThanOrEqual(10 * 60);
      // Once per dossier, however many rounds pass.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const alerts = await harness.metric("notification_parked_alerts_total");
      const warnings = harness.logLines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.dossierId === dossierId && String(line.msg).startsWith("events parked longer than"));
      expect(warnings).toEqual([expect.objectContaining({ level: "warn", dossierId, parkedEvents: 1 })]);
      expect(Object.keys(warnings[0]!).sort()).toEqual(
        ["alertAfterMs", "dossierId", "level", "msg", "parkedEvents", "parkedForMs", "service", "time"].sort(),
      );
      const waiting = await parked();
      expect(waiting.find((d) => d.dossierId === dossierId)).toMatchObject({ alerted: true });
      // One alert per waiting dossier past the bound (the stranded one of an earlier test too), none twice.
      expect(waiting.every((d) => d.alerted)).toBe(true);
      expect(alerts - alertsBefore).toBe(waiting.length);

      // The submission still releases them.
      const email = `${dossierId.slice(0, 8)}@example.vn`;
      await harness.submit({ dossierId, dossierCode, applicant: { email } });
      await harness.waitForDeliveries(
        dossierCode,
        (all) => all.length === 3 && all.every((d) => d.stateName === "delivered"),
        "the submission's webhook and the accepted mail and webhook",
      );
      expect(await harness.metric("notification_parked_alerts_total")).toBe(alerts);
    },
    3 * EFFECT_TIMEOUT_MS,
  );

  test("operators list parked events (token alone, operator role); other roles get 403", async () => {
    expect((await harness.call("GET", "/ops/parked-events", {})).status).toBe(401);
    const leader = await harness.token(DEVELOPMENT_OFFICIALS.leaderMuongLat);
    expect((await harness.call("GET", "/ops/parked-events", { token: leader })).status).toBe(403);
    expect((await harness.call("GET", "/ops/parked-events", { apiKey: harness.keys.muongLat })).status).toBe(401);
  });

  test("writes no personal data to its log or the parked listing", async () => {
    expect(harness.logLines.filter((line) => harness.personalDataIn(line).length > 0)).toEqual([]);
    const listing = JSON.stringify(await parked());
    expect(harness.personalDataIn(listing)).toEqual([]);
    expect(listing).not.toContain(applicant.fullName);
    // Nothing was dead-lettered for arriving first.
    expect(harness.logLines.filter((line) => line.includes("dead-lettered"))).toEqual([]);
  });
});
