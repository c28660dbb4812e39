import type { ConnectionOptions } from "node:tls";
import {
  Kafka,
  KafkaJSProtocolError,
  logLevel as KafkaLogLevel,
  PartitionAssigners,
  Partitioners,
  type Admin,
  type Consumer,
  type EachMessagePayload,
  type IHeaders,
  type LogEntry,
  type Message,
  type PartitionAssigner,
  type Producer,
  type SASLOptions,
} from "kafkajs";
import { MessagingError } from "./errors";
import { OpenSubscriptions } from "./open-subscriptions";
import { loggableError } from "@lienthong/errors";
import { silentLogger, type Logger } from "./logger";
import { Rejections } from "./deliveries";
import type { EventBus, OutgoingEvent, PartitionLag, RawRecord, SubscribeOptions, Subscription } from "./port";
import { partitionLags } from "./lag";
import { dispatchRecord, toOutgoingRecord } from "./record";
import { backoffDelay, sleep, type RetryPolicy } from "./retry";

/**
 * The distributed-mode event bus: Kafka through kafkajs. kafkajs types stay in
 * this file (and kafka-cluster.ts, the operators' view of the cluster); callers
 * see only the EventBus port and this config.
 */
export interface KafkaEventBusConfig {
  brokers: string[];
  clientId: string;
  /** ce_source of everything published: the service name. */
  source: string;
  /**
   * Create topics (admin API) before first use, and use the idempotent
   * producer. Both need a real controller broker: on for Kafka, off against
   * librdkafka's mock cluster, which reports controller id 0 (ARCHITECTURE.md §7).
   */
  createTopics?: boolean;
  idempotentProducer?: boolean;
  /** Partitions and replication factor of topics this bus creates (defaults 4 and the broker's default). */
  topicPartitions?: number;
  replicationFactor?: number;
  /** Connect with TLS (a broker listener of protocol SSL or SASL_SSL); absent: plaintext. */
  ssl?: KafkaTlsConfig;
  /** Authenticate as this principal (a SASL_PLAINTEXT or SASL_SSL listener); absent: anonymous. */
  sasl?: KafkaSaslConfig;
  connectionTimeoutMs?: number;
  /** Consumer tuning; the defaults suit a real cluster. */
  consumer?: KafkaConsumerTuning;
  /** Wait before a rejected event is delivered again (default 200 ms doubling to 10 s). */
  redelivery?: Pick<RetryPolicy, "initialMs" | "maxMs">;
  logger?: Logger;
}

/** PEM text. Without `ca` the system's trusted CAs vouch for the brokers; `cert` and `key` identify this client. */
export interface KafkaTlsConfig {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface KafkaSaslConfig {
  mechanism: "plain" | "scram-sha-256" | "scram-sha-512";
  username: string;
  /** Never logged, never in an error. */
  password: string;
}
/** How the bus's consumers run; each comment says what librdkafka's mock cluster needs where it differs. */
interface KafkaConsumerTuning {
  /** Default 30 s. */
  sessionTimeoutMs?: number;
  /** Default 3 s; also how often a handler still running keeps its member alive. */
  heartbeatIntervalMs?: number;
  /**
   * How long a fetch waits for records (default 5 s). A broker answers as soon as records arrive; the mock
   * cluster answers a fetch that found none only when the wait is over, so the wait delays every hop there:
   * about 50 ms.
   */
  maxWaitTimeMs?: number;
  /**
   * Partitions handled at once (default 1, see docs/decisions.md §25). A partition's records, hence a key's, stay in
   * order; a record waiting for its redelivery pauses only its own partition. A handler that is slow without failing holds up more: kafkajs fetches again from a broker only once
   * every partition of its last fetch there was handled.
   */
  partitionsConsumedConcurrently?: number;
  /**
   * How long the group leader waits before its SyncGroup when the group has other members (default 0). The mock
   * cluster completes a rebalance on the leader's SyncGroup and refuses a follower's that comes after it with
   * INVALID_REQUEST, which kafkajs treats as fatal; about 300 ms there lets the followers go first.
   */
  leaderSyncDelayMs?: number;
  /**
   * A consumer with no sign of life (a completed fetch or heartbeat, a group join) for this long makes ping()
   * false. Default: the session timeout, kafkajs's 60 s rebalance timeout, the fetch wait and 10 s, since a
   * rebalance waits that long for a member still handling a record.
   */
  stallMs?: number;
}

// kafkajs's defaults, which the adapter needs to know.
const KAFKAJS_SESSION_TIMEOUT_MS = 30_000;
const KAFKAJS_REBALANCE_TIMEOUT_MS = 60_000;
const KAFKAJS_HEARTBEAT_INTERVAL_MS = 3_000;
const KAFKAJS_MAX_WAIT_MS = 5_000;

/** Between the creations of a consumer that kafkajs gave up on. */
const CONSUMER_RESTART_BACKOFF: Pick<RetryPolicy, "initialMs" | "maxMs"> = { initialMs: 1_000, maxMs: 30_000 };

export class KafkaEventBus implements EventBus {
  readonly adapter = "kafka";
  readonly source: string;
  private readonly kafka: Kafka;
  private readonly config: KafkaEventBusConfig;
  private readonly logger: Logger;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private producerReady: Promise<void> | undefined;
  private adminReady: Promise<void> | undefined;
  private readonly ensuredTopics = new Map<string, Promise<void>>();
  private readonly subscriptions = new OpenSubscriptions();
  private readonly consumers = new Set<KafkaSubscription>();
  private closed = false;
  /** The failing consumers' groups and states last reported, so a probe every few seconds logs a change once. */
  private reportedFailing = "";

