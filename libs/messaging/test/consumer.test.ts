import { randomUUID } from "node:crypto";
import { SpanKind } from "@opentelemetry/api";
import { afterEach, beforeEach, expect, test } from "@jest/globals";
import { invalidField, unavailable } from "@lienthong/errors";
import { put, type EmbeddedDocumentStore, type WriteOp } from "@lienthong/storage";
import { waitFor, type TempDir } from "@lienthong/testing";
import {
  DeadLetterHeaders,
  REPLAYED_FROM_HEADER,
  buildCloudEventHeaders,
  inbox,
  InProcessBroker,
  deadLetterTopicFor,
  inboxId,
  replayTopicFor,
  silentLogger,
  startConsumer,
  type DeliveredEvent,
  type EventBus,
  type EventProcessor,
  type RawRecord,
  type Subscription,
  type UnreadableRecord,
} from "../src";
import { partitionForKey } from "../src/partitioner";
import { SUBMITTED, bodyOf, collect, textEvent, uniqueTopic } from "./support/events";
import { EFFECTS, openTestStore, type Effect } from "./support/store";
import { inSpan, installTracing } from "./support/tracing";

const GROUP = "routing";
const fastRetry = { attempts: 3, initialMs: 5, maxMs: 20 };

let broker: InProcessBroker;
let intake: EventBus;
let routing: EventBus;
let store: EmbeddedDocumentStore;
let dir: TempDir;
let topic: string;
const subscriptions: Subscription[] = [];

beforeEach(async () => {
  broker = new InProcessBroker({ partitions: 4, redelivery: { initialMs: 10, maxMs: 50 } });
  intake = broker.bus("intake");
  routing = broker.bus("routing");
  ({ store, dir } = await openTestStore());
  topic = uniqueTopic("consumer");
});

afterEach(async () => {
  for (const subscription of subscriptions.splice(0)) await subscription.close();
  await broker.close();
  await store.close();
  await dir.remove();
});

/** A handler write that records which event caused it. */
const effectOf = (event: DeliveredEvent) => [put(EFFECTS, randomUUID(), { eventId: event.id, body: bodyOf(event) })];

/** Two keys on different partitions: one ce_id published under both is delivered twice at once. */
function keysOnTwoPartitions(): [string, string] {
  const keys = ["dossier-a", ...Array.from({ length: 20 }, (_, index) => `dossier-b${index}`)];
  return [keys[0]!, keys.find((key) => partitionForKey(key, 4) !== partitionForKey(keys[0]!, 4))!];
}

/** Holds handler runs until `count` of them are inside: concurrent copies then read the same state. */
function meetingPoint(count: number): () => Promise<void> {
  let inside = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    inside += 1;
    if (inside === count) open();
    return opened;
  };
}

async function consume(handle: EventProcessor, retry = fastRetry): Promise<void> {
  subscriptions.push(
    await startConsumer({ bus: routing, store, groupId: GROUP, topics: [topic], handle, retry, logger: silentLogger }),
  );
}

/** A record on the group's replay topic, as an operator's replay (or a stray producer) writes it. */
function replayRecord(key: string, body: string, type: string, headers: Record<string, string>): RawRecord {
  return {
    topic: replayTopicFor(GROUP),
    key,
    value: new TextEncoder().encode(body),
    headers: {
      ...buildCloudEventHeaders({
        id: randomUUID(),
        source: "intake",
        type,
        time: new Date().toISOString(),
        subject: key,
      }),
      ...headers,
    },
  };
}

async function effects(): Promise<Effect[]> {
  return (await store.find(EFFECTS)).map((doc) => doc.data);
}

test("an event delivered twice with the same ce_id is handled once", async () => {
  const calls: string[] = [];
  await consume(async (event) => {
    calls.push(event.id);
    return effectOf(event);
  });
  const id = randomUUID();
  await intake.publish([textEvent(topic, "dossier-1", "first", { id })]);
  await intake.publish([textEvent(topic, "dossier-1", "first", { id }), textEvent(topic, "dossier-1", "next")]);
  await waitFor(async () => (await effects()).some((effect) => effect.body === "next"), {
    description: "the next event",
  });
  expect(calls.filter((call) => call === id)).toHaveLength(1);
  expect((await effects()).filter((effect) => effect.eventId === id)).toHaveLength(1);
  expect(await store.get(inbox, inboxId(GROUP, id))).toBeDefined();
});

