import * as grpc from "@grpc/grpc-js";
import { events, notification } from "@lienthong/contracts";
import { DEVELOPMENT_OFFICIALS } from "@lienthong/service-host";
import { waitFor } from "@lienthong/testing";
import { startGatewayPeer, type GatewayPeer } from "./support/gateway-peer";
import {
  EFFECT_TIMEOUT_MS,
  metadataOf,
  startNotification,
  type Credentials,
  type NotificationHarness,
} from "./support/notification-harness";

const { DELIVERY_CHANNEL_SMS: SMS, DELIVERY_CHANNEL_EMAIL: EMAIL } = events.DeliveryChannel;
const PHONES = { refused: "0912000401", delivered: "0912000402" } as const;

/**
 * Operators resend over gRPC as over REST: an SMS only after it failed, under a
 * new request id (the gateway sees a second logical message); a delivered SMS
 * is not sent twice (FAILED_PRECONDITION); every decision audited.
 */
describe("notification: an operator's resend over gRPC", () => {
  let peer: GatewayPeer;
  let harness: NotificationHarness;
  let client: notification.NotificationServiceClient;
  let operator: string;

  beforeAll(async () => {
    peer = await startGatewayPeer();
    harness = await startNotification({
      SMS_GATEWAY_URL: peer.smsUrl,
      SMS_GATEWAY_TOKEN: "sms-gateway-token-0f3b9e2d7c1a",
      SMS_BRAND_NAME: "UBND.MLAT",
      NOTIFICATION_GATEWAY_TIMEOUT_MS: "60000",
    });
    client = new notification.NotificationServiceClient(
      `127.0.0.1:${harness.running.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
    operator = await harness.token(DEVELOPMENT_OFFICIALS.operator);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await harness?.stop();
    await peer?.close();
  });

  const resend = (notificationId: string, as: Credentials) =>
    new Promise<notification.ResendDeliveryResponse>((resolve, reject) => {
      client.resendDelivery(
        { notificationId },
        metadataOf(as),
        { deadline: new Date(Date.now() + 10_000) },
        (error, response) => (error ? reject(error) : resolve(response)),
      );
    });

  it("resends a failed SMS under a new request id; a delivered one is not sent twice", async () => {
    peer.answer(PHONES.refused, "sms", [400]);
    const refused = await harness.submit({ applicant: { phone: PHONES.refused } });
    await harness.handled(await harness.accept(refused));
    const [failed] = (
      await harness.waitForDeliveries(
        refused.dossierCode,
        (all) => all.some((d) => d.channel === SMS && d.stateName === "failed"),
        "the SMS refused by the gateway",
      )
    ).filter((d) => d.channel === SMS);

    await expect(resend(failed!.notificationId, {})).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    const answer = await resend(failed!.notificationId, { token: operator });
    expect(answer).toEqual({
      notificationId: failed!.notificationId,
      dossierId: refused.dossierId,
      state: notification.DeliveryState.DELIVERY_STATE_PENDING,
    });
    await waitFor(() => peer.logicalMessages(PHONES.refused, "sms").length === 2, {
      description: "the resent SMS at the gateway",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });
    expect(peer.logicalMessages(PHONES.refused, "sms")).toEqual([
      failed!.notificationId,
      `${failed!.notificationId}.1`,
    ]);

    const sent = await harness.submit({ applicant: { phone: PHONES.delivered } });
    await harness.handled(await harness.accept(sent));
    const listed = await harness.waitForDeliveries(
      sent.dossierCode,
      (all) => all.filter((d) => d.channel === SMS || d.channel === EMAIL).every((d) => d.stateName === "delivered"),
      "the SMS and mail delivered",
    );
    const sms = listed.find((d) => d.channel === SMS)!;
    await expect(resend(sms.notificationId, { token: operator })).rejects.toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
    });
    // A delivered mail may be sent again, under a Message-ID of its own: a mailbox that saw the first Message-ID
    // may drop a second message carrying it (Gmail does, silently).
    const mail = listed.find((d) => d.channel === EMAIL)!;
    expect((await resend(mail.notificationId, { token: operator })).state).toBe(
      notification.DeliveryState.DELIVERY_STATE_PENDING,
    );
    const copies = () =>
      harness.mail
        .to(sent.applicant.email)
        .map((m) => m.headers.get("message-id"))
        .filter((id) => id?.includes(mail.notificationId));
    await waitFor(() => copies().length === 2, { description: "the mail sent again", timeoutMs: EFFECT_TIMEOUT_MS });
    expect(copies()).toEqual([`<${mail.notificationId}@lienthong>`, `<${mail.notificationId}.1@lienthong>`]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(peer.logicalMessages(PHONES.delivered, "sms")).toEqual([sms.notificationId]);

    const auditor = await harness.token(DEVELOPMENT_OFFICIALS.auditor);
    await waitFor(
      async () => {
        const reply = await harness.call("GET", "/v1/audit?limit=1000", { token: auditor });
        const entries = (reply.body as { entries: { action: string; target: string }[] }).entries;
        return entries.filter((e) => e.action === "resend_delivery").length >= 3;
      },
      { description: "the resends audited", timeoutMs: EFFECT_TIMEOUT_MS },
    );
  });
});
