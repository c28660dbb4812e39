/**
 * The dead-letter ledger's keeping, apart from any service: a new letter that
 * lands where the ledger keeps another (the bus journal reset while the store
 * stayed) is not mistaken for a redelivery: it is kept under a name of its
 * own, and said loudly.
 */
import { randomUUID } from "node:crypto";
import { afterEach, expect, test } from "@jest/globals";
import type { EmbeddedDocumentStore } from "@lienthong/storage";
import { waitFor, type TempDir } from "@lienthong/testing";
import {
  DeadLetterLedger,
  InProcessBroker,
  REPLAYED_FROM_HEADER,
  buildCloudEventHeaders,
  deadLetterTopicFor,
  deadLetters,
  replayTopicFor,
  type Logger,
} from "../src";
import { SUBMITTED, collect } from "./support/events";
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

const ledgers = new WeakMap<object, DeadLetterLedger>();
const ledgerOf = (bus: object) => ledgers.get(bus)!;

/** A broker with a fresh (memory) log, and a ledger on the shared store reading the group's dead letters from it. */
async function ledgerOnFreshBroker(logger: Logger) {
  const broker = new InProcessBroker({ partitions: 1 });
  const bus = broker.bus(GROUP);
  const ledger = new DeadLetterLedger({
    bus,
    store,
    groupId: GROUP,
    consumedTopics: () => [INTAKE_TOPIC],
    provinceOf: async () => "38",
    logger,
  });
  await ledger.start();
  cleanups.push(async () => {
    await ledger.stop();
    await broker.close();
  });
  ledgers.set(bus, ledger);
  return bus;
}

const INTAKE_TOPIC = "lienthong.intake.applications.v1";

function letterRecord(eventId: string, failedAt: string, originalTopic = INTAKE_TOPIC, extra: object = {}) {
  return {
    topic: deadLetterTopicFor(GROUP),
    key: `dossier-${eventId}`,
    value: Uint8Array.from([1, 2, 3]),
    headers: {
      ...buildCloudEventHeaders({
        id: eventId,
        source: "intake",
        type: SUBMITTED,
        time: failedAt,
        subject: `dossier-${eventId}`,
      }),
      dlt_original_topic: originalTopic,
      dlt_failed_at: failedAt,
      ...extra,
    },
  };
}

test("another letter at a kept letter's place after a journal reset is kept under a name of its own and logged", async () => {
  ({ store, dir } = await openTestStore());
  cleanups.push(async () => {
    await store.close();
    await dir.remove();
  });
  const logger = recordingLogger();
  const keptEventIds = async () =>
    Object.fromEntries((await store.find(deadLetters)).map((letter) => [letter.id, letter.data.eventId]));
  const place = `${deadLetterTopicFor(GROUP)}:0:0`;

  const first = await ledgerOnFreshBroker(logger);
  const firstId = randomUUID();
  await first.forward([letterRecord(firstId, "2026-12-05T01:00:00.000Z")]);
  await waitFor(async () => (await store.find(deadLetters)).length === 1, { description: "the letter kept" });
  expect(logger.errors).toEqual([]);

  // A new journal numbers its records from 0 again: the next letter lands on the kept one's place.
  const second = await ledgerOnFreshBroker(logger);
  const secondId = randomUUID();
  const secondLetter = letterRecord(secondId, "2026-12-05T02:00:00.000Z");
  await second.forward([secondLetter]);
  await waitFor(async () => (await store.find(deadLetters)).length === 2, { description: "the second letter kept" });
  expect(await keptEventIds()).toEqual({ [place]: firstId, [`${place}~2`]: secondId });
  // The ledger says so once the letter is written: the store can show it a moment before the log does.
  await waitFor(() => logger.errors.length > 0, { description: "the collision logged" });
  expect(logger.errors).toEqual([
    expect.objectContaining({ obj: expect.objectContaining({ deadLetterId: `${place}~2`, place, eventId: secondId }) }),
  ]);

  // The same letter once more at that place (its redelivery) is known by its name; a third letter gets the next one.
  const third = await ledgerOnFreshBroker(logger);
  const thirdId = randomUUID();
  await third.forward([secondLetter, letterRecord(thirdId, "2026-12-05T03:00:00.000Z")]);
  await waitFor(async () => (await store.find(deadLetters)).length === 3, { description: "the third letter kept" });
  expect(await keptEventIds()).toEqual({
    [place]: firstId,
    [`${place}~2`]: secondId,
    [`${deadLetterTopicFor(GROUP)}:0:1`]: thirdId,
  });
  expect(logger.errors).toHaveLength(1);
});

test("a replay names the topic the event was published on, and one it could not be handled from is refused", async () => {
  ({ store, dir } = await openTestStore());
  cleanups.push(async () => {
    await store.close();
    await dir.remove();
  });
  const bus = await ledgerOnFreshBroker(recordingLogger());
  const replays = await collect(bus, "replay-watch", [replayTopicFor(GROUP)]);
  cleanups.push(() => replays.close());
  const scope = { provinces: new Set(["38"]) };
  const at = "2026-12-05T01:00:00.000Z";
  const [refused, failedAgain, stray] = [randomUUID(), randomUUID(), randomUUID()];
  await bus.forward([
    // Refused on intake's topic.
    letterRecord(refused, at),
    // A replay of it that failed again: its letter comes from the replay topic, naming intake's.
    letterRecord(failedAgain, at, replayTopicFor(GROUP), { [REPLAYED_FROM_HEADER]: INTAKE_TOPIC }),
    // A record on the replay topic naming no topic the group consumes.
    letterRecord(stray, at, replayTopicFor(GROUP), { [REPLAYED_FROM_HEADER]: "lienthong.signature.documents.v1" }),
  ]);
  await waitFor(async () => (await store.find(deadLetters)).length === 3, { description: "three letters kept" });
  const idOf = async (eventId: string) =>
    (await store.find(deadLetters)).find((letter) => letter.data.eventId === eventId)!.id;
  const now = new Date(at);

  await ledgerOf(bus).replay(scope, await idOf(refused), "operator", now);
  await ledgerOf(bus).replay(scope, await idOf(failedAgain), "operator", now);
  await waitFor(() => replays.events.length === 2, { description: "two replays on the replay topic" });
  expect(replays.events.map((event) => [event.id, event.headers[REPLAYED_FROM_HEADER]])).toEqual([
    [refused, INTAKE_TOPIC],
    [failedAgain, INTAKE_TOPIC],
  ]);

  const strayId = await idOf(stray);
  await expect(ledgerOf(bus).replay(scope, strayId, "operator", now)).rejects.toMatchObject({
    reason: "NOT_REPLAYABLE",
    message: expect.stringContaining("lienthong.signature.documents.v1"),
  });
  // Refused before anything changed: still open, its record kept, nothing sent.
  expect((await store.get(deadLetters, strayId))?.data).toMatchObject({ state: "open", value: expect.any(String) });
  expect((await store.get(deadLetters, strayId))?.data.value).not.toBe("");
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(replays.events).toHaveLength(2);
});