test("a concurrent duplicate loses on the inbox marker and its writes are discarded", async () => {
  // Two keys on different partitions carry the same ce_id, so two deliveries run at once.
  const [key, otherKey] = keysOnTwoPartitions();
  let inHandler = 0;
  const bothInside = meetingPoint(2);
  const deadLetters = await collect(routing, "dlt-watch", [deadLetterTopicFor(GROUP)]);
  subscriptions.push(deadLetters);
  const outcomes: string[] = [];
  subscriptions.push(
    await startConsumer({
      bus: routing,
      store,
      groupId: GROUP,
      topics: [topic],
      retry: fastRetry,
      logger: silentLogger,
      observer: { settled: (_type, outcome) => outcomes.push(outcome) },
      handle: async (event) => {
        inHandler += 1;
        await bothInside();
        return effectOf(event);
      },
    }),
  );
  const id = randomUUID();
  await intake.publish([textEvent(topic, key, "copy", { id }), textEvent(topic, otherKey, "copy", { id })]);
  await waitFor(() => inHandler === 2, { description: "both copies inside the handler" });
  // The loser settles after the winner's commit: wait until both are done with, not for the first effect.
  await waitFor(() => outcomes.length === 2, { description: "both copies settled" });
  expect(outcomes.sort()).toEqual(["duplicate", "processed"]);
  expect(await effects()).toHaveLength(1);
  expect(inHandler).toBe(2);
  expect(deadLetters.events).toHaveLength(0);
});

test("a handler whose commit lost a race on a document it read runs again at once, and the event is not redelivered", async () => {
  const counter = "dossier-1-counter";
  await store.commit([put(EFFECTS, counter, { eventId: "seed", body: "0" })]);
  let runs = 0;
  const deadLetters = await collect(routing, "dlt-watch", [deadLetterTopicFor(GROUP)]);
  subscriptions.push(deadLetters);
  await consume(
    async (event) => {
      runs += 1;
      const read = await store.get(EFFECTS, counter);
      // Another writer (an event of the same dossier on another topic) moves the document meanwhile, twice.
      if (runs <= 2) await store.commit([put(EFFECTS, counter, { eventId: "other", body: "moved" })]);
      return [put(EFFECTS, counter, { eventId: event.id, body: "handled" }, read?.version)];
    },
    // One attempt: were the conflict a failure of the event, it would be dead-lettered at once.
    { attempts: 1, initialMs: 5, maxMs: 20 },
  );
  const event = textEvent(topic, "dossier-1", "raced");
  await intake.publish([event]);
  await waitFor(async () => (await store.get(EFFECTS, counter))?.data.body === "handled", {
    description: "the handler's write after the races",
  });
  expect(runs).toBe(3);
  expect(deadLetters.events).toHaveLength(0);
});

