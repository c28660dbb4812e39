import { randomUUID } from "node:crypto";
import { common, events, lifecycleEvent, type EventTypeName, type PayloadOf } from "@lienthong/contracts";
import { KafkaEventBus, type EventBus } from "@lienthong/messaging";
import { CLIENT_KEY_HEADER, DEVELOPMENT_CLIENTS } from "@lienthong/service-host";
import {
  describeWithKafka,
  startKafkaMock,
  startSmtpPeer,
  tempDir,
  waitFor,
  type KafkaMock,
  type SmtpPeer,
  type TempDir,
} from "@lienthong/testing";
import type { RestDelivery } from "./support/notification-harness";
import { startNotificationProcess, type NotificationProcess } from "./support/notification-process";

const EMAIL = "crash.applicant@example.vn";
const TIMEOUT_MS = 150_000;

/**
 * kill -9 between the SMTP server taking a mail and notification recording
 * the outcome: the server received the message but its reply never came
 * (the test server holds it). After the restart the mail goes again under the
 * same Message-ID, so the copy is recognisable as such: SMTP has no
 * idempotency key, and the Message-ID is all a receiving mailbox can go by.
 */
describeWithKafka("notification killed (-9) while the SMTP server has the mail", () => {
  let mock: KafkaMock;
  let dir: TempDir;
  let smtp: SmtpPeer;
  let notification: NotificationProcess | undefined;
  const processes: NotificationProcess[] = [];
  const buses: EventBus[] = [];

  beforeAll(async () => {
    mock = await startKafkaMock({ brokers: 1 });
    dir = await tempDir("notification-mail-crash");
    smtp = await startSmtpPeer();
  });

  afterAll(async () => {
    await notification?.kill9();
    await Promise.all(buses.map((bus) => bus.close()));
    await smtp?.close();
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
      KAFKA_SESSION_TIMEOUT_MS: "3000",
      KAFKA_HEARTBEAT_INTERVAL_MS: "300",
      SMTP_URL: smtp.url,
    });
    processes.push(started);
    return started;
  };

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

  async function mailsOf(dossierCode: string): Promise<RestDelivery[]> {
    const response = await fetch(`${notification!.httpUrl}/v1/dossiers/${dossierCode}/deliveries`, {
      headers: { [CLIENT_KEY_HEADER]: DEVELOPMENT_CLIENTS.muongLat.key },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) return [];
    const { deliveries } = (await response.json()) as { deliveries: RestDelivery[] };
    return deliveries.filter((delivery) => delivery.channel === events.DeliveryChannel.DELIVERY_CHANNEL_EMAIL);
  }

  it(
    "after the restart the mail goes again under the same Message-ID, and is delivered once",
    async () => {
      smtp.holdNext(EMAIL);
      notification = await start();
      const dossierId = randomUUID();
      const dossierCode = "14845-261207-0902";
      await publish("intake", "applicationSubmitted", {
        dossierId,
        dossierCode,
        status: common.DossierStatus.DOSSIER_STATUS_SUBMITTED,
        receivingUnitCode: "14845",
        applicantCommuneCode: "14845",
        channel: common.Channel.CHANNEL_ONLINE,
        submittedAt: new Date().toISOString(),
        applicant: { fullName: "Lò Thị Mai Phương", citizenId: "038195004217", phone: "", email: EMAIL, address: "" },
        clientId: DEVELOPMENT_CLIENTS.muongLat.clientId,
      });
      await publish("routing", "applicationAccepted", {
        dossierId,
        dossierCode,
        status: common.DossierStatus.DOSSIER_STATUS_ACCEPTED,
        acceptedAt: new Date().toISOString(),
      });
      await waitFor(() => smtp.to(EMAIL).length === 1, {
        description: "the acceptance mail at the SMTP server, unanswered",
        timeoutMs: TIMEOUT_MS,
      });
      const [held] = await mailsOf(dossierCode);
      expect(held).toMatchObject({ stateName: "pending" });
      await notification.kill9();

      notification = await start();
      let after: RestDelivery[] = [];
      await waitFor(
        async () => {
          after = await mailsOf(dossierCode);
          return after.length === 1 && after[0]!.stateName === "delivered";
        },
        { description: "the mail delivered after the restart", timeoutMs: TIMEOUT_MS, intervalMs: 500 },
      );
      const copies = smtp.to(EMAIL);
      expect(copies).toHaveLength(2);
      const messageIds = copies.map((mail) => mail.headers.get("message-id"));
      expect(messageIds).toEqual([`<${held!.notificationId}@lienthong>`, `<${held!.notificationId}@lienthong>`]);
      expect(copies[1]!.subject).toBe(copies[0]!.subject);
      for (const each of processes) expect(each.output()).not.toContain(EMAIL);
    },
    4 * TIMEOUT_MS,
  );
});
