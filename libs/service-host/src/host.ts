import { mkdirSync } from "node:fs";
import * as path from "node:path";
import {
  EventTypes,
  decodeEvent,
  eventNameOf,
  protoRoot,
  type DecodedEvent,
  type EventTypeName,
} from "@lienthong/contracts";
import type { ReferenceData } from "@lienthong/domain";
import {
  InProcessBroker,
  KafkaEventBus,
  OutboxRelay,
  messagingCollections,
  DeadLetterLedger,
  outbox,
  replayTopicFor,
  startConsumer,
  type BusProvider,
  type DeliveredEvent,
  type EventBus,
} from "@lienthong/messaging";
import { PlatformError, loggableError } from "@lienthong/errors";
import { type commonServiceEnv } from "./config";
import { kafkaSecurityOf } from "./kafka-connection";
import { createGrpcServer, startGrpcServer, type GrpcServiceRegistration } from "./grpc";
import { createHttpApp, startHttpServer, type HttpApp, type RegisteredRoute } from "./http";
import { createLifecycle, type Lifecycle } from "./lifecycle";
import { createLogger, type Logger } from "./logger";
import { createMetrics, type ServiceMetrics } from "./metrics";
import { commitObserver, consumerObserver, registerHostGauges } from "./metrics-host";
import { apiDocumentInfo } from "./openapi-routes";
import { auditPageResponseSchema, spansQuerySchema, spansResponseSchema } from "./openapi-host";
import { createReadiness, type Readiness } from "./readiness";
import { openIdentities, type Identities, type PresentedCredentials } from "./auth/identities";
import { grpcServerTransport } from "./auth/grpc-tls";
import { AuditLog, auditCollections, type AuditEvent } from "./audit/audit-log";
import { ClientRateLimiter, rateCounts } from "./auth/client-rate-limit";
import { pollingTask } from "./polling-task";
import { parseInput } from "./validation";
import { deadLetterRoutes, dossierProvinceOf, type DossierProvinceLookup } from "./dead-letter-routes";
import { healthRoutes } from "./health-routes";
import { getSpanStore } from "./telemetry";
import { referenceDataFrom } from "./reference-data-env";
import {
  EMBEDDED_STORE_WARNING,
  openDocumentStore,
  type AnyCollection,
  type DocumentStore,
  type WriteOp,
} from "@lienthong/storage";
import { z } from "zod";
import { NotifyingStore } from "./notifying-store";

export type { ServiceName } from "@lienthong/contracts";
import type { ServiceName } from "@lienthong/contracts";

/** The common environment every service parses (serviceEnv adds per-service variables on top). */
export type RuntimeEnv = Omit<z.output<typeof commonServiceEnv>, "BUS"> & { BUS: "in-process" | "kafka" };

/** What a service is: its name, its parsed environment, its collections. */
/** How often a replica adds its clients' request counts to the shared totals. */
const RATE_SYNC_INTERVAL_MS = 250;
/** How often buffered access decisions are committed and new entries sealed into the chain. */
const AUDIT_SEAL_INTERVAL_MS = 200;

