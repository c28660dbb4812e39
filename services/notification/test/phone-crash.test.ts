import { randomUUID } from "node:crypto";
import { common, lifecycleEvent, type EventTypeName, type PayloadOf } from "@lienthong/contracts";
import { KafkaEventBus, type EventBus } from "@lienthong/messaging";
import { CLIENT_KEY_HEADER, DEVELOPMENT_CLIENTS } from "@lienthong/service-host";
import { describeWithKafka, startKafkaMock, tempDir, waitFor, type KafkaMock, type TempDir } from "@lienthong/testing";
import { events } from "@lienthong/contracts";
import { startGatewayPeer, type GatewayPeer } from "./support/gateway-peer";
import type { RestDelivery } from "./support/notification-harness";
import { startNotificationProcess, type NotificationProcess } from "./support/notification-process";

const PHONE = "0987000201";
const SMS_RECEIPT_SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const RESULT_TEMPLATE = "231456";
/**
 * The calls are held unanswered until the kill: long enough that none times out before it on a busy machine. The
 * "sending" records are leased for this plus 30 s, so the restarted process takes them over after that.
 */
const GATEWAY_TIMEOUT_MS = 30_000;
const TIMEOUT_MS = 150_000;

/**
 * kill -9 between the gateways' calls and the record of their outcome: each
 * message was recorded "sending" with its request id before its call. After
 * the restart (and the lease) the SMS is sent again with the same id, and the
 * gateway, which deduplicates on it, holds one message; the ZNS message is not
 * sent again (Zalo does not deduplicate on tracking_id): its outcome is
 * unknown, so it is a technical failure and its SMS goes instead.
 */
