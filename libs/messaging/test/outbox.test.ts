import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, expect, test } from "@jest/globals";
import { EmbeddedDocumentStore, put } from "@lienthong/storage";
import { waitFor, type TempDir } from "@lienthong/testing";
import {
  InProcessBroker,
  outbox,
  messagingCollections,
  OutboxRelay,
  outboxWrites,
  silentLogger,
  type EventBus,
  type OutgoingEvent,
} from "../src";
import { bodyOf, collect, textEvent, uniqueTopic } from "./support/events";
import { EFFECTS, openTestStore } from "./support/store";
import { inSpan } from "./support/tracing";

let broker: InProcessBroker;
let bus: EventBus;
let store: EmbeddedDocumentStore;
let dir: TempDir;
let storePath: string;
let topic: string;
const relays: OutboxRelay[] = [];

beforeEach(async () => {
  broker = new InProcessBroker({ partitions: 1 });
  bus = broker.bus("intake");
  ({ store, dir, path: storePath } = await openTestStore());
  topic = uniqueTopic("outbox");
});

afterEach(async () => {
  for (const relay of relays.splice(0)) await relay.stop();
  await broker.close();
  await store.close();
  await dir.remove();
});

function relay(
  options: { bus?: EventBus; batchSize?: number; pollIntervalMs?: number; lingerMs?: number } = {},
): OutboxRelay {
  const created = new OutboxRelay({ store, bus: options.bus ?? bus, logger: silentLogger, ...options });
  relays.push(created);
  return created;
}

/** A started relay that polls once a minute and lingers, after its first (empty) drain. */
async function lingeringRelay(lingerMs: number, bus?: EventBus): Promise<OutboxRelay> {
  const running = relay({ pollIntervalMs: 60_000, lingerMs, ...(bus ? { bus } : {}) });
  running.start();
  await waitFor(async () => (await running.backlog()) === 0, { description: "the initial drain" });
  return running;
}

/** A dossier state change and its event, committed atomically like a use case does. */
async function submitApplication(dossierId: string, body: string): Promise<string> {
  const writes = outboxWrites([textEvent(topic, dossierId, body)]);
  const state = put(EFFECTS, `${dossierId}:${body}`, { status: 1 });
  await store.commit([state, ...writes]);
  return writes[0]!.id;
}

test("events committed before a crash are published by the next relay with the ids fixed at commit", async () => {
  const ids = [await submitApplication("dossier-1", "submitted"), await submitApplication("dossier-1", "accepted")];
  // Crash: the process dies before any relay ran. The store reopens from its file.
  await store.close();
  store = await EmbeddedDocumentStore.open({ path: storePath });
  await store.ensureCollections([...messagingCollections, EFFECTS]);
  const received = await collect(broker.bus("routing"), "routing", [topic]);
  const afterRestart = relay();
  expect(await afterRestart.backlog()).toBe(2);
  await afterRestart.flush();
  await waitFor(() => received.events.length === 2, { description: "both events" });
  expect(received.events.map((event) => event.id)).toEqual(ids);
  expect(received.events.map(bodyOf)).toEqual(["submitted", "accepted"]);
  expect(await afterRestart.backlog()).toBe(0);
});

test("a crash between publish and delete only duplicates, with the same ce_id", async () => {
  const id = await submitApplication("dossier-1", "submitted");
  const received = await collect(broker.bus("routing"), "routing", [topic]);
  const crashingBus: EventBus = {
    adapter: bus.adapter,
    source: bus.source,
    publish: async (events: OutgoingEvent[]) => {
      await bus.publish(events);
      throw new Error("process killed after publish");
    },
    forward: (records) => bus.forward(records),
    subscribe: (options) => bus.subscribe(options),
    consumerLag: (groupId, topics) => bus.consumerLag(groupId, topics),
    ping: () => bus.ping(),
    close: () => bus.close(),
  };
  await expect(relay({ bus: crashingBus }).flush()).rejects.toThrow("process killed after publish");
  expect(await store.count(outbox)).toBe(1);
  await relay().flush();
  await waitFor(() => received.events.length === 2, { description: "the event and its duplicate" });
  expect(received.events.map((event) => event.id)).toEqual([id, id]);
});

test("publishes in commit order across batches and keeps the trace context of the writing span", async () => {
  const received = await collect(broker.bus("routing"), "routing", [topic]);
  const bodies = Array.from({ length: 23 }, (_, index) => `step-${index}`);
  const { traceId, spanId } = await inSpan("use case", async () => {
    for (const [index, body] of bodies.entries()) await submitApplication(`dossier-${index % 3}`, body);
  });
  await relay({ batchSize: 5 }).flush();
  await waitFor(() => received.events.length === bodies.length, { description: `${bodies.length} events` });
  expect(received.events.map(bodyOf)).toEqual(bodies);
  expect(received.events[0]!.headers.traceparent).toBe(`00-${traceId}-${spanId}-01`);
});

