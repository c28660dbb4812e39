/**
 * The dead-letter ledger's keeping, apart from any service: a new letter that
 * lands where the ledger keeps another (the bus journal reset while the store
 * stayed) is not mistaken for a redelivery in silence.
 */
import { randomUUID } from "node:crypto";
import { afterEach, expect, test } from "@jest/globals";
import type { EmbeddedDocumentStore } from "@lienthong/storage";
import { waitFor, type TempDir } from "@lienthong/testing";
import { DeadLetterLedger, InProcessBroker, deadLetterTopicFor, deadLetters, type Logger } from "../src";
import { openTestStore } from "./support/store";

const GROUP = "routing";
let store: EmbeddedDocumentStore;
let dir: TempDir;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A logger that keeps its error lines. */
function recordingLogger(): Logger & { errors: { obj: object; msg?: string }[] } {
  const errors: { obj: object; msg?: string }[] = [];
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (obj, msg) => errors.push({ obj, msg }),
    errors,
  };
}

/** A broker with a fresh (memory) log, and a ledger on the shared store reading the group's dead letters from it. */
async function ledgerOnFreshBroker(logger: Logger) {
  const broker = new InProcessBroker({ partitions: 1 });
  const bus = broker.bus(GROUP);
  const ledger = new DeadLetterLedger({ bus, store, groupId: GROUP, provinceOf: async () => "38", logger });
  await ledger.start();
  cleanups.push(async () => {
    await ledger.stop();
    await broker.close();
  });
  return bus;
}

function letterRecord(eventId: string, failedAt: string) {
  return {
    topic: deadLetterTopicFor(GROUP),
    key: `dossier-${eventId}`,
    value: Uint8Array.from([1, 2, 3]),
    headers: { ce_id: eventId, dlt_original_topic: "lienthong.intake.applications.v1", dlt_failed_at: failedAt },
  };
}

test("another letter at a kept letter's place after a journal reset is logged, not silently taken for a redelivery", async () => {
  ({ store, dir } = await openTestStore());
  cleanups.push(async () => {
    await store.close();
    await dir.remove();
  });
  const logger = recordingLogger();
  const first = await ledgerOnFreshBroker(logger);
  const firstId = randomUUID();
  await first.forward([letterRecord(firstId, "2026-12-05T01:00:00.000Z")]);
  await waitFor(async () => (await store.find(deadLetters)).length === 1, { description: "the letter kept" });
  expect(logger.errors).toEqual([]);

  // A new journal numbers its records from 0 again: the next letter lands on the kept one's place.
  const second = await ledgerOnFreshBroker(logger);
  const secondId = randomUUID();
  await second.forward([letterRecord(secondId, "2026-12-05T02:00:00.000Z")]);
  await waitFor(() => logger.errors.length > 0, { description: "the collision logged", timeoutMs: 10_000 });
  expect(logger.errors[0]).toMatchObject({ obj: { eventId: secondId, keptEventId: firstId } });
  const kept = await store.find(deadLetters);
  expect(kept.map((letter) => letter.data.eventId)).toEqual([firstId]);
});
