import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import {
  EMBEDDED_STORE_WARNING,
  EmbeddedDocumentStore,
  StoreConfigurationError,
  StoreUnavailableError,
  defineCollection,
  openDocumentStore,
  put,
} from "../src";
import { orderClause, whereClause } from "../src/embedded-sql";
import { indexName } from "../src/index-names";
import { describeDocumentStoreContract } from "./document-store.contract";
import { receipts, tally } from "./support/crash-collections";

const directory = mkdtempSync(join(tmpdir(), "lienthong-storage-"));
let files = 0;
const freshPath = (): string => join(directory, `store-${(files += 1)}`, "data.db");

interface Dossier {
  code?: string;
  status: string;
  receivingUnit?: string;
  receivedAt?: string;
}

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

describeDocumentStoreContract("embedded", () => EmbeddedDocumentStore.open({ path: freshPath() }));

describe("EmbeddedDocumentStore", () => {
  it("keeps documents and versions after close and reopen, in a WAL-mode file", async () => {
    const path = freshPath();
    const dossiers = defineCollection<Dossier>("dossiers", { indexes: [["status"]] });
    const first = await EmbeddedDocumentStore.open({ path });
    await first.ensureCollections([dossiers]);
    await first.commit([put(dossiers, "d-1", { status: "received" })]);
    await first.commit([put(dossiers, "d-1", { status: "accepted" })]);
    await first.close();
    expect(await first.ping()).toBe(false);
    const closed = first.get(dossiers, "d-1");
    await expect(closed).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(closed).rejects.toMatchObject({ code: "UNAVAILABLE", reason: "STORE_UNAVAILABLE", retriable: true });

    const second = await EmbeddedDocumentStore.open({ path, durability: "normal" });
    await second.ensureCollections([dossiers]);
    expect(await second.get(dossiers, "d-1")).toEqual({ id: "d-1", version: 2, data: { status: "accepted" } });
    expect(await second.find(dossiers, { where: { status: "accepted" } })).toHaveLength(1);
    await second.close();

    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      raw.close();
    }
  });

  it("serves declared queries from the indexes on the indexed fields' columns", async () => {
    const path = freshPath();
    const store = await EmbeddedDocumentStore.open({ path });
    await store.ensureCollections([
      defineCollection<Dossier>("dossiers", { indexes: [["receivingUnit", "receivedAt"]], unique: [["code"]] }),
    ]);
    await store.close();
    const raw = new Database(path, { readonly: true });
    try {
      const query = { where: { receivingUnit: "U1" }, range: { field: "receivedAt", gte: "2025-07-01" } };
      const indexed = new Set(["receivingUnit", "receivedAt", "code"]);
      const where = whereClause(query, indexed);
      const order = orderClause({ ...query, orderBy: { field: "receivedAt" } }, indexed);
      const plan = raw
        .prepare<unknown[], { detail: string }>(
          `EXPLAIN QUERY PLAN SELECT id FROM docs_dossiers${where.sql}${order.sql}`,
        )
        .all(...where.params, ...order.params)
        .map((row) => row.detail)
        .join(" | ");
      expect(plan).toMatch(
        /SEARCH docs_dossiers USING INDEX ix_dossiers_receivingUnit_receivedAt_\w+ \(f_receivingUnit=\? AND f_receivedAt>\?\)/,
      );
      expect(plan).not.toContain("TEMP B-TREE");
    } finally {
      raw.close();
    }
  });

  it("writes an update that leaves every indexed value as it was without touching an index", async () => {
    const path = freshPath();
    const fields = ["a", "b", "c", "d", "e"] as const;
    type Row = Record<(typeof fields)[number], string> & { note: string };
    const rows = defineCollection<Row>("rows", { indexes: fields.map((field) => [field]) });
    const store = await EmbeddedDocumentStore.open({ path });
    await store.ensureCollections([rows]);
    const row = (index: number, note: string): Row => ({
      ...(Object.fromEntries(fields.map((field) => [field, `${field}-${String(index).padStart(6, "0")}`])) as Row),
      note,
    });
    // Enough rows that each index spans many pages: a change to one shows as pages of its own in the log.
    for (let start = 0; start < 4000; start += 500) {
      await store.commit(
        Array.from({ length: 500 }, (_, offset) => put(rows, `r${start + offset}`, row(start + offset, ""))),
      );
    }
    const operator = new Database(path);
    const framesOf = async (commit: () => Promise<void>): Promise<number> => {
      operator.pragma("wal_checkpoint(TRUNCATE)");
      await commit();
      return (statSync(`${path}-wal`).size - 32) / (4096 + 24);
    };
    try {
      const noteOnly = await framesOf(() => store.commit([put(rows, "r1234", row(1234, "a note"))]));
      const everyIndex = await framesOf(() => store.commit([put(rows, "r1234", row(999_999, "a note"))]));
      expect(noteOnly).toBeLessThanOrEqual(2);
      expect(everyIndex).toBeGreaterThanOrEqual(noteOnly + fields.length);
      expect(await store.find(rows, { where: { a: "a-999999" } })).toHaveLength(1);
      expect(await store.find(rows, { where: { a: "a-001234" } })).toEqual([]);
    } finally {
      operator.close();
      await store.close();
    }
  });

  it("brings a table of the json_extract layout to the column layout on open, every value as it was", async () => {
    const path = freshPath();
    mkdirSync(dirname(path), { recursive: true });
    const old = new Database(path);
    old.pragma("journal_mode = WAL");
    const [rankIndex, codeIndex] = [indexName("ix", "flags", ["urgent", "rank"]), indexName("ux", "flags", ["code"])];
    old.exec(
      `CREATE TABLE "docs_flags" (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL, data TEXT NOT NULL) STRICT;
       CREATE INDEX "${rankIndex}" ON "docs_flags" (json_extract(data, '$.urgent'), json_extract(data, '$.rank'));
       CREATE UNIQUE INDEX "${codeIndex}" ON "docs_flags" (json_extract(data, '$.code'));`,
    );
    const insert = old.prepare(`INSERT INTO "docs_flags" (id, version, data) VALUES (?, 3, ?)`);
    insert.run("f-1", JSON.stringify({ urgent: true, rank: 2, code: "A" }));
    insert.run("f-2", JSON.stringify({ urgent: false, rank: 1, code: null }));
    insert.run("f-3", JSON.stringify({ urgent: 1, rank: "2", code: "B" }));
    insert.run("f-4", JSON.stringify({ rank: 3 }));
    old.close();

    type Flag = { urgent?: boolean | number; rank: number | string; code?: string | null };
    const flags = defineCollection<Flag>("flags", { indexes: [["urgent", "rank"]], unique: [["code"]] });
    const store = await EmbeddedDocumentStore.open({ path });
    await store.ensureCollections([flags]);
    const ids = (found: { id: string }[]) => found.map((doc) => doc.id);
    try {
      // Type brackets hold on the filled columns: true is not 1, the number 2 is not the string "2".
      expect(ids(await store.find(flags, { where: { urgent: true } }))).toEqual(["f-1"]);
      expect(ids(await store.find(flags, { where: { urgent: false } }))).toEqual(["f-2"]);
      expect(ids(await store.find(flags, { where: { urgent: 1 } }))).toEqual(["f-3"]);
      expect(ids(await store.find(flags, { where: { urgent: null } }))).toEqual(["f-4"]);
      expect(ids(await store.find(flags, { where: { rank: 2 } }))).toEqual(["f-1"]);
      expect(ids(await store.find(flags, { orderBy: { field: "rank" }, range: { field: "rank", gte: 1 } }))).toEqual([
        "f-2",
        "f-1",
        "f-4",
      ]);
      await expect(store.commit([put(flags, "f-5", { rank: 9, code: "A" })])).rejects.toMatchObject({
        conflict: { kind: "unique", fields: ["code"] },
      });
      expect(await store.get(flags, "f-1")).toEqual({
        id: "f-1",
        version: 3,
        data: { urgent: true, rank: 2, code: "A" },
      });
    } finally {
      await store.close();
    }
    const raw = new Database(path, { readonly: true });
    try {
      const indexes = raw
        .prepare<[], { name: string; sql: string }>(
          `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`,
        )
        .all();
      expect(indexes.map((index) => index.name).sort()).toEqual([rankIndex, codeIndex].sort());
      expect(indexes.filter((index) => index.sql.includes("json_extract"))).toEqual([]);
    } finally {
      raw.close();
    }
  });

  describe("in production", () => {
    const previous = process.env.NODE_ENV;
    afterEach(() => {
      process.env.NODE_ENV = previous;
    });

    it("refuses to start unless explicitly allowed", async () => {
      process.env.NODE_ENV = "production";
      const path = freshPath();
      const refusal = openDocumentStore({ kind: "embedded", path });
      await expect(refusal).rejects.toBeInstanceOf(StoreConfigurationError);
      await expect(refusal).rejects.toThrow(/NODE_ENV=production.*allowEmbeddedInProduction/);

      const allowed = await openDocumentStore({ kind: "embedded", path, allowEmbeddedInProduction: true });
      expect(allowed.adapter).toBe("embedded");
      await allowed.close();
      expect(EMBEDDED_STORE_WARNING).toContain("embedded store: not for a multi-server production");
    });
  });

  it("loses no acknowledged commit and stays consistent when its process is killed with SIGKILL mid-write", async () => {
    const path = freshPath();
    const acknowledged: number[] = [];
    // Three crash/restart rounds: recovery must also survive a crash right after a recovery.
    for (let round = 0; round < 3; round += 1) {
      acknowledged.push(...(await runWriterAndKill(path, 150 + round * 100)));
    }
    expect(acknowledged.length).toBeGreaterThan(100);

    const store = await EmbeddedDocumentStore.open({ path });
    await store.ensureCollections([receipts, tally]);
    const receiptCount = await store.count(receipts);
    const storedTally = await store.get(tally, "tally");
    // Every acknowledged batch is there; at most the one in flight when killed may also be.
    expect(receiptCount).toBeGreaterThanOrEqual(Math.max(...acknowledged));
    // Atomic batches: the tally moved exactly once per stored receipt.
    expect(storedTally?.data.n).toBe(receiptCount);
    const missing = [];
    for (const n of acknowledged) {
      const receipt = await store.get(receipts, `r-${n}`);
      if (receipt?.data.n !== n) missing.push(n);
    }
    expect(missing).toEqual([]);
    await store.close();

    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma("integrity_check", { simple: true })).toBe("ok");
    } finally {
      raw.close();
    }
  });
});

/** Runs the crash writer until it has acknowledged commits for `runMs`, kills it with SIGKILL, returns the acknowledged numbers. */
async function runWriterAndKill(path: string, runMs: number): Promise<number[]> {
  const child = spawn(
    process.execPath,
    ["-r", join(__dirname, "support", "ts-register.js"), join(__dirname, "support", "crash-writer.ts"), path],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const acknowledged: number[] = [];
  let stderr = "";
  let pending = "";
  let timer: NodeJS.Timeout | undefined;
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) acknowledged.push(Number(line.replace("ack ", "")));
    timer ??= setTimeout(() => child.kill("SIGKILL"), runMs);
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
    child.on("close", (_code, closedBy) => resolve(closedBy)),
  );
  clearTimeout(timer);
  if (signal !== "SIGKILL") throw new Error(`crash writer exited on its own: ${stderr}`);
  return acknowledged;
}
