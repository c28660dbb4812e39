import { closeSync, fsync, fsyncSync, openSync } from "node:fs";
import type Database from "better-sqlite3";
import { BACKSTOP_CHECKPOINT_PAGES, backgroundCheckpoints, type WalCheckpoints } from "./wal-checkpoints";

/** SQLite's own wal_autocheckpoint, for a writer whose checkpointing thread is gone. */
const SQLITE_CHECKPOINT_PAGES = 1000;

/**
 * A write that arrives while an fsync runs need not wait for it to end: a
 * second one may start at once (it covers everything written before it
 * started), so a commit waits about one fsync, not two.
 */
const CONCURRENT_FSYNCS = 2;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Durability for a SQLite database in WAL mode with synchronous=NORMAL,
 * without the event loop ever waiting for the disk. A transaction's frames
 * are in the write-ahead log (written, not yet synced) once it ends; fsync of
 * the log puts them on disk. That fsync runs on libuv's thread pool, at most
 * CONCURRENT_FSYNCS at once: what is written while they run waits for the
 * next, so a slow disk makes larger groups rather than a slower loop. SQLite itself syncs the log
 * before a checkpoint copies it into the database and the database after, so
 * nothing acknowledged depends on a write that was never synced — as durable
 * as synchronous=FULL, which fsyncs on the calling thread at every commit.
 * Those checkpoints run on a thread of their own too (wal-checkpoints.ts);
 * the writing connection's own are the backstop, set here.
 */
export class WalSync {
  private fd: number | undefined;
  private waiting: Waiter[] = [];
  /** fsyncs running: each covers what was written before it started (see durable). */
  private syncing = 0;
  /** Something was written since the last fsync started: only then is there anything to wait for. */
  private dirty = false;
  /** close() was called: no new fsync starts, and the file closes once the running ones end. */
  private closing = false;
  private readonly databasePath: string;
  private readonly checkpoints: WalCheckpoints;

  /**
   * `db`: the writing connection, in WAL mode; `sqlite`: the better-sqlite3 it was opened with
   * (`require.resolve("better-sqlite3")` where it is opened).
   */
  constructor(db: Database.Database, sqlite: string) {
    this.databasePath = db.name;
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
    // Without the thread the writer checkpoints as SQLite would: a log of 10,000 pages nobody copied is a long commit.
    this.checkpoints = backgroundCheckpoints(this.databasePath, sqlite, () => {
      if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_CHECKPOINT_PAGES}`);
    });
  }

  /** Tells that a transaction has just written to the log (call it before durable()). */
  wrote(): void {
    this.dirty = true;
    this.checkpoints.wrote();
  }

  /**
   * Resolves once everything written to the log before this call is on disk;
   * rejects with fsync's error. At once when nothing was written since the
   * last fsync ended: a reader asking after a commit that was already
   * acknowledged costs no second fsync.
   */
  durable(): Promise<void> {
    if (!this.dirty && this.syncing === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (this.syncing < CONCURRENT_FSYNCS) this.sync();
    });
  }

  /**
   * Syncs what still waits, on this thread, and lets the log go; resolves once
   * the checkpointing thread has closed its connection. Call, and wait, before
   * the database closes: then nothing in the process holds the file (a backup
   * or a move of the data directory may follow). An fsync still running on the
   * thread pool keeps the file open until it ends: closing it under that fsync
   * would fail it.
   */
  close(): Promise<void> {
    const released = this.checkpoints.release();
    if (this.fd === undefined || this.closing) return released;
    this.closing = true;
    const waiting = this.waiting.splice(0);
    try {
      fsyncSync(this.fd);
      for (const waiter of waiting) waiter.resolve();
    } catch (error) {
      for (const waiter of waiting) waiter.reject(error);
    }
    if (this.syncing === 0) this.release();
    return released;
  }

  private release(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private sync(): void {
    const batch = this.waiting.splice(0);
    if (batch.length === 0) return;
    this.dirty = false;
    this.syncing += 1;
    // The log exists once a transaction has written to it, which is before anyone asks.
    this.fd ??= openSync(`${this.databasePath}-wal`, "r");
    fsync(this.fd, (error) => {
      this.syncing -= 1;
      for (const waiter of batch) {
        if (error) waiter.reject(error);
        else waiter.resolve();
      }
      if (this.closing) {
        if (this.syncing === 0) this.release();
      } else if (this.syncing < CONCURRENT_FSYNCS) this.sync();
    });
  }
}
