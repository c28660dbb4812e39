import type { ConnectionOptions } from "node:tls";
import {
  Kafka,
  logLevel as KafkaLogLevel,
  Partitioners,
  type Admin,
  type Consumer,
  type IHeaders,
  type KafkaMessage,
  type LogEntry,
  type Producer,
  type SASLOptions,
} from "kafkajs";
import { MessagingError } from "./errors";
import { OpenSubscriptions } from "./open-subscriptions";
import { loggableError } from "@lienthong/errors";
import { silentLogger, type Logger } from "./logger";
import type { EventBus, EventHandler, OutgoingEvent, SubscribeOptions, Subscription } from "./port";
import { toDeliveredEvent, toOutgoingRecord } from "./record";
import { backoffDelay, type RetryPolicy } from "./retry";

/**
 * The distributed-mode event bus: Kafka through kafkajs. kafkajs types stay in
 * this file; callers see only the EventBus port and this config.
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
  ssl?: boolean | ConnectionOptions;
  sasl?: { mechanism: "plain" | "scram-sha-256" | "scram-sha-512"; username: string; password: string };
  connectionTimeoutMs?: number;
  /** Consumer tuning; the defaults suit a real cluster. */
  consumer?: { sessionTimeoutMs?: number; heartbeatIntervalMs?: number; maxWaitTimeMs?: number };
  /** Wait before a rejected event is delivered again (default 200 ms doubling to 10 s). */
  redelivery?: Pick<RetryPolicy, "initialMs" | "maxMs">;
  logger?: Logger;
}

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
  private closed = false;

  constructor(config: KafkaEventBusConfig) {
    if (!Array.isArray(config.brokers) || config.brokers.length === 0 || config.brokers.some((broker) => !broker)) {
      throw new MessagingError("INVALID_CONFIG", "kafka event bus: brokers must list at least one host:port");
    }
    if (!config.clientId) throw new MessagingError("INVALID_CONFIG", "kafka event bus: clientId is required");
    if (!config.source) throw new MessagingError("INVALID_CONFIG", "kafka event bus: source is required");
    this.config = config;
    this.source = config.source;
    this.logger = config.logger ?? silentLogger;
    this.kafka = new Kafka({
      brokers: config.brokers,
      clientId: config.clientId,
      ssl: config.ssl,
      sasl: config.sasl as SASLOptions | undefined,
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
    if (events.length === 0) return;
    const records = events.map((event) => toOutgoingRecord(event, this.source));
    const topics = [...new Set(records.map((record) => record.topic))];
    const byTopic = new Map<string, { key: string; value: Buffer; headers: IHeaders }[]>();
    for (const record of records) {
      const messages = byTopic.get(record.topic) ?? [];
      messages.push({
        key: record.key,
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
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: !(this.config.createTopics ?? true),
      sessionTimeout: tuning.sessionTimeoutMs,
      heartbeatInterval: tuning.heartbeatIntervalMs,
      maxWaitTimeInMs: tuning.maxWaitTimeMs,
    });
    consumer.on(consumer.events.CRASH, (event) =>
      this.logger.error(
        { groupId: options.groupId, restart: event.payload.restart, err: loggableError(event.payload.error) },
        "kafka consumer crashed",
      ),
    );
    const subscription = new KafkaSubscription(
      consumer,
      options.groupId,
      options.handler,
      this.config.redelivery ?? { initialMs: 200, maxMs: 10_000 },
      this.logger,
    );
    await subscription.start(options.topics);
    return this.subscriptions.track(() => subscription.close());
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
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

/**
 * One kafkajs consumer per subscription. Offsets are committed one by one
 * after the handler resolves; a rejected event pauses its partition, seeks
 * back to it and resumes after a backoff, so nothing behind it overtakes it
 * and the other partitions keep flowing.
 */
class KafkaSubscription {
  private readonly failures = new Map<string, number>();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly groupId: string,
    private readonly handler: EventHandler,
    private readonly redelivery: Pick<RetryPolicy, "initialMs" | "maxMs">,
    private readonly logger: Logger,
  ) {}

  async start(topics: string[]): Promise<void> {
    await this.consumer.connect();
    // A group new to a topic reads it from the start, like the in-process broker.
    await this.consumer.subscribe({ topics, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: ({ topic, partition, message }) => this.process(topic, partition, message),
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const timer of this.resumeTimers) clearTimeout(timer);
      this.resumeTimers.clear();
      await this.consumer.disconnect();
    })();
    return this.closing;
  }

  private async process(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const where = { topic, partition, offset: message.offset, groupId: this.groupId };
    let event;
    try {
      event = toDeliveredEvent({
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString("utf8") ?? "",
        value: message.value
          ? new Uint8Array(message.value.buffer, message.value.byteOffset, message.value.byteLength)
          : new Uint8Array(),
        headers: decodeHeaders(message.headers),
      });
    } catch (error) {
      // Not a CloudEvent: no handler can process it and redelivery cannot fix it.
      this.logger.error(
        { ...where, err: loggableError(error) },
        "kafka event bus: skipping a record that is not a CloudEvent",
      );
      await this.commit(topic, partition, message.offset);
      return;
    }
    const partitionId = `${topic}:${partition}`;
    try {
      await this.handler(event);
    } catch (error) {
      const attempt = (this.failures.get(partitionId) ?? 0) + 1;
      this.failures.set(partitionId, attempt);
      const delayMs = backoffDelay(this.redelivery, attempt);
      this.logger.warn(
        { ...where, eventId: event.id, attempt, retryInMs: delayMs, err: loggableError(error) },
        "kafka event bus: handler rejected the event; it will be delivered again",
      );
      this.consumer.pause([{ topic, partitions: [partition] }]);
      this.consumer.seek({ topic, partition, offset: message.offset });
      const timer = setTimeout(() => {
        this.resumeTimers.delete(timer);
        this.consumer.resume([{ topic, partitions: [partition] }]);
      }, delayMs);
      this.resumeTimers.add(timer);
      return;
    }
    this.failures.delete(partitionId);
    await this.commit(topic, partition, message.offset);
  }

  private commit(topic: string, partition: number, offset: string): Promise<void> {
    return this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(offset) + 1n).toString() }]);
  }
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
