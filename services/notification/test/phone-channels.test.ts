import { EventTypes, common, events } from "@lienthong/contracts";
import { DEVELOPMENT_OFFICIALS, startTelemetry, type Telemetry } from "@lienthong/service-host";
import { waitFor } from "@lienthong/testing";
import { notificationEnv } from "../src";
import { smsMessage, withoutDiacritics } from "../src/channels/sms-text";
import { deliveries } from "../src/store/collections";
import { asGatewayPhone, startGatewayPeer, type GatewayPeer } from "./support/gateway-peer";
import {
  EFFECT_TIMEOUT_MS,
  startNotification,
  type Dossier,
  type NotificationHarness,
  type RestDelivery,
} from "./support/notification-harness";

const { DeliveryChannel } = events;

const BRAND_NAME = "UBND.MLAT";
const SMS_TOKEN = "sms-gateway-token-0f3b9e2d7c1a";
const ZNS_TOKEN = "zns-access-token-8d2c6a4e1f9b";
/** The gateways sign their receipts each with its own secret: SMS a Standard Webhooks one, ZNS a text one. */
const SMS_RECEIPT_SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const ZNS_RECEIPT_SECRET = "zns-receipt-secret-2026-4b7e1d9a3c5f";
const RESULT_TEMPLATE = "231456";
/** Long enough that no answer of the test gateway times out on a busy machine: only the cases about timeouts have a short one. */
const GATEWAY_TIMEOUT_MS = 60_000;

/** One number per test, so each test scripts and counts its own messages at the gateway. */
const PHONES = {
  accepted: "0912000101",
  retried: "0912000102",
  fallback: "0912000103",
  receipts: "0912000104",
  badSignature: "0912000105",
  twice: "0912000106",
  duplicate: "0912000107",
  znsUnreadable: "0912000108",
  znsConfiguration: "0912000109",
  znsResent: "0912000110",
  znsTemporary: "0912000111",
  early: "0912000112",
  personal: "0912000113",
} as const;

const statuses = (delivery: RestDelivery) => delivery.history.map((step) => step.status);

function resultPayload(dossier: Dossier) {
  return {
    dossierId: dossier.dossierId,
    dossierCode: dossier.dossierCode,
    status: common.DossierStatus.DOSSIER_STATUS_DECIDED,
    issuedAt: new Date().toISOString(),
    outcome: common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
  };
}

/** Waits until the dossier's delivery on `channel` satisfies `predicate`, and returns it. */
async function deliveryOf(
  harness: NotificationHarness,
  dossier: Dossier,
  channel: events.DeliveryChannel,
  predicate: (delivery: RestDelivery) => boolean,
  description: string,
): Promise<RestDelivery> {
  const listed = await harness.waitForDeliveries(
    dossier.dossierCode,
    (deliveries) => deliveries.some((d) => d.channel === channel && predicate(d)),
    description,
  );
  return listed.find((d) => d.channel === channel && predicate(d))!;
}

