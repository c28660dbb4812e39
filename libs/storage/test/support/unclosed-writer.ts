/**
 * Child process of the checkpoint tests: writes, waits until the background
 * checkpoint has copied the writes into the database file (its thread is
 * running), prints "checkpointed" and returns without closing the store. The
 * process must then end by itself: the checkpointing thread never keeps it alive.
 */
import { statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { EmbeddedDocumentStore } from "../../src/embedded";
import { defineCollection, put } from "../../src/port";

const notes = defineCollection<{ text: string }>("notes");

async function main(path: string): Promise<void> {
  const store = await EmbeddedDocumentStore.open({ path });
  await store.ensureCollections([notes]);
  const before = statSync(path).size;
  for (let index = 0; index < 20; index++) await store.commit([put(notes, `n${index}`, { text: "x".repeat(3072) })]);
  while (statSync(path).size <= before) await sleep(20);
  process.stdout.write("checkpointed\n");
}

main(process.argv[2] ?? "").catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
