import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { decodeEvent, protoRoot, type DecodedEvent } from "@lienthong/contracts";
import {
  InProcessBroker,
  KafkaEventBus,
  OutboxRelay,
  messagingCollections,
  outbox,
  startConsumer,
  type DeliveredEvent,
  type EventBus,
} from "@lienthong/messaging";
import { loggableError } from "@lienthong/errors";
import type { commonServiceEnv } from "./config";
import { createGrpcServer, startGrpcServer, type GrpcServiceRegistration } from "./grpc";
import { createHttpApp, startHttpServer, type HttpApp } from "./http";
import { createLifecycle, type Lifecycle } from "./lifecycle";
import { createLogger, type Logger } from "./logger";
import { createMetrics, type ServiceMetrics } from "./metrics";
import { createReadiness, type Readiness } from "./readiness";
import { getSpanStore } from "./telemetry";
import {
  EMBEDDED_STORE_WARNING,
  openDocumentStore,
  type AnyCollection,
  type DocumentStore,
  type WriteOp,
} from "@lienthong/storage";
import type { z } from "zod";
import { NotifyingStore } from "./notifying-store";

export type { ServiceName } from "@lienthong/contracts";
import type { ServiceName } from "@lienthong/contracts";

/** The common environment every service parses (serviceEnv adds per-service variables on top). */
export type RuntimeEnv = Omit<z.output<typeof commonServiceEnv>, "BUS"> & { BUS: "in-process" | "kafka" };

/** What a service is: its name, its parsed environment, its collections. */
export interface ServiceDefinition {
  service: ServiceName;
  env: RuntimeEnv;
  collections: AnyCollection[];
  /** The largest request body (REST JSON) or message (gRPC) accepted, in bytes; default 1 MiB / grpc-js's 4 MiB. */
  maxRequestBytes?: number;
}

/** A delivered event with its payload decoded into the catalogued message: switch on `name`. */
export type ConsumedEvent = DeliveredEvent & DecodedEvent;

/** Does the work of one event and returns the writes to commit with its inbox marker. */
export type ConsumedEventHandler = (event: ConsumedEvent) => Promise<WriteOp[] | void>;

interface ConsumerRegistration {
  topics: string[];
  handle: ConsumedEventHandler;
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
}

/**
 * Everything a service is made of besides its own use cases, composed in one
 * place from configuration (ARCHITECTURE.md §3): the store and bus adapters,
 * the outbox relay, the consumer runner, HTTP and gRPC servers, telemetry
 * endpoints, readiness and an orderly stop.
 */
export class ServiceHost {
  readonly http: HttpApp;
  private readonly consumers: ConsumerRegistration[] = [];
  private readonly grpcServices: GrpcServiceRegistration[] = [];
  private readonly tasks: BackgroundTask[] = [];
  /** Shutdown steps, run in reverse order of registration: intake stops first, the store closes last. */
  readonly lifecycle: Lifecycle;

  private constructor(
    readonly name: ServiceName,
    readonly env: RuntimeEnv,
    readonly logger: Logger,
    readonly store: NotifyingStore,
    readonly bus: EventBus,
    readonly relay: OutboxRelay,
    readonly readiness: Readiness,
    readonly metrics: ServiceMetrics,
    private readonly ports: { http: number; grpc: number },
    private readonly maxRequestBytes: number | undefined,
  ) {
    this.lifecycle = createLifecycle({ logger, readiness, timeoutMs: env.SHUTDOWN_TIMEOUT_MS });
    this.lifecycle.onShutdown("store", () => store.close());
    this.lifecycle.onShutdown("bus", () => bus.close());
    this.lifecycle.onShutdown("outbox", async () => {
      await relay.stop();
      await relay.flush().catch((error: unknown) => {
        // The records stay in the outbox and are published at the next start.
        logger.warn(loggableError(error), "outbox not fully flushed at shutdown");
      });
    });
    this.http = createHttpApp({
      service: name,
      logger,
      readiness,
      metrics,
      bodyLimit: maxRequestBytes === undefined ? undefined : String(maxRequestBytes),
    });
    // The bounded in-memory span store of a process without an OTLP endpoint (ARCHITECTURE.md §3).
    this.http.app.get("/ops/traces/:traceId", (request, response) => {
      response.json({ spans: getSpanStore()?.byTrace(request.params.traceId) ?? [] });
    });
    this.http.app.get("/ops/spans", (request, response) => {
      const limit = Math.min(Number(request.query.limit) || 1000, 10_000);
      response.json({ spans: getSpanStore()?.recent(limit) ?? [] });
    });
    this.readiness.addCheck("store", () => store.ping());
    this.readiness.addCheck("bus", () => bus.ping());
    metrics.gauge({
      name: "outbox_backlog",
      help: "Events stored in the outbox but not yet published (grows while the bus is unreachable)",
      async collect() {
        this.set(await relay.backlog());
      },
    });
  }

