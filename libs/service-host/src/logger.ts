import { isSpanContextValid, trace } from "@opentelemetry/api";
import pino from "pino";

export type Logger = pino.Logger;

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go; stdout when omitted. Tests pass a capturing stream. */
  destination?: pino.DestinationStream;
}

export const redactionCensor = "[redacted]";

/** Keys that hold personal data (DOMAIN.md §7) wherever they appear in a log object. */
const personalKeys = [
  "fullName",
  "full_name",
  "citizenId",
  "citizen_id",
  "phone",
  "email",
  "address",
  "dateOfBirth",
  "date_of_birth",
];

/**
 * Redaction paths: whole `applicant` objects and request bodies, the
 * authorization header, and every personal key at depths one to four (the
 * redactor needs explicit depths; four covers our nested payloads).
 */
export const redactPaths: string[] = [
  "applicant",
  "*.applicant",
  "*.*.applicant",
  "req.body",
  "body",
  "headers.authorization",
  "req.headers.authorization",
  ...personalKeys.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]),
];

/** trace_id and span_id of the active span, so every line joins its trace. */
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceFields,
      redact: { paths: redactPaths, censor: redactionCensor },
    },
    options.destination,
  );
}