test("a handler that keeps its own idempotency: no inbox marker, and a copy of an applied event changes nothing", async () => {
  // The handler records each event's id in the document it changes, against the version it read.
  const ledger = "dossier-1-ledger";
  await store.commit([put(EFFECTS, ledger, { eventId: "", body: "" })]);
  const [key, otherKey] = keysOnTwoPartitions();
  let runs = 0;
  const bothInside = meetingPoint(2);
  const deadLetters = await collect(routing, "dlt-watch", [deadLetterTopicFor(GROUP)]);
  subscriptions.push(deadLetters);
  subscriptions.push(
    await startConsumer({
      bus: routing,
      store,
      groupId: GROUP,
      topics: [topic],
      idempotency: "handler",
      retry: { attempts: 1, initialMs: 5, maxMs: 20 },
      logger: silentLogger,
      handle: async (event) => {
        runs += 1;
        const read = (await store.get(EFFECTS, ledger))!;
        await bothInside();
        const applied = (read.data.body ?? "").split(" ").filter(Boolean);
        if (applied.includes(event.id)) return [];
        return [put(EFFECTS, ledger, { eventId: event.id, body: [...applied, event.id].join(" ") }, read.version)];
      },
    }),
  );
  const id = randomUUID();
  // Two copies at once, on two partitions: both read the same version; one commits, the other conflicts, runs
  // again at once (no redelivery: one attempt would dead-letter it) and finds its event applied.
  await intake.publish([textEvent(topic, key, "copy", { id }), textEvent(topic, otherKey, "copy", { id })]);
  await waitFor(() => runs === 3, { description: "both copies, one of them twice" });
  const once = (await store.get(EFFECTS, ledger))!;
  expect(once.data.body).toBe(id);
  // A later copy (a redelivery after a restart) is handled and writes nothing: the document keeps its version.
  await intake.publish([textEvent(topic, key, "copy", { id })]);
  await waitFor(() => runs === 4, { description: "the later copy" });
  const next = randomUUID();
  await intake.publish([textEvent(topic, key, "next", { id: next })]);
  await waitFor(async () => (await store.get(EFFECTS, ledger))!.data.body === `${id} ${next}`, {
    description: "the next event applied",
  });
  expect((await store.get(EFFECTS, ledger))!.version).toBe(once.version + 1);
  expect(await store.find(inbox)).toEqual([]);
  expect(deadLetters.events).toHaveLength(0);
});

test("a transient failure is retried and then succeeds", async () => {
  let calls = 0;
  await consume(async (event) => {
    calls += 1;
    if (calls < 3) throw unavailable("database busy");
    return effectOf(event);
  });
  await intake.publish([textEvent(topic, "dossier-1", "flaky")]);
  await waitFor(async () => (await effects()).length === 1, { description: "the effect after retries" });
  expect(calls).toBe(3);
});

test("failures are classified once: transient ones are retried, bad input and defects dead-letter at once", async () => {
  const deadLetters = await collect(routing, "dlt-watch", [deadLetterTopicFor(GROUP)]);
  subscriptions.push(deadLetters);
  const attempts: Record<string, number> = {};
  await consume(async (event) => {
    const body = bodyOf(event);
    attempts[body] = (attempts[body] ?? 0) + 1;
    if (body === "outage") throw unavailable("store unavailable");
    if (body === "invalid") throw invalidField("receivedAt", "not a date");
    if (body === "defect") return (undefined as unknown as { effects(): WriteOp[] }).effects();
    return effectOf(event);
  });
  const outageId = randomUUID();
  const { traceId } = await inSpan("submit", () =>
    intake.publish([
      textEvent(topic, "dossier-1", "outage", { id: outageId }),
      textEvent(topic, "dossier-1", "invalid"),
      textEvent(topic, "dossier-1", "defect"),
      textEvent(topic, "dossier-1", "after"),
    ]),
  );
  await waitFor(async () => (await effects()).some((effect) => effect.body === "after"), {
    description: "the event behind the failures",
  });
  await waitFor(() => deadLetters.events.length === 3, { description: "three dead letters" });
  expect(attempts).toEqual({ outage: 3, invalid: 1, defect: 1, after: 1 });

  const [outage, invalid, defect] = deadLetters.events;
  expect(outage).toMatchObject({
    id: outageId,
    key: "dossier-1",
    type: SUBMITTED,
    source: "intake",
    topic: deadLetterTopicFor(GROUP),
  });
  expect(bodyOf(outage!)).toBe("outage");
  expect(outage!.headers).toMatchObject({
    [DeadLetterHeaders.error]: "UNAVAILABLE: store unavailable",
    [DeadLetterHeaders.originalTopic]: topic,
    [DeadLetterHeaders.attempts]: "3",
    [DeadLetterHeaders.group]: GROUP,
  });
  expect(outage!.headers.traceparent).toContain(traceId);
  expect(outage!.headers).toMatchObject({
    [DeadLetterHeaders.reason]: "UNAVAILABLE",
    [DeadLetterHeaders.originalPartition]: String(partitionForKey("dossier-1", 4)),
    [DeadLetterHeaders.originalOffset]: "0",
    [DeadLetterHeaders.service]: "routing",
  });
  // Retried through the bus: the first failure came before the last.
  expect(Date.parse(outage!.headers[DeadLetterHeaders.firstFailedAt]!)).toBeLessThan(
    Date.parse(outage!.headers[DeadLetterHeaders.failedAt]!),
  );
  expect(invalid!.headers).toMatchObject({
    [DeadLetterHeaders.reason]: "INVALID_ARGUMENT",
    [DeadLetterHeaders.error]: "INVALID_ARGUMENT: receivedAt: not a date",
    [DeadLetterHeaders.attempts]: "1",
    [DeadLetterHeaders.originalOffset]: "1",
  });
  expect(invalid!.headers[DeadLetterHeaders.firstFailedAt]).toBe(invalid!.headers[DeadLetterHeaders.failedAt]);
  // A programming error is never retried, and the dead letter says what it was.
  expect(defect!.headers[DeadLetterHeaders.attempts]).toBe("1");
  expect(defect!.headers[DeadLetterHeaders.error]).toMatch(/^TypeError: Cannot read properties of undefined/);
  expect(defect!.headers[DeadLetterHeaders.reason]).toBe("INTERNAL");
  expect(await store.get(inbox, inboxId(GROUP, outageId))).toBeUndefined();
});

