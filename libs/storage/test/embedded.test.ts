import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

  it("serves declared queries from the expression indexes", async () => {
    const path = freshPath();
    const store = await EmbeddedDocumentStore.open({ path });
    await store.ensureCollections([
      defineCollection<Dossier>("dossiers", { indexes: [["receivingUnit", "receivedAt"]], unique: [["code"]] }),
    ]);
    await store.close();
    const raw = new Database(path, { readonly: true });
    try {
      const query = { where: { receivingUnit: "U1" }, range: { field: "receivedAt", gte: "2025-07-01" } };
      const where = whereClause(query);
      const order = orderClause({ ...query, orderBy: { field: "receivedAt" } });
      const plan = raw
        .prepare<unknown[], { detail: string }>(
          `EXPLAIN QUERY PLAN SELECT id FROM docs_dossiers${where.sql}${order.sql}`,
        )
        .all(...where.params, ...order.params)
        .map((row) => row.detail)
        .join(" | ");
      expect(plan).toMatch(
        /SEARCH docs_dossiers USING INDEX ix_dossiers_receivingUnit_receivedAt_\w+ \(<expr>=\? AND <expr>>\?\)/,
      );
      expect(plan).not.toContain("TEMP B-TREE");
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
