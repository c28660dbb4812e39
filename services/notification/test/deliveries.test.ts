import * as grpc from "@grpc/grpc-js";
import {
  EventTypes,
  common,
  eventNameOf,
  events,
  notification,
  type EventTypeName,
  type PayloadOf,
} from "@lienthong/contracts";
import { vietnamDate } from "@lienthong/domain";
import { waitFor } from "@lienthong/testing";
import {
  CLIENT_WITHOUT_WEBHOOK,
  EFFECT_TIMEOUT_MS,
  MAIL_FROM,
  MARRIAGE_REGISTRATION,
  MUONG_LAT,
  WEBHOOK_PATHS,
  WEBHOOK_SECRETS,
  applicant,
  startNotification,
  statusNumber,
  verifiedBody,
  type Dossier,
  type NotificationHarness,
  type RestDelivery,
} from "./support/notification-harness";

const { DeliveryChannel, RecipientKind } = events;
const { DeliveryState, DeliveryStatus } = notification;
const type = (name: EventTypeName) => EventTypes[name].type;

/** Wednesday 16 December 2026, 17:00 in Vietnam: the appointment routing gave. */
const APPOINTMENT = vietnamDate(2026, 12, 16, 17, 0);
const AGENCY = {
  code: MUONG_LAT,
  name: "Ủy ban nhân dân xã Mường Lát",
  level: common.AgencyLevel.AGENCY_LEVEL_COMMUNE,
  communeCode: MUONG_LAT,
  provinceCode: "38",
};
const DOCUMENT_ID = "6f1c2a4e-7d0b-4e55-9a57-0c3f2b8d1e90";

/** A delivery's channel and recipient in words, for readable expectations. */
function route(delivery: {
  channel: events.DeliveryChannel;
  recipientKind: events.RecipientKind;
}): "mail to applicant" | "webhook to commune" {
  if (
    delivery.channel === DeliveryChannel.DELIVERY_CHANNEL_EMAIL &&
    delivery.recipientKind === RecipientKind.RECIPIENT_KIND_APPLICANT
  )
    return "mail to applicant";
  if (
    delivery.channel === DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK &&
    delivery.recipientKind === RecipientKind.RECIPIENT_KIND_COMMUNE_SYSTEM
  )
    return "webhook to commune";
  throw new Error(`unexpected channel ${delivery.channel} / recipient ${delivery.recipientKind}`);
}

/** Deliveries run concurrently with planning and may be retried: their order is not a promise, their set is. */
const byTriggerAndRoute = (a: { trigger: string; route: string }, b: { trigger: string; route: string }) =>
  a.trigger.localeCompare(b.trigger) || a.route.localeCompare(b.route);
const sorted = (values: readonly string[]) => [...values].sort();