  /** Opens the store and bus a service's definition and the caller's options (embedded broker, ports, logger) call for. */
  static async open(definition: ServiceDefinition, options: ServiceFactoryOptions = {}): Promise<ServiceHost> {
    const { service, env } = definition;
    const logger = options.logger ?? createLogger({ service, level: env.LOG_LEVEL });
    const store = new NotifyingStore(await openStore(service, env, logger));
    await store.ensureCollections([...messagingCollections, ...definition.collections]);
    const bus = openBus(service, env, logger, options.broker);
    const relay = new OutboxRelay({ store, bus, logger });
    const runtime = new ServiceHost(
      service,
      env,
      logger,
      store,
      bus,
      relay,
      createReadiness(),
      createMetrics({ service }),
      {
        http: options.ports?.http ?? env.HTTP_PORT,
        grpc: options.ports?.grpc ?? env.GRPC_PORT,
      },
      definition.maxRequestBytes,
    );
    store.onCommit(collectionWritten(outbox, () => relay.notify()));
    return runtime;
  }

  /** Stores a state change and its outbox events atomically; the relay publishes right after. */
  commit(ops: readonly WriteOp[]): Promise<void> {
    return this.store.commit(ops);
  }

  /** Registers the service's consumer (group = service name) for when it starts. */
  consume(topics: string[], handle: ConsumedEventHandler): void {
    this.consumers.push({ topics, handle });
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
    this.http.mountErrorHandler();
    this.relay.start();
    for (const task of this.tasks) {
      task.start();
      this.lifecycle.onShutdown(task.name, () => task.stop());
    }
    for (const { topics, handle } of this.consumers) {
      const subscription = await startConsumer({
        bus: this.bus,
        store: this.store,
        groupId: this.name,
        topics,
        // Decoded once, here: a payload that is not its type's message throws a
        // non-retriable INVALID_ARGUMENT and is dead-lettered at once.
        handle: (event) => handle({ ...event, ...decodeEvent(event.type, event.data) }),
        logger: this.logger,
      });
      this.lifecycle.onShutdown("consumer", () => subscription.close());
    }
    const grpcServer = createGrpcServer({
      service: this.name,
      logger: this.logger,
      services: this.grpcServices,
      protoRoot,
      readiness: this.readiness,
      serverOptions:
        this.maxRequestBytes === undefined ? undefined : { "grpc.max_receive_message_length": this.maxRequestBytes },
    });
    const grpc = await startGrpcServer(grpcServer, { host: this.env.HTTP_HOST, port: this.ports.grpc });
    this.lifecycle.onShutdown("grpc server", () => grpc.close());
    const http = await startHttpServer(this.http.app, { host: this.env.HTTP_HOST, port: this.ports.http });
    this.lifecycle.onShutdown("http server", () => http.close());
    this.readiness.markReady();
    const running = { name: this.name, httpUrl: http.url, grpcPort: grpc.port };
    this.logger.info(
      { http: running.httpUrl, grpcPort: running.grpcPort, store: this.store.adapter, bus: this.bus.adapter },
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
  });
}

function openBus(service: ServiceName, env: RuntimeEnv, logger: Logger, broker: InProcessBroker | undefined): EventBus {
  if (env.BUS === "kafka") {
    return new KafkaEventBus({
      brokers: env.KAFKA_BROKERS,
      clientId: `${env.KAFKA_CLIENT_ID}-${service}`,
      source: service,
      createTopics: env.KAFKA_CREATE_TOPICS,
      idempotentProducer: env.KAFKA_IDEMPOTENT_PRODUCER,
      topicPartitions: env.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: env.KAFKA_REPLICATION_FACTOR,
      consumer: {
        maxWaitTimeMs: env.KAFKA_MAX_WAIT_MS,
        leaderSyncDelayMs: env.KAFKA_LEADER_SYNC_DELAY_MS,
        partitionsConsumedConcurrently: env.KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
      },
      logger,
    });
  }
  // A service alone on the in-process bus (development) journals it in its own data directory.
  if (broker) return broker.bus(service);
  const directory = path.resolve(env.DATA_DIR, service);
  mkdirSync(directory, { recursive: true });
  return new InProcessBroker({ journalPath: path.join(directory, "bus.db"), logger }).bus(service);
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
  /** Embedded mode: the broker all four services share. */
  broker?: InProcessBroker;
  ports?: { http?: number; grpc?: number };
  /** The clock every rule reads (tests move it); the system clock by default. */
  clock?: () => Date;
  /** Replaces the logger built from LOG_LEVEL (tests capture it). */
  logger?: Logger;
}
