import { errorCodes, toPlatformError, type ErrorCode, type PlatformError } from "@lienthong/errors";
import { z } from "zod";

/**
 * The REST mapping of platform errors, in one place: an RFC 9457 problem
 * document with our code, reason, violations and the trace id as extensions.
 */
const httpStatusByCode: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  // An illegal transition conflicts with the dossier's current state: 409 in REST terms.
  FAILED_PRECONDITION: 409,
  CONFLICT: 409,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  RESOURCE_EXHAUSTED: 429,
  PAYLOAD_TOO_LARGE: 413,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  INTERNAL: 500,
};

/** The reason of a refused media type or content encoding (http-input.ts): 415 over REST, INVALID_ARGUMENT over gRPC. */
export const UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE";

/**
 * Finer reasons with an HTTP status of their own: a body of a media type or
 * encoding the route does not read is INVALID_ARGUMENT (gRPC has no media
 * types) but 415 in REST terms.
 */
const httpStatusByReason: Readonly<Record<string, { status: number; title: string }>> = {
  [UNSUPPORTED_MEDIA_TYPE]: { status: 415, title: "Unsupported media type" },
};

const titleByCode: Record<ErrorCode, string> = {
  INVALID_ARGUMENT: "Invalid argument",
  NOT_FOUND: "Not found",
  FAILED_PRECONDITION: "Failed precondition",
  CONFLICT: "Conflict",
  ALREADY_EXISTS: "Already exists",
  PERMISSION_DENIED: "Permission denied",
  UNAUTHENTICATED: "Unauthenticated",
  RESOURCE_EXHAUSTED: "Too many requests",
  PAYLOAD_TOO_LARGE: "Payload too large",
  UNAVAILABLE: "Service unavailable",
  DEADLINE_EXCEEDED: "Deadline exceeded",
  INTERNAL: "Internal error",
};

export const problemTypeBase = "https://lienthong.gov.vn/problems/";
export const problemContentType = "application/problem+json";

/**
 * A problem document as callers receive it; the API documents describe every
 * refusal with this schema (component "Problem"), so its type is the schema's.
 */
export const problemSchema = z
  .object({
    type: z.string().meta({ description: "A URI naming the kind of problem (RFC 9457)" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().meta({ description: "Readable; names fields, never echoes their values" }),
    code: z.enum(errorCodes).meta({ description: "The platform's error code (gRPC's canonical codes)" }),
    reason: z
      .string()
      .meta({ description: "A finer, stable reason (e.g. UNSUPPORTED_MEDIA_TYPE, DOSSIER_NOT_ACCEPTED)" }),
    retriable: z.boolean().meta({ description: "Whether the same request may succeed later" }),
    violations: z
      .array(z.object({ field: z.string(), reason: z.string() }))
      .optional()
      .meta({ description: "One entry per offending field" }),
    details: z.record(z.string(), z.unknown()).optional().meta({ description: "Machine-readable context" }),
    traceId: z.string().optional().meta({ description: "Quote it when reporting a problem" }),
  })
  .meta({ id: "Problem", description: "An RFC 9457 problem document with the platform's extensions" });

export type Problem = z.infer<typeof problemSchema>;

export function toProblem(thrown: unknown, traceId?: string): Problem {
  const error = toPlatformError(thrown);
  const byReason = httpStatusByReason[error.reason];
  const problem: Problem = {
    type: problemTypeBase + (byReason ? error.reason : error.code).toLowerCase().replace(/_/g, "-"),
    title: byReason?.title ?? titleByCode[error.code],
    status: byReason?.status ?? httpStatusByCode[error.code],
    detail: publicDetail(error),
    code: error.code,
    reason: error.code === "INTERNAL" ? error.code : error.reason,
    retriable: error.retriable,
  };
  if (error.violations.length > 0) problem.violations = [...error.violations];
  if (error.details && error.code !== "INTERNAL") problem.details = { ...error.details };
  if (traceId) problem.traceId = traceId;
  return problem;
}

/** What callers read: an internal error's own message may come from anywhere; the trace id is what support needs. */
export function publicDetail(error: PlatformError): string {
  if (error.code === "INTERNAL") return "An internal error occurred; quote the trace id when reporting it.";
  return error.message;
}

/**
 * When a refused caller may come back, in whole seconds: a RESOURCE_EXHAUSTED
 * error carries it as `details.retryAfterSeconds` (a client's rate limit, the
 * status lookup's limits). REST sends it as Retry-After, gRPC as RetryInfo.
 */
export function retryAfterSecondsOf(thrown: unknown): number | undefined {
  const error = toPlatformError(thrown);
  const seconds = error.code === "RESOURCE_EXHAUSTED" ? error.details?.retryAfterSeconds : undefined;
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds) : undefined;
}
