import {
  context as otelContext,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Context,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";

/**
 * W3C trace context on event headers. The lib owns its propagator instead of
 * using the global one, so context crosses the bus whatever propagator (or
 * none) the service registered — the in-process bus has no
 * auto-instrumentation to do it (ARCHITECTURE.md §6).
 */
const propagator = new W3CTraceContextPropagator();

export const TRACE_HEADERS = ["traceparent", "tracestate"] as const;

/** traceparent/tracestate for the given context (the active one by default); empty without a sampled-or-not span. */
export function traceHeaders(context: Context = otelContext.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagator.inject(context, carrier, defaultTextMapSetter);
  return carrier;
}

/** The remote parent context carried by the headers, on top of `base` (the root context by default). */
export function extractTraceContext(headers: Record<string, string>, base: Context = ROOT_CONTEXT): Context {
  return propagator.extract(base, headers, defaultTextMapGetter);
}
