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
import {
  AUTHORIZATION_HEADER,
  CLIENT_KEY_HEADER,
  DEVELOPMENT_CLIENTS,
  createLogger,
  newKey,
  openDevelopmentIssuer,
  type DevelopmentIssuer,
  type DevelopmentOfficial,
  type RunningService,
  type ServiceHost,
} from "@lienthong/service-host";
import { tempDir, waitFor, type TempDir } from "@lienthong/testing";
import { Webhook } from "standardwebhooks";
import { createNotificationService } from "../../src";
import type { DeliveryState, DeliveryStatus } from "../../src/store/collections";
import { startSmtpPeer, type SmtpPeer } from "@lienthong/testing";
import { startWebhookPeer, type ReceivedWebhook, type WebhookPeer } from "./webhook-peer";

export const MAIL_FROM = "LiênThông Mường Lát <no-reply@muonglat.lienthong.test>";

/** Mường Lát (Thanh Hoá): receiving unit of the tests' dossiers unless one says otherwise. */
export const MUONG_LAT = "14845";
/** Tam Chung, another commune of Thanh Hoá. */
export const TAM_CHUNG = "14848";
/** Trung Lý, a third one, whose commune system registered no webhook. */
export const TRUNG_LY = "14857";
/** Thanh Hoá province: the operators' unit. */
export const THANH_HOA = "38";
/** Thanh Hoá provincial police: a competent authority for some procedures. */
export const PROVINCIAL_POLICE = "38.CA";
export const MARRIAGE_REGISTRATION = "1.000894";

/**
 * Each commune's webhook secret(s), as registered with its client. Tam Chung is rotating (current,
 * previous) from a text secret to a Standard Webhooks one (`whsec_` + base64 of 32 bytes).
 */
export const WEBHOOK_SECRETS = {
  muongLat: "muong-lat-webhook-secret-2026-7f3a9c1e",
  tamChungCurrent: "whsec_9Rk2pXv7cQm4LzT1sWn8bYh3JdF6gAe0uOi5rEt2yKw=",
  tamChungPrevious: "tam-chung-webhook-secret-2025-0c61e5f2",
} as const;

/** Where each commune system receives its webhooks, on the tests' webhook peer. */
export const WEBHOOK_PATHS = {
  muongLat: "/hooks/muong-lat",
  tamChung: "/hooks/tam-chung",
  /** WEBHOOK_DEFAULT_URL: the development clients' only; registered clients never fall back to it. */
  default: "/hooks/default",
} as const;

/** The registered commune systems (CLIENTS): Mường Lát's and Tam Chung's have a webhook, Trung Lý's has none. */
export const CLIENT_WITH_WEBHOOK = "muong-lat-commune-system";
export const TAM_CHUNG_CLIENT = "tam-chung-commune-system";
export const CLIENT_WITHOUT_WEBHOOK = "trung-ly-commune-system";

export type ClientName = "muongLat" | "tamChung" | "trungLy" | "provincialPolice" | "operationsConsole";

/** What a caller presents: a client's API key, an official's bearer token, or both. */
export interface Credentials {
  apiKey?: string;
  token?: string;
}

/** An answer of GET …/dossiers/{ref}/deliveries as the caller saw it. */
export interface RestReply {
  status: number;
  contentType: string;
  text: string;
  body: unknown;
}

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
  /** The commune system that handed it in, and where. */
  clientId: string;
  receivingUnitCode: string;
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
  stateName: DeliveryState;
  status: RestStatus;
  history: { status: RestStatus; at: string; reason: string }[];
  attempts: number;
  /** The template an applicant's message was rendered from. */
  template?: { name: string; language: string; version: number; source: string };
  createdAt: string;
  deliveredAt?: string;
  lastError: string;
}

/** Notify's statuses as REST names them. */
export type RestStatus = DeliveryStatus;