  constructor(config: KafkaEventBusConfig) {
    if (!Array.isArray(config.brokers) || config.brokers.length === 0 || config.brokers.some((broker) => !broker)) {
      throw new MessagingError("INVALID_CONFIG", "kafka event bus: brokers must list at least one host:port");
    }
    if (!config.clientId) throw new MessagingError("INVALID_CONFIG", "kafka event bus: clientId is required");
    if (!config.source) throw new MessagingError("INVALID_CONFIG", "kafka event bus: source is required");
    if (config.ssl && Boolean(config.ssl.cert) !== Boolean(config.ssl.key)) {
      throw new MessagingError("INVALID_CONFIG", "kafka event bus: ssl.cert and ssl.key go together");
    }
    if (config.sasl && (!config.sasl.username || !config.sasl.password)) {
      throw new MessagingError("INVALID_CONFIG", "kafka event bus: sasl needs a username and a password");
    }
    this.config = config;
    this.source = config.source;
    this.logger = config.logger ?? silentLogger;
    this.kafka = new Kafka({
      brokers: config.brokers,
      clientId: config.clientId,
      ssl: config.ssl && tlsOptions(config.ssl),
      sasl: config.sasl && saslOptions(config.sasl),
      connectionTimeout: config.connectionTimeoutMs,
      logLevel: KafkaLogLevel.INFO,
      logCreator: () => (entry) => this.forwardLog(entry),
    });
    const idempotent = config.idempotentProducer ?? true;
    this.producer = this.kafka.producer({
      idempotent,
      // Without idempotence, one request in flight is what keeps a key's order across retries.
      maxInFlightRequests: idempotent ? undefined : 1,
      allowAutoTopicCreation: !(config.createTopics ?? true),
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.admin = this.kafka.admin();
  }

  async publish(events: OutgoingEvent[]): Promise<void> {
    this.assertOpen();
    await this.send(events.map((event) => toOutgoingRecord(event, this.source)));
  }

  async forward(records: RawRecord[]): Promise<void> {
    this.assertOpen();
    await this.send(records);
  }

  private async send(records: RawRecord[]): Promise<void> {
    if (records.length === 0) return;
    const topics = [...new Set(records.map((record) => record.topic))];
    const byTopic = new Map<string, Message[]>();
    for (const record of records) {
      const messages = byTopic.get(record.topic) ?? [];
      messages.push({
        // A forwarded record without a key keeps none (Kafka's null key).
        key: record.key === "" ? null : record.key,
        value: Buffer.from(record.value.buffer, record.value.byteOffset, record.value.byteLength),
        headers: record.headers,
      });
      byTopic.set(record.topic, messages);
    }
    try {
      await Promise.all(topics.map((topic) => this.ensureTopic(topic)));
      await this.connectProducer();
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (error) {
      throw new MessagingError(
        "BUS_UNAVAILABLE",
        `kafka refused or did not acknowledge a batch for ${topics.join(", ")}`,
        {
          cause: error,
        },
      );
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    if (!options.groupId) throw new MessagingError("INVALID_CONFIG", "subscribe: groupId is required");
    if (options.topics.length === 0)
      throw new MessagingError("INVALID_CONFIG", `subscribe(${options.groupId}): topics is empty`);
    await Promise.all(options.topics.map((topic) => this.ensureTopic(topic)));
    const tuning = this.config.consumer ?? {};
    const subscription = new KafkaSubscription({
      groupId: options.groupId,
      topics: options.topics,
      subscriber: options,
      createConsumer: () =>
        this.kafka.consumer({
          groupId: options.groupId,
          allowAutoTopicCreation: !(this.config.createTopics ?? true),
          sessionTimeout: tuning.sessionTimeoutMs,
          heartbeatInterval: tuning.heartbeatIntervalMs,
          maxWaitTimeInMs: tuning.maxWaitTimeMs,
          partitionAssigners: tuning.leaderSyncDelayMs
            ? [roundRobinWithLeaderDelay(tuning.leaderSyncDelayMs)]
            : undefined,
        }),
      // One partition at a time unless configured: with several at once, kafkajs 2.2.4 on the mock cluster left a
      // partition unfetched after a retry's pause, seek and resume (docs/decisions.md §25). A retry still holds up
      // only its own partition: the handler returns at once and the partition waits paused.
      concurrency: tuning.partitionsConsumedConcurrently ?? 1,
      heartbeatIntervalMs: tuning.heartbeatIntervalMs ?? KAFKAJS_HEARTBEAT_INTERVAL_MS,
      stallMs:
        tuning.stallMs ??
        (tuning.sessionTimeoutMs ?? KAFKAJS_SESSION_TIMEOUT_MS) +
          KAFKAJS_REBALANCE_TIMEOUT_MS +
          (tuning.maxWaitTimeMs ?? KAFKAJS_MAX_WAIT_MS) +
          10_000,
      redelivery: options.redelivery ?? this.config.redelivery ?? { initialMs: 200, maxMs: 10_000 },
      logger: this.logger,
    });
    await subscription.start();
    this.consumers.add(subscription);
    return this.subscriptions.track(async () => {
      this.consumers.delete(subscription);
      await subscription.close();
    });
  }

  private reportConsumerHealth(failing: readonly ConsumerHealth[]): void {
    const summary = failing.map(({ groupId, state }) => `${groupId}:${state}`).join(",");
    if (summary === this.reportedFailing) return;
    if (failing.length > 0) this.logger.warn({ consumers: failing }, "kafka event bus: a consumer is not consuming");
    else this.logger.info({ consumers: [] }, "kafka event bus: every consumer is consuming again");
    this.reportedFailing = summary;
  }

  /** Committed offsets against high-water marks, asked of the brokers (two admin requests per topic). */
  async consumerLag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
    this.assertOpen();
    await this.connectAdmin();
    const [committed, ends] = await Promise.all([
      this.admin.fetchOffsets({ groupId, topics: [...topics] }),
      Promise.all(topics.map(async (topic) => ({ topic, offsets: await this.admin.fetchTopicOffsets(topic) }))),
    ]);
    return ends.flatMap(({ topic, offsets }) =>
      partitionLags(
        topic,
        offsets.map(({ partition, high, low }) => ({ partition, start: Number(low), end: Number(high) })),
        new Map(
          committed
            .filter((entry) => entry.topic === topic)
            .flatMap(({ partitions }) =>
              partitions.map(({ partition, offset }) => [partition, Number(offset)] as const),
            ),
        ),
      ),
    );
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    // A crashed or stalled consumer handles nothing, however well the brokers answer.
    const failing = [...this.consumers].map((consumer) => consumer.health()).filter((health) => !health.healthy);
    this.reportConsumerHealth(failing);
    if (failing.length > 0) return false;
    try {
      await this.connectAdmin();
      await this.admin.describeCluster();
      return true;
    } catch (error) {
      this.logger.warn({ err: loggableError(error) }, "kafka event bus: ping failed");
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.subscriptions.closeAll();
    await Promise.all([this.producer.disconnect(), this.admin.disconnect()]);
  }

  private assertOpen(): void {
    if (this.closed) throw new MessagingError("BUS_CLOSED", `kafka event bus of ${this.source} is closed`);
  }

  private connectProducer(): Promise<void> {
    this.producerReady ??= this.producer.connect().catch((error: unknown) => {
      this.producerReady = undefined;
      throw error;
    });
    return this.producerReady;
  }

  private connectAdmin(): Promise<void> {
    this.adminReady ??= this.admin.connect().catch((error: unknown) => {
      this.adminReady = undefined;
      throw error;
    });
    return this.adminReady;
  }

  private ensureTopic(topic: string): Promise<void> {
    if (!(this.config.createTopics ?? true)) return Promise.resolve();
    let ensured = this.ensuredTopics.get(topic);
    if (!ensured) {
      ensured = this.createTopic(topic).catch((error: unknown) => {
        this.ensuredTopics.delete(topic);
        throw error;
      });
      this.ensuredTopics.set(topic, ensured);
    }
    return ensured;
  }

  private async createTopic(topic: string): Promise<void> {
    await this.connectAdmin();
    // Resolves false when the topic already exists, which is fine.
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: this.config.topicPartitions ?? 4,
          replicationFactor: this.config.replicationFactor ?? -1,
        },
      ],
    });
  }

