import { randomBytes } from "node:crypto";
import { isSpanContextValid, trace } from "@opentelemetry/api";

/** The trace id of the active span, if telemetry is running and a span is active. */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const context = span.spanContext();
  return isSpanContextValid(context) ? context.traceId : undefined;
}

const traceparentPattern = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/**
 * The id to hand back to a caller and write in logs: the active span's, else
 * the caller's W3C traceparent's, else a fresh one, so that even without
 * telemetry a reported id finds the log lines.
 */
export function requestTraceId(traceparent: string | string[] | undefined): string {
  const active = activeTraceId();
  if (active) return active;
  const header = Array.isArray(traceparent) ? traceparent[0] : traceparent;
  const fromHeader = header ? traceparentPattern.exec(header.trim().toLowerCase())?.[1] : undefined;
  if (fromHeader && !/^0+$/.test(fromHeader)) return fromHeader;
  return randomBytes(16).toString("hex");
}
