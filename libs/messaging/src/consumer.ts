import { context as otelContext, SpanKind, SpanStatusCode, trace, type Tracer } from "@opentelemetry/api";
import { ConflictError, put, type DocumentStore, type WriteOp } from "@lienthong/storage";
import { inbox } from "./collections";
import { PlatformError, isRetriable, loggableError, toPlatformError } from "@lienthong/errors";
import { type Logger } from "./logger";
import type { DeliveredEvent, Delivery, EventBus, ReceivedRecord, Subscription, UnreadableRecord } from "./port";
import { defaultRetryPolicy, validateRetryPolicy, type RetryPolicy } from "./retry";

/** Immediate re-runs of a handler whose commit lost a race on a document it read (see attempt). */
const CONFLICT_REDOS = 10;
import { extractTraceContext } from "./trace-context";

/**
 * The consumer runner every service uses on top of an EventBus: trace context
 * continued from the producer, idempotency by ce_id (an inbox marker written
 * in the same atomic commit as the handler's writes), and failures classified
 * once (docs/decisions.md §13, §25):
 * - a record that is not a CloudEvent, and a failure that is not retriable
 *   (bad input, a payload that does not decode, an unknown event type, a
 *   programming error), go to the dead-letter topic on their first delivery;
 * - a retriable failure is handed back to the bus, which delivers the event
 *   again after a backoff while the subscription's other partitions flow; its
 *   last allowed attempt failing too, it is dead-lettered.
 * A dead letter is the record as it arrived — key, bytes, headers — plus the
 * dlt_* headers saying where it came from and why it failed.
 */
export type EventProcessor = (event: DeliveredEvent) => Promise<WriteOp[] | void>;

export interface ConsumerOptions {
  bus: EventBus;
  store: DocumentStore;
  groupId: string;
  topics: string[];
  /** Does the work and returns the writes to commit with the inbox marker. */
  handle: EventProcessor;
  /**
   * Whether the group has no business with this event (by its type, say). Such an event is acknowledged as it
   * arrives: no handler, no inbox marker, no commit, no span — nothing is done, so there is nothing to make
   * idempotent or to trace. A replayed event always goes to the handler. Default: every event does.
   */
  ignores?: (event: DeliveredEvent) => boolean;
  /**
   * Who makes a delivery of an event already handled harmless. "inbox" (the default): the runner commits a
   * marker by ce_id with the handler's writes, and skips an event it finds marked. "handler": the handler's own
   * writes record the event — its id kept in the document it changes, written against the version it read —
   * and it returns no writes for an event it finds there; the runner reads and writes no marker, and commits
   * nothing when there is nothing to write. Only for a handler whose every effect is in that document.
   */
  idempotency?: "inbox" | "handler";
  /** Deliveries of an event whose handling keeps failing retriably, and the waits between them. */
  retry?: RetryPolicy;
  /** Default: deadLetterTopicFor(groupId). */
  deadLetterTopic?: string;
  logger: Logger;
  /** Default: the global tracer provider's "@lienthong/messaging" tracer. */
  tracer?: Tracer;
  /** Told how each delivery ended and how long it took (metrics). */
  observer?: ConsumerObserver;
}

/** How the runner settled one delivery: the span's `lienthong.consumer.outcome` too (an ignored one has no span). */
export type ConsumerOutcome = "processed" | "duplicate" | "dead-lettered" | "redelivered" | "ignored";

/** Told of every delivery the runner settles; called on the hot path, so it must be cheap and must not throw. */
export interface ConsumerObserver {
  /**
   * `type` is the record's ce_type as it arrived, "" for a record that is not a CloudEvent: anyone can write
   * one, so map it to a closed set before using it as a label.
   */
  settled(type: string, outcome: ConsumerOutcome, durationSeconds: number): void;
}

/** What a dead letter carries besides the original record's headers. */
export const DeadLetterHeaders = {
  /** The error's stable reason (UNDECODABLE_PAYLOAD, MISSING_HEADER, UNAVAILABLE…); INTERNAL for a defect. */
  reason: "dlt_reason",
  /** `reason: message` for our errors, the class (and the engine's message) for anything else: never data. */
  error: "dlt_error",
  originalTopic: "dlt_original_topic",
  originalPartition: "dlt_original_partition",
  originalOffset: "dlt_original_offset",
  /** The consumer group that gave up, and the service it belongs to (the bus's ce_source). */
  group: "dlt_group",
  service: "dlt_service",
  /** Deliveries counted by the consumer that gave up (a lower bound: see Delivery). */
  attempts: "dlt_attempts",
  firstFailedAt: "dlt_first_failed_at",
  failedAt: "dlt_failed_at",
} as const;

const MAX_ERROR_HEADER_LENGTH = 1000;

export function deadLetterTopicFor(groupId: string): string {
  return `lienthong.deadletter.${groupId}.v1`;
}

