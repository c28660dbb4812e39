import { Worker } from "node:worker_threads";

/**
 * Pages the write-ahead log may hold before the writing connection checkpoints
 * it itself, on its own thread: a backstop, reached when the background
 * checkpoints below keep being overtaken (see CHASES). SQLite's default is
 * 1,000, which the writer goes back to if the checkpointing thread is gone.
 * 10,000 pages of 4 KiB stay well inside the log's room (WAL_SIZE_LIMIT_BYTES).
 */
export const BACKSTOP_CHECKPOINT_PAGES = 10_000;

/**
 * How long after a write its checkpoint waits: the writes in between join it,
 * so a busy store checkpoints a few times a second, not after every commit.
 */
const CHECKPOINT_DELAY_MS = 200;

/**
 * Checkpoints run back to back, without the delay, while writes keep landing
 * during them. SQLite starts the log again from its beginning only when a
 * write finds every frame of it checkpointed, and a checkpoint that commits
 * overtake never gets there: each pass copies what came during the last, and
 * a pass with none leaves the log whole. Bounded, because on a slow disk
 * (a pass is two fsyncs) a steady stream of commits always overtakes; then the
 * writer's backstop restarts the log, with nearly every page already copied.
 */
const CHASES = 5;

type ToWorker = { kind: "checkpoint"; file: number; path: string; sqlite: string } | { kind: "release"; file: number };
type FromWorker = { kind: "checkpointed"; file: number; whole: boolean } | { kind: "released"; file: number };

/**
 * The checkpointing thread, as plain JavaScript so that it runs the same from
 * the TypeScript sources (tests) and from dist. A connection of its own per
 * watched file; `PRAGMA wal_checkpoint(PASSIVE)` copies what no reader still
 * needs into the database and never waits for a lock (the writer's lock it
 * never takes: a stronger mode would make the writer wait on the event loop).
 * With synchronous=NORMAL SQLite syncs the log before copying and the database
 * after, on this thread. Each file is opened with the writer's own copy of
 * better-sqlite3: two copies of SQLite in one process do not see each other's
 * locks, and one closing its descriptor would drop the other's (POSIX).
 * `whole`: every frame of the log was copied. A failure counts as not whole and
 * is otherwise dropped: SQLite's own automatic checkpoint ignores its failures
 * too, and the writer's backstop bounds the log.
 */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const connections = new Map();
