import Database from "better-sqlite3";
import { WalSync, capFileSize, hasRoomToWrite, isCannotWrite } from "@lienthong/storage";
import { MessagingError } from "./errors";

/**
 * Where the in-process broker keeps its partitions and its consumer groups'
 * committed offsets: in memory (tests) or in a SQLite journal (embedded mode),
 * so that what was published and not yet consumed survives kill -9.
 */
export interface StoredRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  headers: Record<string, string>;
  value: Uint8Array;
  /** Epoch ms when the broker accepted the record; retention is measured from it. */
  timestamp: number;
}

export type NewRecord = Omit<StoredRecord, "offset">;

export interface RecordLog {
  /** The topic's partition count, registering the topic with `partitions` when it is new. */
  ensureTopic(topic: string, partitions: number): number;
  /** Appends atomically, in order; returns the records with their offsets. They are durable once `durable()` resolves. */
  append(records: NewRecord[]): StoredRecord[];
  /** Resolves once everything appended before the call is on disk. */
  durable(): Promise<void>;
  read(topic: string, partition: number, offset: number): StoredRecord | undefined;
  /** The oldest offset still held (everything before it was removed by retention). */
  startOffset(topic: string, partition: number): number;
  /** The offset the next record appended to the partition gets. */
  endOffset(topic: string, partition: number): number;
  /** The group's next offset to consume, undefined when the group never subscribed to the topic. */
  committed(groupId: string, topic: string, partition: number): number | undefined;
  commit(groupId: string, topic: string, partition: number, nextOffset: number): void;
  /** False after a write failed for want of space, until records can be written again (probed, then). */
  canWrite(): boolean;
  /**
   * Removes records older than `olderThan` (epoch ms) that every group known
   * on their partition has consumed; returns how many were removed.
   */
  prune(olderThan: number): number;
  close(): Promise<void>;
}

/** How long unwritten consumer offsets wait before the next try (a full disk). */
const OFFSET_RETRY_MS = 1_000;

const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
const groupPartitionKey = (groupId: string, topic: string, partition: number): string =>
  `${groupId}\u0000${partitionKey(topic, partition)}`;

interface MemoryPartition {
  /** Offset of records[0]. */
  base: number;
  records: StoredRecord[];
}

export class MemoryRecordLog implements RecordLog {
  canWrite(): boolean {
    return true;
  }

  durable(): Promise<void> {
    return Promise.resolve();
  }

  private readonly topics = new Map<string, MemoryPartition[]>();
  /** groupId → partitionKey → next offset */
  private readonly offsets = new Map<string, Map<string, number>>();

  ensureTopic(topic: string, partitions: number): number {
    let existing = this.topics.get(topic);
    if (!existing) {
      existing = Array.from({ length: partitions }, () => ({ base: 0, records: [] }));
      this.topics.set(topic, existing);
    }
    return existing.length;
  }

  append(records: NewRecord[]): StoredRecord[] {
    return records.map((record) => {
      const log = this.partition(record.topic, record.partition);
      const stored: StoredRecord = { ...record, offset: log.base + log.records.length };
      log.records.push(stored);
      return stored;
    });
  }

  read(topic: string, partition: number, offset: number): StoredRecord | undefined {
    const log = this.partition(topic, partition);
    return log.records[offset - log.base];
  }

  startOffset(topic: string, partition: number): number {
    return this.partition(topic, partition).base;
  }

  endOffset(topic: string, partition: number): number {
    const log = this.partition(topic, partition);
    return log.base + log.records.length;
  }

  committed(groupId: string, topic: string, partition: number): number | undefined {
    return this.offsets.get(groupId)?.get(partitionKey(topic, partition));
  }

  commit(groupId: string, topic: string, partition: number, nextOffset: number): void {
    let group = this.offsets.get(groupId);
    if (!group) {
      group = new Map();
      this.offsets.set(groupId, group);
    }
    group.set(partitionKey(topic, partition), nextOffset);
  }

