import { randomUUID } from "node:crypto";
import { buildCloudEventHeaders, parseCloudEventHeaders } from "./cloudevents";
import { MessagingError } from "./errors";
import type { DeliveredEvent, Delivery, OutgoingEvent, ReceivedRecord, SubscribeOptions } from "./port";
import { traceHeaders } from "./trace-context";

/**
 * What both adapters put on the wire for one OutgoingEvent: the CloudEvents
 * headers and the trace context. Precedence, lowest first: the bus's ce_source
 * and the active trace context; the event's own headers (an outbox record's
 * captured traceparent, a dead letter's original ce_source); the attributes
 * that follow from the event's fields (id, type, time, key), which always win.
 */
export interface OutgoingRecord {
  topic: string;
  key: string;
  value: Uint8Array;
  headers: Record<string, string>;
}

export function toOutgoingRecord(event: OutgoingEvent, source: string): OutgoingRecord {
  validateOutgoing(event);
  const extra = event.headers ?? {};
  const trace = extra.traceparent === undefined ? traceHeaders() : {};
  const attributes = buildCloudEventHeaders({
    id: event.id ?? randomUUID(),
    source: extra.ce_source ?? source,
    type: event.type,
    time: event.time ?? new Date().toISOString(),
    subject: event.key,
  });
  return { topic: event.topic, key: event.key, value: event.data, headers: { ...trace, ...extra, ...attributes } };
}

function validateOutgoing(event: OutgoingEvent): void {
  const blank = (["topic", "key", "type"] as const).find((field) => !event[field]);
  if (blank) {
    throw new MessagingError("INVALID_HEADER", `event.${blank} is required (topic ${event.topic || "?"})`);
  }
  if (event.id !== undefined && event.id === "") {
    throw new MessagingError("INVALID_HEADER", `event.id must not be empty when given (topic ${event.topic})`);
  }
  if (event.time !== undefined && Number.isNaN(Date.parse(event.time))) {
    throw new MessagingError("INVALID_HEADER", `event.time must be ISO-8601 (topic ${event.topic})`);
  }
}

/** Throws a MessagingError naming the missing header when the record is not a CloudEvent. */
export function toDeliveredEvent(record: ReceivedRecord): DeliveredEvent {
  const ce = parseCloudEventHeaders(record.headers);
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key,
    id: ce.id,
    type: ce.type,
    source: ce.source,
    time: ce.time,
    subject: ce.subject,
    contentType: ce.contentType,
    data: record.value,
    headers: record.headers,
  };
}

/**
 * Hands a received record to the subscriber, the same way in every adapter: a CloudEvent to its handler, anything
 * else to its unreadable handler or, without one, to `passOver`. Rejects when the handler rejects.
 */
export async function dispatchRecord(
  record: ReceivedRecord,
  delivery: Delivery,
  subscriber: Pick<SubscribeOptions, "handler" | "unreadable">,
  passOver: (error: MessagingError) => void,
): Promise<void> {
  let event: DeliveredEvent;
  try {
    event = toDeliveredEvent(record);
  } catch (error) {
    if (!(error instanceof MessagingError)) throw error;
    if (subscriber.unreadable) return subscriber.unreadable({ ...record, error }, delivery);
    passOver(error);
    return;
  }
  await subscriber.handler(event, delivery);
}