parentPort.on("message", (message) => {
  if (message.kind === "checkpoint") {
    let whole = false;
    try {
      let db = connections.get(message.file);
      if (db === undefined) {
        const Database = require(message.sqlite);
        db = new Database(message.path, { fileMustExist: true, timeout: 0 });
        db.pragma("synchronous = NORMAL");
        connections.set(message.file, db);
      }
      const [{ busy, log, checkpointed }] = db.pragma("wal_checkpoint(PASSIVE)");
      whole = busy === 0 && checkpointed === log;
    } catch {}
    parentPort.postMessage({ kind: "checkpointed", file: message.file, whole });
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
  /** The better-sqlite3 its writer opened it with (require.resolve). */
  sqlite: string;
  /** Told once if the thread is gone: the writer checkpoints by itself from then on. */
  onStopped: () => void;
  timer?: NodeJS.Timeout;
  /** A checkpoint was asked for and has not answered yet. */
  running: boolean;
  /** Written to while its checkpoint ran: another one is due. */
  again: boolean;
  /** Checkpoints run back to back so far (see CHASES). */
  chases: number;
  /** Set once released: resolves when the thread has closed its connection. */
  released?: Promise<void>;
  /** Resolves `released`. */
  onReleased?: () => void;
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
  /** The thread could not start or stopped by itself: each writer checkpoints as SQLite would from then on (onStopped). */
  private broken = false;
  private nextFile = 0;
  private readonly files = new Map<number, WatchedFile>();

  watch(path: string, sqlite: string, onStopped: () => void): WalCheckpoints {
    const file = this.nextFile++;
    if (this.broken) onStopped();
    else this.files.set(file, { path, sqlite, onStopped, running: false, again: false, chases: 0 });
    return {
      wrote: () => this.wrote(file),
      release: () => this.release(file),
    };
  }

  private wrote(file: number): void {
    const watched = this.files.get(file);
    if (!watched || watched.released !== undefined || this.broken) return;
    if (watched.running) watched.again = true;
    else watched.timer ??= setTimeout(() => this.checkpoint(file), CHECKPOINT_DELAY_MS).unref();
  }

  private checkpoint(file: number): void {
    const watched = this.files.get(file);
    if (!watched) return;
    watched.timer = undefined;
    watched.running = true;
    watched.again = false;
    this.post({ kind: "checkpoint", file, path: watched.path, sqlite: watched.sqlite });
  }

  private release(file: number): Promise<void> {
    const watched = this.files.get(file);
    if (!watched) return Promise.resolve();
    // Every caller waits for the one release: a second close must not return before the first is done.
    if (watched.released !== undefined) return watched.released;
    clearTimeout(watched.timer);
    watched.timer = undefined;
    // A file the thread never opened has nothing to close there.
    if (!this.worker) {
      this.files.delete(file);
      return Promise.resolve();
    }
    watched.released = new Promise((resolve) => {
      watched.onReleased = resolve;
    });
    // The answer must come before the process may end: its writer waits for it to close.
    this.worker.ref();
    this.post({ kind: "release", file });
    return watched.released;
  }

  private post(message: ToWorker): void {
    if (!this.broken && !this.worker) this.start();
    if (this.broken || !this.worker) {
      this.stopped();
      return;
    }
    this.worker.postMessage(message);
  }

  private start(): void {
    let worker: Worker;
    try {
      // No `--require` preload of the service's (its telemetry, say), from its command line or NODE_OPTIONS.
      worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], env: {} });
    } catch {
      // No thread to be had (a limit on threads, say): the writers checkpoint as SQLite would.
      this.broken = true;
      return;
    }
    worker.on("message", (message: FromWorker) => this.answered(message));
    // An error ends the thread: handled at its exit.
    worker.on("error", () => undefined);
    worker.on("exit", () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.broken = true;
      this.stopped();
    });
    // Never what keeps a process alive (a listener added later would undo this): its files' writers are.
    worker.unref();
    this.worker = worker;
  }

  private answered(message: FromWorker): void {
    const watched = this.files.get(message.file);
    if (!watched) return;
    if (message.kind === "released") {
      this.files.delete(message.file);
      watched.onReleased?.();
      if (![...this.files.values()].some((other) => other.released !== undefined)) this.worker?.unref();
      if (this.files.size === 0 && this.worker) {
        void this.worker.terminate();
        this.worker = undefined;
      }
      return;
    }
    watched.running = false;
    if (watched.released !== undefined) return;
    const overtaken = watched.again || !message.whole;
    if (overtaken && watched.chases < CHASES) {
      watched.chases += 1;
      this.checkpoint(message.file);
      return;
    }
    watched.chases = 0;
    if (watched.again) this.wrote(message.file);
  }

  /** Without the thread (broken): every release waiting is done, and every writer checkpoints by itself. */
  private stopped(): void {
    for (const [file, watched] of this.files) {
      clearTimeout(watched.timer);
      this.files.delete(file);
      if (watched.released !== undefined) watched.onReleased?.();
      else watched.onStopped();
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

/**
 * Background checkpoints for a SQLite file in WAL mode written on this thread;
 * `sqlite` is the better-sqlite3 its writer uses, `require.resolve("better-sqlite3")` where the writer imports it.
 * `onStopped` is called, at most once, if there is no thread to run them (it could not start, or it stopped).
 */
export function backgroundCheckpoints(path: string, sqlite: string, onStopped: () => void): WalCheckpoints {
  thisThreads ??= new CheckpointThread();
  return thisThreads.watch(path, sqlite, onStopped);
}
