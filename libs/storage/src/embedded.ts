/**
 * Embedded DocumentStore: one SQLite file in WAL mode through better-sqlite3.
 *
 * Crash safety comes from SQLite itself: a commit is one transaction, and with
 * WAL a transaction is either wholly in the log or not at all, so kill -9 (or,
 * with durability "full", a power cut) never leaves half a batch behind.
 *
 * Memory stays bounded however many documents are stored: SQLite's page cache
 * has a fixed size, statements are prepared per collection (a handful each)
 * or per query, and the adapter keeps no copy of any document.
 *
 * Each collection is a table `docs_<name>`: `seq` is the rowid (insertion
 * order; SQLite appends it to every index, which makes it a free tiebreaker),
 * `id` is the document key (UNIQUE), `version` and `data` (JSON text), and a
 * column `f_<field>` for each field a declared index names, which the
 * indexes are built on. The adapter writes those columns from the document
 * it already holds: no write parses the JSON again for an index, and a write
 * that leaves every indexed value as it was touches no index at all.
 */
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { PlatformError } from "@lienthong/errors";
import { ConflictError, StoreConfigurationError, StoreCannotWriteError, StoreUnavailableError } from "./errors";
import {
  backfillExpression,
  columnOf,
  indexValue,
  orderClause,
  whereClause,
  type IndexedFields,
  type SqlParam,
} from "./embedded-sql";
import { indexName } from "./index-names";
import type { AnyCollection, Collection, DocumentStore, Filter, Query, UntypedQuery, Versioned, WriteOp } from "./port";
import { assertCollectionName, assertDeclared, assertQuery, assertSpec, assertWriteOp } from "./validate";
import { WAL_SIZE_LIMIT_BYTES, capFileSize, hasRoomToWrite, isCannotWrite } from "./sqlite-room";
import { WalSync } from "./wal-sync";

export interface EmbeddedStoreOptions {
  /** The database file; its directory is created when missing. */
  path: string;
  /**
   * "full" (default): every commit is fsynced before it resolves, so it
   * survives a power cut. "normal": commits survive a process crash
   * (kill -9) but the last ones may be lost on power failure; faster.
   * Either way the event loop never waits for the disk (see commit).
   */
  durability?: "full" | "normal";
  /** SQLite page cache size, the store's main memory budget. */
  cacheSizeKiB?: number;
  /** The embedded store refuses NODE_ENV=production unless this is true (ARCHITECTURE.md §3). */
  allowEmbeddedInProduction?: boolean;
  /**
   * The largest the database file may grow, in bytes (SQLite's max_page_count):
   * past it, writes are refused as on a full disk — 503, retriable — while the
   * disk keeps room for the rest of the server. Default: no limit but the disk.
   */
  maxSizeBytes?: number;
}

export const DEFAULT_CACHE_SIZE_KIB = 16 * 1024;
const BUSY_TIMEOUT_MS = 5000;
/** Distinct query shapes whose statements are kept prepared; a service uses a few dozen. */
const PREPARED_QUERIES = 256;

interface CollectionStatements {
  /** The fields with columns of their own, in column order. */
  fields: readonly string[];
  indexed: IndexedFields;
  /** `[version, ...the indexed columns]` of a document, raw. */
  selectCurrent: Database.Statement<[string], SqlParam[]>;
  selectDocument: Database.Statement<[string], DocumentRow>;
  insert: Database.Statement<SqlParam[]>;
  /** An update setting version, data and the indexed columns whose bits are set in the key, prepared when first needed. */
  updates: Map<number, Database.Statement<SqlParam[]>>;
  delete: Database.Statement<[string]>;
}

interface PendingCommit {
  ops: WriteOp[];
  resolve(): void;
  reject(error: unknown): void;
}

interface DocumentRow {
  id: string;
  version: number;
  data: string;
}

/** SQLite error codes that mean "cannot serve right now", not "bad request". */
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|NOMEM|READONLY)/;

