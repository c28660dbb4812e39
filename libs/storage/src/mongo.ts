/**
 * MongoDB DocumentStore through mongoose's connection (distributed mode).
 *
 * One MongoDB collection per logical collection, documents shaped
 * { _id: id, v: version, seq: ObjectId stamped at insert, data }. A commit is
 * one multi-document transaction (session.withTransaction), which MongoDB
 * only offers on a replica set or through mongos: connect refuses anything else.
 * The driver retries transient write conflicts itself; a failed version check
 * or a duplicate key becomes a ConflictError for the caller to retry.
 */
import mongoose from "mongoose";
import { PlatformError } from "@lienthong/errors";
import { ConflictError, StoreCannotWriteError, StoreConfigurationError, StoreUnavailableError } from "./errors";
import { indexName } from "./index-names";
import { dataPath, toFilter, toSort } from "./mongo-query";
import type { AnyCollection, Collection, DocumentStore, Filter, Query, UntypedQuery, Versioned, WriteOp } from "./port";
import { assertCollectionName, assertDeclared, assertQuery, assertSpec, assertWriteOp } from "./validate";

type ObjectId = mongoose.mongo.ObjectId;
type ClientSession = mongoose.mongo.ClientSession;

export interface MongoStoreOptions {
  /** mongodb:// or mongodb+srv:// URL of a replica set (e.g. mongodb://mongo:27017/?replicaSet=rs0). */
  url: string;
  dbName: string;
  /** How long to look for a reachable server before failing; default 5000 ms. */
  serverSelectionTimeoutMS?: number;
}

interface StoredDocument {
  _id: string;
  v: number;
  seq: ObjectId;
  data: object;
}

type MongoCollection = mongoose.mongo.Collection<StoredDocument>;

const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 5000;
const DUPLICATE_KEY = 11000;
/** "Transaction numbers are only allowed on a replica set member or mongos". */
const ILLEGAL_OPERATION = 20;
const NAMESPACE_EXISTS = 48;
/** JSON value types: "present" for a unique index means not absent and not null, as in the embedded store. */
const PRESENT_TYPES = ["string", "number", "bool", "object", "array"];
const REPLICA_SET_REQUIRED =
  "the mongo store commits every batch in a transaction, which MongoDB only supports on a replica set or mongos; " +
  "start mongod with --replSet and run rs.initiate() (a single-node replica set is enough)";

export class MongoDocumentStore implements DocumentStore {
  readonly adapter = "mongo";
  private readonly declared = new Set<string>();

  private constructor(
    private readonly connection: mongoose.Connection,
    private readonly db: mongoose.mongo.Db,
    private readonly where: string,
  ) {}

  static async connect(options: MongoStoreOptions): Promise<MongoDocumentStore> {
    if (!options.url) {
      throw new StoreConfigurationError(
        "the MongoDB URL is missing: set it, e.g. mongodb://localhost:27017/?replicaSet=rs0",
      );
    }
    if (!options.dbName) throw new StoreConfigurationError("the MongoDB database name (dbName) is missing");
    const where = `MongoDB at ${redactCredentials(options.url)}`;
    const timeout = options.serverSelectionTimeoutMS ?? DEFAULT_SERVER_SELECTION_TIMEOUT_MS;
    let connection: mongoose.Connection;
    try {
      connection = mongoose.createConnection(options.url, {
        dbName: options.dbName,
        serverSelectionTimeoutMS: timeout,
        bufferCommands: false,
        autoIndex: false,
      });
    } catch (error) {
      throw invalidUrl(options.url, error);
    }
    try {
      await connection.asPromise();
    } catch (error) {
      await connection.close(true).catch(() => undefined);
      // By name: the URL parser package throws its own MongoParseError class.
      if (error instanceof Error && error.name === "MongoParseError") throw invalidUrl(options.url, error);
      throw new StoreUnavailableError(`cannot reach ${where} within ${timeout} ms`, { cause: error });
    }
    const db = connection.db;
    const hello = db ? await db.admin().command({ hello: 1 }) : {};
    if (!db || (typeof hello.setName !== "string" && hello.msg !== "isdbgrid")) {
      await connection.close(true);
      throw new StoreConfigurationError(`${where} is not a replica set: ${REPLICA_SET_REQUIRED}`);
    }
    return new MongoDocumentStore(connection, db, where);
  }