test("a replayed event reaches its group alone, handled as on the topic it was published on; a stray one is dead-lettered", async () => {
  const deadLetters = await collect(routing, "dlt-watch", [deadLetterTopicFor(GROUP)]);
  subscriptions.push(deadLetters);
  // Another group of the original topic: a replay is none of its business.
  const bystander = await collect(routing, "notification", [topic]);
  subscriptions.push(bystander);
  const handled: DeliveredEvent[] = [];
  await consume(async (event) => {
    handled.push(event);
    return effectOf(event);
  });
  const replay = (body: string, headers: Record<string, string>) =>
    routing.forward([replayRecord("dossier-9", body, SUBMITTED, headers)]);
  await replay("replayed", { [REPLAYED_FROM_HEADER]: topic });
  await replay("from a topic the group does not consume", { [REPLAYED_FROM_HEADER]: uniqueTopic("elsewhere") });
  await replay("naming no topic", {});
  await intake.publish([textEvent(topic, "dossier-9", "after")]);

  // The bystander is a group of its own: it receives "after" independently of the routing group.
  await waitFor(() => handled.length === 2 && deadLetters.events.length === 2 && bystander.events.length > 0, {
    description: "the replayed event and the one after it handled, two dead letters, and the bystander's event",
  });
  // Two topics, two lanes: the replay and the event after it are handled in either order.
  expect(handled.map((event) => [bodyOf(event), event.topic]).sort()).toEqual([
    ["after", topic],
    ["replayed", topic],
  ]);
  expect(bystander.events.map(bodyOf)).toEqual(["after"]);
  expect(deadLetters.events.map(bodyOf)).toEqual(["from a topic the group does not consume", "naming no topic"]);
  for (const letter of deadLetters.events) {
    expect(letter.headers).toMatchObject({
      [DeadLetterHeaders.reason]: "NOT_REPLAYABLE_HERE",
      [DeadLetterHeaders.originalTopic]: replayTopicFor(GROUP),
      [DeadLetterHeaders.attempts]: "1",
    });
  }
  // The letter of a replay keeps the topic the replay named, for the ledger to name it again.
  expect(deadLetters.events[0]!.headers[REPLAYED_FROM_HEADER]).toMatch(/^lienthong\.test\.elsewhere\./);
});

