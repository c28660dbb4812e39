import { EventTypes, common } from "@lienthong/contracts";
import { waitFor } from "@lienthong/testing";
import {
  CLIENT_WITH_WEBHOOK,
  EFFECT_TIMEOUT_MS,
  startNotification,
  verifiedBody,
  type Dossier,
  type NotificationHarness,
} from "./support/notification-harness";

/**
 * Delivery is at least once (ARCHITECTURE.md §4): the same event may arrive
 * again, long after or right behind itself. The consumer's inbox (ce_id per
 * group, committed with the planned deliveries) must turn every copy after
 * the first into nothing.
 */
describe("notification: the same event delivered twice", () => {
  let harness: NotificationHarness;

  beforeAll(async () => {
    harness = await startNotification();
  });

  afterAll(async () => {
    await harness?.stop();
  });

  const acceptedPayload = (dossier: Dossier) => ({
    dossierId: dossier.dossierId,
    dossierCode: dossier.dossierCode,
    status: common.DossierStatus.DOSSIER_STATUS_ACCEPTED,
    acceptedAt: new Date().toISOString(),
    appointmentAt: new Date(Date.now() + 5 * 86_400_000).toISOString(),
  });

  it(
    "mails and calls the webhook once, however often and whenever the event comes again",
    async () => {
      const dossier = await harness.submit({ applicant: { email: "lap.lai@example.vn" } });
      const accepted = acceptedPayload(dossier);
      // Right behind itself, twice…
      const acceptedId = await harness.publish("applicationAccepted", accepted);
      await harness.publish("applicationAccepted", accepted, acceptedId);
      await harness.publish("applicationAccepted", accepted, acceptedId);
      await harness.waitForDeliveries(
        dossier.dossierCode,
        (listed) => listed.filter((d) => d.stateName === "delivered").length >= 3,
        "the submission's webhook and the acceptance's mail and webhook delivered",
      );
      // …and again once everything was sent.
      await harness.publish("applicationAccepted", accepted, acceptedId);
      // A later event on the same topic and partition: once it is handled, every copy before it was too.
      const fence = await harness.publish("supplementRequested", {
        dossierId: dossier.dossierId,
        dossierCode: dossier.dossierCode,
        status: common.DossierStatus.DOSSIER_STATUS_SUPPLEMENT_REQUESTED,
        requestedAt: new Date().toISOString(),
        missingItems: ["Ảnh chân dung 4x6"],
      });
      await harness.handled(fence);
      const listed = await harness.waitForDeliveries(
        dossier.dossierCode,
        (all) => all.length >= 5 && all.every((d) => d.stateName === "delivered"),
        "the supplement request's deliveries delivered",
      );

      const acceptedType = EventTypes.applicationAccepted.type;
      expect(listed.filter((d) => d.triggerType === acceptedType)).toHaveLength(2);
      expect(listed).toHaveLength(5);
      expect(harness.mail.to("lap.lai@example.vn").map((mail) => mail.subject)).toEqual([
        `Hồ sơ ${dossier.dossierCode} đã được tiếp nhận`,
        `Hồ sơ ${dossier.dossierCode} cần bổ sung`,
      ]);
      const webhooks = harness.webhooks.forDossier(dossier.dossierId).map((webhook) => verifiedBody(webhook));
      expect(webhooks.filter((body) => body.eventId === acceptedId)).toHaveLength(1);
      expect(webhooks).toHaveLength(3);
      // The outcome events are published from the outbox after each commit: awaited, then counted exactly.
      await waitFor(() => harness.outcomesOf(dossier.dossierId, "notificationDelivered").length >= 5, {
        description: "an outcome event per delivery",
        timeoutMs: EFFECT_TIMEOUT_MS,
      });
      expect(harness.outcomesOf(dossier.dossierId, "notificationDelivered")).toHaveLength(5);
    },
    2 * EFFECT_TIMEOUT_MS,
  );

  it(
    "does not plan the submission's webhook twice when the submission comes again",
    async () => {
      const dossier = await harness.submit({ applicant: { email: "nop.lai@example.vn" } });
      await harness.publish(
        "applicationSubmitted",
        {
          dossierId: dossier.dossierId,
          dossierCode: dossier.dossierCode,
          status: common.DossierStatus.DOSSIER_STATUS_SUBMITTED,
          applicant: dossier.applicant,
          clientId: CLIENT_WITH_WEBHOOK,
        },
        dossier.submittedEventId,
      );
      // The next submission on intake's topic is the fence: handled means the copy before it was handled.
      const next = await harness.submit({ applicant: { email: "ke.tiep@example.vn" } });
      const settled = (of: Dossier) =>
        harness.waitForDeliveries(
          of.dossierCode,
          (listed) => listed.length >= 1 && listed.every((d) => d.stateName === "delivered"),
          `the submission webhook of ${of.dossierCode} delivered`,
        );
      await settled(next);
      expect(await settled(dossier)).toHaveLength(1);
      expect(harness.webhooks.forDossier(dossier.dossierId)).toHaveLength(1);
      // Published from the outbox after the delivery's commit (after the relay's linger): awaited, then counted.
      await waitFor(() => harness.outcomesOf(dossier.dossierId, "notificationDelivered").length >= 1, {
        description: "the webhook's outcome event",
        timeoutMs: EFFECT_TIMEOUT_MS,
      });
      expect(harness.outcomesOf(dossier.dossierId, "notificationDelivered")).toHaveLength(1);
    },
    2 * EFFECT_TIMEOUT_MS,
  );
});
