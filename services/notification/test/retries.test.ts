import { randomUUID } from "node:crypto";
import { common, events, notification } from "@lienthong/contracts";
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
const MAX_ATTEMPTS = 3;

/**
 * Receivers fail: a temporary failure (HTTP 5xx, 408, 429; SMTP 4xx) is
 * retried with backoff until DELIVERY_MAX_ATTEMPTS, a permanent one (other
 * HTTP 4xx; SMTP 5xx) ends the delivery at once. Either way the end is
 * recorded and published (notification.delivered / notification.failed).
 * Backoff starts at about a second, so these tests take a few seconds.
 */
describe("notification: failing receivers", () => {
  let harness: NotificationHarness;

  beforeAll(async () => {
    harness = await startNotification({ DELIVERY_MAX_ATTEMPTS: String(MAX_ATTEMPTS) });
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

  const accept = (dossier: Dossier) =>
    harness.publish("applicationAccepted", {
      dossierId: dossier.dossierId,
      dossierCode: dossier.dossierCode,
      status: common.DossierStatus.DOSSIER_STATUS_ACCEPTED,
      acceptedAt: new Date().toISOString(),
      appointmentAt: new Date(Date.now() + 5 * 86_400_000).toISOString(),
    });

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
      `gives up after DELIVERY_MAX_ATTEMPTS (${MAX_ATTEMPTS}) on a receiver that keeps answering 500`,
      async () => {
        const dossierId = randomUUID();
        harness.webhooks.answerAlways(dossierId, 500);
        const dossier = await harness.submit({ dossierId });
        const delivery = await settledDelivery(dossier, DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK);

        expect(delivery).toMatchObject({
          stateName: "failed",
          state: notification.DeliveryState.DELIVERY_STATE_FAILED,
          attempts: MAX_ATTEMPTS,
          lastError: "webhook endpoint answered HTTP 500",
        });
        expect(harness.webhooks.forDossier(dossier.dossierId).map((call) => call.answeredStatus)).toEqual(
          Array<number>(MAX_ATTEMPTS).fill(500),
        );
        await waitForOutcome(dossier, "notificationFailed");
        expect(harness.outcomesOf(dossier.dossierId, "notificationFailed")).toEqual([
          expect.objectContaining({
            notificationId: delivery.notificationId,
            channel: DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK,
            attempts: MAX_ATTEMPTS,
            reason: "webhook endpoint answered HTTP 500",
          }),
        ]);
        expect(harness.outcomesOf(dossier.dossierId, "notificationDelivered")).toEqual([]);
      },
      2 * EFFECT_TIMEOUT_MS,
    );

    it(
      "does not retry a permanent refusal (HTTP 410): failed after one attempt, within DELIVERY_MAX_ATTEMPTS",
      async () => {
        const dossierId = randomUUID();
        harness.webhooks.answerAlways(dossierId, 410);
        const dossier = await harness.submit({ dossierId });
        const delivery = await settledDelivery(dossier, DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK);

        expect(delivery).toMatchObject({
          stateName: "failed",
          attempts: 1,
          lastError: "webhook endpoint answered HTTP 410",
        });
        // Failed is final: no pending delivery is left that could call again.
        expect(harness.webhooks.forDossier(dossier.dossierId)).toHaveLength(1);
        await waitForOutcome(dossier, "notificationFailed");
        expect(harness.outcomesOf(dossier.dossierId, "notificationFailed")).toEqual([
          expect.objectContaining({ notificationId: delivery.notificationId, attempts: 1 }),
        ]);
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
        await accept(dossier);
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
        await accept(dossier);
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
