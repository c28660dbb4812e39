import { context as otelContext, SpanKind, SpanStatusCode, trace, type Tracer } from "@opentelemetry/api";
import { ConflictError, put, type DocumentStore, type WriteOp } from "@lienthong/storage";
import { inbox } from "./collections";
import { MessagingError } from "./errors";
import { PlatformError, isRetriable, loggableError } from "@lienthong/errors";
import { type Logger } from "./logger";
import type { DeliveredEvent, EventBus, Subscription } from "./port";
import { backoffDelay, defaultRetryPolicy, sleep, validateRetryPolicy, type RetryPolicy } from "./retry";
import { extractTraceContext } from "./trace-context";

/**
 * The consumer runner every service uses on top of an EventBus: trace context
 * continued from the producer, idempotency by ce_id (an inbox marker written
 * in the same atomic commit as the handler's writes), bounded retries, and a
 * dead-letter topic so one poison event never blocks its partition.
 */
export type EventProcessor = (event: DeliveredEvent) => Promise<WriteOp[] | void>;

export interface ConsumerOptions {
  bus: EventBus;
  store: DocumentStore;
  groupId: string;
  topics: string[];
  /** Does the work and returns the writes to commit with the inbox marker. */
  handle: EventProcessor;
  retry?: RetryPolicy;
  /** Default: deadLetterTopicFor(groupId). */
  deadLetterTopic?: string;
  logger: Logger;
  /** Default: the global tracer provider's "@lienthong/messaging" tracer. */
  tracer?: Tracer;
}

export const DeadLetterHeaders = {
  error: "dlt_error",
  originalTopic: "dlt_original_topic",
  attempts: "dlt_attempts",
  failedAt: "dlt_failed_at",
  group: "dlt_group",
} as const;

const MAX_ERROR_HEADER_LENGTH = 1000;

export function deadLetterTopicFor(groupId: string): string {
  return `lienthong.deadletter.${groupId}.v1`;
}

export function inboxId(groupId: string, eventId: string): string {
  return `${groupId}:${eventId}`;
}

type Outcome = "processed" | "duplicate" | "dead-lettered";

export async function startConsumer(options: ConsumerOptions): Promise<Subscription> {
  const policy = validateRetryPolicy(options.retry ?? defaultRetryPolicy);
  const deadLetterTopic = options.deadLetterTopic ?? deadLetterTopicFor(options.groupId);
  const tracer = options.tracer ?? trace.getTracer("@lienthong/messaging");
  const { bus, store, groupId, logger } = options;
  // Aborts backoff waits on close: the event is then left uncommitted and delivered again later.
  const stopping = new AbortController();

  const attemptAll = async (event: DeliveredEvent): Promise<Outcome> => {
    const markerId = inboxId(groupId, event.id);
    if (await store.get(inbox, markerId)) return "duplicate";
    const marker = put(
      inbox,
      markerId,
      { groupId, eventId: event.id, type: event.type, topic: event.topic, processedAt: new Date().toISOString() },
      0,
    );
    for (let attempt = 1; ; attempt += 1) {
      try {
        const writes = (await options.handle(event)) ?? [];
        await store.commit([...writes, marker]);
        return "processed";
      } catch (error) {
        // The marker already exists: a concurrent delivery of the same event won.
        if (error instanceof ConflictError && error.collection === inbox.name && error.id === markerId) {
          return "duplicate";
        }
        const where = {
          groupId,
          topic: event.topic,
          partition: event.partition,
          offset: event.offset,
          eventId: event.id,
          type: event.type,
        };
        if (!isRetriable(error) || attempt >= policy.attempts) {
          await deadLetter(event, error, attempt);
          logger.error(
            { ...where, attempts: attempt, deadLetterTopic, err: loggableError(error) },
            "event dead-lettered",
          );
          return "dead-lettered";
        }
        const delayMs = backoffDelay(policy, attempt);
        logger.warn(
          { ...where, attempt, retryInMs: delayMs, err: loggableError(error) },
          "event handling failed; retrying",
        );
        await sleep(delayMs, stopping.signal);
      }
    }
  };

  const deadLetter = (event: DeliveredEvent, error: unknown, attempts: number): Promise<void> => {
    const description = failureDescription(error);
    return bus.publish([
      {
        topic: deadLetterTopic,
        key: event.key,
        type: event.type,
        id: event.id,
        time: event.time,
        data: event.data,
        headers: {
          ...event.headers,
          [DeadLetterHeaders.error]: description.slice(0, MAX_ERROR_HEADER_LENGTH),
          [DeadLetterHeaders.originalTopic]: event.topic,
          [DeadLetterHeaders.attempts]: String(attempts),
          [DeadLetterHeaders.failedAt]: new Date().toISOString(),
          [DeadLetterHeaders.group]: groupId,
        },
      },
    ]);
  };

  const handler = async (event: DeliveredEvent): Promise<void> => {
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
        },
      },
      parent,
    );
    try {
      const outcome = await otelContext.with(trace.setSpan(parent, span), () => attemptAll(event));
      span.setAttribute("lienthong.consumer.outcome", outcome);
      if (outcome === "dead-lettered") span.setStatus({ code: SpanStatusCode.ERROR, message: "dead-lettered" });
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: failureDescription(error) });
      throw error;
    } finally {
      span.end();
    }
  };

  const subscription = await bus.subscribe({ groupId, topics: options.topics, handler });
  return {
    close: async () => {
      stopping.abort();
      await subscription.close();
    },
  };
}