  async ensureCollections(specs: readonly AnyCollection[]): Promise<void> {
    specs.forEach(assertSpec);
    await this.guard(async () => {
      const existing = new Set((await this.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
      for (const spec of specs) {
        // Created up front: creating a collection inside a transaction needs MongoDB ≥ 4.4.
        if (!existing.has(spec.name)) await this.db.createCollection(spec.name).catch(ignoreNamespaceExists);
        const collection = this.collection(spec.name);
        await collection.createIndex({ seq: 1 }, { name: "seq" });
        for (const fields of spec.indexes ?? []) {
          await collection.createIndex(keys(fields, true), { name: indexName("ix", spec.name, fields) });
        }
        for (const fields of spec.unique ?? []) {
          const partialFilterExpression = Object.fromEntries(
            fields.map((field) => [dataPath(field), { $type: PRESENT_TYPES }]),
          );
          await collection.createIndex(keys(fields, false), {
            name: indexName("ux", spec.name, fields),
            unique: true,
            partialFilterExpression,
          });
        }
        this.declared.add(spec.name);
      }
    });
  }

  async get<T extends object>({ name: collection }: Collection<T>, id: string): Promise<Versioned<T> | undefined> {
    const stored = await this.guard(() => this.declaredCollection(collection).findOne({ _id: id }));
    return stored ? toVersioned<T>(stored) : undefined;
  }

  async find<T extends object>({ name: collection }: Collection<T>, typed: Query<T> = {}): Promise<Versioned<T>[]> {
    const query = typed as UntypedQuery;
    const target = this.declaredCollection(collection);
    assertQuery(collection, query);
    const cursor = target.find(toFilter(query)).sort(toSort(query));
    if (query.limit !== undefined) cursor.limit(query.limit);
    const stored = await this.guard(() => cursor.toArray());
    return stored.map((document) => toVersioned<T>(document));
  }

  async count<T extends object>({ name: collection }: Collection<T>, filter: Filter<T> = {}): Promise<number> {
    const query = filter as UntypedQuery;
    const target = this.declaredCollection(collection);
    assertQuery(collection, query);
    return this.guard(() => target.countDocuments(toFilter(query)));
  }

  async commit(ops: readonly WriteOp[]): Promise<void> {
    for (const op of ops) assertWriteOp(op, this.declared);
    if (ops.length === 0) return;
    await this.guard(async () => {
      const session = await this.connection.startSession();
      try {
        // Majority whatever the replica set's default: with an arbiter it is w:1, whose acknowledged writes a
        // failover may roll back.
        await session.withTransaction(
          async () => {
            for (const op of ops) await this.apply(op, session);
          },
          { writeConcern: { w: "majority" } },
        );
      } finally {
        await session.endSession();
      }
    });
  }

  /** A commit resolves once the replica set's majority has it (its transaction's write concern): nothing to wait for. */
  async durable(): Promise<void> {}

  async ping(): Promise<boolean> {
    try {
      await this.db.command({ ping: 1 });
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  private async apply(op: WriteOp, session: ClientSession): Promise<void> {
    const collection = this.collection(op.collection);
    const expected = op.expectedVersion;
    if (op.kind === "delete") {
      if (expected === undefined) {
        await collection.deleteOne({ _id: op.id }, { session });
        return;
      }
      const current = await collection.findOne({ _id: op.id }, { session, projection: { v: 1 } });
      if ((current?.v ?? 0) !== expected) throw versionConflict(op, current?.v);
      if (current) await collection.deleteOne({ _id: op.id, v: expected }, { session });
      return;
    }
    try {
      if (expected === 0) {
        await collection.insertOne(
          { _id: op.id, v: 1, seq: new mongoose.mongo.ObjectId(), data: op.data },
          { session },
        );
      } else if (expected === undefined) {
        await collection.updateOne(
          { _id: op.id },
          { $set: { data: op.data }, $inc: { v: 1 }, $setOnInsert: { seq: new mongoose.mongo.ObjectId() } },
          { upsert: true, session },
        );
      } else {
        const result = await collection.updateOne(
          { _id: op.id, v: expected },
          { $set: { data: op.data }, $inc: { v: 1 } },
          { session },
        );
        if (result.matchedCount === 0) {
          const current = await collection.findOne({ _id: op.id }, { session, projection: { v: 1 } });
          throw versionConflict(op, current?.v);
        }
      }
    } catch (error) {
      if (!(error instanceof mongoose.mongo.MongoServerError) || error.code !== DUPLICATE_KEY) throw error;
      const keyFields = Object.keys((error.keyPattern as Record<string, unknown> | undefined) ?? {});
      if (keyFields.includes("_id")) {
        // The transaction is aborted after a failed write: read the winner's version outside it.
        const current = await collection.findOne({ _id: op.id }, { projection: { v: 1 } });
        throw versionConflict(op, current?.v);
      }
      const fields = keyFields.filter((key) => key.startsWith("data.")).map((key) => key.slice("data.".length));
      throw new ConflictError(op.collection, op.id, { kind: "unique", fields });
    }
  }

  private declaredCollection(name: string): MongoCollection {
    assertCollectionName(name);
    assertDeclared(name, this.declared);
    return this.collection(name);
  }

  private collection(name: string): MongoCollection {
    return this.db.collection<StoredDocument>(name);
  }

  /** Maps driver failures to the port's errors; the port's own errors pass through. */
  private async guard<R>(work: () => Promise<R>): Promise<R> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof PlatformError) throw error;
      if (
        error instanceof mongoose.mongo.MongoServerError &&
        error.code === ILLEGAL_OPERATION &&
        /replica set/i.test(error.message)
      ) {
        throw new StoreConfigurationError(`${this.where} refused a transaction: ${REPLICA_SET_REQUIRED}`, {
          cause: error,
        });
      }
      // mongod refuses writes below its disk-space threshold; with no space at all it stops, which reads as unreachable.
      if (error instanceof mongoose.mongo.MongoServerError && error.codeName === "OutOfDiskSpace") {
        throw new StoreCannotWriteError(`${this.where} cannot write: its disk is full`, { cause: error });
      }
      if (
        error instanceof mongoose.mongo.MongoNetworkError ||
        error instanceof mongoose.mongo.MongoServerSelectionError
      ) {
        throw new StoreUnavailableError(`${this.where} is unreachable`, { cause: error });
      }
      // The driver labels what a later attempt may get through (a failover, a write conflict it gave up on).
      if (
        error instanceof mongoose.mongo.MongoError &&
        (error.hasErrorLabel("TransientTransactionError") || error.hasErrorLabel("RetryableWriteError"))
      ) {
        throw new StoreUnavailableError(`${this.where} failed the request transiently`, { cause: error });
      }
      throw new PlatformError("INTERNAL", `${this.where} refused the request`, {
        cause: error,
        reason: "STORE_FAILURE",
      });
    }
  }
}

function versionConflict(op: WriteOp, actual: number | undefined): ConflictError {
  return new ConflictError(op.collection, op.id, { kind: "version", expected: op.expectedVersion ?? 0, actual });
}

function keys(fields: readonly string[], withSeq: boolean): Record<string, 1> {
  const entries: [string, 1][] = fields.map((field) => [dataPath(field), 1]);
  if (withSeq) entries.push(["seq", 1]);
  return Object.fromEntries(entries);
}

function toVersioned<T extends object>(stored: StoredDocument): Versioned<T> {
  return { id: stored._id, version: stored.v, data: stored.data as T };
}

function ignoreNamespaceExists(error: unknown): void {
  if (error instanceof mongoose.mongo.MongoServerError && error.code === NAMESPACE_EXISTS) return;
  throw error;
}

/** Connection URLs may carry a password; messages and logs get the hosts only. */
export function redactCredentials(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)[^@/]*@/i, "$1***@").replace(/\?.*$/, "");
}

function invalidUrl(url: string, error: unknown): StoreConfigurationError {
  const reason = (error instanceof Error ? error.message : String(error)).split(url).join(redactCredentials(url));
  return new StoreConfigurationError(`the MongoDB URL is invalid: ${reason}`, { cause: error });
}
