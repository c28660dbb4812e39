/**
 * The one error type of the platform (STYLE.md, "Errors"). Every layer throws
 * it — domain rules, the store and bus adapters, use cases — and each
 * transport maps it once: REST to problem+json, gRPC to a status with
 * google.rpc details, the consumer runner to "retry" or "dead-letter".
 *
 * Its message is shown to callers and written to logs, so it never holds
 * personal data or secrets (DOMAIN.md §7): name fields and ids, never values.
 */

/** The closed set of codes, aligned with gRPC's canonical codes. */
export const errorCodes = [
  "INVALID_ARGUMENT",
  "NOT_FOUND",
  "FAILED_PRECONDITION",
  "CONFLICT",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "UNAUTHENTICATED",
  "RESOURCE_EXHAUSTED",
  "PAYLOAD_TOO_LARGE",
  "UNAVAILABLE",
  "DEADLINE_EXCEEDED",
  "INTERNAL",
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export interface FieldViolation {
  /** Path of the offending field in the request, e.g. "applicant.phone". */
  field: string;
  /** Why it is wrong, written by us: never echo the submitted value. */
  reason: string;
}

export interface PlatformErrorOptions {
  /** Overrides the code's default (see retriableByDefault). */
  retriable?: boolean;
  cause?: unknown;
  violations?: FieldViolation[];
  /** Machine-readable context for the caller, e.g. { status, allowedActions }. */
  details?: Record<string, unknown>;
  /**
   * A finer, stable name for what went wrong within the code, e.g.
   * "MISSING_HEADER" or "ILLEGAL_TRANSITION": for logs, metrics and callers
   * that branch on it. Defaults to the code.
   */
  reason?: string;
}

/**
 * Codes where the same request may succeed later: a lost race, a dependency
 * that is down or slow, a rate limit. Everything else — bad input, missing
 * things, refusals, programming errors — fails again on retry.
 */
const retriableByDefault: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "CONFLICT",
  "UNAVAILABLE",
  "DEADLINE_EXCEEDED",
  "RESOURCE_EXHAUSTED",
]);

export class PlatformError extends Error {
  readonly code: ErrorCode;
  readonly reason: string;
  readonly retriable: boolean;
  readonly violations: readonly FieldViolation[];
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: PlatformErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.reason = options.reason ?? code;
    this.retriable = options.retriable ?? retriableByDefault.has(code);
    this.violations = options.violations ?? [];
    this.details = options.details;
  }
}

export function isPlatformError(error: unknown): error is PlatformError {
  return error instanceof PlatformError;
}

/**
 * Whether trying the same work again can succeed. Only a PlatformError can say
 * yes: anything else thrown — a TypeError, a failed decode, a library's own
 * error that no adapter translated — is a defect or poison, and retrying it
 * only delays the dead letter.
 */
export function isRetriable(error: unknown): boolean {
  return error instanceof PlatformError && error.retriable;
}

/**
 * Brings any thrown value into the platform's type: a PlatformError as it is,
 * anything else as a non-retriable INTERNAL error keeping the original only
 * as its cause (its message may quote stored values, so it is never shown).
 */
export function toPlatformError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  return new PlatformError("INTERNAL", "Internal error", { cause: error, retriable: false });
}

// ------------------------------------------------------------ constructors

export function invalidArgument(violations: FieldViolation[], message = "The request is invalid"): PlatformError {
  return new PlatformError("INVALID_ARGUMENT", message, { violations });
}

/** One bad field: the message names it and says why. */
export function invalidField(field: string, reason: string): PlatformError {
  return invalidArgument([{ field, reason }], `${field}: ${reason}`);
}

/** `ref` must be a non-personal reference such as a dossier code or id. */
export function notFound(what: string, ref: string): PlatformError {
  return new PlatformError("NOT_FOUND", `${what} ${ref} was not found`, { details: { resource: what, ref } });
}

export function failedPrecondition(message: string, details?: Record<string, unknown>, reason?: string): PlatformError {
  return new PlatformError("FAILED_PRECONDITION", message, { details, reason });
}

export function conflict(message: string, details?: Record<string, unknown>): PlatformError {
  return new PlatformError("CONFLICT", message, { details });
}

export function unavailable(message: string, cause?: unknown): PlatformError {
  return new PlatformError("UNAVAILABLE", message, { cause });
}

export function permissionDenied(message: string, details?: Record<string, unknown>): PlatformError {
  return new PlatformError("PERMISSION_DENIED", message, { details });
}

export function unauthenticated(message: string): PlatformError {
  return new PlatformError("UNAUTHENTICATED", message);
}

// ------------------------------------------------------------------ logging

/**
 * What may be logged about an error: its type, code, reason, message (ours
 * only) and stack frames, with the cause chain. A foreign error's message line
 * is dropped: driver messages (a duplicate-key error, say) can quote the
 * stored value.
 */
export function loggableError(error: unknown, depth = 0): Record<string, unknown> {
  if (error instanceof PlatformError) {
    const cause = error.cause === undefined || depth >= 3 ? undefined : loggableError(error.cause, depth + 1);
    return {
      type: error.name,
      code: error.code,
      reason: error.reason,
      message: error.message,
      retriable: error.retriable,
      stack: framesOf(error),
      ...(cause && { cause }),
    };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const loggableCode = typeof code === "string" || typeof code === "number" ? { code } : {};
    return { type: error.name, ...loggableCode, stack: framesOf(error) };
  }
  return { type: typeof error };
}

function framesOf(error: Error): string | undefined {
  return error.stack
    ?.split("\n")
    .filter((line) => line.trimStart().startsWith("at "))
    .join("\n");
}
