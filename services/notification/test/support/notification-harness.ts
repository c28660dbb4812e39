import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import {
  EventTypes,
  Topics,
  common,
  decodeEvent,
  events,
  lifecycleEvent,
  notification,
  type EventTypeName,
  type PayloadOf,
} from "@lienthong/contracts";
import {
  InProcessBroker,
  inbox,
  inboxId,
  type DeliveredEvent,
  type EventBus,
  type Subscription,
} from "@lienthong/messaging";
import { createLogger, type RunningService, type ServiceHost } from "@lienthong/service-host";
import { tempDir, waitFor, type TempDir } from "@lienthong/testing";
import { Webhook } from "standardwebhooks";
import { createNotificationService } from "../../src";
import { startSmtpPeer, type SmtpPeer } from "./smtp-peer";
import { startWebhookPeer, type ReceivedWebhook, type WebhookPeer } from "./webhook-peer";

/** The shared secret the commune systems were given (WEBHOOK_SIGNING_SECRET). */
export const SIGNING_SECRET = "muong-lat-shared-webhook-secret-2026";
export const MAIL_FROM = "LiênThông Mường Lát <no-reply@muonglat.lienthong.test>";

/** Mường Lát (Thanh Hoá): receiving unit of the tests' dossiers. */
export const MUONG_LAT = "14845";
export const MARRIAGE_REGISTRATION = "1.000894";

/** Commune systems: Mường Lát's registered a webhook endpoint, Tam Chung's did not. */
export const CLIENT_WITH_WEBHOOK = "muong-lat-commune-system";
export const CLIENT_WITHOUT_WEBHOOK = "tam-chung-commune-system";

export interface Applicant {
  fullName: string;
  citizenId: string;
  phone: string;
  email: string;
  address: string;
}

/** Personal data of a citizen (DOMAIN.md §7): it may reach the applicant's own mailbox and nowhere else. */
export const applicant: Applicant = {
  fullName: "Lò Thị Mai Phương",
  citizenId: "038195004217",
  phone: "0912345678",
  email: "mai.phuong@example.vn",
  address: "Bản Pọng, xã Mường Lát, tỉnh Thanh Hoá",
};

export interface Dossier {
  dossierId: string;
  dossierCode: string;
  applicant: Applicant;
  /** ce_id of its ApplicationSubmitted event. */
  submittedEventId: string;
}

/** A delivery as GET /v1/dossiers/{ref}/deliveries lists it. */
export interface RestDelivery {
  notificationId: string;
  dossierId: string;
  dossierCode: string;
  channel: events.DeliveryChannel;
  recipientKind: events.RecipientKind;
  triggerType: string;
  state: notification.DeliveryState;
  stateName: "pending" | "delivered" | "failed";
  attempts: number;
  createdAt: string;
  deliveredAt?: string;
  lastError: string;
}

type OutcomeName = "notificationDelivered" | "notificationFailed";

export interface NotificationHarness {
  runtime: ServiceHost;
  running: RunningService;
  mail: SmtpPeer;
  webhooks: WebhookPeer;
  /** Every line the service logged (level debug and up), as written. */
  logLines: string[];
  /** Every event notification published, as an independent consumer group sees it. */
  outcomes: DeliveredEvent[];
  /** Every dossier submitted so far. */
  dossiers: Dossier[];
  /** Publishes ApplicationSubmitted as intake would and waits until notification handled it (the contact is known). */
  submit(options?: { clientId?: string; applicant?: Partial<Applicant>; dossierId?: string }): Promise<Dossier>;
  /**
   * Publishes one lifecycle event on its producer's topic, as that service would; returns its ce_id.
   * Passing `id` republishes an event already sent (an at-least-once redelivery).
   */
  publish<N extends EventTypeName>(
    name: N,
    payload: Partial<PayloadOf<N>> & { dossierId: string },
    id?: string,
  ): Promise<string>;
  /**
   * Waits until notification has handled an event (its consumer's inbox marker is stored, committed
   * with whatever the event planned): after this, an event that should cause nothing provably did not.
   */
  handled(eventId: string): Promise<void>;
  /** REST: GET /v1/dossiers/{ref}/deliveries. */
  deliveries(dossierRef: string): Promise<RestDelivery[]>;
  /** gRPC: NotificationService.ListDeliveries. */
  grpcDeliveries(dossierRef: string): Promise<notification.Delivery[]>;
  /** Waits until the REST listing of a dossier satisfies `predicate`, and returns it. */
  waitForDeliveries(
    dossierRef: string,
    predicate: (deliveries: RestDelivery[]) => boolean,
    description: string,
  ): Promise<RestDelivery[]>;
  /** notification's outcome events about one dossier, decoded. */
  outcomesOf<N extends OutcomeName>(dossierId: string, name: N): PayloadOf<N>[];
  /** Which of the personal data submitted so far `text` contains. */
  personalDataIn(text: string): string[];
  stop(): Promise<void>;
}

/** Timeouts sized for a busy 2-core machine: effects normally take milliseconds, retries a few seconds. */
export const EFFECT_TIMEOUT_MS = 30_000;

let sequence = 0;

/**
 * notification through its composition root on an in-process broker, with
 * real peers: an SMTP server receiving the applicants' mail (SMTP_URL) and an
 * HTTP server receiving the commune system's signed webhooks. `partitions: 1`
 * keeps each topic in one order, so an event seen handled proves every earlier
 * event of its topic was handled first.
 */
