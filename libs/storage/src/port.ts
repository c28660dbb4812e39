/**
 * DocumentStore: the one persistence port every service uses. Adapters:
 * embedded (SQLite in WAL mode, the default) and mongo (mongoose). Both pass
 * the contract suite in test/document-store.contract.ts.
 *
 * Reads are plain; every write goes through `commit`, which applies a batch of
 * operations atomically (all or nothing) with optimistic concurrency on each
 * document's version. That is what lets a service store a state change, its
 * outbox events and its consumer-inbox marker in one write.
 */

/** A stored document: its id, its version (1 after the first write) and its JSON data. */
export interface Versioned<T> {
  id: string;
  version: number;
  data: T;
}

/** Plain JSON-serialisable data. */
export type DocumentData = Record<string, unknown>;

/**
 * Equality filters on top-level fields of `data` (AND-ed), plus optional ranges.
 * Fields used in filters or sorting should be declared as indexes of the collection.
 *
 * Every adapter compares like MongoDB: values of different JSON types never
 * match (the number 5 is not the string "5", true is not 1), a range only
 * covers values of its bounds' type, `where: { f: null }` matches an absent
 * field or a JSON null, and sorting puts absent/null first, then numbers, then
 * strings. Ties, and queries without orderBy, come in insertion order (in the
 * direction of the sort); with several MongoDB writers, insertion order is
 * that of the ObjectId stamped at insert, i.e. by second, then per process.
 * Field names are top-level identifiers (/^[A-Za-z_][A-Za-z0-9_]*$/).
 */
export interface Query {
  where?: Record<string, string | number | boolean | null>;
  /** Inclusive lower / exclusive upper bounds on one field (strings compare lexicographically, so ISO dates work). */
  range?: { field: string; gte?: string | number; lt?: string | number };
  orderBy?: { field: string; direction?: "asc" | "desc" };
  limit?: number;
}

export type WriteOp =
  /**
   * Create or replace a document. `expectedVersion`: 0 = must not exist yet;
   * n > 0 = must currently be at version n; undefined = unconditional.
   * The stored version becomes previous + 1.
   */
  | { kind: "put"; collection: string; id: string; data: DocumentData; expectedVersion?: number }
  /** Delete a document (no-op when absent unless expectedVersion is given). */
  | { kind: "delete"; collection: string; id: string; expectedVersion?: number };

/** Declared up front so adapters can create tables / collections and indexes. */
export interface CollectionSpec {
  name: string;
  /** Each entry is an index over one or more top-level fields of data, in order. */
  indexes?: string[][];
  /** Fields whose value must be unique in the collection when present (absent or null values never collide). */
  unique?: string[][];
}

export interface DocumentStore {
  /** Human-readable adapter name for logs and /readyz ("embedded", "mongo"). */
  readonly adapter: string;
  /** Creates tables/collections and indexes; idempotent. Call once at start. */
  ensureCollections(specs: CollectionSpec[]): Promise<void>;
  get<T extends DocumentData>(collection: string, id: string): Promise<Versioned<T> | undefined>;
  find<T extends DocumentData>(collection: string, query?: Query): Promise<Versioned<T>[]>;
  count(collection: string, query?: Omit<Query, "orderBy" | "limit">): Promise<number>;
  /**
   * Applies every operation atomically. Throws a ConflictError (from this
   * package) naming the collection and id when an expectedVersion does not
   * hold or a unique index is violated; nothing is written then.
   */
  commit(ops: WriteOp[]): Promise<void>;
  /** True when the store can serve requests (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