test("notify() publishes at once without waiting for the poll", async () => {
  const received = await collect(broker.bus("routing"), "routing", [topic]);
  const running = relay({ pollIntervalMs: 60_000 });
  running.start();
  await waitFor(async () => (await running.backlog()) === 0, { description: "the initial drain" });
  await submitApplication("dossier-1", "submitted");
  running.notify();
  // Well before the 60 s poll, with room for a busy machine.
  await waitFor(() => received.events.length === 1, { timeoutMs: 15_000, description: "the notified event" });
});

test("a lingering relay publishes a burst's events together, once the linger ends, in commit order", async () => {
  const received = await collect(broker.bus("routing"), "routing", [topic]);
  const publishes: { at: number; events: number }[] = [];
  const counting: EventBus = {
    ...bus,
    publish: async (events) => {
      publishes.push({ at: performance.now(), events: events.length });
      await bus.publish(events);
    },
  };
  // Far longer than three commits take even on a busy machine: the burst ends inside it.
  const lingerMs = 1_500;
  const running = await lingeringRelay(lingerMs, counting);
  publishes.length = 0;
  // Commits of a burst, each followed by the notification its commit gives: the first starts the linger.
  const notifiedAt = performance.now();
  for (const step of ["submitted", "accepted", "routed"]) {
    await submitApplication("dossier-1", step);
    running.notify();
  }
  await waitFor(() => received.events.length === 3, { timeoutMs: 15_000, description: "the burst's events" });
  expect(received.events.map(bodyOf)).toEqual(["submitted", "accepted", "routed"]);
  // One publish for the burst, not before the linger ended (timers may fire late on a busy machine, never early).
  expect(publishes).toHaveLength(1);
  expect(publishes[0]!.events).toBe(3);
  expect(publishes[0]!.at - notifiedAt).toBeGreaterThanOrEqual(lingerMs - 1);
  expect(await running.backlog()).toBe(0);
});

test("a steady stream of notifications does not put a lingering relay's publish off for ever", async () => {
  const received = await collect(broker.bus("routing"), "routing", [topic]);
  const lingerMs = 200;
  const running = await lingeringRelay(lingerMs);
  await submitApplication("dossier-1", "submitted");
  // Ten lingers' worth of notifications, one every 20 ms: were each to restart the wait, nothing would go out.
  const streamEnds = performance.now() + 10 * lingerMs;
  while (performance.now() < streamEnds) {
    running.notify();
    await sleep(20);
  }
  expect(received.events.map(bodyOf)).toEqual(["submitted"]);
});

test("a relay stopped while it lingers publishes nothing until it starts again", async () => {
  const received = await collect(broker.bus("routing"), "routing", [topic]);
  const lingerMs = 200;
  const running = await lingeringRelay(lingerMs);
  await submitApplication("dossier-1", "submitted");
  running.notify();
  await running.stop();
  // Well past the linger: the stopped relay's linger did not fire.
  await sleep(3 * lingerMs);
  expect(received.events).toHaveLength(0);
  expect(await running.backlog()).toBe(1);
  running.start();
  await waitFor(() => received.events.length === 1, { timeoutMs: 15_000, description: "the event, once started" });
});

test("refuses a linger that is not a whole number of milliseconds", () => {
  expect(() => relay({ lingerMs: -1 })).toThrow("lingerMs must be an integer >= 0, got -1");
  expect(() => relay({ lingerMs: 2.5 })).toThrow("lingerMs must be an integer >= 0, got 2.5");
});

test("the oldest record's age: how long the first event still waiting was written ago, 0 once published", async () => {
  const waiting = relay();
  expect(await waiting.oldestAgeMs()).toBe(0);
  const writtenAt = Date.now();
  await submitApplication("dossier-1", "submitted");
  await sleep(1_000);
  await submitApplication("dossier-2", "submitted");
  // Measured an hour on: the first record's age, not the second's (a second younger).
  const age = await waiting.oldestAgeMs(writtenAt + 3_600_000);
  expect(age).toBeGreaterThan(3_600_000 - 500);
  expect(age).toBeLessThanOrEqual(3_600_000);
  await waiting.flush();
  expect(await waiting.oldestAgeMs(writtenAt + 3_600_000)).toBe(0);
});