describe("notification: SMS and Zalo ZNS through their gateways, with Notify's statuses and the gateways' receipts", () => {
  let peer: GatewayPeer;
  let harness: NotificationHarness;
  let telemetry: Telemetry;

  beforeAll(async () => {
    // Spans kept in memory (no OTLP endpoint), read back at /ops/spans: phone numbers must not be on them.
    telemetry = startTelemetry({ serviceName: "notification" });
    peer = await startGatewayPeer();
    harness = await startNotification({
      SMS_GATEWAY_URL: peer.smsUrl,
      SMS_GATEWAY_TOKEN: SMS_TOKEN,
      SMS_BRAND_NAME: BRAND_NAME,
      SMS_RECEIPT_SECRET,
      ZNS_API_URL: peer.znsUrl,
      ZNS_ACCESS_TOKEN: ZNS_TOKEN,
      ZNS_TEMPLATES: JSON.stringify({ resultIssued: RESULT_TEMPLATE }),
      ZNS_RECEIPT_SECRET,
      NOTIFICATION_GATEWAY_TIMEOUT_MS: String(GATEWAY_TIMEOUT_MS),
    });
  }, 60_000);

  afterAll(async () => {
    // A call still held would keep the harness's stop waiting for its timeout.
    peer?.release();
    await harness?.stop();
    await peer?.close();
    await telemetry?.shutdown();
  });

  const receiptUrl = (gateway: "sms" | "zns") => `${harness.running.httpUrl}/v1/delivery-receipts/${gateway}`;

  const submitWithPhone = (phone: string) => harness.submit({ applicant: { phone } });

  const byPhone = (
    dossier: Dossier,
    channel: events.DeliveryChannel,
    predicate: (delivery: RestDelivery) => boolean,
    description: string,
  ) => deliveryOf(harness, dossier, channel, predicate, description);

  const publishResult = (dossier: Dossier) => harness.publish("resultIssued", resultPayload(dossier));

  const outcomesFor = (
    dossier: Dossier,
    name: "notificationDelivered" | "notificationFailed",
    notificationId: string,
  ) => harness.outcomesOf(dossier.dossierId, name).filter((o) => o.notificationId === notificationId);

  async function resendAsOperator(notificationId: string) {
    const operator = await harness.token(DEVELOPMENT_OFFICIALS.operator);
    return harness.call("POST", `/ops/deliveries/${notificationId}/resend`, { token: operator });
  }

  it("sends the acceptance by SMS under the brand name, without diacritics in GSM-7; the gateway's receipt makes it delivered", async () => {
    const dossier = await submitWithPhone(PHONES.accepted);
    await harness.accept(dossier);
    const sent = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_SMS,
      (d) => d.stateName === "sent",
      "the SMS taken by the gateway",
    );
    expect(sent).toMatchObject({ status: "pending", attempts: 1 });
    expect(statuses(sent)).toEqual(["created", "sending", "pending"]);

    const [request, ...more] = peer.forPhone(PHONES.accepted, "sms");
    expect(more).toEqual([]);
    expect(request!.headers.authorization).toBe(`Bearer ${SMS_TOKEN}`);
    expect(request!.body).toMatchObject({
      requestId: sent.notificationId,
      brandName: BRAND_NAME,
      phone: asGatewayPhone(PHONES.accepted),
      unicode: false,
    });
    const text = String(request!.body.text);
    expect(text).toMatch(
      new RegExp(
        `^Ho so ${dossier.dossierCode} da duoc tiep nhan\\. Hen tra ket qua: \\d{2} gio \\d{2}, ngay \\d{2} thang \\d{1,2} nam \\d{4}\\.$`,
      ),
    );
    expect(smsMessage(text, false)).toEqual({ smsText: text, segments: 1, encoding: "GSM-7" });

    const receipt = { requestId: sent.notificationId, status: "delivered" };
    expect(await peer.sendReceipt(receiptUrl("sms"), SMS_RECEIPT_SECRET, receipt)).toEqual({
      status: 200,
      body: { outcome: "recorded" },
    });
    const delivered = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_SMS,
      (d) => d.stateName === "delivered",
      "the SMS delivered",
    );
    expect(delivered.status).toBe("delivered");
    expect(statuses(delivered)).toEqual(["created", "sending", "pending", "delivered"]);
    await waitFor(() => outcomesFor(dossier, "notificationDelivered", sent.notificationId).length > 0, {
      description: "NotificationDelivered for the SMS",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });
    // Only the receipt told it: had the gateway's acceptance been told too, its event (an earlier commit, an earlier
    // outbox record) would be here already.
    expect(outcomesFor(dossier, "notificationDelivered", sent.notificationId)).toHaveLength(1);

    // Gateways repeat their receipts: a repeat changes nothing.
    expect(await peer.sendReceipt(receiptUrl("sms"), SMS_RECEIPT_SECRET, receipt)).toEqual({
      status: 200,
      body: { outcome: "already-settled" },
    });
    const again = (await harness.deliveries(dossier.dossierCode)).find((d) => d.notificationId === sent.notificationId);
    expect(again?.history).toEqual(delivered.history);
  }, 60_000);

  it("retries a 503 and a connection lost mid-call with the same request id: delivered after recovery, one message at the gateway, every status recorded", async () => {
    peer.answer(PHONES.retried, "sms", [503, "reset", 200]);
    const dossier = await submitWithPhone(PHONES.retried);
    await harness.accept(dossier);
    const sent = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_SMS,
      (d) => d.stateName === "sent",
      "the SMS taken after two failures",
    );
    expect(sent.attempts).toBe(3);
    expect(statuses(sent)).toEqual([
      "created",
      "sending",
      "temporary-failure",
      "sending",
      "temporary-failure",
      "sending",
      "pending",
    ]);
    expect(sent.history[2]!.reason).toMatch(/^SMS gateway answered HTTP 503; retry at /);
    expect(sent.history[4]!.reason).toMatch(/^SMS gateway connection lost before its answer; retry at /);

    expect(peer.forPhone(PHONES.retried, "sms")).toHaveLength(3);
    // The call whose connection dropped reached the gateway all the same: its id is the retry's, so it is one message.
    expect(peer.logicalMessages(PHONES.retried, "sms")).toEqual([sent.notificationId]);

    await peer.sendReceipt(receiptUrl("sms"), SMS_RECEIPT_SECRET, {
      requestId: sent.notificationId,
      status: "delivered",
    });
    await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_SMS,
      (d) => d.status === "delivered",
      "the SMS delivered after recovery",
    );
  }, 60_000);

  it("counts a gateway's 409 for a request id it already holds as taken, not as a refusal", async () => {
    peer.answer(PHONES.duplicate, "sms", [409]);
    const dossier = await submitWithPhone(PHONES.duplicate);
    await harness.accept(dossier);
    const sent = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_SMS,
      (d) => d.stateName !== "pending",
      "the SMS settled by the 409",
    );
    expect(sent).toMatchObject({ stateName: "sent", status: "pending", attempts: 1, lastError: "" });
    expect(peer.forPhone(PHONES.duplicate, "sms")).toHaveLength(1);
  }, 60_000);

  it("sends the result by ZNS with its template and data; a permanent ZNS failure falls back to one SMS", async () => {
    peer.answer(PHONES.fallback, "zns", [{ znsError: -118 }]);
    const dossier = await submitWithPhone(PHONES.fallback);
    await publishResult(dossier);
    const zns = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS,
      (d) => d.stateName === "failed",
      "ZNS refused",
    );
    expect(zns).toMatchObject({ status: "permanent-failure", lastError: "ZNS refused the message (error -118)" });
    expect(statuses(zns)).toEqual(["created", "sending", "permanent-failure"]);

    const [call, ...more] = peer.forPhone(PHONES.fallback, "zns");
    expect(more).toEqual([]);
    expect(call!.headers.access_token).toBe(ZNS_TOKEN);
    expect(call!.body).toEqual({
      phone: asGatewayPhone(PHONES.fallback),
      template_id: RESULT_TEMPLATE,
      template_data: {
        customer_name: dossier.applicant.fullName,
        dossier_code: dossier.dossierCode,
        status: expect.any(String) as string,
      },
      tracking_id: zns.notificationId,
    });

    const sms = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_SMS,
      (d) => d.stateName === "sent",
      "the SMS instead",
    );
    expect(sms.triggerType).toBe(EventTypes.resultIssued.type);
    expect(peer.forPhone(PHONES.fallback, "sms").map((r) => r.body.text)).toEqual([
      `Ho so ${dossier.dossierCode} da co ket qua (chap thuan), san sang de nhan.`,
    ]);
    await waitFor(() => outcomesFor(dossier, "notificationFailed", zns.notificationId).length > 0, {
      description: "NotificationFailed for the ZNS message",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });
  }, 60_000);

  it("never calls Zalo twice when its answer cannot be read: a technical failure, Zalo's own text kept out, and the SMS instead", async () => {
    peer.answer(PHONES.znsUnreadable, "zns", [{ znsBody: `{"message":"no result for ${PHONES.znsUnreadable}"}` }]);
    const dossier = await submitWithPhone(PHONES.znsUnreadable);
    await publishResult(dossier);
    const zns = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS,
      (d) => d.stateName === "failed",
      "ZNS settled as a technical failure",
    );
    expect(zns.status).toBe("technical-failure");
    expect(zns.lastError).toBe("ZNS answered without a result code");
    expect(statuses(zns)).toEqual(["created", "sending", "technical-failure"]);
    await byPhone(dossier, DeliveryChannel.DELIVERY_CHANNEL_SMS, (d) => d.stateName === "sent", "the SMS instead");
    expect(peer.forPhone(PHONES.znsUnreadable, "zns")).toHaveLength(1);
    expect(peer.forPhone(PHONES.znsUnreadable, "sms")).toHaveLength(1);
  }, 60_000);

  it("retries a ZNS refused for our application's configuration (Zalo's -101…-105), without falling back", async () => {
    peer.answer(PHONES.znsConfiguration, "zns", [{ znsError: -104 }]);
    const dossier = await submitWithPhone(PHONES.znsConfiguration);
    await publishResult(dossier);
    const zns = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS,
      (d) => d.stateName === "sent",
      "ZNS taken once the configuration is right",
    );
    expect(statuses(zns)).toEqual(["created", "sending", "temporary-failure", "sending", "pending"]);
    expect(zns.history[2]!.reason).toMatch(
      /^ZNS refused our application \(error -104\): its configuration must be fixed; retry at /,
    );
    expect(peer.forPhone(PHONES.znsConfiguration, "zns")).toHaveLength(2);
    expect(peer.forPhone(PHONES.znsConfiguration, "sms")).toEqual([]);
  }, 60_000);

  it("receipts move messages to delivered or permanent-failure; a ZNS receipt of permanent failure falls back to SMS", async () => {
    const dossier = await submitWithPhone(PHONES.receipts);
    await publishResult(dossier);
    const zns = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS,
      (d) => d.stateName === "sent",
      "ZNS taken",
    );
    expect(zns.status).toBe("pending");
    expect(peer.forPhone(PHONES.receipts, "sms")).toEqual([]);

    const refused = { requestId: zns.notificationId, status: "permanent-failure" };
    expect((await peer.sendReceipt(receiptUrl("zns"), ZNS_RECEIPT_SECRET, refused)).status).toBe(200);
    const failed = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS,
      (d) => d.stateName === "failed",
      "ZNS failed by its receipt",
    );
    expect(statuses(failed)).toEqual(["created", "sending", "pending", "permanent-failure"]);
    const sms = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_SMS,
      (d) => d.stateName === "sent",
      "the SMS instead",
    );

    const lost = { requestId: sms.notificationId, status: "permanent-failure" };
    expect((await peer.sendReceipt(receiptUrl("sms"), SMS_RECEIPT_SECRET, lost)).status).toBe(200);
    const smsFailed = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_SMS,
      (d) => d.stateName === "failed",
      "the SMS failed by its receipt",
    );
    expect(smsFailed).toMatchObject({ status: "permanent-failure", lastError: "SMS receipt: permanent-failure" });
    await waitFor(() => outcomesFor(dossier, "notificationFailed", sms.notificationId).length > 0, {
      description: "NotificationFailed for the SMS",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });
    // A receipt repeated after the fallback plans no second SMS.
    expect((await peer.sendReceipt(receiptUrl("zns"), ZNS_RECEIPT_SECRET, refused)).body).toEqual({
      outcome: "already-settled",
    });
    const listed = await harness.deliveries(dossier.dossierCode);
    expect(listed.filter((d) => d.channel === DeliveryChannel.DELIVERY_CHANNEL_SMS)).toHaveLength(1);
    expect(peer.logicalMessages(PHONES.receipts, "sms")).toEqual([sms.notificationId]);

    // An operator sends it again: a new request id, or the gateway would drop it as the message it already had.
    expect((await resendAsOperator(sms.notificationId)).status).toBe(202);
    const resent = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_SMS,
      (d) => d.stateName === "sent",
      "the SMS sent again",
    );
    expect(statuses(resent).slice(-4)).toEqual(["permanent-failure", "created", "sending", "pending"]);
    expect(resent.history.at(-3)?.reason).toBe("resent by an operator");
    expect(peer.logicalMessages(PHONES.receipts, "sms")).toEqual([sms.notificationId, `${sms.notificationId}.1`]);
    // The first request id's late receipt is acknowledged and changes nothing.
    expect((await peer.sendReceipt(receiptUrl("sms"), SMS_RECEIPT_SECRET, lost)).body).toEqual({
      outcome: "superseded",
    });
    const after = (await harness.deliveries(dossier.dossierCode)).find((d) => d.notificationId === sms.notificationId);
    expect(after?.history).toEqual(resent.history);
  }, 60_000);

  it("a resent ZNS message that fails again is recorded, with an SMS of its own; Zalo is called once per request id", async () => {
    const dossier = await submitWithPhone(PHONES.znsResent);
    await publishResult(dossier);
    const zns = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS,
      (d) => d.stateName === "sent",
      "ZNS taken",
    );
    const refused = (requestId: string) => ({ requestId, status: "permanent-failure" });
    expect((await peer.sendReceipt(receiptUrl("zns"), ZNS_RECEIPT_SECRET, refused(zns.notificationId))).body).toEqual({
      outcome: "recorded",
    });
    const firstSms = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_SMS,
      (d) => d.stateName === "sent",
      "the first SMS instead",
    );

    // Its SMS is on its way: a resent ZNS would be the citizen's third copy.
    const early = await resendAsOperator(zns.notificationId);
    expect(early).toMatchObject({ status: 409, body: { reason: "SMS_FALLBACK_SENT" } });
    const smsLost = { requestId: firstSms.notificationId, status: "permanent-failure" };
    expect((await peer.sendReceipt(receiptUrl("sms"), SMS_RECEIPT_SECRET, smsLost)).status).toBe(200);
    await byPhone(dossier, DeliveryChannel.DELIVERY_CHANNEL_SMS, (d) => d.stateName === "failed", "the SMS lost");

    expect((await resendAsOperator(zns.notificationId)).status).toBe(202);
    await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS,
      (d) => d.stateName === "sent",
      "the resent ZNS taken",
    );
    const secondAnswer = await peer.sendReceipt(
      receiptUrl("zns"),
      ZNS_RECEIPT_SECRET,
      refused(`${zns.notificationId}.1`),
    );
    expect(secondAnswer).toEqual({ status: 200, body: { outcome: "recorded" } });
    const listed = await harness.waitForDeliveries(
      dossier.dossierCode,
      (deliveries) =>
        deliveries.filter((d) => d.channel === DeliveryChannel.DELIVERY_CHANNEL_SMS).length === 2 &&
        deliveries.some((d) => d.channel === DeliveryChannel.DELIVERY_CHANNEL_SMS && d.stateName === "sent"),
      "a second SMS for the resent ZNS",
    );
    const failedAgain = listed.find((d) => d.notificationId === zns.notificationId)!;
    // Attempts add up across resends (as for every channel).
    expect(failedAgain).toMatchObject({ stateName: "failed", status: "permanent-failure", attempts: 2 });
    expect(statuses(failedAgain).slice(-4)).toEqual(["created", "sending", "pending", "permanent-failure"]);
    const smsIds = listed
      .filter((d) => d.channel === DeliveryChannel.DELIVERY_CHANNEL_SMS)
      .map((d) => d.notificationId);
    expect(smsIds).toHaveLength(2);
    expect(smsIds).toContain(firstSms.notificationId);
    expect(peer.forPhone(PHONES.znsResent, "zns").map((r) => r.requestId)).toEqual([
      zns.notificationId,
      `${zns.notificationId}.1`,
    ]);
    expect(peer.forPhone(PHONES.znsResent, "sms")).toHaveLength(2);
  }, 60_000);

  it("a ZNS receipt of temporary failure settles it and falls back to SMS", async () => {
    const dossier = await submitWithPhone(PHONES.znsTemporary);
    await publishResult(dossier);
    const zns = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS,
      (d) => d.stateName === "sent",
      "ZNS taken",
    );
    await peer.sendReceipt(receiptUrl("zns"), ZNS_RECEIPT_SECRET, {
      requestId: zns.notificationId,
      status: "temporary-failure",
    });
    const sms = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_SMS,
      (d) => d.stateName === "sent",
      "the SMS instead",
    );
    expect(sms.triggerType).toBe(EventTypes.resultIssued.type);
    const failed = (await harness.deliveries(dossier.dossierCode)).find((d) => d.notificationId === zns.notificationId);
    expect(failed).toMatchObject({ stateName: "failed", status: "temporary-failure" });
  }, 60_000);

  it("records a receipt that overtakes the gateway's answer; the dispatcher's late write loses, and the call was leased meanwhile", async () => {
    peer.answer(PHONES.early, "sms", ["hold"]);
    const dossier = await submitWithPhone(PHONES.early);
    await harness.accept(dossier);
    await waitFor(() => peer.forPhone(PHONES.early, "sms").length === 1, {
      description: "the SMS call at the gateway",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });
    const sending = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_SMS,
      (d) => d.status === "sending",
      "the SMS sending",
    );
    // The attempt is counted, and the record is leased past the call's timeout: no other dispatcher calls meanwhile.
    expect(sending.attempts).toBe(1);
    const stored = await harness.runtime.store.get(deliveries, sending.notificationId);
    expect(Date.parse(stored!.data.nextAttemptAt)).toBeGreaterThanOrEqual(
      Date.parse(sending.history.at(-1)!.at) + GATEWAY_TIMEOUT_MS,
    );

    const receipt = { requestId: sending.notificationId, status: "delivered" };
    expect(await peer.sendReceipt(receiptUrl("sms"), SMS_RECEIPT_SECRET, receipt)).toEqual({
      status: 200,
      body: { outcome: "recorded" },
    });
    peer.release();
    await waitFor(() => outcomesFor(dossier, "notificationDelivered", sending.notificationId).length > 0, {
      description: "NotificationDelivered for the SMS",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });
    // The dispatcher's write after the held answer is refused (it read an older version); once it has tried, the
    // record still says what the receipt said.
    await waitFor(() => harness.logLines.some((line) => line.includes("this attempt's record yields")), {
      description: "the dispatcher's late write refused",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });
    const after = (await harness.deliveries(dossier.dossierCode)).find(
      (d) => d.notificationId === sending.notificationId,
    );
    expect(after).toMatchObject({ stateName: "delivered", status: "delivered" });
    expect(statuses(after!)).toEqual(["created", "sending", "delivered"]);
    expect(outcomesFor(dossier, "notificationDelivered", sending.notificationId)).toHaveLength(1);
    expect(peer.forPhone(PHONES.early, "sms")).toHaveLength(1);
  }, 60_000);

  it("refuses a receipt whose signature does not verify or whose timestamp is stale (403, logged) and changes nothing; a signed non-JSON body is 400, an oversized one 413", async () => {
    const dossier = await submitWithPhone(PHONES.badSignature);
    await harness.accept(dossier);
    const sent = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_SMS,
      (d) => d.stateName === "sent",
      "the SMS taken",
    );
    const receipt = { requestId: sent.notificationId, status: "delivered" };
    const refusalsLogged = () => harness.logLines.filter((line) => line.includes("delivery receipt refused")).length;
    const loggedBefore = refusalsLogged();

    const answers = [
      // The ZNS gateway's secret is not the SMS gateway's.
      await peer.sendReceipt(receiptUrl("sms"), ZNS_RECEIPT_SECRET, receipt),
      // Signed, then altered on the way.
      await peer.sendReceipt(
        receiptUrl("sms"),
        SMS_RECEIPT_SECRET,
        { ...receipt, status: "permanent-failure" },
        { tamper: (body) => body.replace("permanent-failure", "delivered") },
      ),
      // Rightly signed, ten minutes ago: a replay, outside the five-minute window.
      await peer.sendReceipt(receiptUrl("sms"), SMS_RECEIPT_SECRET, receipt, {
        timestamp: new Date(Date.now() - 10 * 60_000),
      }),
    ];
    expect(answers.map(({ status, body }) => ({ status, code: (body as { code: string }).code }))).toEqual([
      { status: 403, code: "PERMISSION_DENIED" },
      { status: 403, code: "PERMISSION_DENIED" },
      { status: 403, code: "PERMISSION_DENIED" },
    ]);
    const unsigned = await fetch(receiptUrl("sms"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(receipt),
      signal: AbortSignal.timeout(10_000),
    });
    expect(unsigned.status).toBe(403);
    await waitFor(() => refusalsLogged() - loggedBefore === 4, {
      description: "each refusal logged",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });

    // Rightly signed, but not JSON / not a receipt: the caller's mistake, not a forgery.
    const notJson = await peer.sendReceipt(receiptUrl("sms"), SMS_RECEIPT_SECRET, "requestId=1&status=delivered");
    expect(notJson.status).toBe(400);
    const notReceipt = await peer.sendReceipt(receiptUrl("sms"), SMS_RECEIPT_SECRET, '{"requestId":""}');
    expect(notReceipt.status).toBe(400);
    const oversized = await peer.sendReceipt(
      receiptUrl("sms"),
      SMS_RECEIPT_SECRET,
      JSON.stringify({ ...receipt, padding: "x".repeat(17 * 1024) }),
    );
    expect(oversized.status).toBe(413);
    // Signed rightly, for a message this gateway never had.
    const unknown = await peer.sendReceipt(receiptUrl("sms"), SMS_RECEIPT_SECRET, {
      requestId: "b6f1c1de-0000-5000-8000-000000000000",
      status: "delivered",
    });
    expect(unknown.status).toBe(404);

    const after = (await harness.deliveries(dossier.dossierCode)).find((d) => d.notificationId === sent.notificationId);
    expect(after).toEqual(sent);

    // Refusals and the receipts that changed a delivery are in the audit log, ids only.
    const auditor = await harness.token(DEVELOPMENT_OFFICIALS.auditor);
    type Entry = { action: string; outcome: string; target: string };
    let entries: Entry[] = [];
    await waitFor(
      async () => {
        const reply = await harness.call("GET", "/v1/audit?limit=1000", { token: auditor });
        entries = (reply.body as { entries: Entry[] }).entries;
        return (
          entries.filter((e) => e.action === "record_sms_receipt" && e.outcome === "denied").length >= 4 &&
          entries.some((e) => e.action === "record_sms_receipt" && e.outcome === "allowed")
        );
      },
      { description: "receipt decisions sealed into the audit log", timeoutMs: EFFECT_TIMEOUT_MS },
    );
    expect(entries.filter((e) => e.action === "record_sms_receipt" && e.outcome === "denied")[0]).toMatchObject({
      target: "delivery-receipts:sms",
    });
  }, 60_000);

  it("sends one SMS for an event delivered twice; the refusal's SMS leaves the officer's reason to the lookup", async () => {
    const dossier = await submitWithPhone(PHONES.twice);
    const payload = {
      dossierId: dossier.dossierId,
      dossierCode: dossier.dossierCode,
      status: common.DossierStatus.DOSSIER_STATUS_ACCEPTED,
      acceptedAt: new Date().toISOString(),
    };
    const id = await harness.publish("applicationAccepted", payload);
    await harness.publish("applicationAccepted", payload, id);
    // One partition: once a later event is handled, both copies were.
    const later = await harness.publish("applicationRefused", {
      dossierId: dossier.dossierId,
      dossierCode: dossier.dossierCode,
      reason: "thiếu giấy tờ của bà Lò Thị Mai",
    });
    await harness.handled(later);
    await waitFor(() => peer.forPhone(PHONES.twice, "sms").length >= 2, {
      description: "the acceptance's and the refusal's SMS at the gateway",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });
    const texts = peer.forPhone(PHONES.twice, "sms").map((r) => String(r.body.text));
    expect(texts.filter((t) => t.includes("da duoc tiep nhan"))).toHaveLength(1);
    expect(texts.filter((t) => t.includes("khong duoc tiep nhan"))).toEqual([
      `Ho so ${dossier.dossierCode} khong duoc tiep nhan; xem ly do khi tra cuu ho so.`,
    ]);
    const sms = (await harness.deliveries(dossier.dossierCode)).filter(
      (d) => d.channel === DeliveryChannel.DELIVERY_CHANNEL_SMS,
    );
    expect(sms.map((d) => d.triggerType)).toEqual([
      EventTypes.applicationAccepted.type,
      EventTypes.applicationRefused.type,
    ]);
  }, 60_000);

  it("keeps phone numbers out of every log line, span, event and the deliveries API", async () => {
    // Its own messages (an SMS, a ZNS refused for the number, its fallback), so it holds when run alone.
    peer.answer(PHONES.personal, "zns", [{ znsError: -108 }]);
    const dossier = await submitWithPhone(PHONES.personal);
    await harness.accept(dossier);
    await publishResult(dossier);
    const listed = await harness.waitForDeliveries(
      dossier.dossierCode,
      (deliveries) =>
        deliveries.filter((d) => d.channel === DeliveryChannel.DELIVERY_CHANNEL_SMS).length === 2 &&
        deliveries.some((d) => d.channel === DeliveryChannel.DELIVERY_CHANNEL_SMS && d.stateName === "sent"),
      "the acceptance's SMS and the result's fallback SMS taken",
    );
    const zns = listed.find((d) => d.channel === DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS)!;
    await waitFor(() => outcomesFor(dossier, "notificationFailed", zns.notificationId).length > 0, {
      description: "NotificationFailed for the ZNS message",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });
    // The fallback SMS is planned with the failure and called right after: it may still be on its way.
    await waitFor(() => peer.forPhone(PHONES.personal).length >= 3, {
      description: "the SMS, the ZNS message and its fallback SMS at the gateways",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });
    expect(peer.forPhone(PHONES.personal)).toHaveLength(3);

    const numbers = Object.values(PHONES).flatMap((phone) => [phone, phone.slice(1), asGatewayPhone(phone)]);
    const containing = (texts: string[]) => texts.filter((text) => numbers.some((number) => text.includes(number)));
    expect(containing(harness.logLines)).toEqual([]);
    expect(containing(harness.outcomes.map((event) => Buffer.from(event.data).toString("latin1")))).toEqual([]);
    const spans = await harness.call("GET", "/ops/spans?limit=10000", {
      token: await harness.token(DEVELOPMENT_OFFICIALS.operator),
    });
    expect(spans.status).toBe(200);
    expect(spans.text).toContain("notification.deliver");
    expect(containing([spans.text])).toEqual([]);
    for (const each of harness.dossiers) {
      const reply = await harness.listOverRest(each.dossierCode, { apiKey: harness.keys.muongLat });
      expect(containing([reply.text])).toEqual([]);
    }
  }, 60_000);
});

