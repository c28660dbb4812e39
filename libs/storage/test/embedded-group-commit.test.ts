/**
 * Group commit (issue 9): the batches committed in one turn of the event loop
 * share one transaction, so one fsync covers them all — and each batch still
 * succeeds or fails on its own (after a failure the group is applied again,
 * one savepoint per batch).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConflictError, EmbeddedDocumentStore, StoreCannotWriteError, defineCollection, put } from "../src";

const directory = mkdtempSync(join(tmpdir(), "lienthong-group-commit-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(directory, `store-${(files += 1)}`, "data.db");

interface Note {
  text: string;
}
const notes = defineCollection<Note>("notes");
const marks = defineCollection<Note>("marks");

async function openStore(maxSizeBytes?: number): Promise<EmbeddedDocumentStore> {
  const store = await EmbeddedDocumentStore.open({ path: freshPath(), maxSizeBytes });
  await store.ensureCollections([notes, marks]);
  return store;
}

describe("EmbeddedDocumentStore group commit", () => {
  it("writes every batch of one turn, and a batch that conflicts fails alone and whole", async () => {
    const store = await openStore();
    await store.commit([put(notes, "taken", { text: "first" })]);

    // All issued before any resolves: one group.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        i === 25
          ? // Two writes, the second conflicting: neither may land.
            store.commit([put(marks, "of-25", { text: "half" }), put(notes, "taken", { text: "again" }, 0)])
          : store.commit([put(notes, `n${i}`, { text: `note ${i}` }), put(marks, `of-${i}`, { text: "mark" })]),
      ),
    );

    const rejected = outcomes.flatMap((outcome, i) => (outcome.status === "rejected" ? [i] : []));
    expect(rejected).toEqual([25]);
    expect((outcomes[25] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect(await store.count(notes)).toBe(50); // "taken" and 49 new ones
    expect(await store.count(marks)).toBe(49);
    expect(await store.get(marks, "of-25")).toBeUndefined();
    expect((await store.get(notes, "taken"))?.data.text).toBe("first");
    await store.close();
  });

  it("a batch whose unique field another document holds fails alone, in a group of valid ones", async () => {
    const store = await EmbeddedDocumentStore.open({ path: freshPath() });
    const codes = defineCollection<{ code: string }>("codes", { unique: [["code"]] });
    await store.ensureCollections([codes, marks]);
    await store.commit([put(codes, "first", { code: "A-1" })]);

    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        store.commit([
          put(marks, `of-${i}`, { text: "mark" }),
          put(codes, `c${i}`, { code: i === 7 ? "A-1" : `B-${i}` }),
        ]),
      ),
    );

    const rejected = outcomes.flatMap((outcome, i) => (outcome.status === "rejected" ? [i] : []));
    expect(rejected).toEqual([7]);
    expect((outcomes[7] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect(await store.count(codes)).toBe(20);
    expect(await store.count(marks)).toBe(19);
    expect(await store.get(marks, "of-7")).toBeUndefined();
    await store.close();
  });

  it("fails every batch of a group the disk refused, and writes none of them", async () => {
    const store = await openStore(128 * 1024);
    const big = (id: string) => put(notes, id, { text: "x".repeat(3 * 1024) });
    const outcomes = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => store.commit([big(`n${i}`)])));

    // The file holds a few dozen of these: some group hit the limit, and every batch of it failed retriably.
    const reasons = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as unknown] : []));
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason).toBeInstanceOf(StoreCannotWriteError);
    expect(await store.count(notes)).toBe(outcomes.length - reasons.length);
    await store.close();
  });

  it("writes the commits still waiting for their turn when it is closed", async () => {
    const path = freshPath();
    const store = await EmbeddedDocumentStore.open({ path });
    await store.ensureCollections([notes, marks]);
    const waiting = store.commit([put(notes, "last", { text: "before close" })]);
    await store.close();
    await expect(waiting).resolves.toBeUndefined();

    const reopened = await EmbeddedDocumentStore.open({ path });
    await reopened.ensureCollections([notes, marks]);
    expect((await reopened.get(notes, "last"))?.data.text).toBe("before close");
    await reopened.close();
  });
});
