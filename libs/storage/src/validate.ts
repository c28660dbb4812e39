/**
 * Checks shared by every adapter, so both reject the same malformed requests
 * with the same messages. Field and collection names end up inside SQL
 * (json paths, table names) and MongoDB keys, so they are restricted to plain
 * identifiers; values never are: they are always bound parameters.
 */
import { InvalidStoreRequestError } from "./errors";
import { rangesOf, type AnyCollection, type UntypedQuery, type WriteOp } from "./port";

/** The collections a store has seen in ensureCollections. */
export interface DeclaredCollections {
  has(collection: string): boolean;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function assertCollectionName(name: string): void {
  if (!IDENTIFIER.test(name)) {
    throw new InvalidStoreRequestError(
      `collection name "${name}" is invalid: use letters, digits and _ (not starting with a digit)`,
    );
  }
}

export function assertFieldName(collection: string, field: string): void {
  if (!IDENTIFIER.test(field)) {
    throw new InvalidStoreRequestError(
      `field name "${field}" in collection "${collection}" is invalid: use a top-level field of letters, digits and _`,
    );
  }
}

export function assertSpec(spec: AnyCollection): void {
  assertCollectionName(spec.name);
  for (const fields of [...(spec.indexes ?? []), ...(spec.unique ?? [])]) {
    if (fields.length === 0) {
      throw new InvalidStoreRequestError(`collection "${spec.name}" declares an index without fields`);
    }
    for (const field of fields) assertFieldName(spec.name, field);
  }
}

export function assertQuery(collection: string, query: UntypedQuery): void {
  for (const [field, value] of Object.entries(query.where ?? {})) {
    assertFieldName(collection, field);
    const type = typeof value;
    if (value !== null && value !== undefined && type !== "string" && type !== "number" && type !== "boolean") {
      throw new InvalidStoreRequestError(
        `where.${field} on collection "${collection}" must be a string, number, boolean or null`,
      );
    }
  }
  for (const range of rangesOf(query)) {
    assertFieldName(collection, range.field);
    const bounds = [range.gte, range.lt].filter((bound) => bound !== undefined);
    if (bounds.length === 0) {
      throw new InvalidStoreRequestError(`range on "${range.field}" in collection "${collection}" needs gte or lt`);
    }
    if (new Set(bounds.map((bound) => typeof bound)).size > 1) {
      throw new InvalidStoreRequestError(
        `range on "${range.field}" in collection "${collection}" mixes string and number bounds`,
      );
    }
  }
  if (query.orderBy) assertFieldName(collection, query.orderBy.field);
  if (query.limit !== undefined && !(Number.isInteger(query.limit) && query.limit > 0)) {
    throw new InvalidStoreRequestError(`limit on collection "${collection}" must be a positive integer`);
  }
}

export function assertWriteOp(op: WriteOp, declared: DeclaredCollections): void {
  assertDeclared(op.collection, declared);
  if (typeof op.id !== "string" || op.id.length === 0) {
    throw new InvalidStoreRequestError(`a ${op.kind} on collection "${op.collection}" has an empty document id`);
  }
  if (op.expectedVersion !== undefined && !(Number.isInteger(op.expectedVersion) && op.expectedVersion >= 0)) {
    throw new InvalidStoreRequestError(
      `expectedVersion of document "${op.id}" in collection "${op.collection}" must be a non-negative integer`,
    );
  }
  if (op.kind === "put" && (op.data === null || typeof op.data !== "object" || Array.isArray(op.data))) {
    throw new InvalidStoreRequestError(
      `data of document "${op.id}" in collection "${op.collection}" must be a JSON object`,
    );
  }
}

export function assertDeclared(collection: string, declared: DeclaredCollections): void {
  if (!declared.has(collection)) {
    throw new InvalidStoreRequestError(
      `collection "${collection}" is not declared: pass it to ensureCollections first`,
    );
  }
}
