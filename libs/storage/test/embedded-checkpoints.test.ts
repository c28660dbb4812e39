/**
 * Checkpoints off the event loop (issue 9): what a commit writes to the
 * write-ahead log reaches the database file by a checkpoint on a thread of
 * its own, long before the writer's backstop would checkpoint it; and once
 * close resolves no thread holds the file (a backup or a move of the data
 * directory may follow at once), and no log is left behind.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openFilesUnder, waitFor } from "@lienthong/testing";
import { BACKSTOP_CHECKPOINT_PAGES, EmbeddedDocumentStore, defineCollection, put } from "../src";

const directory = mkdtempSync(join(tmpdir(), "lienthong-storage-checkpoints-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

interface Note {
  text: string;
}
const notes = defineCollection<Note>("notes");
const PAGE_BYTES = 4096;
/** Well under SQLite's own threshold (1,000 pages), so no commit here checkpoints by itself. */
const NOTES = 200;

describe("EmbeddedDocumentStore checkpoints", () => {
  it("copies committed pages into the database file from another thread, the writer's own checkpoint a backstop", async () => {
    const path = join(directory, "background", "store.db");
    const store = await EmbeddedDocumentStore.open({ path });
    await store.ensureCollections([notes]);
    const before = statSync(path).size;
    // A page each: only a checkpoint moves them from the log into the file.
    for (let index = 0; index < NOTES; index++) {
      await store.commit([put(notes, `n${index}`, { text: "x".repeat(3 * 1024) })]);
    }
    await waitFor(() => statSync(path).size >= before + NOTES * PAGE_BYTES, {
      timeoutMs: 20_000,
      description: "the database file holds the notes",
    });

    const reader = new Database(path, { readonly: true });
    expect(reader.prepare(`SELECT count(*) FROM "docs_notes"`).pluck().get()).toBe(NOTES);
    reader.close();
    // The writer's connection checkpoints only past the backstop.
    const writer = store["db"];
    expect(writer.pragma("wal_autocheckpoint", { simple: true })).toBe(BACKSTOP_CHECKPOINT_PAGES);
    await store.close();
  });

  it("has let go of the file on every thread once close resolves, the log checkpointed and removed", async () => {
    const path = join(directory, "close", "store.db");
    const store = await EmbeddedDocumentStore.open({ path });
    await store.ensureCollections([notes]);
    const before = statSync(path).size;
    for (let index = 0; index < 20; index++) {
      await store.commit([put(notes, `n${index}`, { text: "x".repeat(3 * 1024) })]);
    }
    // Until a background checkpoint has run, its thread has no connection to close.
    await waitFor(() => statSync(path).size > before, {
      timeoutMs: 20_000,
      description: "a background checkpoint ran",
    });
    await store.commit([put(notes, "last", { text: "y" })]);
    // The writer's connection and the checkpointing thread's.
    expect(openFilesUnder(join(directory, "close")).filter((file) => file === path)).toHaveLength(2);
    // A second close waits for the same release as the first; a commit once closing began is refused.
    const closes = [store.close(), store.close()];
    const tooLate = expect(store.commit([put(notes, "too late", { text: "z" })])).rejects.toThrow(/is closing/);
    await closes[1];
    expect(openFilesUnder(join(directory, "close"))).toEqual([]);
    await closes[0];
    await tooLate;
    expect(existsSync(`${path}-wal`)).toBe(false);

    const reopened = await EmbeddedDocumentStore.open({ path });
    await reopened.ensureCollections([notes]);
    expect(await reopened.count(notes)).toBe(21);
    expect((await reopened.get(notes, "last"))?.data.text).toBe("y");
    await reopened.close();
  });

  it("never keeps a process alive: a writer that ends without closing its store exits", async () => {
    const path = join(directory, "unclosed", "store.db");
    const child = spawn(
      process.execPath,
      ["-r", join(__dirname, "support", "ts-register.js"), join(__dirname, "support", "unclosed-writer.ts"), path],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const exited = once(child, "exit") as Promise<[number | null, string | null]>;
    const hung = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const [code, signal] = await exited;
    clearTimeout(hung);
    expect({ code, signal, output }).toEqual({ code: 0, signal: null, output: "checkpointed\n" });
  });

  it("without a thread to checkpoint on, the writers checkpoint as SQLite would, every 1,000 pages", async () => {
    // A fresh copy of the store's modules whose threads cannot start (a limit on threads, say).
    let isolated!: typeof import("../src");
    jest.isolateModules(() => {
      jest.doMock("node:worker_threads", () => ({
        Worker: class {
          constructor() {
            throw new Error("no more threads");
          }
        },
      }));
      isolated = jest.requireActual<typeof import("../src")>("../src");
    });
    const first = await isolated.EmbeddedDocumentStore.open({ path: join(directory, "no-thread", "first.db") });
    await first.ensureCollections([notes]);
    expect(first["db"].pragma("wal_autocheckpoint", { simple: true })).toBe(BACKSTOP_CHECKPOINT_PAGES);
    await first.commit([put(notes, "n", { text: "x" })]);
    // The checkpoint is asked for 200 ms after the write, and its thread fails to start.
    await waitFor(() => first["db"].pragma("wal_autocheckpoint", { simple: true }) === 1000, {
      timeoutMs: 20_000,
      description: "the writer checkpoints by itself",
    });
    const second = await isolated.EmbeddedDocumentStore.open({ path: join(directory, "no-thread", "second.db") });
    expect(second["db"].pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    await Promise.all([first.close(), second.close()]);
  });
});