export class EmbeddedDocumentStore implements DocumentStore {
  readonly adapter = "embedded";
  private readonly collections = new Map<string, CollectionStatements>();
  private readonly applyBatch: Database.Transaction<(ops: WriteOp[]) => void>;
  /** Commits waiting for the next group (see commit). */
  private pending: PendingCommit[] = [];
  private readonly walSync: WalSync;
  /** SQLite's data_version when durable() last asked: it changes when another connection commits. */
  private seenDataVersion: unknown;
  /** Prepared find and count statements by their SQL (see prepared). */
  private readonly queries = new Map<string, Database.Statement>();
  private readonly applyEachAlone: Database.Transaction<(group: PendingCommit[]) => unknown[]>;
  private readonly applyAll: Database.Transaction<(group: PendingCommit[]) => void>;
  /**
   * Set when a write failed because the file cannot take more (SQLITE_FULL…),
   * cleared when ping()'s own write of a page succeeds: a small commit that
   * fits in a page already there proves nothing about the next submission.
   */
  private cannotWrite: string | undefined;
  /** Set by close: every caller waits for the one close. */
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly durability: "full" | "normal",
  ) {
    this.walSync = new WalSync(db, require.resolve("better-sqlite3"));
    this.applyBatch = db.transaction((ops: WriteOp[]) => {
      for (const op of ops) this.apply(op);
    });
    // After a batch failed (see applyInGroup), the group again, each batch in a savepoint:
    // one that fails rolls back alone, and the others still share the one fsync.
    this.applyEachAlone = db.transaction((group: PendingCommit[]) =>
      group.map(({ ops }) => {
        try {
          this.applyBatch(ops);
          return undefined;
        } catch (error) {
          // Some failures (a full disk, an I/O error) make SQLite roll back the
          // whole transaction: then no batch of the group was written, and all fail.
          if (!db.inTransaction) throw error;
          return error;
        }
      }),
    );
    this.applyAll = db.transaction((group: PendingCommit[]) => {
      for (const { ops } of group) for (const op of ops) this.apply(op);
    });
  }

  static async open(options: EmbeddedStoreOptions): Promise<EmbeddedDocumentStore> {
    if (process.env.NODE_ENV === "production" && options.allowEmbeddedInProduction !== true) {
      throw new StoreConfigurationError(
        "the embedded store refuses to start with NODE_ENV=production: use the mongo store, " +
          "or set allowEmbeddedInProduction to run a single-server installation on purpose",
      );
    }
    const cacheSizeKiB = options.cacheSizeKiB ?? DEFAULT_CACHE_SIZE_KIB;
    if (!(Number.isInteger(cacheSizeKiB) && cacheSizeKiB > 0)) {
      throw new StoreConfigurationError(`cacheSizeKiB must be a positive integer, got ${cacheSizeKiB}`);
    }
    if (options.maxSizeBytes !== undefined && !(Number.isInteger(options.maxSizeBytes) && options.maxSizeBytes > 0)) {
      throw new StoreConfigurationError(`maxSizeBytes must be a positive integer, got ${options.maxSizeBytes}`);
    }
    const directory = dirname(options.path);
    try {
      mkdirSync(directory, { recursive: true });
    } catch (error) {
      throw new StoreUnavailableError(`cannot create data directory ${directory}: ${systemErrorOf(error)}`, {
        cause: error,
      });
    }
    let db: Database.Database;
    try {
      db = new Database(options.path, { timeout: BUSY_TIMEOUT_MS });
      // WAL is what makes commits crash-safe without blocking readers; refuse to run without it.
      const journalMode = db.pragma("journal_mode = WAL", { simple: true });
      if (journalMode !== "wal") {
        db.close();
        throw new StoreConfigurationError(
          `the embedded store at ${options.path} cannot use WAL mode (got "${String(journalMode)}")`,
        );
      }
    } catch (error) {
      if (error instanceof PlatformError) throw error;
      throw new StoreUnavailableError(`cannot open the embedded store ${options.path}: ${whyNotOpened(options.path)}`, {
        cause: error,
      });
    }
    // NORMAL: SQLite syncs only around checkpoints; a commit of "full"
    // durability waits for WalSync, off the event loop.
    db.pragma("synchronous = NORMAL");
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Negative cache_size is in KiB rather than pages.
    db.pragma(`cache_size = -${cacheSizeKiB}`);
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    // Sorts larger than the cache spill to disk instead of growing memory.
    db.pragma("temp_store = FILE");
    if (options.maxSizeBytes !== undefined) capFileSize(db, options.maxSizeBytes);
    return new EmbeddedDocumentStore(db, options.path, options.durability ?? "full");
  }

  async ensureCollections(specs: readonly AnyCollection[]): Promise<void> {
    specs.forEach(assertSpec);
    const db = this.openDatabase();
    db.transaction(() => {
      for (const spec of specs) {
        const table = tableName(spec.name);
        const fields = indexedFields(spec);
        db.exec(
          `CREATE TABLE IF NOT EXISTS ${table} (` +
            "seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL, data TEXT NOT NULL" +
            fields.map((field) => `, ${columnOf(field)} ANY`).join("") +
            ") STRICT",
        );
        addIndexedColumns(db, spec.name, fields);
        for (const fields of spec.indexes ?? []) {
          db.exec(
            `CREATE INDEX IF NOT EXISTS "${indexName("ix", spec.name, fields)}" ON ${table} (${columns(fields)})`,
          );
        }
        for (const fields of spec.unique ?? []) {
          const name = indexName("ux", spec.name, fields);
          // An absent field or a JSON null is a NULL column, and NULLs never
          // collide in a UNIQUE index: unique "when present".
          db.exec(`CREATE UNIQUE INDEX IF NOT EXISTS "${name}" ON ${table} (${columns(fields)})`);
        }
      }
    })();
    for (const spec of specs) {
      const table = tableName(spec.name);
      const fields = indexedFields(spec);
      const named = fields.map((field) => `, ${columnOf(field)}`).join("");
      this.collections.set(spec.name, {
        fields,
        indexed: new Set(fields),
        selectCurrent: db.prepare<[string], SqlParam[]>(`SELECT version${named} FROM ${table} WHERE id = ?`).raw(),
        selectDocument: db.prepare<[string], DocumentRow>(`SELECT id, version, data FROM ${table} WHERE id = ?`),
        insert: db.prepare<SqlParam[]>(
          `INSERT INTO ${table} (id, version, data${named}) VALUES (?, 1, ?${", ?".repeat(fields.length)})`,
        ),
        updates: new Map(),
        delete: db.prepare<[string]>(`DELETE FROM ${table} WHERE id = ?`),
      });
    }
  }

  async get<T extends object>({ name: collection }: Collection<T>, id: string): Promise<Versioned<T> | undefined> {
    const row = this.run(() => this.statements(collection).selectDocument.get(id));
    return row && toVersioned<T>(row);
  }

  async find<T extends object>({ name: collection }: Collection<T>, typed: Query<T> = {}): Promise<Versioned<T>[]> {
    const query = typed as UntypedQuery;
    // Checks the collection is declared before any SQL names its table.
    const { indexed } = this.statements(collection);
    assertQuery(collection, query);
    const where = whereClause(query, indexed);
    const order = orderClause(query, indexed);
    const sql = `SELECT id, version, data FROM ${tableName(collection)}${where.sql}${order.sql}`;
    const rows = this.run(() =>
      (this.prepared(sql) as Database.Statement<unknown[], DocumentRow>).all(...where.params, ...order.params),
    );
    return rows.map((row) => toVersioned<T>(row));
  }

  async count<T extends object>({ name: collection }: Collection<T>, filter: Filter<T> = {}): Promise<number> {
    const query = filter as UntypedQuery;
    // Checks the collection is declared before any SQL names its table.
    const { indexed } = this.statements(collection);
    assertQuery(collection, query);
    const where = whereClause(query, indexed);
    const sql = `SELECT count(*) FROM ${tableName(collection)}${where.sql}`;
    return this.run(
      () => (this.prepared(sql, { pluck: true }) as Database.Statement<unknown[], number>).get(...where.params) ?? 0,
    );
  }

  /**
   * Group commit: the batches committed during one turn of the event loop
   * are written in one transaction (a batch that fails fails alone), and
   * one fsync of the write-ahead log (WalSync, off the event loop) makes them
   * all durable. Each caller learns its own outcome only once its batch is on
   * disk (or refused alone, e.g. on a version conflict).
   */
  async commit(ops: readonly WriteOp[]): Promise<void> {
    this.openDatabase();
    if (this.closing) throw new StoreUnavailableError(`the embedded store at ${this.path} is closing`);
    for (const op of ops) assertWriteOp(op, this.collections);
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ ops: [...ops], resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  async durable(): Promise<void> {
    if (this.durability !== "full") return;
    // Another process on the same file (a replica) may have committed what was read: SQLite's data_version
    // tells, and then the log has writes this store did not make to sync as well.
    const dataVersion = this.openDatabase().pragma("data_version", { simple: true });
    if (dataVersion !== this.seenDataVersion) this.walSync.wrote();
    this.seenDataVersion = dataVersion;
    // Commits waiting for their turn are not visible yet; what is visible was written before this call.
    await this.walSync.durable();
  }

  /** Whether the store can read and, after a write failed for want of space, write again. */
  async ping(): Promise<boolean> {
    if (!this.db.open) return false;
    try {
      if (this.cannotWrite !== undefined && hasRoomToWrite(this.db, this.path)) this.cannotWrite = undefined;
      return this.cannotWrite === undefined && this.db.prepare("SELECT 1").pluck().get() === 1;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    // No commit is accepted once closing began; those already accepted are written and synced before the file closes.
    this.closing ??= this.closeFile();
    return this.closing;
  }

  private async closeFile(): Promise<void> {
    if (this.pending.length > 0) this.flush();
    await this.walSync.close();
    if (this.db.open) this.db.close();
  }

  private flush(): void {
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    let outcomes: unknown[];
    try {
      outcomes = this.run(() => {
        this.openDatabase();
        return this.applyInGroup(group);
      });
    } catch (error) {
      // The group's transaction itself failed (no space, I/O error): no batch of it was written.
      for (const commit of group) commit.reject(error);
      return;
    }
    const written: PendingCommit[] = [];
    group.forEach((commit, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined) written.push(commit);
      else commit.reject(this.storeError(outcome));
    });
    if (written.length === 0) return;
    this.walSync.wrote();
    const synced = this.durability === "full" ? this.walSync.durable() : Promise.resolve();
    synced.then(
      () => written.forEach((commit) => commit.resolve()),
      (error: unknown) => {
        // Whether the batches reached the disk is unknown: they fail as on a disk that cannot write, and
        // readiness stays false until a write succeeds again.
        this.cannotWrite = "FSYNC";
        const refusal = new StoreCannotWriteError(
          `the embedded store could not sync its log to disk (${(error as { code?: string }).code ?? "error"})`,
          { cause: error },
        );
        written.forEach((commit) => commit.reject(refusal));
      },
    );
  }

  /**
   * Each batch's outcome, undefined when written. Nearly always every batch is valid, and the group is one
   * transaction and nothing more: a savepoint per batch would make SQLite copy every page a batch changes into a
   * sub-journal (a temporary file past 64 KiB) for a rollback that almost never comes. When a batch fails, the
   * transaction is rolled back with it and the group is applied again, each batch in a savepoint of its own.
   */
  private applyInGroup(group: PendingCommit[]): unknown[] {
    try {
      this.applyAll(group);
      return group.map(() => undefined);
    } catch (error) {
      // A transaction left open (its rollback failed) would hold the second pass's writes uncommitted.
      if (this.db.inTransaction) throw error;
      return this.applyEachAlone(group);
    }
  }

  /** Runs inside the batch transaction: a throw rolls back the whole batch. */
  private apply(op: WriteOp): void {
    const statements = this.statements(op.collection);
    const row = statements.selectCurrent.get(op.id);
    const current = row?.[0] as number | undefined;
    if (op.expectedVersion !== undefined && op.expectedVersion !== (current ?? 0)) {
      throw new ConflictError(op.collection, op.id, { kind: "version", expected: op.expectedVersion, actual: current });
    }
    if (op.kind === "delete") {
      statements.delete.run(op.id);
      return;
    }
    const json = JSON.stringify(op.data);
    const data = op.data as Record<string, unknown>;
    const values = statements.fields.map((field) => indexValue(data[field]));
    try {
      if (row === undefined) {
        statements.insert.run(op.id, json, ...values);
      } else {
        // Only the columns whose values change are set: an index on the others is not touched.
        let changed = 0;
        values.forEach((value, index) => {
          if (!sameValue(value, row[index + 1] ?? null)) changed |= 1 << index;
        });
        const setValues = values.filter((_value, index) => changed & (1 << index));
        this.updateStatement(op.collection, statements, changed).run(current! + 1, json, ...setValues, op.id);
      }
    } catch (error) {
      const sqlite = sqliteError(error);
      if (sqlite?.code === "SQLITE_CONSTRAINT_UNIQUE") {
        throw new ConflictError(op.collection, op.id, { kind: "unique", fields: uniqueFieldsOf(sqlite.message) });
      }
      throw error;
    }
  }

  private updateStatement(
    collection: string,
    statements: CollectionStatements,
    changed: number,
  ): Database.Statement<SqlParam[]> {
    let statement = statements.updates.get(changed);
    if (!statement) {
      const set = statements.fields
        .filter((_field, index) => changed & (1 << index))
        .map((field) => `, ${columnOf(field)} = ?`)
        .join("");
      statement = this.openDatabase().prepare<SqlParam[]>(
        `UPDATE ${tableName(collection)} SET version = ?, data = ?${set} WHERE id = ?`,
      );
      statements.updates.set(changed, statement);
    }
    return statement;
  }

  private statements(collection: string): CollectionStatements {
    assertCollectionName(collection);
    this.openDatabase();
    assertDeclared(collection, this.collections);
    return this.collections.get(collection)!;
  }

  /**
   * A query's statement, prepared once: services ask the same few shapes of
   * query over and over, and preparing is a good part of a small query's
   * cost. The cache is bounded; the oldest statement goes first.
   */
  private prepared(sql: string, options: { pluck?: boolean } = {}): Database.Statement {
    const key = options.pluck ? `pluck ${sql}` : sql;
    let statement = this.queries.get(key);
    if (statement) {
      // Most recently used last.
      this.queries.delete(key);
    } else {
      statement = this.openDatabase().prepare(sql);
      if (options.pluck) statement.pluck();
      if (this.queries.size >= PREPARED_QUERIES) this.queries.delete(this.queries.keys().next().value as string);
    }
    this.queries.set(key, statement);
    return statement;
  }

  private openDatabase(): Database.Database {
    if (!this.db.open) throw new StoreUnavailableError(`the embedded store at ${this.path} is closed`);
    return this.db;
  }

  /** Turns SQLite's "try later" failures into StoreUnavailableError; the rest propagate as they are. */
  private run<R>(work: () => R): R {
    try {
      return work();
    } catch (error) {
      throw this.storeError(error);
    }
  }

  /** A failure of SQLite as the platform's error (platform errors, e.g. a conflict, pass as they are). */
  private storeError(error: unknown): unknown {
    if (error instanceof PlatformError) return error;
    const code = sqliteError(error)?.code;
    if (code && isCannotWrite(error)) {
      this.cannotWrite = code;
      return new StoreCannotWriteError(
        `the embedded store cannot write (${code}): no space left, or the disk refuses writes`,
        { cause: error },
      );
    }
    if (code && UNAVAILABLE_CODES.test(code)) {
      return new StoreUnavailableError(`the embedded store at ${this.path} cannot serve the request (${code})`, {
        cause: error,
      });
    }
    return new PlatformError(
      "INTERNAL",
      `the embedded store at ${this.path} refused the request (${code ?? "error"})`,
      {
        cause: error,
        reason: "STORE_FAILURE",
      },
    );
  }
}