describeWithKafka("notification killed (-9) while the SMS gateway and Zalo have the messages", () => {
  let mock: KafkaMock;
  let dir: TempDir;
  let peer: GatewayPeer;
  let notification: NotificationProcess | undefined;
  /** Every process started, the killed one included: its output is checked too. */
  const processes: NotificationProcess[] = [];
  const buses: EventBus[] = [];

  beforeAll(async () => {
    mock = await startKafkaMock({ brokers: 1 });
    dir = await tempDir("notification-crash");
    peer = await startGatewayPeer();
  });

  afterAll(async () => {
    await notification?.kill9();
    await Promise.all(buses.map((bus) => bus.close()));
    await peer?.close();
    await mock?.stop();
    await dir?.remove();
  });

  const start = async () => {
    const started = await startNotificationProcess({
      DATA_DIR: dir.file("data"),
      IDENTITY_DIR: dir.file("identity"),
      KAFKA_BROKERS: mock.bootstrapServers.join(","),
      KAFKA_CREATE_TOPICS: "false",
      KAFKA_IDEMPOTENT_PRODUCER: "false",
      KAFKA_MAX_WAIT_MS: "50",
      KAFKA_LEADER_SYNC_DELAY_MS: "300",
      // The killed member's partitions go to the restarted one once its session times out.
      KAFKA_SESSION_TIMEOUT_MS: "3000",
      KAFKA_HEARTBEAT_INTERVAL_MS: "300",
      SMS_GATEWAY_URL: peer.smsUrl,
      SMS_GATEWAY_TOKEN: "sms-gateway-token-0f3b9e2d7c1a",
      SMS_BRAND_NAME: "UBND.MLAT",
      SMS_RECEIPT_SECRET,
      ZNS_API_URL: peer.znsUrl,
      ZNS_ACCESS_TOKEN: "zns-access-token-8d2c6a4e1f9b",
      ZNS_TEMPLATES: JSON.stringify({ resultIssued: RESULT_TEMPLATE }),
      NOTIFICATION_GATEWAY_TIMEOUT_MS: String(GATEWAY_TIMEOUT_MS),
    });
    processes.push(started);
    return started;
  };

  /** Publishes an event as its producing service would, on Kafka. */
  async function publish<N extends EventTypeName>(
    producer: string,
    name: N,
    payload: Partial<PayloadOf<N>> & { dossierId: string },
  ) {
    const bus = new KafkaEventBus({
      brokers: mock.bootstrapServers,
      clientId: `test-${producer}`,
      source: producer,
      createTopics: false,
      idempotentProducer: false,
    });
    buses.push(bus);
    await bus.publish([{ ...lifecycleEvent(name, payload), id: randomUUID() }]);
  }

  async function deliveriesOf(dossierCode: string): Promise<RestDelivery[]> {
    const response = await fetch(`${notification!.httpUrl}/v1/dossiers/${dossierCode}/deliveries`, {
      headers: { [CLIENT_KEY_HEADER]: DEVELOPMENT_CLIENTS.muongLat.key },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) return [];
    return ((await response.json()) as { deliveries: RestDelivery[] }).deliveries;
  }

  const onChannel = (listed: RestDelivery[], channel: events.DeliveryChannel) =>
    listed.filter((d) => d.channel === channel);

  it(
    "after the restart: the SMS again with the same request id (one logical message), the ZNS message not again but its SMS",
    async () => {
      // The first calls are taken and never answered: notification dies waiting for them.
      peer.answer(PHONE, "sms", ["hold", 200]);
      peer.answer(PHONE, "zns", ["hold"]);
      notification = await start();
      const dossierId = randomUUID();
      const dossierCode = "14845-261207-0901";
      const muongLat = DEVELOPMENT_CLIENTS.muongLat;
      await publish("intake", "applicationSubmitted", {
        dossierId,
        dossierCode,
        status: common.DossierStatus.DOSSIER_STATUS_SUBMITTED,
        receivingUnitCode: "14845",
        applicantCommuneCode: "14845",
        channel: common.Channel.CHANNEL_ONLINE,
        submittedAt: new Date().toISOString(),
        applicant: { fullName: "Lò Thị Mai Phương", citizenId: "038195004217", phone: PHONE, email: "", address: "" },
        clientId: muongLat.clientId,
      });
      await publish("routing", "applicationAccepted", {
        dossierId,
        dossierCode,
        status: common.DossierStatus.DOSSIER_STATUS_ACCEPTED,
        acceptedAt: new Date().toISOString(),
      });
      await publish("routing", "resultIssued", {
        dossierId,
        dossierCode,
        status: common.DossierStatus.DOSSIER_STATUS_DECIDED,
        issuedAt: new Date().toISOString(),
        outcome: common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
      });
      await waitFor(() => peer.forPhone(PHONE, "sms").length === 1 && peer.forPhone(PHONE, "zns").length === 1, {
        description: "the SMS and the ZNS message at their gateways",
        timeoutMs: TIMEOUT_MS,
      });
      const before = await deliveriesOf(dossierCode);
      for (const channel of [
        events.DeliveryChannel.DELIVERY_CHANNEL_SMS,
        events.DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS,
      ])
        expect(onChannel(before, channel)).toEqual([
          expect.objectContaining({ stateName: "pending", status: "sending", attempts: 1 }),
        ]);
      const [accepted] = onChannel(before, events.DeliveryChannel.DELIVERY_CHANNEL_SMS);
      const [zns] = onChannel(before, events.DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS);
      await notification.kill9();

      notification = await start();
      let after: RestDelivery[] = [];
      await waitFor(
        async () => {
          after = await deliveriesOf(dossierCode);
          const sms = onChannel(after, events.DeliveryChannel.DELIVERY_CHANNEL_SMS);
          return sms.length === 2 && sms.every((d) => d.stateName === "sent");
        },
        { description: "both SMS taken after the restart", timeoutMs: TIMEOUT_MS, intervalMs: 500 },
      );
      const sent = after.find((d) => d.notificationId === accepted!.notificationId)!;
      const calls = peer.forPhone(PHONE, "sms").filter((call) => call.requestId === sent.notificationId);
      expect(calls).toHaveLength(2);
      expect(sent.history.map((step) => step.status)).toEqual(["created", "sending", "sending", "pending"]);

      const znsAfter = after.find((d) => d.notificationId === zns!.notificationId)!;
      expect(znsAfter).toMatchObject({ stateName: "failed", status: "technical-failure" });
      expect(znsAfter.history.map((step) => step.status)).toEqual(["created", "sending", "technical-failure"]);
      // Zalo was called once, ever; the SMS gateway holds two messages: the acceptance's and the result's fallback.
      expect(peer.forPhone(PHONE, "zns")).toHaveLength(1);
      const fallback = onChannel(after, events.DeliveryChannel.DELIVERY_CHANNEL_SMS).find(
        (d) => d.notificationId !== sent.notificationId,
      )!;
      expect(peer.logicalMessages(PHONE, "sms").sort()).toEqual([sent.notificationId, fallback.notificationId].sort());

      const receipt = await peer.sendReceipt(`${notification.httpUrl}/v1/delivery-receipts/sms`, SMS_RECEIPT_SECRET, {
        requestId: sent.notificationId,
        status: "delivered",
      });
      expect(receipt.status).toBe(200);
      const settled = await deliveriesOf(dossierCode);
      expect(settled.find((d) => d.notificationId === sent.notificationId)?.status).toBe("delivered");
      // Both processes' output: the killed one made the first calls.
      expect(processes).toHaveLength(2);
      for (const each of processes) {
        expect(each.output()).toContain("service started");
        expect(each.output()).not.toContain(PHONE.slice(1));
      }
    },
    4 * TIMEOUT_MS,
  );
});