const auditPageSchema = z.object({
  afterSeq: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export interface ServiceDefinition {
  service: ServiceName;
  env: RuntimeEnv;
  collections: AnyCollection[];
  /** The largest request body (REST JSON) or message (gRPC) accepted, in bytes; default 1 MiB / grpc-js's 4 MiB. */
  maxRequestBytes?: number;
}

/** A delivered event with its payload decoded into the catalogued message: switch on `name`. */
export type ConsumedEvent = DeliveredEvent & DecodedEvent;

/** Does the work of one event and returns the writes to commit (with its inbox marker, unless the handler keeps idempotency). */
export type ConsumedEventHandler = (event: ConsumedEvent) => Promise<WriteOp[] | void>;

interface ConsumerRegistration {
  topics: string[];
  handle: ConsumedEventHandler;
  /** The catalogued events the handler acts on; absent: every event of the topics. */
  handles?: ReadonlySet<EventTypeName>;
  idempotency: ConsumeOptions["idempotency"];
}

export interface ConsumeOptions {
  /**
   * The only events the handler acts on. Any other catalogued event of the topics is acknowledged unhandled
   * (no inbox marker, commit or span); one the catalog does not know still reaches the decoder, which
   * dead-letters it.
   */
  handles?: readonly EventTypeName[];
  /** Who makes a repeated delivery harmless: the runner's inbox marker (default) or the handler (see startConsumer). */
  idempotency?: "inbox" | "handler";
}

/** Something with a stop step that must run before the store closes (a dispatcher, a timer loop). */
export interface BackgroundTask {
  name: string;
  start(): void;
  stop(): Promise<void>;
}

export interface RunningService {
  name: ServiceName;
  httpUrl: string;
  grpcPort: number;
  /** Metrics and probes for scrapers and orchestrators. */
  opsUrl: string;
}

/**
 * Everything a service is made of besides its own use cases, composed in one
 * place from configuration (ARCHITECTURE.md §3): the store and bus adapters,
 * the outbox relay, the consumer runner, HTTP and gRPC servers, telemetry
 * endpoints, readiness and an orderly stop.
 */
interface HostParts {
  name: ServiceName;
  env: RuntimeEnv;
  logger: Logger;
  store: NotifyingStore;
  bus: EventBus;
  relay: OutboxRelay;
  reference: ReferenceData;
  identities: Identities;
  ports: { http: number; grpc: number; ops: number };
  maxRequestBytes: number | undefined;
  collections: readonly AnyCollection[];
  clock: () => Date;
}

export class ServiceHost {
  readonly http: HttpApp;
  readonly name: ServiceName;
  readonly env: RuntimeEnv;
  readonly logger: Logger;
  readonly store: NotifyingStore;
  readonly bus: EventBus;
  readonly relay: OutboxRelay;
  /** Units, catalog and calendar, from the operator's files or the built-in samples. */
  readonly reference: ReferenceData;
  /** Who may call: registered clients and the identity provider's officials. */
  readonly identities: Identities;
  /** The service's hash-chained audit log: access decisions and officials' actions. */
  readonly audit: AuditLog;
  /** The collections of the service's own records (its definition's; not the outbox, inbox, audit log or rate counts). */
  readonly collections: readonly AnyCollection[];
  readonly readiness: Readiness = createReadiness();
  readonly metrics: ServiceMetrics;
  /** Shutdown steps, run in reverse order of registration: intake stops first, the store closes last. */
  readonly lifecycle: Lifecycle;
  /** The service's one consumer (group = service name), once registered. */
  private consumer: ConsumerRegistration | undefined;
  /** The dead letters of the service's consumer group, kept for operators (dead-letter-routes.ts). */
  private readonly deadLetters: DeadLetterLedger;
  /** Where the service finds a dossier's province, for letters whose event names none (registered by the service). */
  private dossierProvinceLookup: DossierProvinceLookup | undefined;
  private readonly grpcServices: GrpcServiceRegistration[] = [];
  private readonly tasks: BackgroundTask[] = [];
  private readonly ops: HttpApp;
  private readonly rateLimiter: ClientRateLimiter;
  private readonly ports: HostParts["ports"];
  /** The largest gRPC message accepted (the definition's, else undefined: grpc-js's 4 MiB). */
  readonly maxRequestBytes: number | undefined;

  private constructor(parts: HostParts) {
    ({
      name: this.name,
      env: this.env,
      logger: this.logger,
      store: this.store,
      bus: this.bus,
      relay: this.relay,
      reference: this.reference,
      identities: this.identities,
      ports: this.ports,
      maxRequestBytes: this.maxRequestBytes,
      collections: this.collections,
    } = parts);
    const { name, logger, store, bus, relay, readiness } = this;
    this.audit = new AuditLog(store, name, parts.clock, logger);
    this.metrics = createMetrics({ service: name });
    this.lifecycle = createLifecycle({ logger, readiness, timeoutMs: this.env.SHUTDOWN_TIMEOUT_MS });
    this.lifecycle.onShutdown("store", () => store.close());
    // Runs before the store closes: what was decided until the end is sealed into the chain.
    this.lifecycle.onShutdown("audit log", async () => {
      await this.audit.flush();
      while ((await this.audit.seal()) > 0);
    });
    this.lifecycle.onShutdown("bus", () => bus.close());
    // OTLP metrics export: the last reading, after the outbox's final flush, while bus and store still answer.
    this.lifecycle.onShutdown("metrics", () => this.metrics.finalReading());
    this.lifecycle.onShutdown("outbox", async () => {
      await relay.stop();
      await relay.flush().catch((error: unknown) => {
        // The records stay in the outbox and are published at the next start.
        logger.warn(loggableError(error), "outbox not fully flushed at shutdown");
      });
    });
    const identify = (credentials: PresentedCredentials) => this.identities.identify(credentials);
    const audit = (event: AuditEvent) => this.audit.append(event);
    this.rateLimiter = new ClientRateLimiter(
      store,
      (clientId) => this.identities.clients.client(clientId)?.requestsPerMinute ?? this.env.CLIENT_REQUESTS_PER_MINUTE,
      parts.clock,
      logger,
    );
    const admit = (clientId: string) => this.rateLimiter.admit(clientId);
    this.http = createHttpApp({
      service: name,
      logger,
      readiness,
      metrics: this.metrics,
      identify,
      audit,
      admit,
      documents: apiDocumentInfo(name),
    });
    // Scrapers and probes on their own listener (loopback by default): /metrics never on the public port.
    this.ops = createHttpApp({ service: name, logger, readiness, metrics: this.metrics, serveMetrics: true });
    // The bounded in-memory span store of a process without an OTLP endpoint (ARCHITECTURE.md §3).
    const operators = { staff: ["operator"] } as const;
    this.http.route({
      method: "get",
      path: "/ops/traces/:traceId",
      access: operators,
      doc: {
        operationId: "traceSpans",
        summary: "The spans of one trace this process kept (bounded in-memory store)",
        responses: { 200: { description: "The spans, possibly none", json: spansResponseSchema } },
      },
      handle: async (request, response) => {
        response.json({ spans: getSpanStore()?.byTrace(String(request.params.traceId)) ?? [] });
      },
    });
    this.http.route({
      method: "get",
      path: "/ops/spans",
      access: operators,
      doc: {
        operationId: "recentSpans",
        summary: "The most recent spans this process kept",
        query: spansQuerySchema,
        responses: { 200: { description: "The spans, newest last", json: spansResponseSchema } },
      },
      handle: async (request, response) => {
        const limit = Math.min(Number(request.query.limit) || 1000, 10_000);
        response.json({ spans: getSpanStore()?.recent(limit) ?? [] });
      },
    });
    this.http.route({
      method: "get",
      path: "/v1/audit",
      access: { staff: ["auditor"] },
      doc: {
        operationId: "auditEntries",
        summary: "Sealed entries of the service's audit chain after a sequence number, and the chain's head",
        query: auditPageSchema,
        responses: { 200: { description: "A page of entries", json: auditPageResponseSchema } },
      },
      handle: async (request, response) => {
        const { afterSeq, limit } = parseInput(auditPageSchema, request.query);
        response.json({ entries: await this.audit.sealedAfter(afterSeq, limit), head: await this.audit.head() });
      },
    });
    this.deadLetters = new DeadLetterLedger({
      bus,
      store,
      groupId: name,
      consumedTopics: () => this.consumer?.topics ?? [],
      provinceOf: dossierProvinceOf(this.reference.units, () => this.dossierProvinceLookup),
      logger,
    });
    deadLetterRoutes(this.http, this.deadLetters, audit, parts.clock);
    healthRoutes(this.http, {
      service: name,
      readiness,
      metrics: this.metrics,
      deadLetters: this.deadLetters,
      logger,
    });
    readiness.addCheck("store", () => store.ping());
    readiness.addCheck("bus", () => bus.ping());
    store.observeCommits(commitObserver(this.metrics));
    registerHostGauges({
      metrics: this.metrics,
      readiness,
      relay,
      bus,
      // The replay topic too: a replay the group has not handled yet is lag like any other.
      consumers: () =>
        this.consumer ? [{ groupId: name, topics: [...this.consumer.topics, replayTopicFor(name)] }] : [],
      logger,
    });
  }

  /** Opens the store and bus a service's definition and the caller's options (embedded broker, ports, logger) call for. */
  static async open(definition: ServiceDefinition, options: ServiceFactoryOptions = {}): Promise<ServiceHost> {
    const { service, env } = definition;
    const logger = options.logger ?? createLogger({ service, level: env.LOG_LEVEL });
    const reference = referenceDataFrom(env);
    const identities = await openIdentities(env, logger, () => everyCommune(reference));
    const store = new NotifyingStore(await openStore(service, env, logger));
    await store.ensureCollections([
      ...messagingCollections,
      ...auditCollections,
      rateCounts,
      ...definition.collections,
    ]);
    const bus = openBus(service, env, logger, options.broker);
    const relay = new OutboxRelay({ store, bus, logger, lingerMs: env.WAKE_LINGER_MS });
    const host = new ServiceHost({
      name: service,
      env,
      logger,
      store,
      bus,
      relay,
      reference,
      identities,
      ports: {
        http: options.ports?.http ?? env.HTTP_PORT,
        grpc: options.ports?.grpc ?? env.GRPC_PORT,
        // A caller choosing free ports (tests, the embedded launcher) gets a free ops port too.
        ops: options.ports?.ops ?? (options.ports?.http === 0 ? 0 : env.OPS_PORT),
      },
      maxRequestBytes: definition.maxRequestBytes,
      collections: definition.collections,
      clock: options.clock ?? (() => new Date()),
    });
    store.onCommit(collectionWritten(outbox, () => relay.notify()));
    logger.info(reference.sources, "reference data loaded");
    return host;
  }

  /** Every REST route of the service with the access it asks (the security tests walk it). */
  routes(): readonly RegisteredRoute[] {
    return this.http.routes();
  }

  /** Every gRPC service registered for start. */
  grpcRegistrations(): readonly GrpcServiceRegistration[] {
    return this.grpcServices;
  }

  /** Stores a state change and its outbox events atomically; the relay publishes right after. */
  commit(ops: readonly WriteOp[]): Promise<void> {
    return this.store.commit(ops);
  }

  /**
   * Tells the dead-letter ledger how this service finds a dossier's province
   * in its own store: a letter whose event names no province or unit is then
   * still its province's operators' alone (docs/decisions.md §39).
   */
  dossierProvince(lookup: DossierProvinceLookup): void {
    this.dossierProvinceLookup = lookup;
  }

  /**
   * Registers the service's consumer (group = service name) for when it starts. One per service: its group's
   * replay topic is read by that consumer, which must know every topic a replay may name.
   */
  consume(topics: string[], handle: ConsumedEventHandler, options: ConsumeOptions = {}): void {
    if (this.consumer) throw new Error(`${this.name} registers its consumer once, with every topic it consumes`);
    this.consumer = {
      topics,
      handle,
      handles: options.handles && new Set(options.handles),
      idempotency: options.idempotency,
    };
  }

  /** Called after every successful commit with its operations (wake-ups of background workers). */
  afterCommit(listener: (ops: readonly WriteOp[]) => void): void {
    this.store.onCommit(listener);
  }

  serveGrpc(registration: GrpcServiceRegistration): void {
    this.grpcServices.push(registration);
  }

  runInBackground(task: BackgroundTask): void {
    this.tasks.push(task);
  }

  async start(): Promise<RunningService> {
    // First: a certificate that cannot serve fails the start before any event is consumed.
    const transport = await grpcServerTransport(this.env, this.logger);
    this.http.mountErrorHandler();
    this.ops.mountErrorHandler();
    this.relay.start();
    const sealer = pollingTask({
      name: "audit sealer",
      intervalMs: AUDIT_SEAL_INTERVAL_MS,
      logger: this.logger,
      round: () => this.audit.round(),
    });
    sealer.start();
    this.lifecycle.onShutdown(sealer.name, () => sealer.stop());
    const rateSync = pollingTask({
      name: "client rate limits",
      intervalMs: RATE_SYNC_INTERVAL_MS,
      logger: this.logger,
      round: () => this.rateLimiter.round(),
    });
    rateSync.start();
    this.lifecycle.onShutdown(rateSync.name, () => rateSync.stop());
    for (const task of this.tasks) {
      task.start();
      this.lifecycle.onShutdown(task.name, () => task.stop());
    }
    if (this.consumer) {
      const { topics, handle, handles, idempotency } = this.consumer;
      const subscription = await startConsumer({
        bus: this.bus,
        store: this.store,
        groupId: this.name,
        topics,
        // Decoded once, here: an unknown type or a payload that is not its type's message throws a non-retriable
        // INVALID_ARGUMENT and is dead-lettered at once.
        handle: (event) => handle({ ...event, ...decodeConsumed(event) }),
        ignores: handles && ((event) => !isHandled(handles, event)),
        idempotency,
        logger: this.logger,
        observer: consumerObserver(this.metrics, this.name, topics),
      });
      this.lifecycle.onShutdown("consumer", () => subscription.close());
      await this.deadLetters.start();
      this.lifecycle.onShutdown("dead-letter ledger", () => this.deadLetters.stop());
    }
    const grpcServer = createGrpcServer({
      service: this.name,
      logger: this.logger,
      services: this.grpcServices,
      protoRoot,
      readiness: this.readiness,
      identify: (credentials) => this.identities.identify(credentials),
      audit: (event) => this.audit.append(event),
      admit: (clientId) => this.rateLimiter.admit(clientId),
      serverOptions:
        this.maxRequestBytes === undefined ? undefined : { "grpc.max_receive_message_length": this.maxRequestBytes },
    });
    const grpc = await startGrpcServer(grpcServer, {
      host: this.env.HTTP_HOST,
      port: this.ports.grpc,
      credentials: transport.credentials,
    });
    this.lifecycle.onShutdown("grpc server", () => grpc.close());
    const ops = await startHttpServer(this.ops.app, { host: this.env.OPS_HOST, port: this.ports.ops });
    this.lifecycle.onShutdown("ops server", () => ops.close());
    const http = await startHttpServer(this.http.app, { host: this.env.HTTP_HOST, port: this.ports.http });
    this.lifecycle.onShutdown("http server", () => http.close());
    this.readiness.markReady();
    const running = { name: this.name, httpUrl: http.url, grpcPort: grpc.port, opsUrl: ops.url };
    this.logger.info(
      {
        http: running.httpUrl,
        grpcPort: running.grpcPort,
        ...transport.summary,
        store: this.store.adapter,
        bus: this.bus.adapter,
      },
      "service started",
    );
    return running;
  }

  /**
   * Graceful stop (the lifecycle's steps): refuse new work first (not ready;
   * servers stop accepting and finish in-flight calls), then drain consumers,
   * stop background tasks, publish what the outbox still holds, and close the
   * bus and store. Rejects when a step failed or SHUTDOWN_TIMEOUT_MS passed.
   */
  async stop(): Promise<void> {
    const report = await this.lifecycle.shutdown();
    if (!report.ok)
      throw new Error(
        `${this.name} did not stop cleanly: failed ${report.failed.join(", ") || "none"}${report.timedOut ? ", timed out" : ""}`,
      );
    this.logger.info({}, "service stopped");
  }
}

async function openStore(service: ServiceName, env: RuntimeEnv, logger: Logger): Promise<DocumentStore> {
  if (env.STORE === "mongo") {
    return openDocumentStore({ kind: "mongo", url: env.MONGO_URL ?? "", dbName: `${env.MONGO_DB}_${service}` });
  }
  logger.warn({ store: "embedded" }, EMBEDDED_STORE_WARNING);
  return openDocumentStore({
    kind: "embedded",
    path: path.resolve(env.DATA_DIR, service, "store.db"),
    allowEmbeddedInProduction: env.ALLOW_EMBEDDED_IN_PRODUCTION,
    maxSizeBytes: env.EMBEDDED_STORE_MAX_BYTES,
  });
}

/**
 * The catalogued event a delivery holds. A type is known to a subscriber only on its producer's topic: the same type
 * arriving on another topic did not come from the service the catalog says publishes it.
 */
function decodeConsumed(event: DeliveredEvent): DecodedEvent {
  const decoded = decodeEvent(event.type, event.data);
  if (EventTypes[decoded.name].topic !== event.topic) {
    throw new PlatformError("INVALID_ARGUMENT", `event type "${event.type}" is not published on ${event.topic}`, {
      reason: "UNKNOWN_EVENT_TYPE",
    });
  }
  return decoded;
}

/**
 * Whether a delivery may reach a handler that acts on `handles` only: anything but a catalogued event on its
 * producer's topic does, so that decodeConsumed refuses it as before.
 */
function isHandled(handles: ReadonlySet<EventTypeName>, event: DeliveredEvent): boolean {
  const name = eventNameOf(event.type);
  return name === undefined || EventTypes[name].topic !== event.topic || handles.has(name);
}

function openBus(service: ServiceName, env: RuntimeEnv, logger: Logger, broker: BusProvider | undefined): EventBus {
  if (env.BUS === "kafka") {
    const security = kafkaSecurityOf(env);
    // The principal's name is no secret and tells operators which ACLs apply; the password is never logged.
    const described = { kafka_tls: security.ssl !== undefined, kafka_sasl: security.sasl?.mechanism ?? "none" };
    if (security.sasl) logger.info({ ...described, kafka_principal: security.sasl.username }, "kafka connection");
    else if (env.NODE_ENV === "production") {
      logger.warn(described, "kafka connection without a SASL principal: the brokers cannot tell services apart");
    }
    return new KafkaEventBus({
      brokers: env.KAFKA_BROKERS,
      clientId: `${env.KAFKA_CLIENT_ID}-${service}`,
      source: service,
      createTopics: env.KAFKA_CREATE_TOPICS,
      idempotentProducer: env.KAFKA_IDEMPOTENT_PRODUCER,
      topicPartitions: env.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: env.KAFKA_REPLICATION_FACTOR,
      ...security,
      consumer: {
        maxWaitTimeMs: env.KAFKA_MAX_WAIT_MS,
        leaderSyncDelayMs: env.KAFKA_LEADER_SYNC_DELAY_MS,
        sessionTimeoutMs: env.KAFKA_SESSION_TIMEOUT_MS,
        heartbeatIntervalMs: env.KAFKA_HEARTBEAT_INTERVAL_MS,
        partitionsConsumedConcurrently: env.KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
      },
      logger,
    });
  }
  // A service alone on the in-process bus (development) journals it in its own data directory.
  if (broker) return broker.bus(service);
  const directory = path.resolve(env.DATA_DIR, service);
  mkdirSync(directory, { recursive: true });
  return new InProcessBroker({
    journalPath: path.join(directory, "bus.db"),
    journalMaxBytes: env.EMBEDDED_STORE_MAX_BYTES,
    logger,
  }).bus(service);
}

/** A commit listener that fires `wake` when the commit wrote to `collection`. */
export function collectionWritten(collection: AnyCollection, wake: () => void): (ops: readonly WriteOp[]) => void {
  return (ops) => {
    if (ops.some((op) => op.collection === collection.name)) wake();
  };
}

/** What every service's composition root accepts (the embedded launcher and tests pass these). */
export interface ServiceFactoryOptions {
  /** The environment to parse; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Embedded mode: the broker all four services share, or its stand-in on a service's own thread. */
  broker?: BusProvider;
  ports?: { http?: number; grpc?: number; ops?: number };
  /** The clock every rule reads (tests move it); the system clock by default. */
  clock?: () => Date;
  /** Replaces the logger built from LOG_LEVEL (tests capture it). */
  logger?: Logger;
}

/** Every commune of the loaded units list (the development portal acts for all of them). */
function everyCommune(reference: ReferenceData): string[] {
  return reference.units
    .provinces()
    .flatMap((province) => reference.units.communesOf(province.code).map((commune) => commune.code));
}
