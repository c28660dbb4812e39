/**
 * Child process of the kill -9 test: commits batches in a loop and prints
 * "ack <n>" only after commit n resolved. Each batch writes a new receipt and
 * moves the tally to n at its expected version, so after a crash the tally
 * must equal the number of receipts if batches are atomic. A restarted
 * writer continues from the stored tally.
 */
import { EmbeddedDocumentStore } from "../../src/embedded";
import { put } from "../../src/port";
import { receipts, tally } from "./crash-collections";

async function main(path: string): Promise<void> {
  const store = await EmbeddedDocumentStore.open({ path });
  await store.ensureCollections([receipts, tally]);
  // A few KiB per batch so that a kill lands inside SQLite's write often.
  const padding = "Biên nhận hồ sơ — ".repeat(200);
  const stored = await store.get(tally, "tally");
  for (let n = (stored?.data.n ?? 0) + 1; ; n += 1) {
    await store.commit([put(receipts, `r-${n}`, { n, padding }, 0), put(tally, "tally", { n }, n - 1)]);
    // Synchronous on pipes (Linux): once written, the parent can read it even after a kill.
    process.stdout.write(`ack ${n}\n`);
  }
}

main(process.argv[2] ?? "").catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
