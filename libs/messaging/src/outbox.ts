import { randomUUID } from "node:crypto";
import { put, remove, type DocumentStore, type Versioned, type WriteOp } from "@lienthong/storage";
import { outbox, type OutboxRecord } from "./collections";
import { loggableError } from "@lienthong/errors";
import { type Logger } from "./logger";
import type { EventBus, OutgoingEvent } from "./port";
import { backoffDelay } from "./retry";
import { traceHeaders } from "./trace-context";

/**
 * Transactional outbox (ARCHITECTURE.md §4): a use case commits its state
 * change together with outboxWrites(events); the OutboxRelay publishes them
 * afterwards. ce_id and ce_time are fixed when the record is written, so a
 * crash between publish and delete only ever yields a duplicate with the same
 * ce_id, which consumers absorb.
 */
let lastSequence = 0;

function nextSequence(): number {
  lastSequence = Math.max(Date.now() * 1000, lastSequence + 1);
  return lastSequence;
}

/** The writes that put `events` in the outbox; commit them in the same store.commit as the state change. */
export function outboxWrites(events: OutgoingEvent[]): WriteOp[] {
  // Captured now, inside the use case's span, so the relay publishes under it.
  const trace = traceHeaders();
  return events.map((event) => {
    const eventId = event.id ?? randomUUID();
    const record: OutboxRecord = {
      sequence: nextSequence(),
      topic: event.topic,
      key: event.key,
      type: event.type,
      eventId,
      time: event.time ?? new Date().toISOString(),
      data: Buffer.from(event.data.buffer, event.data.byteOffset, event.data.byteLength).toString("base64"),
      headers: { ...trace, ...event.headers },
    };
    return put(outbox, eventId, record, 0);
  });
}

function toOutgoingEvent(record: Versioned<OutboxRecord>): OutgoingEvent {
  const { data } = record;
  return {
    topic: data.topic,
    key: data.key,
    type: data.type,
    id: data.eventId,
    time: data.time,
    data: new Uint8Array(Buffer.from(data.data, "base64")),
    headers: data.headers,
  };
}

export interface OutboxRelayOptions {
  store: DocumentStore;
  bus: EventBus;
  logger: Logger;
  /** Safety-net poll when nobody calls notify() (default 1 s). */
  pollIntervalMs?: number;
  /** Records per publish (default 100). */
  batchSize?: number;
  /**
   * How long a notified relay waits before it publishes, so that the events
   * committed meanwhile go out with the first in one batch (default 0: at once).
   */
  lingerMs?: number;
}

export class OutboxRelay {
  private readonly store: DocumentStore;
  private readonly bus: EventBus;
  private readonly logger: Logger;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private draining: Promise<void> | undefined;
  private drainAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly lingerMs: number;
  /** Set while a notified publish lingers: further notifications ride along with it. */
  private lingering: NodeJS.Timeout | undefined;
  private running = false;
  private failures = 0;

  constructor(options: OutboxRelayOptions) {
    this.store = options.store;
    this.bus = options.bus;
    this.logger = options.logger;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.batchSize = options.batchSize ?? 100;
    this.lingerMs = options.lingerMs ?? 0;
    if (!(this.pollIntervalMs > 0))
      throw new RangeError(`outbox relay: pollIntervalMs must be > 0, got ${this.pollIntervalMs}`);
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new RangeError(`outbox relay: batchSize must be an integer >= 1, got ${this.batchSize}`);
    }
    if (!Number.isInteger(this.lingerMs) || this.lingerMs < 0) {
      throw new RangeError(`outbox relay: lingerMs must be an integer >= 0, got ${this.lingerMs}`);
    }
  }

  /** Publishes what is pending now (left over from before a crash too), then keeps polling. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  /**
   * Wakes the relay; call it after committing outbox writes. It publishes
   * after lingerMs, together with whatever is committed in the meantime: one
   * read, one publish and one delete for a burst instead of one per commit
   * (docs/decisions.md §68).
   */
  notify(): void {
    if (!this.running || this.lingering) return;
    if (this.lingerMs === 0) {
      this.tick();
      return;
    }
    this.lingering = setTimeout(() => this.tick(), this.lingerMs);
    this.lingering.unref();
  }

  /** Publishes everything pending; rejects if the bus refuses (for shutdown and tests). */
  flush(): Promise<void> {
    return this.drain();
  }

  /** Stops polling and waits for the publish in progress. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    clearTimeout(this.lingering);
    this.lingering = undefined;
    await this.draining?.catch(() => undefined);
  }

  /** Records waiting to be published (a metric: a growing backlog means the bus is unreachable). */
  backlog(): Promise<number> {
    return this.store.count(outbox);
  }

  /**
   * How long the oldest record has waited to be published, in ms (0 when none waits): a metric — an age that
   * keeps growing means the relay is stuck, whatever the backlog's size. Read by the sequence index.
   */
  async oldestAgeMs(now = Date.now()): Promise<number> {
    const [oldest] = await this.store.find(outbox, { orderBy: { field: "sequence", direction: "asc" }, limit: 1 });
    // A sequence is the writing time in microseconds (nextSequence).
    return oldest ? Math.max(0, now - oldest.data.sequence / 1000) : 0;
  }

  private tick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    // A poll that comes first publishes what lingered as well.
    clearTimeout(this.lingering);
    this.lingering = undefined;
    void this.drain().then(
      () => {
        this.failures = 0;
        this.schedule(this.pollIntervalMs);
      },
      (error: unknown) => {
        this.failures += 1;
        const retryInMs = backoffDelay(
          { initialMs: this.pollIntervalMs, maxMs: 30 * this.pollIntervalMs },
          this.failures,
        );
        this.logger.warn(
          { attempt: this.failures, retryInMs, err: loggableError(error) },
          "outbox relay: publish failed; will retry",
        );
        this.schedule(retryInMs);
      },
    );
  }

  private schedule(delayMs: number): void {
    if (!this.running || this.timer) return;
    this.timer = setTimeout(() => this.tick(), delayMs);
    this.timer.unref();
  }

  /** One drain at a time; a request during a drain makes it go round once more. */
  private drain(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = (async () => {
      try {
        do {
          this.drainAgain = false;
          while (await this.publishBatch()) {
            // keep going while full batches come back
          }
        } while (this.drainAgain);
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  /** Publishes the oldest pending records, then deletes them; true when more may be waiting. */
  private async publishBatch(): Promise<boolean> {
    const pending = await this.store.find(outbox, {
      orderBy: { field: "sequence", direction: "asc" },
      limit: this.batchSize,
    });
    if (pending.length === 0) return false;
    // What was read may be a moment from the disk; it leaves the store only once it is there.
    await this.store.durable();
    await this.bus.publish(pending.map(toOutgoingEvent));
    await this.store.commit(pending.map((record) => remove(outbox, record.id)));
    this.logger.debug({ published: pending.length }, "outbox relay: published");
    return pending.length === this.batchSize;
  }
}