export async function startNotification(env: Record<string, string> = {}): Promise<NotificationHarness> {
  const dataDir: TempDir = await tempDir("notification-test");
  const mail = await startSmtpPeer();
  const webhooks = await startWebhookPeer();
  const broker = new InProcessBroker({ partitions: 1 });
  const logLines: string[] = [];
  const runtime = await createNotificationService({
    env: {
      DATA_DIR: dataDir.path,
      HTTP_HOST: "127.0.0.1",
      BUS: "in-process",
      SMTP_URL: mail.url,
      MAIL_FROM,
      WEBHOOK_SIGNING_SECRET: SIGNING_SECRET,
      WEBHOOK_ENDPOINTS: JSON.stringify({ [CLIENT_WITH_WEBHOOK]: webhooks.url("/hooks/lienthong") }),
      // Any free port for the operations listener (metrics, probes), so test files can run side by side.

      ...env,
    },
    broker,
    ports: { http: 0, grpc: 0 },
    logger: createLogger({
      service: "notification",
      level: "debug",
      destination: { write: (line: string) => void logLines.push(line) },
    }),
  });
  const running = await runtime.start();

  const outcomes: DeliveredEvent[] = [];
  const observer: Subscription = await broker.bus("test-observer").subscribe({
    groupId: "test-observer",
    topics: [Topics.notification],
    handler: (event) => {
      outcomes.push(event);
      return Promise.resolve();
    },
  });
  const producers = new Map<string, EventBus>();
  const producer = (name: string): EventBus => {
    let bus = producers.get(name);
    if (!bus) producers.set(name, (bus = broker.bus(name)));
    return bus;
  };
  const grpcClient = new notification.NotificationServiceClient(
    `127.0.0.1:${running.grpcPort}`,
    grpc.credentials.createInsecure(),
  );
  const personalData = new Set<string>();
  const dossiers: Dossier[] = [];

  const publish: NotificationHarness["publish"] = async (name, payload, id = randomUUID()) => {
    await producer(EventTypes[name].producer).publish([{ ...lifecycleEvent(name, payload), id }]);
    return id;
  };

  const handled = (eventId: string): Promise<void> =>
    waitFor(async () => (await runtime.store.get(inbox, inboxId("notification", eventId))) !== undefined, {
      description: `notification to handle event ${eventId}`,
      timeoutMs: EFFECT_TIMEOUT_MS,
    });

  const deliveries = async (dossierRef: string): Promise<RestDelivery[]> => {
    const response = await fetch(`${running.httpUrl}/v1/dossiers/${encodeURIComponent(dossierRef)}/deliveries`, {
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 200) throw new Error(`GET deliveries of ${dossierRef}: HTTP ${response.status}`);
    return ((await response.json()) as { deliveries: RestDelivery[] }).deliveries;
  };

  return {
    runtime,
    running,
    mail,
    webhooks,
    logLines,
    outcomes,
    dossiers,
    async submit(options = {}) {
      sequence += 1;
      const dossierId = options.dossierId ?? randomUUID();
      const dossierCode = `${MUONG_LAT}-261207-${String(sequence).padStart(4, "0")}`;
      const person: Applicant = { ...applicant, ...options.applicant };
      for (const value of Object.values(person)) if (value) personalData.add(value);
      const submittedEventId = await publish("applicationSubmitted", {
        dossierId,
        dossierCode,
        status: common.DossierStatus.DOSSIER_STATUS_SUBMITTED,
        procedureCode: MARRIAGE_REGISTRATION,
        receivingUnitCode: MUONG_LAT,
        applicantCommuneCode: MUONG_LAT,
        channel: common.Channel.CHANNEL_ONLINE,
        submittedAt: new Date().toISOString(),
        applicant: person,
        clientId: options.clientId ?? CLIENT_WITH_WEBHOOK,
      });
      const dossier: Dossier = { dossierId, dossierCode, applicant: person, submittedEventId };
      dossiers.push(dossier);
      // The in-order case: routing's events follow once notification knows whom to tell.
      await handled(submittedEventId);
      return dossier;
    },
    publish,
    handled,
    deliveries,
    grpcDeliveries: (dossierRef) =>
      new Promise((resolve, reject) => {
        grpcClient.listDeliveries(
          { dossierRef },
          new grpc.Metadata(),
          { deadline: new Date(Date.now() + 10_000) },
          (error, response) => (error ? reject(error) : resolve(response.deliveries)),
        );
      }),
    async waitForDeliveries(dossierRef, predicate, description) {
      let listed: RestDelivery[] = [];
      await waitFor(
        async () => {
          listed = await deliveries(dossierRef);
          return predicate(listed);
        },
        { description, timeoutMs: EFFECT_TIMEOUT_MS, intervalMs: 50 },
      );
      return listed;
    },
    outcomesOf<N extends OutcomeName>(dossierId: string, name: N): PayloadOf<N>[] {
      return outcomes
        .filter((event) => event.key === dossierId)
        .map((event) => decodeEvent(event.type, event.data))
        .flatMap((decoded) => (decoded.name === name ? [decoded.payload as PayloadOf<N>] : []));
    },
    personalDataIn: (text) => [...personalData].filter((value) => text.includes(value)),
    async stop() {
      grpcClient.close();
      await observer.close();
      await runtime.stop();
      await broker.close();
      await Promise.all([mail.close(), webhooks.close()]);
      await dataDir.remove();
    },
  };
}

/**
 * Verifies a received webhook as a commune system would, with the Standard
 * Webhooks library and the secret it was given (the library's whsec_ form:
 * base64 of the secret's bytes); returns the verified body.
 */
export function verifiedBody(webhook: ReceivedWebhook, secret: string = SIGNING_SECRET): Record<string, unknown> {
  const receiver = new Webhook(`whsec_${Buffer.from(secret, "utf8").toString("base64")}`);
  return receiver.verify(webhook.body, webhook.headers) as Record<string, unknown>;
}