  private forwardLog(entry: LogEntry): void {
    const {
      message,
      timestamp: _timestamp,
      logger: _logger,
      ...details
    } = entry.log as LogEntry["log"] & { logger?: string };
    const fields = { namespace: entry.namespace, ...details };
    const text = `kafkajs: ${message}`;
    switch (entry.level) {
      case KafkaLogLevel.ERROR:
      case KafkaLogLevel.NOTHING:
        this.logger.error(fields, text);
        break;
      case KafkaLogLevel.WARN:
        this.logger.warn(fields, text);
        break;
      case KafkaLogLevel.INFO:
        this.logger.info(fields, text);
        break;
      default:
        this.logger.debug(fields, text);
    }
  }
}

/** kafkajs passes these to tls.connect (with the broker's host as servername): only what is set. */
export function tlsOptions(tls: KafkaTlsConfig): ConnectionOptions {
  return {
    ...(tls.ca !== undefined && { ca: [tls.ca] }),
    ...(tls.cert !== undefined && { cert: tls.cert }),
    ...(tls.key !== undefined && { key: tls.key }),
  };
}

export function saslOptions({ mechanism, username, password }: KafkaSaslConfig): SASLOptions {
  return { mechanism, username, password };
}

/**
 * kafkajs's round robin under its own protocol name (so members with and without the delay share a group), whose
 * leader waits `delayMs` before its SyncGroup when the group has other members (see leaderSyncDelayMs).
 */
function roundRobinWithLeaderDelay(delayMs: number): PartitionAssigner {
  return (config) => {
    const roundRobin = PartitionAssigners.roundRobin(config);
    return {
      name: roundRobin.name,
      version: roundRobin.version,
      protocol: (subscription) => roundRobin.protocol(subscription),
      assign: async (group) => {
        const assignment = await roundRobin.assign(group);
        if (group.members.length > 1) await sleep(delayMs);
        return assignment;
      },
    };
  };
}

interface KafkaSubscriptionOptions {
  groupId: string;
  topics: string[];
  subscriber: Pick<SubscribeOptions, "handler" | "unreadable">;
  /** A new kafkajs consumer of the group: the first one, and one after each crash kafkajs gives up on. */
  createConsumer: () => Consumer;
  concurrency: number;
  heartbeatIntervalMs: number;
  stallMs: number;
  redelivery: Pick<RetryPolicy, "initialMs" | "maxMs">;
  logger: Logger;
}

interface ConsumerHealth {
  groupId: string;
  state: "joining" | "joined" | "crashed" | "closed";
  healthy: boolean;
  crashes: number;
  msSinceSignOfLife: number;
}

/**
 * One kafkajs consumer at a time per subscription. Offsets are committed one by one
 * after the handler resolves; a rejected event pauses its partition, seeks
 * back to it and resumes after a backoff, so nothing behind it overtakes it
 * and the other partitions keep flowing. The handler returns at once when it
 * rejects rather than waiting out the backoff: kafkajs fetches again from a
 * broker only once every partition of its last fetch was handled, so a wait
 * inside a handler would stall every partition that broker leads.
 *
 * kafkajs restarts a consumer after a retriable crash; after any other crash
 * (restart: false) it leaves it disconnected for good, so a new consumer takes
 * its place after a backoff. Until one has joined the group, health() says so.
 */
class KafkaSubscription {
  private readonly rejections = new Rejections();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  private consumer: Consumer | undefined;
  private launching: Promise<void> | undefined;
  private state: ConsumerHealth["state"] = "joining";
  private crashes = 0;
  private restartAttempt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private lastSignOfLife = Date.now();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: KafkaSubscriptionOptions) {}