test("an event the group ignores is acknowledged with no handler, inbox marker or span; a replay of it is handled", async () => {
  const exporter = installTracing();
  const IGNORED = "gov.lienthong.test.ignored.v1";
  const settled: string[] = [];
  const handled: string[] = [];
  subscriptions.push(
    await startConsumer({
      bus: routing,
      store,
      groupId: GROUP,
      topics: [topic],
      logger: silentLogger,
      ignores: (event) => event.type === IGNORED,
      observer: { settled: (type, outcome) => settled.push(`${type} ${outcome}`) },
      handle: async (event) => {
        handled.push(bodyOf(event));
        return effectOf(event);
      },
    }),
  );
  const ignoredId = randomUUID();
  const handledId = randomUUID();
  await intake.publish([
    textEvent(topic, "dossier-3", "passes by", { type: IGNORED, id: ignoredId }),
    textEvent(topic, "dossier-3", "handled", { id: handledId }),
  ]);
  // An operator's replay names its event's type like any other: it reaches the handler all the same.
  await routing.forward([replayRecord("dossier-3", "replayed", IGNORED, { [REPLAYED_FROM_HEADER]: topic })]);
  await waitFor(() => handled.length === 2, { description: "the handled event and the replay" });
  expect(handled.sort()).toEqual(["handled", "replayed"]);
  expect(settled).toContain(`${IGNORED} ignored`);
  expect(await store.get(inbox, inboxId(GROUP, ignoredId))).toBeUndefined();
  const spannedIds = () => exporter.getFinishedSpans().map((span) => span.attributes["messaging.message.id"]);
  await waitFor(() => spannedIds().includes(handledId), { description: "the handled event's span" });
  expect(spannedIds()).not.toContain(ignoredId);
  // Acknowledged: the group's lag on the topic comes back to 0, as for the events it handled.
  await waitFor(async () => (await routing.consumerLag(GROUP, [topic])).every(({ lag }) => lag === 0), {
    description: "no lag left on the topic",
  });
});

test("a producer's own replay header does not travel into the dead letter of its record", async () => {
  const deadLetters = await collect(routing, "dlt-watch", [deadLetterTopicFor(GROUP)]);
  subscriptions.push(deadLetters);
  await consume(async (event) => {
    if (bodyOf(event) === "refused") throw invalidField("summary", "cannot be printed");
    return effectOf(event);
  });
  // A producer claiming its record was published elsewhere: a replay of its letter must not believe it.
  await intake.publish([
    textEvent(topic, "dossier-10", "refused", {
      headers: { [REPLAYED_FROM_HEADER]: "lienthong.signature.documents.v1" },
    }),
  ]);
  await waitFor(() => deadLetters.events.length === 1, { description: "the refused event dead-lettered" });
  expect(deadLetters.events[0]!.headers[REPLAYED_FROM_HEADER]).toBeUndefined();
  expect(deadLetters.events[0]!.headers[DeadLetterHeaders.originalTopic]).toBe(topic);
});

test("a record that is not a CloudEvent is dead-lettered on its first delivery as it arrived; the event behind it is processed", async () => {
  const letters: UnreadableRecord[] = [];
  subscriptions.push(
    await routing.subscribe({
      groupId: "dlt-watch",
      topics: [deadLetterTopicFor(GROUP)],
      handler: async () => undefined,
      unreadable: async (letter) => {
        letters.push(letter);
      },
    }),
  );
  const calls: string[] = [];
  await consume(async (event) => {
    calls.push(bodyOf(event));
    return effectOf(event);
  });
  const bytes = Uint8Array.from([0xde, 0xad, 0xbe, 0xef]);
  await intake.forward([{ topic, key: "dossier-1", value: bytes, headers: { "x-origin": "legacy-system" } }]);
  await intake.publish([textEvent(topic, "dossier-1", "after")]);
  await waitFor(async () => (await effects()).some((effect) => effect.body === "after"), {
    description: "the event behind the record",
  });
  await waitFor(() => letters.length === 1, { description: "one dead letter" });
  expect(calls).toEqual(["after"]);
  const [letter] = letters;
  expect(letter!.key).toBe("dossier-1");
  expect([...letter!.value]).toEqual([...bytes]);
  expect(letter!.headers).toEqual({
    "x-origin": "legacy-system",
    [DeadLetterHeaders.reason]: "MISSING_HEADER",
    [DeadLetterHeaders.error]: 'MISSING_HEADER: CloudEvents header "ce_specversion" is missing or empty',
    [DeadLetterHeaders.originalTopic]: topic,
    [DeadLetterHeaders.originalPartition]: String(partitionForKey("dossier-1", 4)),
    [DeadLetterHeaders.originalOffset]: "0",
    [DeadLetterHeaders.group]: GROUP,
    [DeadLetterHeaders.service]: "routing",
    [DeadLetterHeaders.attempts]: "1",
    [DeadLetterHeaders.firstFailedAt]: letter!.headers[DeadLetterHeaders.failedAt],
    [DeadLetterHeaders.failedAt]: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  });
});

