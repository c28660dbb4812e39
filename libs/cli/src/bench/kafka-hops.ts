import type { PlatformUrls } from "../platform-urls";
import { distribution, type Distribution } from "./report";

/** What the hop figures need of a span from a service's /ops/spans. */
export interface HopSpan {
  name: string;
  spanId: string;
  parentSpanId?: string;
  kind: string;
  startTime: string;
  endTime: string;
  /** The service that recorded it (its resource's service.name). */
  service: string;
}

/**
 * Event hops between processes, in milliseconds: from the end of the span that
 * wrote an event to its outbox (a request or another event's handling, whose
 * trace context the record carries) to the start of its handling in another
 * service. That is the outbox relay, Kafka and the consumer's fetch and queue —
 * the part of a dossier's journey that the bus settings decide.
 */
export interface KafkaHops {
  /** Every hop of the measured run. */
  all?: Distribution;
  /** By `producer → consumer event-type`, e.g. "routing → signature gov.lienthong.dossier.decided.v1". */
  byRoute: Record<string, Distribution | undefined>;
}

const PROCESS_SUFFIX = " process";

/** Spans → hops; pure. Only handlings that started at or after `since` (ms since the epoch) count. */
export function kafkaHops(spans: readonly HopSpan[], since: number): KafkaHops {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const all: number[] = [];
  const byRoute = new Map<string, number[]>();
  for (const span of spans) {
    if (span.kind !== "CONSUMER" || !span.name.endsWith(PROCESS_SUFFIX)) continue;
    const started = Date.parse(span.startTime);
    if (started < since) continue;
    const writer = span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId);
    if (!writer || writer.service === span.service) continue;
    const hopMs = started - Date.parse(writer.endTime);
    all.push(hopMs);
    const route = `${writer.service} → ${span.service} ${span.name.slice(0, -PROCESS_SUFFIX.length)}`;
    byRoute.set(route, [...(byRoute.get(route) ?? []), hopMs]);
  }
  return {
    all: distribution(all),
    byRoute: Object.fromEntries(
      [...byRoute].sort(([a], [b]) => a.localeCompare(b)).map(([route, hops]) => [route, distribution(hops)]),
    ),
  };
}

/** The most spans a service's /ops/spans hands out: its store's size. */
const SPANS_PER_SERVICE = 10_000;

/** The spans each service still holds (its store keeps the most recent ones). */
export async function collectSpans(urls: PlatformUrls, operator: Record<string, string>): Promise<HopSpan[]> {
  const perService = await Promise.all(
    Object.entries(urls).map(async ([service, url]) => {
      const response = await fetch(`${url}/ops/spans?limit=${SPANS_PER_SERVICE}`, {
        headers: operator,
        signal: AbortSignal.timeout(30_000),
      });
      if (!response.ok) throw new Error(`${service}: /ops/spans answered HTTP ${response.status}`);
      return ((await response.json()) as { spans: HopSpan[] }).spans;
    }),
  );
  return perService.flat();
}