  /** Rejects when the first consumer cannot connect or subscribe; later crashes are recovered here. */
  start(): Promise<void> {
    return this.launch();
  }

  health(): ConsumerHealth {
    const msSinceSignOfLife = Date.now() - this.lastSignOfLife;
    return {
      groupId: this.options.groupId,
      state: this.state,
      healthy: this.state === "joined" && msSinceSignOfLife < this.options.stallMs,
      crashes: this.crashes,
      msSinceSignOfLife,
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.state = "closed";
      clearTimeout(this.restartTimer);
      this.clearResumeTimers();
      // Disconnecting a consumer still joining would let kafkajs restart it behind our back.
      await this.launching?.catch(() => undefined);
      await this.consumer?.disconnect();
    })();
    return this.closing;
  }

  private launch(): Promise<void> {
    const consumer = this.options.createConsumer();
    this.consumer = consumer;
    this.state = "joining";
    this.rejections.clear();
    this.clearResumeTimers();
    this.watch(consumer);
    this.launching = (async () => {
      try {
        await consumer.connect();
        // A group new to a topic reads it from the start, like the in-process broker.
        await consumer.subscribe({ topics: this.options.topics, fromBeginning: true });
        // Resolves once the group is joined; a failed join arrives as a CRASH event instead.
        await consumer.run({
          autoCommit: false,
          partitionsConsumedConcurrently: this.options.concurrency,
          eachMessage: (payload) => this.process(consumer, payload),
        });
      } catch (error) {
        // The connect or subscribe error is the one to report.
        await consumer.disconnect().catch(() => undefined);
        throw error;
      }
    })();
    return this.launching;
  }

  /** Follows one consumer: its signs of life, its joins and the crashes kafkajs does not recover from. */
  private watch(consumer: Consumer): void {
    const current = (): boolean => consumer === this.consumer && this.closing === undefined;
    const alive = (): void => {
      if (current()) this.lastSignOfLife = Date.now();
    };
    // Completed round trips only: a request waiting on a frozen broker is no sign of life.
    consumer.on(consumer.events.HEARTBEAT, alive);
    consumer.on(consumer.events.FETCH, alive);
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (!current()) return;
      alive();
      this.state = "joined";
      this.restartAttempt = 0;
      // The partitions may have changed hands: a record another member was retrying starts again at attempt 1.
      this.rejections.clear();
    });
    // kafkajs has disconnected the consumer by the time it reports the crash.
    consumer.on(consumer.events.CRASH, ({ payload: { error, restart } }) => {
      if (!current()) return;
      this.state = "crashed";
      this.crashes += 1;
      this.options.logger.error(
        { groupId: this.options.groupId, restart, err: loggableError(error) },
        restart ? "kafka consumer crashed; kafkajs restarts it" : "kafka consumer crashed; a new one replaces it",
      );
      if (!restart) this.scheduleRestart();
    });
  }

  private scheduleRestart(): void {
    if (this.closing || this.restartTimer) return;
    this.restartAttempt += 1;
    this.restartTimer = setTimeout(
      () => {
        this.restartTimer = undefined;
        if (this.closing) return;
        this.launch().catch((error: unknown) => {
          this.options.logger.error(
            { groupId: this.options.groupId, attempt: this.restartAttempt, err: loggableError(error) },
            "kafka event bus: could not start a new consumer; trying again",
          );
          this.scheduleRestart();
        });
      },
      backoffDelay(CONSUMER_RESTART_BACKOFF, this.restartAttempt),
    );
  }

  private clearResumeTimers(): void {
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
  }

  private async process(consumer: Consumer, payload: EachMessagePayload): Promise<void> {
    const { topic, partition, message } = payload;
    const where = { topic, partition, offset: message.offset, groupId: this.options.groupId };
    const record = {
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString("utf8") ?? "",
      value: message.value
        ? new Uint8Array(message.value.buffer, message.value.byteOffset, message.value.byteLength)
        : new Uint8Array(),
      headers: decodeHeaders(message.headers),
    };
    // kafkajs heartbeats only between records: a handler slower than the session timeout would get the member
    // evicted and its partitions handed over mid-event. A failed heartbeat means a rebalance, which the runner's own
    // heartbeat after this record sees and acts on.
    const keepAlive = setInterval(
      () => void payload.heartbeat().catch(() => undefined),
      this.options.heartbeatIntervalMs,
    );
    try {
      await dispatchRecord(
        record,
        this.rejections.delivery(topic, partition, message.offset),
        this.options.subscriber,
        (error) =>
          this.options.logger.error(
            { ...where, err: loggableError(error) },
            "kafka event bus: passing over a record that is not a CloudEvent (the subscriber takes none)",
          ),
      );
    } catch (error) {
      const rejections = this.rejections.rejected(topic, partition, message.offset);
      const delayMs = backoffDelay(this.options.redelivery, rejections);
      this.options.logger.warn(
        { ...where, eventId: record.headers.ce_id, attempt: rejections, retryInMs: delayMs, err: loggableError(error) },
        "kafka event bus: handler rejected the record; it will be delivered again",
      );
      this.redeliverLater(consumer, topic, partition, message.offset, delayMs);
      return;
    } finally {
      clearInterval(keepAlive);
    }
    this.rejections.acknowledged(topic, partition);
    await this.commit(consumer, topic, partition, message.offset);
  }

  /** Pauses the partition at `offset` and resumes it after `delayMs`: nothing behind the record overtakes it. */
  private redeliverLater(consumer: Consumer, topic: string, partition: number, offset: string, delayMs: number): void {
    consumer.pause([{ topic, partitions: [partition] }]);
    consumer.seek({ topic, partition, offset });
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      if (consumer !== this.consumer || this.closing) return;
      // kafkajs throws from resume() while a crashed consumer waits to restart, which starts it unpaused anyway;
      // thrown from a timer, that would end the process.
      try {
        consumer.resume([{ topic, partitions: [partition] }]);
      } catch (resumeError) {
        this.options.logger.warn(
          { topic, partition, offset, groupId: this.options.groupId, err: loggableError(resumeError) },
          "kafka event bus: could not resume a partition of a crashed consumer",
        );
      }
    }, delayMs);
    this.resumeTimers.add(timer);
  }

  private async commit(consumer: Consumer, topic: string, partition: number, offset: string): Promise<void> {
    try {
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(offset) + 1n).toString() }]);
    } catch (error) {
      // kafkajs hands back a rebalance (the group moved on while the record was handled) wrapped in a
      // KafkaJSNonRetriableError, and thrown so from eachMessage it crashes the consumer for good. Unwrapped, the
      // runner re-joins the group; the record, uncommitted, is delivered again and the inbox absorbs it.
      throw rejoinCause(error) ?? error;
    }
  }
}

/** The protocol errors on which kafkajs's runner re-joins the group rather than crashing. */
const REJOIN_ERRORS = new Set([
  "REBALANCE_IN_PROGRESS",
  "ILLEGAL_GENERATION",
  "NOT_COORDINATOR_FOR_GROUP",
  "UNKNOWN_MEMBER_ID",
]);

function rejoinCause(error: unknown): KafkaJSProtocolError | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth += 1) {
    if (cause instanceof KafkaJSProtocolError && REJOIN_ERRORS.has(cause.type)) return cause;
  }
  return undefined;
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) decoded[name] = first.toString();
  }
  return decoded;
}