  prune(olderThan: number): number {
    let removed = 0;
    for (const [topic, partitions] of this.topics) {
      partitions.forEach((log, partition) => {
        const consumedBelow = this.lowestCommitted(topic, partition) ?? Number.POSITIVE_INFINITY;
        let drop = 0;
        for (const record of log.records) {
          if (record.offset >= consumedBelow || record.timestamp >= olderThan) break;
          drop += 1;
        }
        if (drop > 0) {
          log.records.splice(0, drop);
          log.base += drop;
          removed += drop;
        }
      });
    }
    return removed;
  }

  async close(): Promise<void> {
    this.topics.clear();
  }

  private lowestCommitted(topic: string, partition: number): number | undefined {
    let lowest: number | undefined;
    for (const group of this.offsets.values()) {
      const offset = group.get(partitionKey(topic, partition));
      if (offset !== undefined && (lowest === undefined || offset < lowest)) lowest = offset;
    }
    return lowest;
  }

  private partition(topic: string, partition: number): MemoryPartition {
    const log = this.topics.get(topic)?.[partition];
    if (!log) throw new RangeError(`in-process broker: no partition ${partition} in topic ${topic}`);
    return log;
  }
}

interface RecordRow {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  headers: string;
  value: Buffer;
  timestamp: number;
}

/**
 * How long consumer-offset commits may wait to be written together. Appends
 * are durable at once; offsets may lag by this much, which after a crash only
 * redelivers events that consumers already absorb by ce_id (at least once) —
 * and saves one fsync per delivered event per group on the shared event loop.
 */
const OFFSET_FLUSH_MS = 20;

/**
 * The journal: one SQLite file in WAL mode, synced by WalSync off the event
 * loop, so an append is on disk once `durable()` resolves. Offsets are per partition and never reused
 * (the partitions table remembers the next offset even after retention).
 */
export class SqliteRecordLog implements RecordLog {
  private readonly db: Database.Database;
  private readonly nextOffsets = new Map<string, number>();
  // A topic keeps the partitions it was created with: read at open, as every publish asks.
  private readonly topicPartitions = new Map<string, number>();
  /** Consumer offsets committed but not yet written, by group + partition. */
  private readonly pendingOffsets = new Map<
    string,
    { groupId: string; topic: string; partition: number; nextOffset: number }
  >();
  private offsetFlush: NodeJS.Timeout | undefined;
  private readonly statements;
  private lastWriteFailed = false;
  private readonly walSync: WalSync;