/**
 * Where an operator's replay sends a dead letter back: a topic of the group's
 * own, which the group reads besides the topics it consumes. Back on its
 * original topic, the record would reach every group of that topic again, and
 * a secured cluster refuses the write anyway (the topic is its producer's).
 */
export function replayTopicFor(groupId: string): string {
  return `lienthong.replay.${groupId}.v1`;
}

/** On a replayed record: the topic its event was published on, the one its handler is told it arrived on. */
export const REPLAYED_FROM_HEADER = "lienthong_replayed_from";

export function inboxId(groupId: string, eventId: string): string {
  return `${groupId}:${eventId}`;
}

type Outcome = Exclude<ConsumerOutcome, "redelivered" | "ignored">;

/** Where a record came from, with its key, bytes and headers: what a dead letter is made of. */

export async function startConsumer(options: ConsumerOptions): Promise<Subscription> {
  const policy = validateRetryPolicy(options.retry ?? defaultRetryPolicy);
  const deadLetterTopic = options.deadLetterTopic ?? deadLetterTopicFor(options.groupId);
  const replayTopic = replayTopicFor(options.groupId);
  const tracer = options.tracer ?? trace.getTracer("@lienthong/messaging");
  const { bus, store, groupId, logger, observer } = options;

  const deadLetter = (original: ReceivedRecord, error: unknown, delivery: Delivery): Promise<void> => {
    const failedAt = new Date().toISOString();
    // The topic a replay names is the ledger's word alone: on any other topic the header is a producer's, and kept
    // it would let a replay pass the record off as published on a topic its producer may not write.
    const { [REPLAYED_FROM_HEADER]: replayedFrom, ...headers } = original.headers;
    return bus.forward([
      {
        topic: deadLetterTopic,
        key: original.key,
        value: original.value,
        headers: {
          ...headers,
          ...(original.topic === replayTopic && replayedFrom !== undefined && { [REPLAYED_FROM_HEADER]: replayedFrom }),
          [DeadLetterHeaders.reason]: toPlatformError(error).reason,
          [DeadLetterHeaders.error]: failureDescription(error).slice(0, MAX_ERROR_HEADER_LENGTH),
          [DeadLetterHeaders.originalTopic]: original.topic,
          [DeadLetterHeaders.originalPartition]: String(original.partition),
          [DeadLetterHeaders.originalOffset]: original.offset,
          [DeadLetterHeaders.group]: groupId,
          [DeadLetterHeaders.service]: bus.source,
          [DeadLetterHeaders.attempts]: String(delivery.attempt),
          [DeadLetterHeaders.firstFailedAt]: delivery.firstFailedAt ?? failedAt,
          [DeadLetterHeaders.failedAt]: failedAt,
        },
      },
    ]);
  };

  /** Resolves once the event is done with (processed, a duplicate, dead-lettered); rejects to have it redelivered. */
  const attempt = async (event: DeliveredEvent, delivery: Delivery): Promise<Outcome> =>
    options.idempotency === "handler" ? attemptKeptByHandler(event, delivery) : attemptWithMarker(event, delivery);

  const attemptWithMarker = async (event: DeliveredEvent, delivery: Delivery): Promise<Outcome> => {
    const markerId = inboxId(groupId, event.id);
    if (await store.get(inbox, markerId)) return "duplicate";
    const marker = put(
      inbox,
      markerId,
      { groupId, eventId: event.id, type: event.type, topic: event.topic, processedAt: new Date().toISOString() },
      0,
    );
    for (let conflicts = 0; ; conflicts += 1) {
      try {
        const writes = (await options.handle(asPublished(event))) ?? [];
        await store.commit([...writes, marker]);
        return "processed";
      } catch (error) {
        // The marker already exists: a concurrent delivery of the same event won.
        if (error instanceof ConflictError && error.collection === inbox.name && error.id === markerId) {
          return "duplicate";
        }
        // Another writer moved a document the handler read (an event of the same dossier on another
        // topic): handling it again reads the new state. Not a failure of the event, so it never counts
        // towards dead-lettering, unless the documents keep moving.
        if (error instanceof ConflictError && conflicts < CONFLICT_REDOS) continue;
        return failed(event, delivery, error);
      }
    }
  };

  /** As attemptWithMarker, the handler's own record of the event standing for the marker. */
  const attemptKeptByHandler = async (event: DeliveredEvent, delivery: Delivery): Promise<Outcome> => {
    for (let conflicts = 0; ; conflicts += 1) {
      try {
        const writes = (await options.handle(asPublished(event))) ?? [];
        if (writes.length > 0) await store.commit(writes);
        return "processed";
      } catch (error) {
        // A concurrent delivery of the same event, or another event of the same document, wrote first: handling
        // it again reads the new state (where the handler finds the event, if that delivery applied it).
        if (error instanceof ConflictError && conflicts < CONFLICT_REDOS) continue;
        return failed(event, delivery, error);
      }
    }
  };

  /**
   * The event as its handler knows it: a replayed one on the topic it was published on. Only the group's own
   * principal writes its replay topic, and only its ledger does so, naming a topic the group consumes; a record
   * there naming another is refused all the same.
   */
  const asPublished = (event: DeliveredEvent): DeliveredEvent => {
    if (event.topic !== replayTopic) return event;
    const publishedOn = event.headers[REPLAYED_FROM_HEADER];
    if (publishedOn === undefined || !options.topics.includes(publishedOn)) {
      throw new PlatformError(
        "INVALID_ARGUMENT",
        `a replayed event must name in ${REPLAYED_FROM_HEADER} a topic group ${groupId} consumes`,
        { reason: "NOT_REPLAYABLE_HERE" },
      );
    }
    return { ...event, topic: publishedOn };
  };

  /** A failed attempt: thrown back for redelivery while the policy allows, else dead-lettered. */
  const failed = async (event: DeliveredEvent, delivery: Delivery, error: unknown): Promise<Outcome> => {
    // The bus logs the rejection and delivers the event again after a backoff; its partition waits, no other.
    if (isRetriable(error) && delivery.attempt < policy.attempts) throw error;
    await deadLetter({ ...event, value: event.data }, error, delivery);
    logger.error(
      {
        groupId,
        topic: event.topic,
        partition: event.partition,
        offset: event.offset,
        eventId: event.id,
        type: event.type,
        attempts: delivery.attempt,
        deadLetterTopic,
        err: loggableError(error),
      },
      "event dead-lettered",
    );
    return "dead-lettered";
  };

  const handler = async (event: DeliveredEvent, delivery: Delivery): Promise<void> => {
    if (event.topic !== replayTopic && options.ignores?.(event)) {
      observer?.settled(event.type, "ignored", 0);
      return;
    }
    const parent = extractTraceContext(event.headers);
    // Ids only: payloads hold citizens' personal data (DOMAIN.md §7).
    const span = tracer.startSpan(
      `${event.type} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          "messaging.system": bus.adapter,
          "messaging.operation.type": "process",
          "messaging.destination.name": event.topic,
          "messaging.destination.partition.id": String(event.partition),
          "messaging.consumer.group.name": groupId,
          "messaging.message.id": event.id,
          "lienthong.dossier_id": event.key,
          "lienthong.consumer.attempt": delivery.attempt,
        },
      },
      parent,
    );
    const started = performance.now();
    try {
      const outcome = await otelContext.with(trace.setSpan(parent, span), () => attempt(event, delivery));
      observer?.settled(event.type, outcome, (performance.now() - started) / 1000);
      span.setAttribute("lienthong.consumer.outcome", outcome);
      if (outcome === "dead-lettered") span.setStatus({ code: SpanStatusCode.ERROR, message: "dead-lettered" });
    } catch (error) {
      observer?.settled(event.type, "redelivered", (performance.now() - started) / 1000);
      span.setAttribute("lienthong.consumer.outcome", "redelivered");
      span.setStatus({ code: SpanStatusCode.ERROR, message: failureDescription(error) });
      throw error;
    } finally {
      span.end();
    }
  };

  // Not a CloudEvent (a foreign producer, a hand-edited journal): no attempt can read it.
  const unreadable = async (record: UnreadableRecord, delivery: Delivery): Promise<void> => {
    const started = performance.now();
    await deadLetter(record, record.error, delivery);
    observer?.settled("", "dead-lettered", (performance.now() - started) / 1000);
    logger.error(
      {
        groupId,
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        deadLetterTopic,
        err: loggableError(record.error),
      },
      "record that is not a CloudEvent dead-lettered",
    );
  };

  return bus.subscribe({
    groupId,
    topics: [...options.topics, replayTopic],
    handler,
    unreadable,
    redelivery: { initialMs: policy.initialMs, maxMs: policy.maxMs },
  });
}

/** The engine's own errors: their messages name the code's properties and identifiers, never data. */
const ENGINE_ERRORS = new Set(["TypeError", "ReferenceError", "RangeError"]);

/**
 * The failure as the dead letter and the span record it, without personal
 * data: our errors by reason and message (written without it), a defect of
 * the engine's by class and message, which is what a developer needs to find
 * it; any other error by its class only, since its message may quote the
 * value it choked on (JSON.parse's does, a driver's may, Node's argument
 * errors do and carry a code).
 */
function failureDescription(error: unknown): string {
  if (error instanceof PlatformError) return `${error.reason}: ${error.message}`;
  if (error instanceof Error) {
    return ENGINE_ERRORS.has(error.name) && !("code" in error) ? `${error.name}: ${error.message}` : error.name;
  }
  return typeof error;
}
