/**
 * Errors of the storage port. Each carries a stable `code` and says whether a
 * retry can help (`retriable`), so transports map them once. Messages name the
 * collection, the document id and the field names involved, never stored
 * values: documents hold citizens' personal data (DOMAIN.md §7).
 */

export abstract class StoreError extends Error {
  abstract readonly code: string;
  abstract readonly retriable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Why a commit was rejected. */
export type ConflictReason =
  /** `expected` 0 means "must not exist"; `actual` undefined means the document is absent. */
  { kind: "version"; expected: number; actual: number | undefined } | { kind: "unique"; fields: string[] };

/**
 * A commit lost an optimistic-concurrency race or hit a unique index; nothing
 * of the batch was written. Retriable: re-read, re-apply the change, commit again.
 */
export class ConflictError extends StoreError {
  readonly code = "CONFLICT";
  readonly retriable = true;

  constructor(
    readonly collection: string,
    readonly id: string,
    readonly reason: ConflictReason,
  ) {
    super(`conflict on document "${id}" in collection "${collection}": ${describeReason(reason)}`);
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
export class StoreUnavailableError extends StoreError {
  readonly code = "STORE_UNAVAILABLE";
  readonly retriable = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The store is misconfigured (missing URL, not a replica set, embedded in production); fix the configuration. */
export class StoreConfigurationError extends StoreError {
  readonly code = "STORE_CONFIGURATION";
  readonly retriable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A caller bug: an undeclared collection, an invalid field name, a malformed
 * query or write. Not retriable.
 */
export class InvalidStoreRequestError extends StoreError {
  readonly code = "INVALID_STORE_REQUEST";
  readonly retriable = false;

  constructor(message: string) {
    super(message);
  }
}