  constructor(
    private readonly path: string,
    maxBytes?: number,
  ) {
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.walSync = new WalSync(this.db, require.resolve("better-sqlite3"));
    if (maxBytes !== undefined) capFileSize(this.db, maxBytes);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS topics (name TEXT PRIMARY KEY, partitions INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS partitions (
        topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
        PRIMARY KEY (topic, partition)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS records (
        topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
        key TEXT NOT NULL, headers TEXT NOT NULL, value BLOB NOT NULL, timestamp INTEGER NOT NULL,
        PRIMARY KEY (topic, partition, offset)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS group_offsets (
        group_id TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
        PRIMARY KEY (topic, partition, group_id)) WITHOUT ROWID;
    `);
    this.statements = {
      topics: this.db.prepare<[], { name: string; partitions: number }>("SELECT name, partitions FROM topics"),
      insertTopic: this.db.prepare("INSERT INTO topics (name, partitions) VALUES (?, ?)"),
      insertPartition: this.db.prepare(
        "INSERT OR IGNORE INTO partitions (topic, partition, next_offset) VALUES (?, ?, 0)",
      ),
      nextOffsets: this.db.prepare<[], { topic: string; partition: number; next_offset: number }>(
        "SELECT topic, partition, next_offset FROM partitions",
      ),
      setNextOffset: this.db.prepare("UPDATE partitions SET next_offset = ? WHERE topic = ? AND partition = ?"),
      insertRecord: this.db.prepare(
        "INSERT INTO records (topic, partition, offset, key, headers, value, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      read: this.db.prepare<[string, number, number], RecordRow>(
        "SELECT topic, partition, offset, key, headers, value, timestamp FROM records WHERE topic = ? AND partition = ? AND offset = ?",
      ),
      start: this.db.prepare<[string, number], { offset: number | null }>(
        "SELECT MIN(offset) AS offset FROM records WHERE topic = ? AND partition = ?",
      ),
      committed: this.db.prepare<[string, number, string], { next_offset: number }>(
        "SELECT next_offset FROM group_offsets WHERE topic = ? AND partition = ? AND group_id = ?",
      ),
      commit: this.db.prepare(
        `INSERT INTO group_offsets (group_id, topic, partition, next_offset) VALUES (?, ?, ?, ?)
         ON CONFLICT (topic, partition, group_id) DO UPDATE SET next_offset = excluded.next_offset`,
      ),
      lowestCommitted: this.db.prepare<[], { topic: string; partition: number; lowest: number | null }>(
        `SELECT p.topic, p.partition, MIN(g.next_offset) AS lowest
         FROM partitions p LEFT JOIN group_offsets g ON g.topic = p.topic AND g.partition = p.partition
         GROUP BY p.topic, p.partition`,
      ),
      firstRetained: this.db.prepare<[string, number, number], { offset: number | null }>(
        "SELECT MIN(offset) AS offset FROM records WHERE topic = ? AND partition = ? AND timestamp >= ?",
      ),
      prune: this.db.prepare("DELETE FROM records WHERE topic = ? AND partition = ? AND offset < ?"),
    };
    for (const row of this.statements.topics.all()) this.topicPartitions.set(row.name, row.partitions);
    for (const row of this.statements.nextOffsets.all()) {
      this.nextOffsets.set(partitionKey(row.topic, row.partition), row.next_offset);
    }
  }

  ensureTopic(topic: string, partitions: number): number {
    const existing = this.topicPartitions.get(topic);
    if (existing !== undefined) return existing;
    this.db.transaction(() => {
      this.statements.insertTopic.run(topic, partitions);
      for (let partition = 0; partition < partitions; partition += 1) {
        this.statements.insertPartition.run(topic, partition);
      }
    })();
    for (let partition = 0; partition < partitions; partition += 1) {
      this.nextOffsets.set(partitionKey(topic, partition), 0);
    }
    this.topicPartitions.set(topic, partitions);
    return partitions;
  }

  canWrite(): boolean {
    if (!this.lastWriteFailed) return true;
    // A consumer offset updated in place proves no room for records: probe as the embedded store does.
    if (!hasRoomToWrite(this.db, this.path)) return false;
    this.lastWriteFailed = false;
    return true;
  }

  append(records: NewRecord[]): StoredRecord[] {
    const advanced = new Map<string, number>();
    const stored = this.write(true, () =>
      records.map((record) => {
        const key = partitionKey(record.topic, record.partition);
        const offset = advanced.get(key) ?? this.nextOffsets.get(key);
        if (offset === undefined) {
          throw new RangeError(`in-process broker: no partition ${record.partition} in topic ${record.topic}`);
        }
        this.statements.insertRecord.run(
          record.topic,
          record.partition,
          offset,
          record.key,
          JSON.stringify(record.headers),
          Buffer.from(record.value.buffer, record.value.byteOffset, record.value.byteLength),
          record.timestamp,
        );
        this.statements.setNextOffset.run(offset + 1, record.topic, record.partition);
        advanced.set(key, offset + 1);
        return { ...record, offset };
      }),
    );
    // Only once the transaction is on disk do the in-memory high watermarks move.
    for (const [key, next] of advanced) this.nextOffsets.set(key, next);
    return stored;
  }

  read(topic: string, partition: number, offset: number): StoredRecord | undefined {
    const row = this.statements.read.get(topic, partition, offset);
    if (!row) return undefined;
    return {
      topic: row.topic,
      partition: row.partition,
      offset: row.offset,
      key: row.key,
      headers: JSON.parse(row.headers) as Record<string, string>,
      value: new Uint8Array(row.value.buffer, row.value.byteOffset, row.value.byteLength),
      timestamp: row.timestamp,
    };
  }

  startOffset(topic: string, partition: number): number {
    return (
      this.statements.start.get(topic, partition)?.offset ?? this.nextOffsets.get(partitionKey(topic, partition)) ?? 0
    );
  }

  endOffset(topic: string, partition: number): number {
    return this.nextOffsets.get(partitionKey(topic, partition)) ?? 0;
  }

  committed(groupId: string, topic: string, partition: number): number | undefined {
    const pending = this.pendingOffsets.get(groupPartitionKey(groupId, topic, partition));
    return pending?.nextOffset ?? this.statements.committed.get(topic, partition, groupId)?.next_offset;
  }

  commit(groupId: string, topic: string, partition: number, nextOffset: number): void {
    this.pendingOffsets.set(groupPartitionKey(groupId, topic, partition), { groupId, topic, partition, nextOffset });
    this.scheduleOffsetFlush(OFFSET_FLUSH_MS);
  }

  private scheduleOffsetFlush(delayMs: number): void {
    if (this.offsetFlush) return;
    this.offsetFlush = setTimeout(() => {
      try {
        this.flushOffsets();
      } catch {
        // Thrown from a timer it would end the process. The offsets wait in memory (a crash meanwhile only
        // redelivers) and `writable` says why the bus is not ready until a write succeeds.
        this.scheduleOffsetFlush(OFFSET_RETRY_MS);
      }
    }, delayMs);
    this.offsetFlush.unref();
  }

  /** Writes every pending consumer offset in one transaction (one fsync); on failure they stay pending. */
  private flushOffsets(): void {
    clearTimeout(this.offsetFlush);
    this.offsetFlush = undefined;
    if (this.pendingOffsets.size === 0) return;
    const pending = [...this.pendingOffsets.entries()];
    this.pendingOffsets.clear();
    try {
      this.write(false, () => {
        for (const [, { groupId, topic, partition, nextOffset }] of pending)
          this.statements.commit.run(groupId, topic, partition, nextOffset);
      });
    } catch (error) {
      // Offsets committed since are newer and win.
      for (const [key, offset] of pending) if (!this.pendingOffsets.has(key)) this.pendingOffsets.set(key, offset);
      throw error;
    }
  }

  /**
   * Runs `writes` in one transaction; a full disk becomes a retriable error and marks the journal unable to write.
   * Only new records (`provesRoom`) show there is room again: an offset updated in place fits in its own page.
   */
  private write<T>(provesRoom: boolean, writes: () => T): T {
    try {
      const result = this.db.transaction(writes)();
      this.walSync.wrote();
      if (provesRoom) this.lastWriteFailed = false;
      return result;
    } catch (error) {
      if (!isCannotWrite(error)) throw error;
      this.lastWriteFailed = true;
      throw new MessagingError("JOURNAL_CANNOT_WRITE", "the in-process bus journal cannot write: the disk is full", {
        cause: error,
      });
    }
  }

  prune(olderThan: number): number {
    this.flushOffsets();
    return this.db.transaction(() => {
      let removed = 0;
      for (const row of this.statements.lowestCommitted.all()) {
        // Cut a prefix only, so the partition never has holes: stop at the
        // first record that is still young or not yet consumed by some group.
        const young =
          this.statements.firstRetained.get(row.topic, row.partition, olderThan)?.offset ?? Number.MAX_SAFE_INTEGER;
        const cutoff = Math.min(young, row.lowest ?? Number.MAX_SAFE_INTEGER);
        removed += this.statements.prune.run(row.topic, row.partition, cutoff).changes;
      }
      return removed;
    })();
  }

  async durable(): Promise<void> {
    try {
      await this.walSync.durable();
    } catch (error) {
      this.lastWriteFailed = true;
      throw new MessagingError("JOURNAL_CANNOT_WRITE", "the in-process bus journal could not sync to disk", {
        cause: error,
      });
    }
  }

  async close(): Promise<void> {
    try {
      this.flushOffsets();
    } finally {
      // Offsets that could not be written are delivered again after the restart (at least once).
      await this.walSync.close();
      this.db.close();
    }
  }
}
