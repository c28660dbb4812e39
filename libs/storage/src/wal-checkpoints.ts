import { Worker } from "node:worker_threads";

/**
 * Pages the write-ahead log may hold before the writing connection checkpoints
 * it itself, on its own thread: a backstop, reached only when the background
 * checkpoints below fall behind or cannot run. SQLite's default is 1,000.
 * 10,000 pages of 4 KiB stay well inside the log's room (WAL_SIZE_LIMIT_BYTES).
 */
export const BACKSTOP_CHECKPOINT_PAGES = 10_000;

/**
 * How long after a write its checkpoint waits: the writes in between join it,
 * so a busy store checkpoints a few times a second, not after every commit.
 */
const CHECKPOINT_DELAY_MS = 200;

type ToWorker = { kind: "checkpoint"; file: number; path: string } | { kind: "release"; file: number };
type FromWorker = { kind: "checkpointed"; file: number } | { kind: "released"; file: number };

/**
 * The checkpointing thread, as plain JavaScript so that it runs the same from
 * the TypeScript sources (tests) and from dist. A connection of its own per
 * watched file; `PRAGMA wal_checkpoint(PASSIVE)` copies what no reader still
 * needs into the database and never waits for a lock: a checkpoint that finds
 * one busy does what it can, and the next write schedules another. With
 * synchronous=NORMAL SQLite syncs the log before copying and the database
 * after, on this thread. Failures are dropped on purpose: a file that cannot
 * be checkpointed here is checkpointed by its writer at the backstop, which
 * reports the failure to the caller of that commit as before.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.sqlite);
const connections = new Map();
parentPort.on("message", (message) => {
  if (message.kind === "checkpoint") {
    try {
      let db = connections.get(message.file);
      if (db === undefined) {
        db = new Database(message.path, { fileMustExist: true, timeout: 0 });
        db.pragma("synchronous = NORMAL");
        connections.set(message.file, db);
      }
      db.pragma("wal_checkpoint(PASSIVE)");
    } catch {}
    parentPort.postMessage({ kind: "checkpointed", file: message.file });
  } else {
    try {
      connections.get(message.file)?.close();
    } catch {}
    connections.delete(message.file);
    parentPort.postMessage({ kind: "released", file: message.file });
  }
});
`;

interface WatchedFile {
  path: string;
  timer?: NodeJS.Timeout;
  /** A checkpoint was asked for and has not answered yet. */
  running: boolean;
  /** Written to while its checkpoint ran: another one is due. */
  again: boolean;
  /** Set once released: resolved when the thread has closed its connection. */
  released?: () => void;
}

/**
 * Checkpoints of the SQLite files written on this thread, run on a thread of
 * their own (one per thread that writes, started at the first checkpoint and
 * stopped once its last file is released). Left to SQLite, the commit that
 * takes the log past 1,000 pages copies them into the database and fsyncs
 * twice, on the event loop: a few times a second under load, and for tens of
 * milliseconds each on a slow disk.
 */
class CheckpointThread {
  private worker: Worker | undefined;
  /** The thread failed (it could not load SQLite): the writers' backstop checkpoints from then on. */
  private broken = false;
  private nextFile = 0;
  private readonly files = new Map<number, WatchedFile>();

  watch(path: string): WalCheckpoints {
    const file = this.nextFile++;
    this.files.set(file, { path, running: false, again: false });
    return {
      wrote: () => this.wrote(file),
      release: () => this.release(file),
    };
  }

  private wrote(file: number): void {
    const watched = this.files.get(file);
    if (!watched || watched.released || this.broken) return;
    if (watched.running) watched.again = true;
    else watched.timer ??= setTimeout(() => this.checkpoint(file), CHECKPOINT_DELAY_MS).unref();
  }

  private checkpoint(file: number): void {
    const watched = this.files.get(file);
    if (!watched) return;
    watched.timer = undefined;
    watched.running = true;
    this.post({ kind: "checkpoint", file, path: watched.path });
  }

  private release(file: number): Promise<void> {
    const watched = this.files.get(file);
    if (!watched || watched.released) return Promise.resolve();
    clearTimeout(watched.timer);
    watched.timer = undefined;
    // A file this thread never opened has nothing to close there.
    if (!this.worker) {
      this.files.delete(file);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      watched.released = resolve;
      this.post({ kind: "release", file });
    });
  }

  private post(message: ToWorker): void {
    if (this.broken) {
      this.settleAll();
      return;
    }
    this.worker ??= this.start();
    this.worker.postMessage(message);
  }

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sqlite: require.resolve("better-sqlite3") } });
    // Never what keeps a process alive: its files' writers are.
    worker.unref();
    worker.on("message", (message: FromWorker) => this.answered(message));
    worker.on("error", () => {
      this.broken = true;
      this.settleAll();
    });
    worker.on("exit", () => {
      if (this.worker === worker) this.worker = undefined;
    });
    return worker;
  }

  private answered(message: FromWorker): void {
    const watched = this.files.get(message.file);
    if (!watched) return;
    if (message.kind === "released") {
      this.files.delete(message.file);
      watched.released?.();
      if (this.files.size === 0 && this.worker) {
        void this.worker.terminate();
        this.worker = undefined;
      }
      return;
    }
    watched.running = false;
    if (watched.again && !watched.released) {
      watched.again = false;
      this.wrote(message.file);
    }
  }

  /** Without the thread: nothing is checkpointed here, and every release is done. */
  private settleAll(): void {
    for (const [file, watched] of this.files) {
      clearTimeout(watched.timer);
      if (watched.released) {
        this.files.delete(file);
        watched.released();
      }
    }
  }
}

/** One SQLite file's background checkpoints. */
export interface WalCheckpoints {
  /** Tells that a transaction has written to the file's log: a checkpoint follows shortly. */
  wrote(): void;
  /** Closes the checkpointing connection; call before the writer's own connection closes. */
  release(): Promise<void>;
}

let thisThreads: CheckpointThread | undefined;

/** Background checkpoints for a SQLite file in WAL mode written on this thread. */
export function backgroundCheckpoints(path: string): WalCheckpoints {
  thisThreads ??= new CheckpointThread();
  return thisThreads.watch(path);
}
