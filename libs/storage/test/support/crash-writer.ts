/**
 * Child process of the kill -9 test: commits batches in a loop and prints
 * "ack <n>" only after commit n resolved. Each batch writes a new receipt and
 * moves the tally to n at its expected version, so after a crash the tally
 * must equal the number of receipts if batches are atomic. A restarted
 * writer continues from the stored tally.
 */
import { EmbeddedDocumentStore } from "../../src/embedded";

async function main(path: string): Promise<void> {
  const store = await EmbeddedDocumentStore.open({ path });
  await store.ensureCollections([{ name: "receipts", indexes: [["n"]] }, { name: "tally" }]);
  // A few KiB per batch so that a kill lands inside SQLite's write often.
  const padding = "Biên nhận hồ sơ — ".repeat(200);
  const tally = await store.get<{ n: number }>("tally", "tally");
  for (let n = (tally?.data.n ?? 0) + 1; ; n += 1) {
    await store.commit([
      { kind: "put", collection: "receipts", id: `r-${n}`, data: { n, padding }, expectedVersion: 0 },
      { kind: "put", collection: "tally", id: "tally", data: { n }, expectedVersion: n - 1 },
    ]);
    // Synchronous on pipes (Linux): once written, the parent can read it even after a kill.
    process.stdout.write(`ack ${n}\n`);
  }
}

main(process.argv[2] ?? "").catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