/** The collection's table as SQLite names it (in its catalog, pragma_table_info and sqlite_master). */
function storedTableName(collection: string): string {
  return `docs_${collection}`;
}

/** The collection's table as SQL text names it. */
function tableName(collection: string): string {
  return `"${storedTableName(collection)}"`;
}

function columns(fields: readonly string[]): string {
  return fields.map(columnOf).join(", ");
}

/** The most fields a collection's indexes may name: which of them an update changes is kept in one 32-bit mask. */
const MAX_INDEXED_FIELDS = 31;

/** Every field an index of the collection names, each once, in the order the spec first names them. */
function indexedFields(spec: AnyCollection): string[] {
  const fields = [...new Set([...(spec.indexes ?? []), ...(spec.unique ?? [])].flat())];
  if (fields.length > MAX_INDEXED_FIELDS) {
    throw new StoreConfigurationError(
      `collection "${spec.name}" indexes ${fields.length} fields; the embedded store takes at most ${MAX_INDEXED_FIELDS}`,
    );
  }
  return fields;
}

/**
 * Brings a table made before its indexed fields had columns (or before a new index named a new field) up to
 * date: the missing columns are added and filled from the JSON, and an index still built on json_extract
 * expressions is dropped, to be made again on the columns.
 */
function addIndexedColumns(db: Database.Database, collection: string, fields: readonly string[]): void {
  const [table, stored] = [tableName(collection), storedTableName(collection)];
  const present = new Set(db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(stored) as string[]);
  for (const field of fields) {
    if (present.has(`f_${field}`)) continue;
    db.exec(`ALTER TABLE ${table} ADD COLUMN ${columnOf(field)} ANY`);
    db.exec(`UPDATE ${table} SET ${columnOf(field)} = ${backfillExpression(field)}`);
  }
  const expressionIndexes = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql LIKE '%json_extract%'`)
    .pluck()
    .all(stored) as string[];
  for (const name of expressionIndexes) db.exec(`DROP INDEX "${name}"`);
}

/** The fields of a violated unique index, from SQLite's "UNIQUE constraint failed: docs_x.f_a, docs_x.f_b". */
function uniqueFieldsOf(message: string): string[] {
  const columns = /constraint failed: (.+)$/.exec(message)?.[1]?.split(", ") ?? [];
  return columns.flatMap((column) => /\.f_(\w+)$/.exec(column)?.slice(1) ?? []);
}

/** Whether a column keeps the value already: blobs (booleans) by their bytes, the rest as they are. */
function sameValue(next: SqlParam, stored: SqlParam): boolean {
  if (Buffer.isBuffer(next) && Buffer.isBuffer(stored)) return next.equals(stored);
  return next === stored;
}

function toVersioned<T extends object>(row: DocumentRow): Versioned<T> {
  return { id: row.id, version: row.version, data: JSON.parse(row.data) as T };
}

/**
 * SQLite's result code and message of a better-sqlite3 error. Read by shape, not by
 * `instanceof SqliteError`: the native addon keeps the error class of the
 * first copy of the module loaded in the process, so a second copy (a test
 * runner's fresh module registry) would not recognise its own errors.
 */
function sqliteError(error: unknown): { code: string; message: string } | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  return name === "SqliteError" && typeof code === "string"
    ? { code, message: typeof message === "string" ? message : "" }
    : undefined;
}

/** "EACCES permission denied" from a Node system error ("EACCES: permission denied, mkdir '/x'"). */
function systemErrorOf(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const description = typeof message === "string" ? /^[A-Z]+: ([^,]+)/.exec(message)?.[1] : undefined;
  if (typeof code === "string") return description ? `${code} ${description}` : code;
  return typeof message === "string" ? message : "unknown error";
}

/**
 * Why SQLite could not open the file — it only says "unable to open database
 * file": the system's answer for the file itself (a directory, no access) or
 * for its directory (not writable, read-only file system).
 */
function whyNotOpened(file: string): string {
  try {
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) return "EISDIR the path is a directory";
    accessSync(dirname(file), constants.W_OK | constants.X_OK);
    accessSync(file, constants.R_OK | constants.W_OK);
  } catch (error) {
    return systemErrorOf(error);
  }
  return "SQLITE_CANTOPEN unable to open database file";
}