test("a dead letter names a foreign error by its class only: its message may quote the data", async () => {
  const deadLetters = await collect(routing, "dlt-watch", [deadLetterTopicFor(GROUP)]);
  subscriptions.push(deadLetters);
  await consume(async (event) => {
    JSON.parse(bodyOf(event));
  });
  await intake.publish([textEvent(topic, "dossier-1", "Nguyễn Văn A, 0912345678")]);
  await waitFor(() => deadLetters.events.length === 1, { description: "one dead letter" });
  expect(deadLetters.events[0]!.headers).toMatchObject({
    [DeadLetterHeaders.reason]: "INTERNAL",
    [DeadLetterHeaders.error]: "SyntaxError",
    [DeadLetterHeaders.attempts]: "1",
  });
});

test("the consumer span is a child of the publishing span and carries ids only", async () => {
  const exporter = installTracing();
  exporter.reset();
  await consume(async (event) => effectOf(event));
  const { traceId, spanId } = await inSpan("submit application", () =>
    intake.publish([textEvent(topic, "dossier-42", "Nguyễn Văn A, 0912345678")]),
  );
  await waitFor(() => exporter.getFinishedSpans().some((span) => span.name === `${SUBMITTED} process`), {
    description: "the consumer span",
  });
  const span = exporter.getFinishedSpans().find((candidate) => candidate.name === `${SUBMITTED} process`)!;
  expect(span.kind).toBe(SpanKind.CONSUMER);
  expect(span.spanContext().traceId).toBe(traceId);
  expect(span.parentSpanContext?.spanId).toBe(spanId);
  expect(span.attributes).toMatchObject({
    "messaging.system": "in-process",
    "messaging.destination.name": topic,
    "lienthong.dossier_id": "dossier-42",
    "lienthong.consumer.outcome": "processed",
  });
  expect(span.attributes["messaging.message.id"]).toEqual(expect.any(String));
  expect(JSON.stringify(span.attributes)).not.toContain("0912345678");
});

test("the observer is told each delivery's outcome with its ce_type and a duration", async () => {
  const settled: { type: string; outcome: string; seconds: number }[] = [];
  let failuresLeft = 1;
  subscriptions.push(
    await startConsumer({
      bus: routing,
      store,
      groupId: GROUP,
      topics: [topic],
      retry: fastRetry,
      logger: silentLogger,
      observer: { settled: (type, outcome, seconds) => settled.push({ type, outcome, seconds }) },
      handle: async (event) => {
        const body = bodyOf(event);
        if (body === "flaky" && failuresLeft-- > 0) throw unavailable("the registry is down");
        if (body === "bad") throw invalidField("payload", "does not decode");
        return effectOf(event);
      },
    }),
  );
  const id = randomUUID();
  await intake.publish([
    textEvent(topic, "dossier-1", "ok", { id }),
    textEvent(topic, "dossier-1", "ok", { id }),
    textEvent(topic, "dossier-1", "flaky"),
    textEvent(topic, "dossier-1", "bad"),
  ]);
  await intake.forward([{ topic, key: "dossier-1", value: new TextEncoder().encode("not an event"), headers: {} }]);
  await waitFor(() => settled.length === 6, { description: "six settled deliveries" });
  expect(settled.map(({ type, outcome }) => `${type || "(none)"} ${outcome}`)).toEqual([
    `${SUBMITTED} processed`,
    `${SUBMITTED} duplicate`,
    `${SUBMITTED} redelivered`,
    `${SUBMITTED} processed`,
    `${SUBMITTED} dead-lettered`,
    "(none) dead-lettered",
  ]);
  for (const { seconds } of settled) expect(seconds).toBeGreaterThanOrEqual(0);
  expect(settled.every(({ seconds }) => seconds < 10)).toBe(true);
});