describe("notification: who is told what, for every event of a dossier", () => {
  let harness: NotificationHarness;

  beforeAll(async () => {
    harness = await startNotification();
  });

  afterAll(async () => {
    await harness?.stop();
  });

  describe("one dossier from submission to the returned result", () => {
    let dossier: Dossier;
    /** ce_id of each event published, by catalogue name. */
    const eventIds = new Map<EventTypeName, string>();
    const missingItems = ["Bản sao Giấy khai sinh của hai bên", "Giấy xác nhận tình trạng hôn nhân"];

    /** Every delivery the service should make for this dossier, and nothing else. */
    const expectedRoutes = [
      { trigger: type("applicationSubmitted"), route: "webhook to commune", status: 1 },
      { trigger: type("applicationAccepted"), route: "mail to applicant" },
      { trigger: type("applicationAccepted"), route: "webhook to commune", status: 2 },
      { trigger: type("dossierRouted"), route: "webhook to commune", status: 4 },
      { trigger: type("supplementRequested"), route: "mail to applicant" },
      { trigger: type("supplementRequested"), route: "webhook to commune", status: 5 },
      { trigger: type("dossierResumed"), route: "webhook to commune", status: 4 },
      { trigger: type("resultIssued"), route: "mail to applicant" },
      { trigger: type("resultIssued"), route: "webhook to commune", status: 9 },
      { trigger: type("resultReturned"), route: "webhook to commune", status: 10 },
    ];
    const expectedMails = () => [
      `Hồ sơ ${dossier.dossierCode} đã được tiếp nhận`,
      `Hồ sơ ${dossier.dossierCode} cần bổ sung`,
      `Hồ sơ ${dossier.dossierCode} đã có kết quả`,
    ];

    beforeAll(async () => {
      dossier = await harness.submit();
      const ids = { dossierId: dossier.dossierId, dossierCode: dossier.dossierCode };
      const at = new Date().toISOString();
      eventIds.set("applicationSubmitted", dossier.submittedEventId);
      const publish = async <N extends EventTypeName>(
        name: N,
        payload: Partial<PayloadOf<N>> & { dossierId: string },
      ) => {
        eventIds.set(name, await harness.publish(name, payload));
      };
      await publish("applicationAccepted", {
        ...ids,
        status: common.DossierStatus.DOSSIER_STATUS_ACCEPTED,
        acceptedAt: at,
        appointmentAt: APPOINTMENT.toISOString(),
        officialId: "can-bo-tiep-nhan",
        procedureVersion: 1,
      });
      await publish("dossierRouted", {
        ...ids,
        status: common.DossierStatus.DOSSIER_STATUS_PROCESSING,
        routedAt: at,
        competentAuthority: AGENCY,
        procedureCode: MARRIAGE_REGISTRATION,
        appointmentAt: APPOINTMENT.toISOString(),
      });
      await publish("deadlineDueSoon", { ...ids, appointmentAt: APPOINTMENT.toISOString(), remainingWorkingHours: 6 });
      await publish("supplementRequested", {
        ...ids,
        status: common.DossierStatus.DOSSIER_STATUS_SUPPLEMENT_REQUESTED,
        requestedAt: at,
        missingItems,
        officialId: "can-bo-xu-ly",
      });
      await publish("supplementProvided", { ...ids, providedAt: at, providedItems: missingItems });
      await publish("dossierResumed", {
        ...ids,
        status: common.DossierStatus.DOSSIER_STATUS_PROCESSING,
        resumedAt: at,
        appointmentAt: APPOINTMENT.toISOString(),
        resumedFrom: common.DossierStatus.DOSSIER_STATUS_SUPPLEMENT_REQUESTED,
      });
      await publish("dossierDecided", {
        ...ids,
        decidedAt: at,
        outcome: common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
        officialId: "chu-tich-xa",
        summary: "Đủ điều kiện đăng ký kết hôn",
      });
      // Carries the applicant's name for the result document: it must go nowhere from here.
      await publish("signatureRequested", {
        ...ids,
        requestId: DOCUMENT_ID,
        requestedAt: at,
        procedureCode: MARRIAGE_REGISTRATION,
        procedureName: "Đăng ký kết hôn",
        competentAuthority: AGENCY,
        outcome: common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
        officialId: "chu-tich-xa",
        summary: "Đủ điều kiện đăng ký kết hôn",
        applicantFullName: applicant.fullName,
      });
      await publish("documentSigned", {
        ...ids,
        requestId: DOCUMENT_ID,
        signedAt: at,
        documentId: DOCUMENT_ID,
        downloadPath: `/v1/documents/${DOCUMENT_ID}`,
      });
      await publish("resultIssued", {
        ...ids,
        status: common.DossierStatus.DOSSIER_STATUS_DECIDED,
        issuedAt: at,
        outcome: common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
        documentId: DOCUMENT_ID,
        downloadPath: `/v1/documents/${DOCUMENT_ID}`,
        appointmentAt: APPOINTMENT.toISOString(),
        timeliness: common.Timeliness.TIMELINESS_EARLY,
      });
      await publish("resultReturned", {
        ...ids,
        status: common.DossierStatus.DOSSIER_STATUS_RESULT_RETURNED,
        returnedAt: at,
      });

      // Every event handled (on every topic), then every planned delivery sent and recorded.
      for (const id of eventIds.values()) await harness.handled(id);
      await harness.waitForDeliveries(
        dossier.dossierCode,
        (listed) => listed.length >= expectedRoutes.length && listed.every((d) => d.stateName !== "pending"),
        `${expectedRoutes.length} deliveries of ${dossier.dossierCode} settled`,
      );
    }, 2 * EFFECT_TIMEOUT_MS);

    it("makes exactly one delivery per expected recipient and event, each delivered at the first attempt", async () => {
      const listed = await harness.deliveries(dossier.dossierCode);
      expect(
        listed
          .map((d) => ({ trigger: d.triggerType, route: route(d), state: d.stateName, attempts: d.attempts }))
          .sort(byTriggerAndRoute),
      ).toEqual(
        expectedRoutes
          .map(({ trigger, route }) => ({ trigger, route, state: "delivered", attempts: 1 }))
          .sort(byTriggerAndRoute),
      );
      expect(new Set(listed.map((d) => d.notificationId)).size).toBe(listed.length);
      // Oldest first.
      const created = listed.map((d) => d.createdAt);
      expect([...created].sort()).toEqual(created);

      // One outcome event per delivery, none failed (published from the outbox after each commit: awaited).
      await waitFor(() => harness.outcomesOf(dossier.dossierId, "notificationDelivered").length >= listed.length, {
        description: "an outcome event per delivery",
        timeoutMs: EFFECT_TIMEOUT_MS,
      });
      const delivered = harness.outcomesOf(dossier.dossierId, "notificationDelivered");
      expect(delivered.map((d) => d.notificationId).sort()).toEqual(listed.map((d) => d.notificationId).sort());
      expect(harness.outcomesOf(dossier.dossierId, "notificationFailed")).toEqual([]);
    });

    it("sends the applicant three mails, in Vietnamese, each naming the dossier code", () => {
      const mails = harness.mail.to(applicant.email);
      expect(sorted(mails.map((mail) => mail.subject))).toEqual(sorted(expectedMails()));
      for (const mail of mails) {
        expect(mail.subject).toBe(mail.subject.normalize("NFC"));
        expect(mail.text).toBe(mail.text.normalize("NFC"));
        expect(mail.envelopeTo).toEqual([applicant.email]);
        expect(mail.from).toBe(MAIL_FROM);
        expect(mail.text).toContain(`Kính gửi ông/bà ${applicant.fullName},`);
        expect(mail.text).toContain(`Hồ sơ ${dossier.dossierCode}`);
        expect(mail.text).toContain("Hệ thống LiênThông — thư tự động, vui lòng không trả lời.");
        // Nothing else of the citizen's than the name they are greeted by.
        for (const value of [applicant.citizenId, applicant.phone, applicant.address]) {
          expect(mail.raw.toString("latin1")).not.toContain(value);
          expect(mail.text).not.toContain(value);
        }
      }
      const bySubject = (subject: string) => mails.find((mail) => mail.subject === subject)?.text;
      const [accepted, supplement, result] = expectedMails().map(bySubject);
      expect(accepted).toContain(
        `Hồ sơ ${dossier.dossierCode} của ông/bà đã được tiếp nhận. Thời gian hẹn trả kết quả: 17 giờ 00, ngày 16 tháng 12 năm 2026.`,
      );
      expect(supplement).toContain(
        `Hồ sơ ${dossier.dossierCode} cần bổ sung các thành phần sau:\n- ${missingItems[0]}\n- ${missingItems[1]}\n`,
      );
      expect(result).toContain(`Hồ sơ ${dossier.dossierCode} đã được giải quyết (chấp thuận).`);
    });

    it("identifies each mail by its notification id, so a resent mail is recognisable", async () => {
      const mailIds = (await harness.deliveries(dossier.dossierId))
        .filter((d) => route(d) === "mail to applicant")
        .map((d) => `<${d.notificationId}@lienthong>`);
      expect(sorted(harness.mail.to(applicant.email).map((mail) => mail.headers.get("message-id") ?? ""))).toEqual(
        sorted(mailIds),
      );
    });

    it("sends the commune system one signed webhook per status change: ids, type and status only", async () => {
      const received = harness.webhooks.forDossier(dossier.dossierId);
      const listed = (await harness.deliveries(dossier.dossierCode)).filter((d) => route(d) === "webhook to commune");
      expect(received).toHaveLength(listed.length);
      // The webhook id is the notification id: stable across retries, the receiver's idempotency key.
      expect(sorted(received.map((webhook) => webhook.headers["webhook-id"] ?? ""))).toEqual(
        sorted(listed.map((d) => d.notificationId)),
      );

      const bodies = received.map((webhook) => verifiedBody(webhook));
      const webhookRoutes = expectedRoutes.filter((expected) => expected.route === "webhook to commune");
      expect(
        bodies
          .map((body) => ({ trigger: String(body.type), route: "webhook to commune", status: body.status }))
          .sort(byTriggerAndRoute),
      ).toEqual(webhookRoutes.sort(byTriggerAndRoute));
      expect(sorted(bodies.map((body) => String(body.eventId)))).toEqual(
        sorted(webhookRoutes.map(({ trigger }) => eventIds.get(eventNameOf(trigger)!) ?? "")),
      );
      expect(new Map(bodies.map((body) => [body.status, body.statusLabel]))).toEqual(
        new Map([
          [1, "Mới đăng ký"],
          [2, "Được tiếp nhận"],
          [4, "Đang xử lý"],
          [5, "Yêu cầu bổ sung"],
          [9, "Đã xử lý xong"],
          [10, "Đã trả kết quả"],
        ]),
      );
      for (const [index, body] of bodies.entries()) {
        const webhook = received[index]!;
        // Mường Lát's own endpoint, as its registration says.
        expect(webhook.path).toBe(WEBHOOK_PATHS.muongLat);
        expect(webhook.headers["content-type"]).toMatch(/^application\/json/);
        expect(Object.keys(body).sort()).toEqual(
          ["dossierCode", "dossierId", "eventId", "occurredAt", "status", "statusLabel", "type"].sort(),
        );
        expect(body).toMatchObject({ dossierId: dossier.dossierId, dossierCode: dossier.dossierCode });
        expect(harness.personalDataIn(webhook.body)).toEqual([]);
      }
    });

    it("signs with Mường Lát's own secret: another secret, another commune's included, does not verify", () => {
      const [first] = harness.webhooks.forDossier(dossier.dossierId);
      expect(() => verifiedBody(first!)).not.toThrow();
      expect(() => verifiedBody(first!, "some-other-secret-of-32-characters")).toThrow();
      expect(() => verifiedBody(first!, WEBHOOK_SECRETS.tamChungCurrent)).toThrow();
      const tampered = first!.body.replace(dossier.dossierCode, "14845-261207-9999");
      expect(tampered).not.toBe(first!.body);
      expect(() => verifiedBody({ ...first!, body: tampered })).toThrow();
    });

    it("lists the same deliveries over REST and gRPC, by dossier code and by dossier id", async () => {
      const byCode = await harness.deliveries(dossier.dossierCode);
      expect(await harness.deliveries(dossier.dossierId)).toEqual(byCode);

      const overGrpc = await harness.grpcDeliveries(dossier.dossierCode);
      expect(await harness.grpcDeliveries(dossier.dossierId)).toEqual(overGrpc);
      expect(overGrpc).toEqual(
        byCode.map((d: RestDelivery) => ({
          notificationId: d.notificationId,
          dossierId: dossier.dossierId,
          dossierCode: dossier.dossierCode,
          channel: d.channel,
          recipientKind: d.recipientKind,
          triggerType: d.triggerType,
          state: DeliveryState.DELIVERY_STATE_DELIVERED,
          attempts: 1,
          createdAt: new Date(d.createdAt).toISOString(),
          deliveredAt: new Date(d.deliveredAt!).toISOString(),
          lastError: "",
          // Mail is "sent" (the SMTP server tells no more), a webhook the commune system answered "delivered".
          status:
            d.channel === DeliveryChannel.DELIVERY_CHANNEL_EMAIL
              ? DeliveryStatus.DELIVERY_STATUS_SENT
              : DeliveryStatus.DELIVERY_STATUS_DELIVERED,
          history: d.history.map((step) => ({
            status: statusNumber(step.status),
            at: new Date(step.at).toISOString(),
            reason: step.reason,
          })),
          // The template an applicant's message was rendered from (a webhook has none).
          template: d.template && {
            eventType: d.template.name,
            language: d.template.language,
            version: d.template.version,
            source: d.template.source,
          },
        })),
      );
    });

    it("answers 404 / NOT_FOUND for a dossier it never heard of", async () => {
      const reply = await harness.listOverRest("14845-261207-9999", { apiKey: harness.keys.muongLat });
      expect(reply.status).toBe(404);
      expect((reply.body as { code: string }).code).toBe("NOT_FOUND");
      await expect(harness.grpcDeliveries("00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({
        code: grpc.status.NOT_FOUND,
      });
    });
  });

  it(
    "without a registered webhook endpoint the applicant is still mailed; without an email only the commune is told",
    async () => {
      const noEndpoint = await harness.submit({
        clientId: CLIENT_WITHOUT_WEBHOOK,
        applicant: { fullName: "Hà Văn Minh", email: "ha.van.minh@example.vn", phone: "0987654321" },
      });
      const noEmail = await harness.submit({
        applicant: { fullName: "Vừ A Dính", email: "", phone: "0971122334", citizenId: "038090001234" },
      });
      for (const dossier of [noEndpoint, noEmail]) {
        const accepted = await harness.publish("applicationAccepted", {
          dossierId: dossier.dossierId,
          dossierCode: dossier.dossierCode,
          status: common.DossierStatus.DOSSIER_STATUS_ACCEPTED,
          acceptedAt: new Date().toISOString(),
          appointmentAt: APPOINTMENT.toISOString(),
        });
        await harness.handled(accepted);
      }

      const settled = (dossier: Dossier, count: number) =>
        harness.waitForDeliveries(
          dossier.dossierCode,
          (listed) => listed.length >= count && listed.every((d) => d.stateName === "delivered"),
          `${count} deliveries of ${dossier.dossierCode} delivered`,
        );
      const toNoEndpoint = await settled(noEndpoint, 1);
      expect(toNoEndpoint.map((d) => ({ trigger: d.triggerType, route: route(d) }))).toEqual([
        { trigger: type("applicationAccepted"), route: "mail to applicant" },
      ]);
      expect(harness.mail.to("ha.van.minh@example.vn").map((mail) => mail.subject)).toEqual([
        `Hồ sơ ${noEndpoint.dossierCode} đã được tiếp nhận`,
      ]);
      // Not even to WEBHOOK_DEFAULT_URL (set in the harness): it serves only the development clients.
      expect(harness.webhooks.forDossier(noEndpoint.dossierId)).toEqual([]);

      const toNoEmail = await settled(noEmail, 2);
      expect(toNoEmail.map((d) => ({ trigger: d.triggerType, route: route(d) })).sort(byTriggerAndRoute)).toEqual(
        [
          { trigger: type("applicationSubmitted"), route: "webhook to commune" },
          { trigger: type("applicationAccepted"), route: "webhook to commune" },
        ].sort(byTriggerAndRoute),
      );
      expect(harness.webhooks.forDossier(noEmail.dossierId).map((w) => verifiedBody(w).status)).toEqual([1, 2]);
    },
    2 * EFFECT_TIMEOUT_MS,
  );

  it(
    "writes no personal data to its log, its listings or its events",
    async () => {
      // The capture works: the service did log (start-up at least).
      expect(harness.logLines.length).toBeGreaterThan(0);
      expect(harness.logLines.filter((line) => harness.personalDataIn(line).length > 0)).toEqual([]);
      expect(harness.outcomes.length).toBeGreaterThan(0);
      for (const event of harness.outcomes) {
        expect(harness.personalDataIn(Buffer.from(event.data).toString("utf8"))).toEqual([]);
      }
      for (const dossier of harness.dossiers) {
        expect(harness.personalDataIn(JSON.stringify(await harness.deliveries(dossier.dossierId)))).toEqual([]);
        expect(harness.personalDataIn(JSON.stringify(await harness.grpcDeliveries(dossier.dossierId)))).toEqual([]);
      }
    },
    2 * EFFECT_TIMEOUT_MS,
  );
});
