/**
 * DocumentStore: the one persistence port every service uses. Adapters:
 * embedded (SQLite in WAL mode, the default) and mongo (mongoose). Both pass
 * the contract suite in test/document-store.contract.ts.
 *
 * Reads and writes name a typed Collection; every write goes through `commit`,
 * which applies a batch of operations atomically (all or nothing) with optimistic concurrency on each
 * document's version. That is what lets a service store a state change, its
 * outbox events and its consumer-inbox marker in one write.
 */

/** A stored document: its id, its version (1 after the first write) and its record. */
export interface Versioned<T> {
  id: string;
  version: number;
  data: T;
}

/** The values a filter, a range, an index or a sort can compare. */
export type Scalar = string | number | boolean | null;

/** The top-level fields of a record whose values are scalars: what indexes, filters and sorting can name. */
export type ScalarField<T> = {
  [K in keyof T & string]-?: NonNullable<T[K]> extends string | number | boolean ? K : never;
}[keyof T & string];

declare const recordType: unique symbol;

/**
 * A collection: its name, the type of its records, and its indexes. Every
 * read and write names one, so the record type holds at the store boundary:
 * a misspelt field in a filter, an index or a record does not compile.
 */
export interface Collection<T extends object> {
  readonly name: string;
  /** Each entry is an index over one or more top-level fields, in order. */
  readonly indexes: readonly (readonly ScalarField<T>[])[];
  /** Fields whose value must be unique in the collection when present (absent or null values never collide). */
  readonly unique: readonly (readonly ScalarField<T>[])[];
  /** Type-level only: ties the collection to its record type. */
  readonly [recordType]?: T;
}

/** Declares a collection of records of type T (call it once per collection, next to the record type). */
export function defineCollection<T extends object>(
  name: string,
  options: { indexes?: ScalarField<T>[][]; unique?: ScalarField<T>[][] } = {},
): Collection<T> {
  return { name, indexes: options.indexes ?? [], unique: options.unique ?? [] };
}

/** Any collection, whatever its record type: for the adapters and for declaring collections at start. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the record type is irrelevant where only names and indexes are read
export type AnyCollection = Collection<any>;

/** Inclusive lower / exclusive upper bounds on one field (strings compare lexicographically, so ISO dates work). */
export interface Range<T> {
  field: ScalarField<T>;
  gte?: string | number;
  lt?: string | number;
}

/** A query's ranges as a list, whichever way it gave them. */
export function rangesOf<T>(query: Pick<Query<T>, "range">): readonly Range<T>[] {
  const { range } = query;
  if (range === undefined) return [];
  return isRangeList(range) ? range : [range];
}

function isRangeList<T>(range: Range<T> | readonly Range<T>[]): range is readonly Range<T>[] {
  return Array.isArray(range);
}

/**
 * Equality filters on top-level fields (AND-ed), plus optional ranges.
 * Fields used in filters or sorting should be declared as indexes of the collection.
 *
 * Every adapter compares like MongoDB: values of different JSON types never
 * match (the number 5 is not the string "5", true is not 1), a range only
 * covers values of its bounds' type, `where: { f: null }` matches an absent
 * field or a JSON null, and sorting puts absent/null first, then numbers, then
 * strings. Ties, and queries without orderBy, come in insertion order (in the
 * direction of the sort); with several MongoDB writers, insertion order is
 * that of the ObjectId stamped at insert, i.e. by second, then per process.
 */
export interface Query<T> {
  /** `null` matches an absent field or a JSON null. */
  where?: { [K in ScalarField<T>]?: T[K] | null };
  /**
   * Bounds on a field, or on several fields that must all hold (a listing's
   * page bounds its order field while another bound filters by date).
   */
  range?: Range<T> | readonly Range<T>[];
  orderBy?: { field: ScalarField<T>; direction?: "asc" | "desc" };
  limit?: number;
}

/** A query without order and limit, for counting. */
export type Filter<T> = Omit<Query<T>, "orderBy" | "limit">;

/** A query as adapters see it: field names as plain strings, checked at run time (validate.ts). */
export type UntypedQuery = Query<Record<string, Scalar>>;

declare const writeOpBrand: unique symbol;

/**
 * One write of a commit, made only by put() and remove() so that its record
 * has the collection's type. Adapters read the plain fields.
 */
export type WriteOp = (
  | { kind: "put"; collection: string; id: string; data: object; expectedVersion?: number }
  | { kind: "delete"; collection: string; id: string; expectedVersion?: number }
) & { readonly [writeOpBrand]: true };

/**
 * Create or replace a record. `expectedVersion`: 0 = must not exist yet;
 * n > 0 = must currently be at version n; undefined = unconditional.
 * The stored version becomes previous + 1.
 */
export function put<T extends object>(
  collection: Collection<T>,
  id: string,
  data: T,
  expectedVersion?: number,
): WriteOp {
  return { kind: "put", collection: collection.name, id, data, expectedVersion } as unknown as WriteOp;
}

/** Delete a record (a no-op when absent unless expectedVersion is given). */
export function remove(collection: AnyCollection, id: string, expectedVersion?: number): WriteOp {
  return { kind: "delete", collection: collection.name, id, expectedVersion } as unknown as WriteOp;
}

export interface DocumentStore {
  /** Human-readable adapter name for logs and /readyz ("embedded", "mongo"). */
  readonly adapter: string;
  /** Creates tables/collections and indexes; idempotent. Call once at start. */
  ensureCollections(collections: readonly AnyCollection[]): Promise<void>;
  get<T extends object>(collection: Collection<T>, id: string): Promise<Versioned<T> | undefined>;
  find<T extends object>(collection: Collection<T>, query?: Query<T>): Promise<Versioned<T>[]>;
  count<T extends object>(collection: Collection<T>, filter?: Filter<T>): Promise<number>;
  /**
   * Applies every operation atomically. Throws a ConflictError (from this
   * package) naming the collection and id when an expectedVersion does not
   * hold or a unique index is violated; nothing is written then.
   */
  commit(ops: readonly WriteOp[]): Promise<void>;
  /**
   * Resolves once every write read so far is durable. A commit can be seen
   * by readers a moment before it is on disk (the embedded store syncs its
   * log after the transaction); whoever passes what it read on beyond the
   * store — the outbox relay publishing events — waits for this first, so a
   * power cut never leaves the world knowing of a write the store lost.
   */
  durable(): Promise<void>;
  /** True when the store can serve requests (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
