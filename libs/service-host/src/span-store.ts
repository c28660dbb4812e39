import { SpanKind, SpanStatusCode, type Attributes, type HrTime } from "@opentelemetry/api";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";

/** A finished span as plain JSON, for the ops API in embedded mode. */
export interface StoredSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  kind: string;
  startTime: string;
  endTime: string;
  durationMs: number;
  status: { code: "UNSET" | "OK" | "ERROR"; message?: string };
  attributes: Attributes;
  scope: string;
  service: string;
}

export const defaultSpanStoreLimit = 10_000;

/**
 * Keeps the most recent finished spans in a fixed-size ring: memory stays
 * bounded however long the embedded platform runs; the oldest span is
 * dropped first.
 */
export class SpanStore {
  readonly limit: number;
  private readonly ring: (StoredSpan | undefined)[];
  private next = 0;
  private count = 0;

  constructor(limit = defaultSpanStoreLimit) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError("spanStoreLimit must be a positive integer");
    this.limit = limit;
    this.ring = new Array<StoredSpan | undefined>(limit);
  }

  get size(): number {
    return this.count;
  }

  add(span: StoredSpan): void {
    this.ring[this.next] = span;
    this.next = (this.next + 1) % this.limit;
    this.count = Math.min(this.count + 1, this.limit);
  }

  /** Every stored span of one trace, in start order (an enclosing span first on a tie). */
  byTrace(traceId: string): StoredSpan[] {
    return this.oldestFirst()
      .filter((span) => span.traceId === traceId)
      .sort((a, b) => a.startTime.localeCompare(b.startTime) || b.durationMs - a.durationMs);
  }

  /** The most recently finished spans, newest first. */
  recent(limit = 100): StoredSpan[] {
    return this.oldestFirst().reverse().slice(0, Math.max(0, limit));
  }

  clear(): void {
    this.ring.fill(undefined);
    this.next = 0;
    this.count = 0;
  }

  private oldestFirst(): StoredSpan[] {
    const start = this.count < this.limit ? 0 : this.next;
    const spans: StoredSpan[] = [];
    for (let i = 0; i < this.count; i++) {
      const span = this.ring[(start + i) % this.limit];
      if (span) spans.push(span);
    }
    return spans;
  }
}

/** Feeds finished spans into a SpanStore. */
export class SpanStoreProcessor implements SpanProcessor {
  constructor(private readonly store: SpanStore) {}

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    this.store.add(toStoredSpan(span));
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}

const statusNames = {
  [SpanStatusCode.UNSET]: "UNSET",
  [SpanStatusCode.OK]: "OK",
  [SpanStatusCode.ERROR]: "ERROR",
} as const;

export function toStoredSpan(span: ReadableSpan): StoredSpan {
  const context = span.spanContext();
  const stored: StoredSpan = {
    name: span.name,
    traceId: context.traceId,
    spanId: context.spanId,
    kind: SpanKind[span.kind],
    startTime: isoOf(span.startTime),
    endTime: isoOf(span.endTime),
    durationMs: span.duration[0] * 1e3 + span.duration[1] / 1e6,
    status: { code: statusNames[span.status.code] },
    attributes: { ...span.attributes },
    scope: span.instrumentationScope.name,
    service: String(span.resource.attributes["service.name"] ?? "unknown"),
  };
  if (span.parentSpanContext) stored.parentSpanId = span.parentSpanContext.spanId;
  if (span.status.message) stored.status.message = span.status.message;
  return stored;
}

function isoOf([seconds, nanos]: HrTime): string {
  // Microsecond precision keeps start order sortable as text.
  const micros = Math.floor(nanos / 1e3)
    .toString()
    .padStart(6, "0");
  return `${new Date(seconds * 1e3).toISOString().slice(0, 19)}.${micros}Z`;
}