export interface ReplayOptions {
  bus: EventBus;
  /** The consumer group whose dead letters are replayed. */
  groupId: string;
  /** Default: deadLetterTopicFor(groupId). */
  deadLetterTopic?: string;
  /** Replay only the letters it accepts; the others are passed over by this replay group. */
  filter?: (letter: DeliveredEvent) => boolean;
  /**
   * The group that remembers which letters were already replayed (default
   * `<groupId>.replay`); use another one to look at passed-over letters again.
   */
  replayGroupId?: string;
  /** Finish once no letter arrived for this long (default 3 s; raise it for a cluster that is slow to assign). */
  idleMs?: number;
}

/**
 * Republishes dead letters to the topic they came from with their original
 * ce_id, type, time, source, key and trace context, so the consumer's inbox
 * still deduplicates them.
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<{ replayed: number; skipped: number }> {
  const { bus } = options;
  const idleMs = options.idleMs ?? 3_000;
  let replayed = 0;
  let skipped = 0;
  let lastActivity = Date.now();
  const subscription = await bus.subscribe({
    groupId: options.replayGroupId ?? `${options.groupId}.replay`,
    topics: [options.deadLetterTopic ?? deadLetterTopicFor(options.groupId)],
    handler: async (letter) => {
      lastActivity = Date.now();
      const originalTopic = letter.headers[DeadLetterHeaders.originalTopic];
      if (!originalTopic) {
        throw new MessagingError(
          "MISSING_HEADER",
          `dead letter ${letter.id} has no "${DeadLetterHeaders.originalTopic}" header`,
        );
      }
      if (options.filter && !options.filter(letter)) {
        skipped += 1;
        return;
      }
      const headers = Object.fromEntries(Object.entries(letter.headers).filter(([name]) => !name.startsWith("dlt_")));
      await bus.publish([
        {
          topic: originalTopic,
          key: letter.key,
          type: letter.type,
          id: letter.id,
          time: letter.time,
          data: letter.data,
          headers,
        },
      ]);
      replayed += 1;
      lastActivity = Date.now();
    },
  });
  try {
    while (Date.now() - lastActivity < idleMs) await sleep(Math.min(100, idleMs));
  } finally {
    await subscription.close();
  }
  return { replayed, skipped };
}

/**
 * The failure as the dead letter and the span record it: our errors by reason
 * and message (written without personal data), anything else by its class and
 * message, which is what a developer needs to find the defect.
 */
function failureDescription(error: unknown): string {
  if (error instanceof PlatformError) return `${error.reason}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