/** A status's number in the contract, found by its name there (DELIVERY_STATUS_PERMANENT_FAILURE…). */
export function statusNumber(status: RestStatus): notification.DeliveryStatus {
  const name = `DELIVERY_STATUS_${status.replace("-", "_").toUpperCase()}` as keyof typeof notification.DeliveryStatus;
  return notification.DeliveryStatus[name];
}

type OutcomeName = "notificationDelivered" | "notificationFailed";

export interface NotificationHarness {
  runtime: ServiceHost;
  running: RunningService;
  /** API keys of the registered commune systems (with `development`: the public keys of those that are development clients). */
  keys: Partial<Record<ClientName, string>> & { muongLat: string };
  /** The development identity provider the service trusts (IDENTITY_DIR): signs officials' tokens. */
  issuer: DevelopmentIssuer;
  identityDir: string;
  /** A token for a sample official. */
  token(official: DevelopmentOfficial): Promise<string>;
  mail: SmtpPeer;
  webhooks: WebhookPeer;
  /** Every line the service logged (level debug and up), as written. */
  logLines: string[];
  /** Every event notification published, as an independent consumer group sees it. */
  outcomes: DeliveredEvent[];
  /** Every dossier submitted so far. */
  dossiers: Dossier[];
  /**
   * Publishes ApplicationSubmitted as intake would and waits until notification handled it (the contact is known).
   * By default Mường Lát's commune system hands it in; the receiving unit defaults to the client's own.
   */
  submit(options?: {
    clientId?: string;
    receivingUnitCode?: string;
    applicant?: Partial<Applicant>;
    /** The channels and language the applicant agreed to (absent: the submission did not ask). */
    preferences?: common.NotificationPreferences;
    dossierId?: string;
    /** The code routing's events already carried (a dossier whose submission arrives late). */
    dossierCode?: string;
  }): Promise<Dossier>;
  /** A dossier code for a dossier not submitted yet (its events may be published before the submission). */
  nextDossierCode(receivingUnitCode?: string): string;
  /** Any REST call with exactly these credentials, whatever the answer. */
  call(method: "GET" | "POST", path: string, as: Credentials): Promise<RestReply>;
  /** The current value of a metric on the operations listener's /metrics (0 when it has no sample). */
  metric(name: string): Promise<number>;
  /**
   * Stops the service (closing its store) and starts it again on the same data
   * directory, broker and clients: what a crash and restart leave is what it finds.
   */
  restart(): Promise<void>;
  /**
   * Publishes one lifecycle event on its producer's topic, as that service would; returns its ce_id.
   * Passing `id` republishes an event already sent (an at-least-once redelivery).
   */
  publish<N extends EventTypeName>(
    name: N,
    payload: Partial<PayloadOf<N>> & { dossierId: string },
    id?: string,
  ): Promise<string>;
  /** Publishes routing's ApplicationAccepted for a dossier (status 3, an appointment five days on); resolves with its id. */
  accept(dossier: Pick<Dossier, "dossierId" | "dossierCode">): Promise<string>;
  /**
   * Waits until notification has handled an event (its consumer's inbox marker is stored, committed
   * with whatever the event planned): after this, an event that should cause nothing provably did not.
   */
  handled(eventId: string): Promise<void>;
  /**
   * REST: the deliveries of a dossier, by default as the commune system that handed it in
   * (GET /v1/dossiers/{ref}/deliveries); a token alone asks the operators' route
   * (GET /ops/dossiers/{ref}/deliveries). Fails unless 200.
   */
  deliveries(dossierRef: string, as?: Credentials): Promise<RestDelivery[]>;
  /** REST: one of the two routes with exactly these credentials, whatever the answer. */
  listOverRest(dossierRef: string, as: Credentials, route?: "tenants" | "operators"): Promise<RestReply>;
  /** gRPC: NotificationService.ListDeliveries, by default as the commune system that handed the dossier in; rejects with the ServiceError. */
  grpcDeliveries(dossierRef: string, as?: Credentials): Promise<notification.Delivery[]>;
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

export interface HarnessOptions {
  /** No CLIENTS: the built-in development clients, whose webhooks go to WEBHOOK_DEFAULT_URL (embedded mode). */
  development?: boolean;
  /** The service's clock (the system clock by default). */
  clock?: () => Date;
  /** Registers these communes' webhooks instead of their paths on the harness's peer (e.g. a receiver of their own). */
  communeWebhooks?: Partial<Record<"muongLat" | "tamChung", { url: string; secrets: string[] }>>;
}

interface ClientsOfTest {
  keys: NotificationHarness["keys"];
  /** Client id → its API key and units. */
  byId: Map<string, { key: string; unitCodes: readonly string[] }>;
  /** CLIENTS, or undefined for the development clients. */
  clients: string | undefined;
}

/** The built-in development clients and their public keys (no CLIENTS). */
function developmentClients(): ClientsOfTest {
  const { muongLat, tamChung, thanhHoaPolice } = DEVELOPMENT_CLIENTS;
  return {
    keys: { muongLat: muongLat.key, tamChung: tamChung.key, provincialPolice: thanhHoaPolice.key },
    byId: new Map(
      [muongLat, tamChung, thanhHoaPolice].map((c) => [c.clientId, { key: c.key, unitCodes: c.unitCodes }]),
    ),
    clients: undefined,
  };
}

/** Registered clients with fresh API keys, as an operator's CLIENTS_FILE would hold them (hashes only). */
function registeredClients(
  webhooks: WebhookPeer,
  communeWebhooks: HarnessOptions["communeWebhooks"] = {},
): ClientsOfTest {
  const registrations: Record<ClientName, { clientId: string; unitCodes: string[]; webhook?: object }> = {
    muongLat: {
      clientId: CLIENT_WITH_WEBHOOK,
      unitCodes: [MUONG_LAT],
      webhook: communeWebhooks.muongLat ?? {
        url: webhooks.url(WEBHOOK_PATHS.muongLat),
        secrets: [WEBHOOK_SECRETS.muongLat],
      },
    },
    tamChung: {
      clientId: TAM_CHUNG_CLIENT,
      unitCodes: [TAM_CHUNG],
      webhook: communeWebhooks.tamChung ?? {
        url: webhooks.url(WEBHOOK_PATHS.tamChung),
        secrets: [WEBHOOK_SECRETS.tamChungCurrent, WEBHOOK_SECRETS.tamChungPrevious],
      },
    },
    trungLy: { clientId: CLIENT_WITHOUT_WEBHOOK, unitCodes: [TRUNG_LY] },
    provincialPolice: { clientId: "thanh-hoa-provincial-police", unitCodes: [PROVINCIAL_POLICE] },
    /** The province's operations console: operators' gRPC calls go through it, with their tokens. */
    operationsConsole: { clientId: "thanh-hoa-operations-console", unitCodes: [THANH_HOA] },
  };
  const keys = {} as Record<ClientName, string>;
  const byId: ClientsOfTest["byId"] = new Map();
  const clients = Object.entries(registrations).map(([name, registration]) => {
    const { key, stored } = newKey();
    keys[name as ClientName] = key;
    byId.set(registration.clientId, { key, unitCodes: registration.unitCodes });
    return { ...registration, keys: [stored] };
  });
  return { keys, byId, clients: JSON.stringify({ clients }) };
}

/**
 * notification through its composition root on an in-process broker, with
 * real peers: an SMTP server receiving the applicants' mail (SMTP_URL) and an
 * HTTP server receiving the commune systems' signed webhooks, each at its own
 * URL. Callers are proven as in production: registered clients (CLIENTS, API
 * keys hashed) and officials' tokens from an identity provider (the
 * development issuer in IDENTITY_DIR). `partitions: 1` keeps each topic in
 * one order, so an event seen handled proves every earlier event of its topic
 * was handled first.
 */
export async function startNotification(
  env: Record<string, string> = {},
  options: HarnessOptions = {},
): Promise<NotificationHarness> {
  const dataDir: TempDir = await tempDir("notification-test");
  const identityDir: TempDir = await tempDir("notification-identity");
  const issuer = await openDevelopmentIssuer(identityDir.path);
  const mail = await startSmtpPeer();
  const webhooks = await startWebhookPeer();
  const broker = new InProcessBroker({ partitions: 1 });
  const logLines: string[] = [];
  const { keys, byId, clients } = options.development
    ? developmentClients()
    : registeredClients(webhooks, options.communeWebhooks);
  const open = () =>
    createNotificationService({
      env: {
        DATA_DIR: dataDir.path,
        IDENTITY_DIR: identityDir.path,
        HTTP_HOST: "127.0.0.1",
        BUS: "in-process",
        SMTP_URL: mail.url,
        MAIL_FROM,
        ...(clients !== undefined && { CLIENTS: clients }),
        WEBHOOK_DEFAULT_URL: webhooks.url(WEBHOOK_PATHS.default),
        ...env,
      },
      broker,
      clock: options.clock,
      // Any free ports, the operations listener's (metrics, probes) included, so test files can run side by side.
      ports: { http: 0, grpc: 0, ops: 0 },
      logger: createLogger({
        service: "notification",
        level: "debug",
        destination: { write: (line: string) => void logLines.push(line) },
      }),
    });
  let runtime = await open();
  let running = await runtime.start();

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
  const grpcClientOf = (port: number) =>
    new notification.NotificationServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  let grpcClient = grpcClientOf(running.grpcPort);

  const publish: NotificationHarness["publish"] = async (name, payload, id = randomUUID()) => {
    await producer(EventTypes[name].producer).publish([{ ...lifecycleEvent(name, payload), id }]);
    return id;
  };

  const accept: NotificationHarness["accept"] = (dossier) =>
    publish("applicationAccepted", {
      dossierId: dossier.dossierId,
      dossierCode: dossier.dossierCode,
      status: common.DossierStatus.DOSSIER_STATUS_ACCEPTED,
      acceptedAt: new Date().toISOString(),
      appointmentAt: new Date(Date.now() + 5 * 86_400_000).toISOString(),
    });

  const handled = (eventId: string): Promise<void> =>
    waitFor(async () => (await runtime.store.get(inbox, inboxId("notification", eventId))) !== undefined, {
      description: `notification to handle event ${eventId}`,
      timeoutMs: EFFECT_TIMEOUT_MS,
    });

  const personalData = new Set<string>();
  const dossiers: Dossier[] = [];
  /** The commune system that handed a dossier in (Mường Lát's for one the harness did not submit). */
  const tenantOf = (dossierRef: string): Credentials => {
    const dossier = dossiers.find((d) => d.dossierCode === dossierRef || d.dossierId === dossierRef);
    return { apiKey: (dossier && byId.get(dossier.clientId)?.key) ?? keys.muongLat };
  };

  const call: NotificationHarness["call"] = async (method, path, as) => {
    const response = await fetch(`${running.httpUrl}${path}`, {
      method,
      headers: {
        ...(as.apiKey !== undefined && { [CLIENT_KEY_HEADER]: as.apiKey }),
        ...(as.token !== undefined && { [AUTHORIZATION_HEADER]: `Bearer ${as.token}` }),
      },
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    const contentType = response.headers.get("content-type") ?? "";
    return { status: response.status, contentType, text, body: contentType.includes("json") ? JSON.parse(text) : text };
  };

  const listOverRest: NotificationHarness["listOverRest"] = (dossierRef, as, route = "tenants") =>
    call("GET", `${route === "tenants" ? "/v1" : "/ops"}/dossiers/${encodeURIComponent(dossierRef)}/deliveries`, as);

  const dossierCodeFor = (receivingUnitCode: string) => {
    sequence += 1;
    return `${receivingUnitCode}-261207-${String(sequence).padStart(4, "0")}`;
  };

  const deliveries = async (dossierRef: string, as: Credentials = tenantOf(dossierRef)): Promise<RestDelivery[]> => {
    const reply = await listOverRest(dossierRef, as, as.apiKey === undefined ? "operators" : "tenants");
    if (reply.status !== 200) throw new Error(`GET deliveries of ${dossierRef}: HTTP ${reply.status} ${reply.text}`);
    return (reply.body as { deliveries: RestDelivery[] }).deliveries;
  };

  return {
    get runtime() {
      return runtime;
    },
    get running() {
      return running;
    },
    keys,
    issuer,
    identityDir: identityDir.path,
    token: (official) => issuer.sign(official),
    mail,
    webhooks,
    logLines,
    outcomes,
    dossiers,
    nextDossierCode: (receivingUnitCode = MUONG_LAT) => dossierCodeFor(receivingUnitCode),
    call,
    async metric(name) {
      const text = await (await fetch(`${running.opsUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
      const sample = text.split("\n").find((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
      return sample ? Number(sample.slice(sample.lastIndexOf(" ") + 1)) : 0;
    },
    async restart() {
      grpcClient.close();
      await runtime.stop();
      runtime = await open();
      running = await runtime.start();
      grpcClient = grpcClientOf(running.grpcPort);
    },
    async submit(options = {}) {
      const dossierId = options.dossierId ?? randomUUID();
      const clientId = options.clientId ?? CLIENT_WITH_WEBHOOK;
      const receivingUnitCode = options.receivingUnitCode ?? byId.get(clientId)?.unitCodes[0] ?? MUONG_LAT;
      const dossierCode = options.dossierCode ?? dossierCodeFor(receivingUnitCode);
      const person: Applicant = { ...applicant, ...options.applicant };
      for (const value of Object.values(person)) if (value) personalData.add(value);
      const submittedEventId = await publish("applicationSubmitted", {
        dossierId,
        dossierCode,
        status: common.DossierStatus.DOSSIER_STATUS_SUBMITTED,
        procedureCode: MARRIAGE_REGISTRATION,
        receivingUnitCode,
        applicantCommuneCode: receivingUnitCode,
        channel: common.Channel.CHANNEL_ONLINE,
        submittedAt: new Date().toISOString(),
        applicant: { ...person, notificationPreferences: options.preferences },
        clientId,
      });
      const dossier: Dossier = {
        dossierId,
        dossierCode,
        clientId,
        receivingUnitCode,
        applicant: person,
        submittedEventId,
      };
      dossiers.push(dossier);
      // The in-order case: routing's events follow once notification knows whom to tell.
      await handled(submittedEventId);
      return dossier;
    },
    publish,
    accept,
    handled,
    deliveries,
    listOverRest,
    grpcDeliveries: (dossierRef, as = tenantOf(dossierRef)) =>
      new Promise((resolve, reject) => {
        grpcClient.listDeliveries(
          { dossierRef },
          metadataOf(as),
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
      await Promise.all([dataDir.remove(), identityDir.remove()]);
    },
  };
}

/** gRPC metadata carrying credentials the way REST headers do. */
export function metadataOf(as: Credentials): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (as.apiKey !== undefined) metadata.set(CLIENT_KEY_HEADER, as.apiKey);
  if (as.token !== undefined) metadata.set(AUTHORIZATION_HEADER, `Bearer ${as.token}`);
  return metadata;
}

/**
 * Verifies a received webhook as a commune system would, with the Standard
 * Webhooks library and the secret it was given (by default Mường Lát's): a
 * `whsec_` secret as it is, a text secret as `whsec_` + base64 of its bytes;
 * returns the verified body.
 */
export function verifiedBody(
  webhook: ReceivedWebhook,
  secret: string = WEBHOOK_SECRETS.muongLat,
): Record<string, unknown> {
  const receiver = new Webhook(
    secret.startsWith("whsec_") ? secret : `whsec_${Buffer.from(secret, "utf8").toString("base64")}`,
  );
  return receiver.verify(webhook.body, webhook.headers) as Record<string, unknown>;
}
