/**
 * Errors of the storage port: platform errors (one code, `retriable`, the
 * cause) whose `reason` says what the store refused. Messages name the
 * collection, the document id and the field names involved, never stored
 * values: documents hold citizens' personal data (DOMAIN.md §7).
 */
import { PlatformError } from "@lienthong/errors";

/** Why a commit was rejected. */
export type ConflictReason =
  /** `expected` 0 means "must not exist"; `actual` undefined means the document is absent. */
  { kind: "version"; expected: number; actual: number | undefined } | { kind: "unique"; fields: readonly string[] };

/**
 * A commit lost an optimistic-concurrency race or hit a unique index; nothing
 * of the batch was written. Retriable: re-read, re-apply the change, commit again.
 */
export class ConflictError extends PlatformError {
  constructor(
    readonly collection: string,
    readonly id: string,
    readonly conflict: ConflictReason,
  ) {
    super("CONFLICT", `conflict on document "${id}" in collection "${collection}": ${describeReason(conflict)}`, {
      reason: conflict.kind === "unique" ? "UNIQUE_VIOLATION" : "VERSION_MISMATCH",
    });
  }
}

function describeReason(reason: ConflictReason): string {
  if (reason.kind === "unique") {
    const fields = reason.fields.length > 0 ? reason.fields.join(", ") : "unknown fields";
    return `unique index on (${fields}) already holds the same value for another document`;
  }
  const expected = reason.expected === 0 ? "expected it not to exist" : `expected version ${reason.expected}`;
  const actual = reason.actual === undefined ? "it does not exist" : `it is at version ${reason.actual}`;
  return `${expected} but ${actual}`;
}

/** The store cannot be reached or is closed; retry later. */
export class StoreUnavailableError extends PlatformError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("UNAVAILABLE", message, { cause: options.cause, reason: "STORE_UNAVAILABLE" });
  }
}

/**
 * The store cannot write: its disk is full (or its size limit reached), or the
 * disk refuses writes. Retriable — once space is freed the same request
 * succeeds — and the store's ping() says not ready until a write succeeds.
 */
export class StoreCannotWriteError extends PlatformError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("UNAVAILABLE", message, { cause: options.cause, reason: "STORE_CANNOT_WRITE" });
  }
}

/** The store is misconfigured (missing URL, not a replica set, embedded in production); fix the configuration. */
export class StoreConfigurationError extends PlatformError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("INTERNAL", message, { cause: options.cause, reason: "STORE_CONFIGURATION" });
  }
}

/**
 * A caller bug: an undeclared collection, an invalid field name, a malformed
 * query or write. Not retriable.
 */
export class InvalidStoreRequestError extends PlatformError {
  constructor(message: string) {
    super("INTERNAL", message, { reason: "INVALID_STORE_REQUEST" });
  }
}
