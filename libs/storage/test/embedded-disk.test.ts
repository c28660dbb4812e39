/**
 * The embedded store when its disk fails it (issue 8): a full disk answers
 * retriable UNAVAILABLE and ping() says not ready until a write succeeds
 * again; a data directory or file it cannot use fails the start naming the
 * path and the system's cause. A full disk is simulated with the store's size
 * limit (SQLite's max_page_count), which fails writes with SQLITE_FULL exactly
 * as a full file system does.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { isRetriable } from "@lienthong/errors";
import { EmbeddedDocumentStore, StoreCannotWriteError, defineCollection, put, remove } from "../src";

const directory = mkdtempSync(join(tmpdir(), "lienthong-storage-disk-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

interface Note {
  text: string;
}
const notes = defineCollection<Note>("notes");
const KIB = 1024;

describe("EmbeddedDocumentStore on a full disk", () => {
  it("refuses writes as retriable UNAVAILABLE, is not ready until a write succeeds, and keeps what it had", async () => {
    const path = join(directory, "full", "store.db");
    const store = await EmbeddedDocumentStore.open({ path, maxSizeBytes: 256 * KIB });
    await store.ensureCollections([notes]);
    let written = 0;
    let refusal: unknown;
    try {
      // Pages of 4 KiB: a 256 KiB file holds a few dozen of these.
      for (; written < 1000; written++) await store.commit([put(notes, `n${written}`, { text: "x".repeat(3 * KIB) })]);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(StoreCannotWriteError);
    expect(refusal).toMatchObject({ code: "UNAVAILABLE", reason: "STORE_CANNOT_WRITE" });
    expect(isRetriable(refusal)).toBe(true);
    expect((refusal as Error).message).toMatch(/SQLITE_FULL/);
    expect(written).toBeGreaterThan(10);
    // Reads still work; readiness does not, however often it asks.
    expect(await store.count(notes)).toBe(written);
    expect(await store.ping()).toBe(false);
    expect(await store.ping()).toBe(false);

    // An operator frees space (here: another connection deletes documents).
    const operator = new Database(path);
    operator.prepare(`DELETE FROM "docs_notes" WHERE id IN ('n0', 'n1', 'n2', 'n3')`).run();
    operator.close();
    expect(await store.ping()).toBe(true);
    await store.commit([put(notes, "after", { text: "x".repeat(3 * KIB) })]);
    expect(await store.count(notes)).toBe(written - 4 + 1);
    await store.close();
  });

  it("is ready again once its own commits free space, not when a write merely fits", async () => {
    const store = await EmbeddedDocumentStore.open({
      path: join(directory, "full-2", "store.db"),
      maxSizeBytes: 128 * KIB,
    });
    await store.ensureCollections([notes]);
    const big = (id: string) => put(notes, id, { text: "x".repeat(3 * KIB) });
    let written = 0;
    await expect(
      (async () => {
        for (; written < 1000; written++) await store.commit([big(`n${written}`)]);
      })(),
    ).rejects.toBeInstanceOf(StoreCannotWriteError);
    // A small update in place needs no new page: it goes through, and the next submission still would not.
    await store.commit([put(notes, "n0", { text: "short" })]);
    expect(await store.ping()).toBe(false);
    await store.commit(Array.from({ length: written }, (_, i) => remove(notes, `n${i}`)));
    expect(await store.ping()).toBe(true);
    await store.commit([big("again")]);
    await store.close();
  });
});

describe("EmbeddedDocumentStore.open names the path and the cause", () => {
  it("when the data directory cannot be created", async () => {
    const file = join(directory, "a-file");
    writeFileSync(file, "");
    const path = join(file, "intake", "store.db");
    await expect(EmbeddedDocumentStore.open({ path })).rejects.toThrow(
      `cannot create data directory ${join(file, "intake")}: ENOTDIR not a directory`,
    );
  });

  it("when the database file cannot be opened", async () => {
    const path = join(directory, "a-directory");
    mkdirSync(path);
    await expect(EmbeddedDocumentStore.open({ path })).rejects.toThrow(
      `cannot open the embedded store ${path}: EISDIR the path is a directory`,
    );
  });
});