/**
 * A gateway call that outlives NOTIFICATION_GATEWAY_TIMEOUT_MS (short here, as
 * the timeout is the point), receipts that never come, and a receipt for a
 * gateway whose receipts are off. The service's clock can be moved past the
 * receipt horizon.
 */
describe("notification: gateway timeouts, the receipt horizon, and receipts of a gateway without them", () => {
  const SHORT_TIMEOUT_MS = 5_000;
  /** ZNS's receipt secret after a rotation: the previous one (ZNS_RECEIPT_SECRET) still verifies. */
  const ROTATED_ZNS_SECRET = "whsec_9a1XkW2ZpB3qR8sT5uV7wY0zA4cD6eF8";
  const RECEIPT_HORIZON_HOURS = 1;
  const TIMEOUT_PHONES = {
    sms: "0912000201",
    zns: "0912000202",
    horizon: "0912000203",
    retries: "0912000204",
  } as const;
  let clockAheadMs = 0;
  let peer: GatewayPeer;
  let harness: NotificationHarness;

  beforeAll(async () => {
    peer = await startGatewayPeer({ slowMs: 10 * SHORT_TIMEOUT_MS });
    harness = await startNotification(
      {
        SMS_GATEWAY_URL: peer.smsUrl,
        SMS_GATEWAY_TOKEN: SMS_TOKEN,
        SMS_BRAND_NAME: BRAND_NAME,
        ZNS_API_URL: peer.znsUrl,
        ZNS_ACCESS_TOKEN: ZNS_TOKEN,
        ZNS_TEMPLATES: JSON.stringify({ resultIssued: RESULT_TEMPLATE }),
        ZNS_RECEIPT_SECRET: ROTATED_ZNS_SECRET,
        ZNS_RECEIPT_PREVIOUS_SECRET: ZNS_RECEIPT_SECRET,
        NOTIFICATION_GATEWAY_TIMEOUT_MS: String(SHORT_TIMEOUT_MS),
        NOTIFICATION_RECEIPT_HORIZON_HOURS: String(RECEIPT_HORIZON_HOURS),
      },
      { clock: () => new Date(Date.now() + clockAheadMs) },
    );
  }, 60_000);

  afterAll(async () => {
    peer?.release();
    await harness?.stop();
    await peer?.close();
  });

  const byPhone = (
    dossier: Dossier,
    channel: events.DeliveryChannel,
    predicate: (delivery: RestDelivery) => boolean,
    description: string,
  ) => deliveryOf(harness, dossier, channel, predicate, description);

  it("sends an SMS that timed out again with the same request id: one message at the gateway", async () => {
    peer.answer(TIMEOUT_PHONES.sms, "sms", ["timeout", 200]);
    const dossier = await harness.submit({ applicant: { phone: TIMEOUT_PHONES.sms } });
    await harness.accept(dossier);
    const sent = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_SMS,
      (d) => d.stateName === "delivered",
      "the SMS taken after the timeout (final: no SMS receipts here)",
    );
    expect(sent.status).toBe("sent");
    expect(sent.history[2]).toMatchObject({ status: "temporary-failure" });
    expect(sent.history[2]!.reason).toMatch(
      new RegExp(`^SMS gateway did not answer within ${SHORT_TIMEOUT_MS} ms; retry at `),
    );
    expect(peer.logicalMessages(TIMEOUT_PHONES.sms, "sms")).toEqual([sent.notificationId]);
  }, 120_000);

  it("does not call Zalo again after a timeout: the ZNS message is a technical failure and the SMS goes instead", async () => {
    peer.answer(TIMEOUT_PHONES.zns, "zns", ["timeout"]);
    const dossier = await harness.submit({ applicant: { phone: TIMEOUT_PHONES.zns } });
    await harness.publish("resultIssued", resultPayload(dossier));
    const zns = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS,
      (d) => d.stateName === "failed",
      "the ZNS message settled",
    );
    expect(zns.status).toBe("technical-failure");
    expect(zns.history.at(-1)!.reason).toBe(
      `ZNS did not answer within ${SHORT_TIMEOUT_MS} ms; outcome unknown, not repeated (Zalo does not deduplicate)`,
    );
    await byPhone(dossier, DeliveryChannel.DELIVERY_CHANNEL_SMS, (d) => d.stateName === "delivered", "the SMS instead");
    expect(peer.forPhone(TIMEOUT_PHONES.zns, "zns")).toHaveLength(1);
    expect(peer.forPhone(TIMEOUT_PHONES.zns, "sms")).toHaveLength(1);
    // Zalo may have shown it: an operator's resend would be a second ZNS copy (and a third message).
    const operator = await harness.token(DEVELOPMENT_OFFICIALS.operator);
    const resend = await harness.call("POST", `/ops/deliveries/${zns.notificationId}/resend`, { token: operator });
    expect(resend).toMatchObject({ status: 409, body: { reason: "ZNS_OUTCOME_UNKNOWN" } });
    expect(peer.forPhone(TIMEOUT_PHONES.zns, "zns")).toHaveLength(1);
  }, 120_000);

  it("answers 404 to receipts for a gateway whose receipts are off; verifies ZNS receipts with either secret of a rotation", async () => {
    const answer = await peer.sendReceipt(`${harness.running.httpUrl}/v1/delivery-receipts/sms`, SMS_RECEIPT_SECRET, {
      requestId: "b6f1c1de-0000-5000-8000-000000000000",
      status: "delivered",
    });
    expect(answer.status).toBe(404);
    // ZNS receipts verify with the current secret and, during the rotation, the previous one: an unknown id is then
    // 404 (verified, not found); a third secret is 403.
    const zns = (secret: string) =>
      peer.sendReceipt(`${harness.running.httpUrl}/v1/delivery-receipts/zns`, secret, {
        requestId: "b6f1c1de-0000-5000-8000-000000000000",
        status: "delivered",
      });
    expect((await zns(ROTATED_ZNS_SECRET)).status).toBe(404);
    expect((await zns(ZNS_RECEIPT_SECRET)).status).toBe(404);
    expect((await zns(SMS_RECEIPT_SECRET)).status).toBe(403);
  });

  it("gives up on a receipt that never comes: technical failure past the receipt horizon, the SMS instead, and no resend of the ZNS", async () => {
    /** The gauge of ZNS messages awaiting their receipt (whatever other labels the host adds). */
    const awaitingReceipt = async () => {
      const text = await (
        await fetch(`${harness.running.opsUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })
      ).text();
      const sample = text
        .split("\n")
        .find(
          (line) =>
            /^notification_deliveries\{/.test(line) && line.includes('channel="zns"') && line.includes('state="sent"'),
        );
      return sample === undefined ? undefined : Number(sample.slice(sample.lastIndexOf(" ") + 1));
    };
    const dossier = await harness.submit({ applicant: { phone: TIMEOUT_PHONES.horizon } });
    await harness.publish("resultIssued", resultPayload(dossier));
    const zns = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS,
      (d) => d.stateName === "sent",
      "ZNS taken, awaiting its receipt",
    );
    expect(await awaitingReceipt()).toBe(1);

    clockAheadMs += RECEIPT_HORIZON_HOURS * 3_600_000 + 60_000;
    const failed = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS,
      (d) => d.stateName === "failed",
      "ZNS given up on",
    );
    expect(failed).toMatchObject({
      status: "technical-failure",
      lastError: `no receipt within ${RECEIPT_HORIZON_HOURS} h`,
    });
    await byPhone(dossier, DeliveryChannel.DELIVERY_CHANNEL_SMS, (d) => d.stateName === "delivered", "the SMS instead");
    expect(await awaitingReceipt()).toBe(0);
    await waitFor(
      () =>
        harness
          .outcomesOf(dossier.dossierId, "notificationFailed")
          .some((o) => o.notificationId === zns.notificationId),
      {
        description: "NotificationFailed for the ZNS message",
        timeoutMs: EFFECT_TIMEOUT_MS,
      },
    );

    // The SMS reached the citizen: an operator's resend of the ZNS message would be a third copy.
    const operator = await harness.token(DEVELOPMENT_OFFICIALS.operator);
    const resend = await harness.call("POST", `/ops/deliveries/${zns.notificationId}/resend`, { token: operator });
    expect(resend).toMatchObject({ status: 409, body: { reason: "SMS_FALLBACK_SENT" } });
    expect(peer.forPhone(TIMEOUT_PHONES.horizon, "zns").map((r) => r.requestId)).toEqual([zns.notificationId]);
  }, 120_000);

  it("falls back to SMS when a ZNS message fails temporarily until its retry horizon (72 h) has passed", async () => {
    peer.answer(
      TIMEOUT_PHONES.retries,
      "zns",
      Array.from({ length: 20 }, () => 503),
    );
    const dossier = await harness.submit({ applicant: { phone: TIMEOUT_PHONES.retries } });
    await harness.publish("resultIssued", resultPayload(dossier));
    await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS,
      (d) => d.status === "temporary-failure",
      "ZNS failing temporarily",
    );
    clockAheadMs += 73 * 3_600_000;
    const failed = await byPhone(
      dossier,
      DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS,
      (d) => d.stateName === "failed",
      "ZNS given up on",
    );
    expect(failed.status).toBe("technical-failure");
    expect(failed.history.at(-1)!.reason).toBe("ZNS answered HTTP 503; retry horizon passed");
    await byPhone(dossier, DeliveryChannel.DELIVERY_CHANNEL_SMS, (d) => d.stateName === "delivered", "the SMS instead");
    expect(peer.forPhone(TIMEOUT_PHONES.retries, "sms")).toHaveLength(1);
  }, 120_000);
});

describe("SMS texts and gateway settings", () => {
  it("strips Vietnamese diacritics to GSM-7 (160/153 a segment) when the gateway does not carry them, else counts UCS-2 (70/67)", () => {
    expect(withoutDiacritics("Hồ sơ đã được tiếp nhận. ĐƯỢC Ủy ban")).toBe("Ho so da duoc tiep nhan. DUOC Uy ban");
    const text = `Hồ sơ 14845-261207-0001 đã được tiếp nhận. Hẹn trả kết quả: 17 giờ 00, ngày 02 tháng 12 năm 2026.`;
    expect(text.length).toBeGreaterThan(70);
    expect(smsMessage(text, true)).toMatchObject({ smsText: text, encoding: "UCS-2", segments: 2 });
    expect(smsMessage(text, false)).toMatchObject({ encoding: "GSM-7", segments: 1 });
    expect(smsMessage("a".repeat(160), false).segments).toBe(1);
    expect(smsMessage("a".repeat(161), false).segments).toBe(2);
    expect(smsMessage("a".repeat(307), false).segments).toBe(3);
    expect(smsMessage("ơ".repeat(67 * 2), true).segments).toBe(2);
    expect(smsMessage("ơ".repeat(67 * 2 + 1), true).segments).toBe(3);
  });

  it("refuses at start a brand name longer than 11 characters, and a gateway without its token or brand", () => {
    const issues = (env: Record<string, string>) => {
      const parsed = notificationEnv.safeParse(env);
      return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    };
    const gateway = { SMS_GATEWAY_URL: "https://sms.example.vn/send", SMS_GATEWAY_TOKEN: SMS_TOKEN };
    expect(issues({ ...gateway, SMS_BRAND_NAME: "UBND.MLAT" })).toEqual([]);
    expect(issues({ ...gateway, SMS_BRAND_NAME: "UBNDMUONGLAT" })).toEqual([
      expect.stringMatching(/^SMS_BRAND_NAME: must be 1 to 11 characters/),
    ]);
    expect(issues({ SMS_GATEWAY_URL: gateway.SMS_GATEWAY_URL })).toEqual([
      "SMS_GATEWAY_TOKEN: is required with SMS_GATEWAY_URL",
      "SMS_BRAND_NAME: is required with SMS_GATEWAY_URL",
    ]);
    expect(
      issues({ ZNS_API_URL: "https://business.openapi.zalo.me/message/template", ZNS_ACCESS_TOKEN: ZNS_TOKEN }),
    ).toEqual(["ZNS_TEMPLATES: names no template: ZNS would send nothing"]);
  });

  it("refuses half a gateway: a token, brand, receipt secret or templates without the URL, a previous secret without a current one", () => {
    const issues = (env: Record<string, string>) => {
      const parsed = notificationEnv.safeParse(env);
      return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    };
    expect(
      issues({
        SMS_GATEWAY_TOKEN: SMS_TOKEN,
        SMS_BRAND_NAME: BRAND_NAME,
        SMS_RECEIPT_SECRET,
        ZNS_ACCESS_TOKEN: ZNS_TOKEN,
        ZNS_RECEIPT_SECRET,
        ZNS_TEMPLATES: JSON.stringify({ resultIssued: RESULT_TEMPLATE }),
      }),
    ).toEqual([
      "SMS_GATEWAY_TOKEN: is set without SMS_GATEWAY_URL: that channel is off",
      "SMS_BRAND_NAME: is set without SMS_GATEWAY_URL: that channel is off",
      "SMS_RECEIPT_SECRET: is set without SMS_GATEWAY_URL: that channel is off",
      "ZNS_ACCESS_TOKEN: is set without ZNS_API_URL: that channel is off",
      "ZNS_RECEIPT_SECRET: is set without ZNS_API_URL: that channel is off",
      "ZNS_TEMPLATES: is set without ZNS_API_URL: that channel is off",
    ]);
    const sms = {
      SMS_GATEWAY_URL: "https://sms.example.vn/send",
      SMS_GATEWAY_TOKEN: SMS_TOKEN,
      SMS_BRAND_NAME: BRAND_NAME,
    };
    expect(issues({ ...sms, SMS_RECEIPT_PREVIOUS_SECRET: SMS_RECEIPT_SECRET })).toEqual([
      "SMS_RECEIPT_SECRET: is required with SMS_RECEIPT_PREVIOUS_SECRET",
    ]);
    expect(issues({ ...sms, SMS_RECEIPT_SECRET, SMS_RECEIPT_PREVIOUS_SECRET: ZNS_RECEIPT_SECRET })).toEqual([]);
  });

  it("refuses in production a gateway over plain http and a weak receipt secret, naming the variable, never the value", () => {
    const production = {
      NODE_ENV: "production",
      SMS_GATEWAY_URL: "http://sms.example.vn/send",
      SMS_GATEWAY_TOKEN: SMS_TOKEN,
      SMS_BRAND_NAME: BRAND_NAME,
      SMS_RECEIPT_SECRET: "short-receipt-secret",
      ZNS_API_URL: "https://business.openapi.zalo.me/message/template",
      ZNS_ACCESS_TOKEN: ZNS_TOKEN,
      ZNS_TEMPLATES: JSON.stringify({ resultIssued: RESULT_TEMPLATE }),
      ZNS_RECEIPT_SECRET,
    };
    const parsed = notificationEnv.safeParse(production);
    const ours = parsed.success ? [] : parsed.error.issues.filter((issue) => /^(SMS|ZNS)_/.test(issue.path.join(".")));
    expect(ours.map((issue) => `${issue.path.join(".")}: ${issue.message}`)).toEqual([
      "SMS_GATEWAY_URL: must be an https:// URL when NODE_ENV=production (it carries a token and phone numbers)",
      "SMS_RECEIPT_SECRET: is shorter than 32 characters: refused when NODE_ENV=production",
    ]);
    expect(JSON.stringify(ours)).not.toContain("short-receipt-secret");
    // The same outside production is accepted (a local gateway in development).
    const development = notificationEnv.safeParse({ ...production, NODE_ENV: "development" });
    expect(
      development.success ? [] : development.error.issues.filter((i) => /^(SMS|ZNS)_/.test(i.path.join("."))),
    ).toEqual([]);
  });
});
