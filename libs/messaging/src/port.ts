/**
 * EventBus: the messaging port. Adapters: in-process (embedded mode, optionally
 * journaled to disk so nothing acknowledged is lost across kill -9) and kafka
 * (kafkajs, distributed mode). Both pass test/event-bus.contract.ts.
 *
 * Semantics shared by every adapter (ARCHITECTURE.md §4):
 * - records carry CloudEvents binary-mode headers (ce_specversion, ce_id,
 *   ce_source, ce_type, ce_time, ce_subject, content-type) and W3C trace
 *   context (traceparent, tracestate), injected by the bus from the active
 *   OpenTelemetry context unless the event already carries them;
 * - key = dossier id; events with one key keep their order within a topic;
 * - consumer groups: every group sees every event; within a group each
 *   partition has one active consumer;
 * - at least once: an event is acknowledged only after its handler resolves;
 *   a rejected handler gets the event again after a backoff, before anything
 *   behind it in its partition, while the group's other partitions flow on;
 * - a record that is not a CloudEvent goes to the subscriber's `unreadable`
 *   handler, on the same terms;
 * - a partition is the unit of order and of waiting: its records are handled
 *   one at a time, and the partitions of a subscription are handled
 *   concurrently (one lane each), so a record waiting for its redelivery holds
 *   up the keys of its partition only.
 */
import type { RetryPolicy } from "./retry";
import type { MessagingError } from "./errors";

export interface OutgoingEvent {
  topic: string;
  /** The partition key: the dossier id. Never personal data. */
  key: string;
  /** ce_type, e.g. gov.lienthong.application.submitted.v1 */
  type: string;
  /** The protobuf-encoded payload. */
  data: Uint8Array;
  /** ce_id; a new UUID when absent (the outbox supplies its own so retries keep the id). */
  id?: string;
  /** ce_time as ISO-8601; now when absent. */
  time?: string;
  /** Extra headers, e.g. traceparent captured when an outbox record was written. */
  headers?: Record<string, string>;
}

/**
 * A record exactly as it travels: forwarded with its key, bytes and headers untouched, without CloudEvents
 * headers added or checked (a dead letter carries the record it stands for, readable or not).
 */
export interface RawRecord {
  topic: string;
  /** Empty: no key (Kafka's null key). */
  key: string;
  value: Uint8Array;
  headers: Record<string, string>;
}

export interface DeliveredEvent {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  id: string;
  type: string;
  source: string;
  time: string;
  subject: string;
  contentType: string;
  data: Uint8Array;
  /** Every header as received, including ce_* and trace context. */
  headers: Record<string, string>;
}

/**
 * Which delivery of a record this is, as counted by the consumer holding its
 * partition: it starts again at 1 when the partition changes hands or the
 * consumer restarts, so a count is a lower bound, never a total.
 */
export interface Delivery {
  /** 1 on the first delivery; one more after each rejection. */
  attempt: number;
  /** When a handler first rejected the record (ISO-8601); absent on the first delivery. */
  firstFailedAt?: string;
}

export type EventHandler = (event: DeliveredEvent, delivery: Delivery) => Promise<void>;

/** A record as a consumer received it, bytes and headers untouched. */
export interface ReceivedRecord {
  topic: string;
  partition: number;
  offset: string;
  /** Empty when the record has none. */
  key: string;
  value: Uint8Array;
  headers: Record<string, string>;
}

/** A record that is not a CloudEvent, as it arrived, with what makes it unreadable. */
export interface UnreadableRecord extends ReceivedRecord {
  /** MISSING_HEADER or INVALID_HEADER, naming the header. */
  error: MessagingError;
}

export type UnreadableRecordHandler = (record: UnreadableRecord, delivery: Delivery) => Promise<void>;

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  handler: EventHandler;
  /**
   * Receives the records that are not CloudEvents (a foreign producer, a hand-edited journal), acknowledged once it
   * resolves like an event. Without it such a record is logged as an error and passed over: fine for an observer,
   * never for a service, whose consumer runner dead-letters them.
   */
  unreadable?: UnreadableRecordHandler;
  /** Waits before a rejected record is delivered again; default: the bus's own. */
  redelivery?: Pick<RetryPolicy, "initialMs" | "maxMs">;
}

/** How far a consumer group is behind one partition of a topic it consumes. */
export interface PartitionLag {
  topic: string;
  partition: number;
  /** The group's next offset to consume (the oldest retained record when it never committed). */
  committed: number;
  /** The offset the next record published to the partition will get (Kafka's high-water mark). */
  end: number;
  /** end − committed: records published and not yet consumed by the group. */
  lag: number;
}

export interface Subscription {
  /** Stops fetching, waits for in-flight handlers, commits, leaves the group. */
  close(): Promise<void>;
}

export interface EventBus {
  /** Human-readable adapter name ("in-process", "kafka"). */
  readonly adapter: string;
  /** ce_source for everything this bus publishes: the service name. */
  readonly source: string;
  /** Publishes in order; resolves once every event is durably accepted by the bus. */
  publish(events: OutgoingEvent[]): Promise<void>;
  /** Publishes records as they are (see RawRecord), in order, durably like publish. */
  forward(records: RawRecord[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** The group's lag on every partition of `topics` (for metrics); a topic not created yet has none. */
  consumerLag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]>;
  /** True when the bus can publish (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
