import { randomUUID } from "node:crypto";
import { events, notification } from "@lienthong/contracts";
import { waitFor } from "@lienthong/testing";
import {
  CLIENT_WITHOUT_WEBHOOK,
  EFFECT_TIMEOUT_MS,
  startNotification,
  verifiedBody,
  type Dossier,
  type NotificationHarness,
  type RestDelivery,
} from "./support/notification-harness";

const { DeliveryChannel } = events;
const RETRY_HORIZON_HOURS = 1;
/** The service's clock runs 30 days ahead of the wall clock, so a time taken from the wrong clock shows; tests move it further. */
let clockAheadMs = 30 * 86_400_000;
const serviceClock = () => new Date(Date.now() + clockAheadMs);

/**
 * Receivers fail: a temporary failure (HTTP 5xx, 408, 429; SMTP 4xx) is
 * retried with capped backoff until NOTIFICATION_RETRY_HORIZON_HOURS have
 * passed since its first attempt (the service's clock is moved past it), a
 * permanent one (other HTTP 4xx; SMTP 5xx) ends the delivery at once. Either way the end is
 * recorded and published (notification.delivered / notification.failed).
 * Backoff starts at about a second, so these tests take a few seconds.
 */
describe("notification: failing receivers", () => {
  let harness: NotificationHarness;
  /** How many attempts the receiver answering 500 got before the horizon ended them. */
  let attemptsGivenUp = 0;
  /** Failed webhook attempts of the ordering test, retried. */
  let webhookRetries = 0;

  beforeAll(async () => {
    harness = await startNotification(
      // Suspension is another test's subject (outage.test.ts): here no endpoint is suspended.
      { NOTIFICATION_RETRY_HORIZON_HOURS: String(RETRY_HORIZON_HOURS), NOTIFICATION_ENDPOINT_SUSPEND_AFTER: "1000" },
      { clock: serviceClock },
    );
  });

  afterAll(async () => {
    await harness?.stop();
  });

  const settledDelivery = async (dossier: Dossier, channel: events.DeliveryChannel): Promise<RestDelivery> => {
    const listed = await harness.waitForDeliveries(
      dossier.dossierCode,
      (all) => all.some((d) => d.channel === channel && d.stateName !== "pending"),
      `the ${channel === DeliveryChannel.DELIVERY_CHANNEL_EMAIL ? "mail" : "webhook"} of ${dossier.dossierCode} settled`,
    );
    const matching = listed.filter((d) => d.channel === channel);
    expect(matching).toHaveLength(1);
    return matching[0]!;
  };

  describe("webhooks", () => {
    it(
      "retries a receiver answering 503 and 429, then delivers with the same webhook id",
      async () => {
        // The receiver's answers are set before the submission, whose webhook is sent right after it is handled.
        const dossierId = randomUUID();
        harness.webhooks.answer(dossierId, [503, 429]);
        const dossier = await harness.submit({ dossierId });
        const delivery = await settledDelivery(dossier, DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK);

        expect(delivery).toMatchObject({ stateName: "delivered", attempts: 3, lastError: "" });
        const calls = harness.webhooks.forDossier(dossier.dossierId);
        expect(calls.map((call) => call.answeredStatus)).toEqual([503, 429, 204]);
        expect(new Set(calls.map((call) => call.headers["webhook-id"]))).toEqual(new Set([delivery.notificationId]));
        expect(new Set(calls.map((call) => call.body)).size).toBe(1);
        for (const call of calls) expect(verifiedBody(call)).toMatchObject({ dossierId: dossier.dossierId, status: 1 });

        await waitForOutcome(dossier, "notificationDelivered");
        expect(harness.outcomesOf(dossier.dossierId, "notificationDelivered")).toEqual([
          expect.objectContaining({ notificationId: delivery.notificationId, dossierCode: dossier.dossierCode }),
        ]);
        expect(harness.outcomesOf(dossier.dossierId, "notificationFailed")).toEqual([]);
      },
      2 * EFFECT_TIMEOUT_MS,
    );

    it(
      "does not follow a redirect: the registered URL is called again, and the webhook delivered once it answers",
      async () => {
        const dossierId = randomUUID();
        harness.webhooks.answer(dossierId, [308]);
        const dossier = await harness.submit({ dossierId });
        const delivery = await settledDelivery(dossier, DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK);

        expect(delivery).toMatchObject({ stateName: "delivered", attempts: 2, lastError: "" });
        expect(harness.webhooks.forDossier(dossierId).map((call) => call.answeredStatus)).toEqual([308, 204]);
        webhookRetries += 1;
      },
      2 * EFFECT_TIMEOUT_MS,
    );

    it(
      "never lets a dossier's next webhook overtake one being retried: the receiver gets them in order",
      async () => {
        const dossierId = randomUUID();
        harness.webhooks.answer(dossierId, [503, 503]);
        const dossier = await harness.submit({ dossierId });
        await harness.accept(dossier);
        await harness.waitForDeliveries(
          dossier.dossierCode,
          (all) => all.length === 3 && all.every((d) => d.stateName === "delivered"),
          "both webhooks (and the accepted mail) delivered",
        );
        const calls = harness.webhooks.forDossier(dossierId);
        expect(calls.map((call) => [verifiedBody(call).status, call.answeredStatus])).toEqual([
          [1, 503],
          [1, 503],
          [1, 204],
          [2, 204],
        ]);
        webhookRetries += 2;
      },
      2 * EFFECT_TIMEOUT_MS,
    );

    it(
      `keeps retrying a receiver that keeps answering 500, and gives up once the retry horizon (${RETRY_HORIZON_HOURS} h) has passed`,
      async () => {
        const dossierId = randomUUID();
        harness.webhooks.answerAlways(dossierId, 500);
        const dossier = await harness.submit({ dossierId });
        await waitFor(() => harness.webhooks.forDossier(dossierId).length >= 3, {
          description: "three attempts answered 500",
          timeoutMs: EFFECT_TIMEOUT_MS,
        });
        // Three attempts in a few seconds, none final: the old limit of a few attempts is gone.
        expect(harness.outcomesOf(dossierId, "notificationFailed")).toEqual([]);
        expect((await harness.deliveries(dossier.dossierCode))[0]).toMatchObject({ stateName: "pending" });
        clockAheadMs += RETRY_HORIZON_HOURS * 3_600_000;
        const delivery = await settledDelivery(dossier, DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK);
        const calls = harness.webhooks.forDossier(dossier.dossierId);

        expect(delivery).toMatchObject({
          stateName: "failed",
          state: notification.DeliveryState.DELIVERY_STATE_FAILED,
          // Notify's words: it never reached the provider (here the commune system) within the horizon.
          status: "technical-failure",
          attempts: calls.length,
          lastError: "webhook endpoint answered HTTP 500",
        });
        expect(calls.map((call) => call.answeredStatus)).toEqual(Array<number>(calls.length).fill(500));
        await waitForOutcome(dossier, "notificationFailed");
        expect(harness.outcomesOf(dossier.dossierId, "notificationFailed")).toEqual([
          expect.objectContaining({
            notificationId: delivery.notificationId,
            channel: DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK,
            attempts: calls.length,
            reason: "webhook endpoint answered HTTP 500",
          }),
        ]);
        expect(harness.outcomesOf(dossier.dossierId, "notificationDelivered")).toEqual([]);
        attemptsGivenUp = calls.length;
      },
      2 * EFFECT_TIMEOUT_MS,
    );

    it(
      "does not retry a permanent refusal (HTTP 410): failed after one attempt",
      async () => {
        const dossierId = randomUUID();
        harness.webhooks.answerAlways(dossierId, 410);
        const before = serviceClock().getTime();
        const dossier = await harness.submit({ dossierId });
        const delivery = await settledDelivery(dossier, DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK);

        expect(delivery).toMatchObject({
          stateName: "failed",
          status: "permanent-failure",
          attempts: 1,
          lastError: "webhook endpoint answered HTTP 410",
        });
        // Failed is final: no pending delivery is left that could call again.
        expect(harness.webhooks.forDossier(dossier.dossierId)).toHaveLength(1);
        await waitForOutcome(dossier, "notificationFailed");
        expect(harness.outcomesOf(dossier.dossierId, "notificationFailed")).toEqual([
          expect.objectContaining({ notificationId: delivery.notificationId, attempts: 1 }),
        ]);
        // When it failed, by the service's clock (as every other time it records), not the wall clock.
        const failedAt = new Date(harness.outcomesOf(dossier.dossierId, "notificationFailed")[0]!.failedAt!).getTime();
        expect(failedAt).toBeGreaterThanOrEqual(before);
        expect(failedAt).toBeLessThanOrEqual(serviceClock().getTime());
      },
      2 * EFFECT_TIMEOUT_MS,
    );
  });

  describe("mail", () => {
    it(
      "retries a temporary SMTP refusal (451) and then delivers one message",
      async () => {
        const email = "hop.thu.day@example.vn";
        harness.mail.answer(email, [{ code: 451, text: "4.2.1 Mailbox busy, try again later" }]);
        const dossier = await harness.submit({ clientId: CLIENT_WITHOUT_WEBHOOK, applicant: { email } });
        await harness.accept(dossier);
        const delivery = await settledDelivery(dossier, DeliveryChannel.DELIVERY_CHANNEL_EMAIL);

        expect(delivery).toMatchObject({ stateName: "delivered", attempts: 2, lastError: "" });
        expect(harness.mail.recipientAttempts.filter((address) => address === email)).toHaveLength(2);
        expect(harness.mail.to(email).map((mail) => mail.subject)).toEqual([
          `Hồ sơ ${dossier.dossierCode} đã được tiếp nhận`,
        ]);
        await waitForOutcome(dossier, "notificationDelivered");
      },
      2 * EFFECT_TIMEOUT_MS,
    );

    it(
      "ends a permanently refused mail (SMTP 550) as failed at once, without the address in the reason",
      async () => {
        const email = "khong.ton.tai@example.vn";
        harness.mail.answerAlways(email, { code: 550, text: "5.1.1 No such user here" });
        const dossier = await harness.submit({ clientId: CLIENT_WITHOUT_WEBHOOK, applicant: { email } });
        await harness.accept(dossier);
        const delivery = await settledDelivery(dossier, DeliveryChannel.DELIVERY_CHANNEL_EMAIL);

        expect(delivery).toMatchObject({ stateName: "failed", attempts: 1, lastError: "mail not accepted (SMTP 550)" });
        expect(harness.mail.to(email)).toEqual([]);
        await waitForOutcome(dossier, "notificationFailed");
        const [failed] = harness.outcomesOf(dossier.dossierId, "notificationFailed");
        expect(failed).toMatchObject({ channel: DeliveryChannel.DELIVERY_CHANNEL_EMAIL, attempts: 1 });
        expect(harness.personalDataIn(failed!.reason)).toEqual([]);
      },
      2 * EFFECT_TIMEOUT_MS,
    );
  });

  it("logs every failed attempt by its ids and reason, never the webhook URL or the mail address", () => {
    const failures = harness.logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === "delivery attempt failed, will retry" || line.msg === "delivery failed");
    // 2 retried (+ the redirect and the ordering test's) + the 500s until the horizon + 1 refused (410) webhook
    // attempts; 1 retried + 1 refused mail attempt.
    expect(attemptsGivenUp).toBeGreaterThanOrEqual(4);
    expect(failures).toHaveLength(2 + webhookRetries + attemptsGivenUp + 1 + 2);
    for (const line of failures) {
      expect(line).toEqual(
        expect.objectContaining({
          notificationId: expect.any(String),
          dossierId: expect.any(String),
          channel: expect.any(Number),
          attempt: expect.any(Number),
          reason: expect.stringMatching(
            /^(webhook endpoint answered HTTP \d+( \(redirects are not followed\))?|mail not accepted \(SMTP \d+\))$/,
          ),
          final: expect.any(Boolean),
        }),
      );
    }
    expect(failures.filter((line) => line.final).map((line) => line.reason)).toEqual(
      expect.arrayContaining([
        "webhook endpoint answered HTTP 500",
        "webhook endpoint answered HTTP 410",
        "mail not accepted (SMTP 550)",
      ]),
    );
    const everything = harness.logLines.join("\n");
    expect(everything).not.toContain(harness.webhooks.url("/"));
    expect(everything).not.toContain("@example.vn");
  });

  it("writes no personal data to its log while receivers fail", () => {
    expect(harness.logLines.length).toBeGreaterThan(0);
    expect(harness.logLines.filter((line) => harness.personalDataIn(line).length > 0)).toEqual([]);
  });

  async function waitForOutcome(dossier: Dossier, name: "notificationDelivered" | "notificationFailed") {
    await waitFor(() => harness.outcomesOf(dossier.dossierId, name).length > 0, {
      description: `${name} published for ${dossier.dossierCode}`,
      timeoutMs: EFFECT_TIMEOUT_MS,
    });
  }
});
