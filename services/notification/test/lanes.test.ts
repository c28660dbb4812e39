/**
 * Deliveries go in lanes, one per dossier and recipient (issue 9): what one
 * recipient hears of one dossier stays in order, and a commune system slow to
 * answer about one dossier holds up nothing else.
 */
import { randomUUID } from "node:crypto";
import { common } from "@lienthong/contracts";
import { waitFor } from "@lienthong/testing";
import { EFFECT_TIMEOUT_MS, startNotification, type NotificationHarness } from "./support/notification-harness";

/** Longer than any wait below, shorter than the sender's own timeout: the slow answer is still pending throughout. */
const SLOW_ANSWER_MS = 8_000;

describe("notification: delivery lanes", () => {
  let harness: NotificationHarness;

  beforeAll(async () => {
    harness = await startNotification();
  });

  afterAll(async () => {
    await harness?.stop();
  });

  it("sends another dossier's webhook while one dossier's webhook still waits for its answer", async () => {
    const slowId = randomUUID();
    harness.webhooks.delay(slowId, SLOW_ANSWER_MS);
    await harness.submit({ dossierId: slowId });
    await waitFor(() => harness.webhooks.forDossier(slowId).length === 1, {
      description: "the slow dossier's webhook sent",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });

    const fast = await harness.submit();
    await waitFor(() => harness.webhooks.forDossier(fast.dossierId).length === 1, {
      description: "the other dossier's webhook sent",
      timeoutMs: SLOW_ANSWER_MS,
    });
    // Sent one after another, the second would have waited for the first's answer.
    expect(harness.webhooks.forDossier(slowId).map((webhook) => webhook.answered)).toEqual([false]);

    await harness.waitForDeliveries(
      slowId,
      (all) => all.length > 0 && all.every((delivery) => delivery.stateName === "delivered"),
      "the slow dossier's webhook delivered once answered",
    );
    expect(harness.webhooks.forDossier(slowId)).toHaveLength(1);
  }, 90_000);

  it("sends the applicants' mail at once over a few pooled SMTP connections, not one connection a message", async () => {
    const dossiers = await Promise.all(Array.from({ length: 12 }, () => harness.submit()));
    const connectionsBefore = harness.mail.connections;
    const at = new Date().toISOString();
    await Promise.all(
      dossiers.map((dossier) =>
        harness.publish("applicationAccepted", {
          dossierId: dossier.dossierId,
          dossierCode: dossier.dossierCode,
          status: common.DossierStatus.DOSSIER_STATUS_ACCEPTED,
          acceptedAt: at,
          appointmentAt: at,
          officialId: "can-bo-tiep-nhan",
          procedureVersion: 1,
        }),
      ),
    );
    await waitFor(
      () =>
        dossiers.every((dossier) => harness.mail.received.some((mail) => mail.subject.includes(dossier.dossierCode))),
      { description: "every applicant's acceptance mail", timeoutMs: EFFECT_TIMEOUT_MS },
    );
    // nodemailer's pool opens at most five.
    expect(harness.mail.connections - connectionsBefore).toBeLessThanOrEqual(5);
  }, 90_000);
});
