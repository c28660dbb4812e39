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
 *   a rejected handler gets the event again.
 */

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

export type EventHandler = (event: DeliveredEvent) => Promise<void>;

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  handler: EventHandler;
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
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** True when the bus can publish (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
