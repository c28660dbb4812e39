import type { StoredSpan } from "@lienthong/service-host";
import { callService } from "./api";

/** A finished span as the services' span stores keep it (GET /ops/traces/:traceId). */
export type { StoredSpan };

export interface DossierTrace {
  traceId: string;
  spans: StoredSpan[];
}

/** How far back a service's span store is searched for the dossier: its most recent spans. */
const SEARCHED_SPANS = 5000;

/**
 * Whether a span is about the dossier: a consumer's span names the dossier's
 * id. Without the id (no service told it to this caller), a request whose path
 * names the dossier's code.
 */
function concerns(span: StoredSpan, dossierId: string | undefined, dossierCode: string): boolean {
  if (dossierId !== undefined) return span.attributes["lienthong.dossier_id"] === dossierId;
  const path = span.attributes["url.path"];
  return typeof path === "string" && path.split("/").includes(dossierCode);
}

/**
 * The dossier's traces, each with its spans from every service (GET
 * /ops/traces/:traceId on each, merged by span id). The traces are found in
 * every service's recent spans: each service keeps its own store (in
 * distributed mode, and in embedded mode, where each runs on a thread of its
 * own), and a trace may begin in any of them (an official's decision begins in
 * routing).
 */
export async function dossierTraces(
  services: readonly string[],
  dossierCode: string,
  dossierId: string | undefined,
  token: string,
  signal: AbortSignal,
): Promise<DossierTrace[]> {
  const recent = await Promise.all(
    services.map((service) =>
      callService<{ spans: StoredSpan[] }>(service, `/ops/spans?limit=${SEARCHED_SPANS}`, token, signal),
    ),
  );
  const traceIds = new Set(
    recent.flatMap(({ spans }) =>
      spans.filter((span) => concerns(span, dossierId, dossierCode)).map((span) => span.traceId),
    ),
  );
  const traces = await Promise.all(
    [...traceIds].map(async (traceId) => {
      const answers = await Promise.all(
        services.map((service) =>
          callService<{ spans: StoredSpan[] }>(service, `/ops/traces/${traceId}`, token, signal),
        ),
      );
      const spans = [...new Map(answers.flatMap((answer) => answer.spans).map((span) => [span.spanId, span])).values()];
      spans.sort((a, b) => a.startTime.localeCompare(b.startTime) || b.durationMs - a.durationMs);
      return { traceId, spans: withPlatformServices(spans, services) };
    }),
  );
  return traces.sort((a, b) => (a.spans[0]?.startTime ?? "").localeCompare(b.spans[0]?.startTime ?? ""));
}

/**
 * Each span's platform service. With every service on one thread
 * (`lienthong start --no-threads`) the resource's service name is the
 * process's, which does not tell them apart; a
 * consumer's group does, and a use case's span is named after its service
 * (`routing.decide`); a request's span takes its children's service, else its parent's.
 */
function withPlatformServices(spans: StoredSpan[], services: readonly string[]): StoredSpan[] {
  const known = (name: string | undefined) => (name !== undefined && services.includes(name) ? name : undefined);
  const own = new Map<string, string | undefined>(
    spans.map((span) => {
      const group = span.attributes["messaging.consumer.group.name"];
      return [
        span.spanId,
        known(typeof group === "string" ? group : undefined) ?? known(span.service) ?? known(span.name.split(".")[0]),
      ];
    }),
  );
  const resolved = (span: StoredSpan): string => {
    const direct = own.get(span.spanId);
    if (direct) return direct;
    const child = spans.find((candidate) => candidate.parentSpanId === span.spanId && own.get(candidate.spanId));
    if (child) return own.get(child.spanId)!;
    const parent = span.parentSpanId ? own.get(span.parentSpanId) : undefined;
    return parent ?? span.service;
  };
  return spans.map((span) => ({ ...span, service: resolved(span) }));
}

const textOf = (value: unknown): string => (typeof value === "string" ? value : "");

/** One event of the dossier and the consumer groups that processed it. */
export interface ConsumedEvent {
  eventId: string;
  name: string;
  /** When the first group started on it. */
  at: string;
  groups: { service: string; outcome: string }[];
}

/** The events consumers processed for the dossier, in time order: its journey as the trace saw it. */
export function consumedEvents(traces: readonly DossierTrace[]): ConsumedEvent[] {
  const events = new Map<string, ConsumedEvent>();
  const spans = traces
    .flatMap((trace) => trace.spans)
    .filter((span) => typeof span.attributes["messaging.consumer.group.name"] === "string")
    .sort((a, b) => a.startTime.localeCompare(b.startTime));
  for (const span of spans) {
    const eventId = textOf(span.attributes["messaging.message.id"]) || span.spanId;
    const event = events.get(eventId) ?? { eventId, name: span.name, at: span.startTime, groups: [] };
    event.groups.push({ service: span.service, outcome: textOf(span.attributes["lienthong.consumer.outcome"]) });
    events.set(eventId, event);
  }
  return [...events.values()];
}
