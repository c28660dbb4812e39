import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { waitFor, type ForeignRecord } from "@lienthong/testing";
import {
  MessagingError,
  buildCloudEventHeaders,
  type DeliveredEvent,
  type EventBus,
  type InProcessBroker,
  type UnreadableRecord,
} from "../src";
import { SUBMITTED, bodyOf, collect, textEvent, uniqueTopic, type Collected } from "./support/events";
import { inSpan } from "./support/tracing";

/**
 * The EventBus contract (port.ts): every adapter runs these same tests.
 * `busFor(source)` gives one service's bus; all of them share one broker.
 */
export interface BusHarness {
  busFor(source: string): EventBus;
  /** Writes records into the bus's log the way a foreign producer would (kcat for Kafka). */
  produceForeign(topic: string, records: ForeignRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** An in-process broker's harness: foreign records are appended to its log as they are. */
export function inProcessHarness(broker: InProcessBroker, close: () => Promise<void>): BusHarness {
  const foreign = broker.bus("foreign-producer");
  return {
    busFor: (source) => broker.bus(source),
    produceForeign: (topic, records) =>
      foreign.forward(
        records.map((record) => ({ topic, key: record.key ?? "", value: record.value, headers: record.headers ?? {} })),
      ),
    close,
  };
}

export interface ContractOptions {
  start(): Promise<BusHarness>;
  /** How long a delivery may take on this adapter (Kafka group joins take seconds). */
  deliveryTimeoutMs: number;
}

export function eventBusContract(options: ContractOptions): void {
  let harness: BusHarness;
  let intake: EventBus;
  let routing: EventBus;
  const closers: (() => Promise<void>)[] = [];
  const wait = (predicate: () => boolean, description: string): Promise<void> =>
    waitFor(predicate, { timeoutMs: options.deliveryTimeoutMs, description });
  const track = <T extends { close(): Promise<void> }>(closable: T): T => {
    closers.push(() => closable.close());
    return closable;
  };

  beforeAll(async () => {
    harness = await options.start();
    intake = harness.busFor("intake");
    routing = harness.busFor("routing");
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await intake.close();
    await routing.close();
    await harness.close();
  });

  test("delivers the payload with the key, CloudEvents headers and the publishing span's traceparent", async () => {
    const topic = uniqueTopic("headers");
    const received = track(await collect(routing, "routing-headers", [topic]));
    const dossierId = `dossier-${randomUUID()}`;
    const { traceId, spanId } = await inSpan("submit application", () =>
      intake.publish([textEvent(topic, dossierId, "payload-1", { headers: { "x-origin": "commune-portal" } })]),
    );
    await wait(() => received.events.length === 1, "one delivered event");
    const event = received.events[0]!;
    expect(event.key).toBe(dossierId);
    expect(event.subject).toBe(dossierId);
    expect(event.topic).toBe(topic);
    expect(event.type).toBe(SUBMITTED);
    expect(event.source).toBe("intake");
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Math.abs(Date.parse(event.time) - Date.now())).toBeLessThan(60_000);
    expect(event.contentType).toBe("application/protobuf");
    expect(bodyOf(event)).toBe("payload-1");
    expect(event.headers).toMatchObject({
      ce_specversion: "1.0",
      ce_id: event.id,
      ce_source: "intake",
      ce_type: SUBMITTED,
      ce_time: event.time,
      ce_subject: dossierId,
      "content-type": "application/protobuf",
      traceparent: `00-${traceId}-${spanId}-01`,
      "x-origin": "commune-portal",
    });
  });

  test("answers ping while open; refuses to publish once closed", async () => {
    const ops = harness.busFor("ops");
    expect(await ops.ping()).toBe(true);
    await ops.close();
    expect(await ops.ping()).toBe(false);
    await expect(ops.publish([textEvent(uniqueTopic("closed"), "dossier-x", "x")])).rejects.toThrow(MessagingError);
  });

  test("keeps a given ce_id and ce_time", async () => {
    const topic = uniqueTopic("ids");
    const received = track(await collect(routing, "routing-ids", [topic]));
    const id = randomUUID();
    await intake.publish([textEvent(topic, "dossier-ids", "x", { id, time: "2025-07-01T08:00:00.000Z" })]);
    await wait(() => received.events.length === 1, "the event with a given id");
    expect(received.events[0]).toMatchObject({ id, time: "2025-07-01T08:00:00.000Z" });
  });

  test("keeps per-key order across many keys and publish calls", async () => {
    const topic = uniqueTopic("order");
    const keys = Array.from({ length: 12 }, (_, index) => `dossier-order-${index}`);
    const perKey = 8;
    const received = track(await collect(routing, "routing-order", [topic]));
    for (let step = 0; step < perKey; step += 1) {
      await intake.publish(keys.map((key) => textEvent(topic, key, String(step))));
    }
    await wait(() => received.events.length >= keys.length * perKey, `${keys.length * perKey} events`);
    for (const key of keys) {
      const steps = received.events.filter((event) => event.key === key).map((event) => Number(bodyOf(event)));
      expect(steps).toEqual(Array.from({ length: perKey }, (_, step) => step));
    }
    const partitions = new Set(received.events.map((event) => event.partition));
    expect(partitions.size).toBeGreaterThan(1);
  });

  test("reports a group's lag per partition: published and not yet consumed, after it left the group too", async () => {
    const topic = uniqueTopic("lag");
    const group = "routing-lag";
    const received = await collect(routing, group, [topic]);
    const publish = (from: number, count: number) =>
      intake.publish(Array.from({ length: count }, (_, index) => textEvent(topic, `dossier-lag-${from + index}`, "x")));
    const total = async () => {
      const lags = await routing.consumerLag(group, [topic]);
      const sum = (field: "lag" | "end" | "committed") => lags.reduce((sum, lag) => sum + lag[field], 0);
      return {
        lag: sum("lag"),
        end: sum("end"),
        committed: sum("committed"),
        partitions: lags.map((lag) => lag.partition),
      };
    };
    await publish(0, 6);
    await wait(() => received.events.length === 6, "6 events consumed");
    await waitFor(async () => (await total()).lag === 0, {
      timeoutMs: options.deliveryTimeoutMs,
      description: "no lag once consumed",
    });
    await received.close();
    await publish(6, 4);
    await waitFor(async () => (await total()).lag === 4, {
      timeoutMs: options.deliveryTimeoutMs,
      description: "a lag of the 4 events published after the group left",
    });
    const after = await total();
    expect(after).toMatchObject({ end: 10, committed: 6 });
    // Each partition of the topic once, the ones that got no record too.
    expect(new Set(after.partitions).size).toBe(after.partitions.length);
    expect(after.partitions.length).toBeGreaterThan(1);
  });

  test("every consumer group sees every event", async () => {
    const topic = uniqueTopic("groups");
    const [routingGroup, notification] = (
      await Promise.all([
        collect(routing, "routing-groups", [topic]),
        collect(harness.busFor("notification"), "notification-groups", [topic]),
      ])
    ).map(track) as [Collected, Collected];
    const published = Array.from({ length: 10 }, (_, index) => textEvent(topic, `dossier-g${index}`, `e${index}`));
    await intake.publish(published);
    await wait(
      () => routingGroup.events.length >= 10 && notification.events.length >= 10,
      "10 events in each of the two groups",
    );
    const bodies = (events: DeliveredEvent[]): string[] => events.map(bodyOf).sort();
    const expected = published.map((event) => new TextDecoder().decode(event.data)).sort();
    expect(bodies(routingGroup.events)).toEqual(expected);
    expect(bodies(notification.events)).toEqual(expected);
  });

  test("subscribers of one group split the partitions without duplicates once settled", async () => {
    const topic = uniqueTopic("split");
    const first = track(await collect(routing, "routing-split", [topic]));
    const second = track(await collect(routing, "routing-split", [topic]));
    // Warm up until both members own partitions: the group has settled.
    let round = 0;
    await waitFor(
      async () => {
        round += 1;
        await intake.publish(
          Array.from({ length: 8 }, (_, index) => textEvent(topic, `warm-${round}-${index}`, "warm")),
        );
        return first.events.length > 0 && second.events.length > 0;
      },
      { timeoutMs: options.deliveryTimeoutMs, intervalMs: 500, description: "both group members receiving events" },
    );
    const steady = Array.from({ length: 40 }, (_, index) =>
      textEvent(topic, `dossier-split-${index}`, `steady-${index}`),
    );
    await intake.publish(steady);
    const steadyBodies = (events: DeliveredEvent[]): string[] =>
      events.map(bodyOf).filter((body) => body.startsWith("steady-"));
    await wait(
      () => steadyBodies(first.events).length + steadyBodies(second.events).length >= steady.length,
      "40 steady-state events across both members",
    );
    const all = [...steadyBodies(first.events), ...steadyBodies(second.events)];
    expect(new Set(all).size).toBe(steady.length);
    expect(all).toHaveLength(steady.length);
    expect(steadyBodies(first.events).length).toBeGreaterThan(0);
    expect(steadyBodies(second.events).length).toBeGreaterThan(0);
  });

  test("a member joining a busy group later takes partitions over: nothing lost, each key in order", async () => {
    const topic = uniqueTopic("join");
    const keys = Array.from({ length: 16 }, (_, index) => `dossier-join-${index}`);
    // One log for both members, so a key's order shows across the hand-over.
    const deliveries: { member: "first" | "second"; key: string; round: number }[] = [];
    const recordAs =
      (member: "first" | "second") =>
      async (event: DeliveredEvent): Promise<void> => {
        deliveries.push({ member, key: event.key, round: Number(bodyOf(event)) });
      };
    let rounds = 0;
    const publishRound = async (): Promise<void> => {
      const round = rounds;
      rounds += 1;
      await intake.publish(keys.map((key) => textEvent(topic, key, String(round))));
    };
    track(await collect(routing, "routing-join", [topic], recordAs("first")));
    await publishRound();
    await wait(() => deliveries.length >= keys.length, "the first member handling the first round");

    // Events keep coming while the second instance joins: the first handles and commits them through the rebalance.
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        await publishRound();
        await sleep(200);
      }
    })();
    try {
      const secondInstance = track(harness.busFor("routing"));
      track(await collect(secondInstance, "routing-join", [topic], recordAs("second")));
      const joinedAt = rounds;
      const handlesNewEvents = (member: "first" | "second"): boolean =>
        deliveries.some((delivery) => delivery.member === member && delivery.round >= joinedAt);
      await wait(
        () => handlesNewEvents("first") && handlesNewEvents("second"),
        "both members handling events published after the join",
      );
    } finally {
      publishing = false;
      await publisher;
    }

    await wait(
      () => new Set(deliveries.map((delivery) => `${delivery.key}/${delivery.round}`)).size >= keys.length * rounds,
      `all ${rounds} rounds of ${keys.length} keys`,
    );
    for (const key of keys) {
      const firstDeliveries = [
        ...new Set(deliveries.filter((delivery) => delivery.key === key).map((delivery) => delivery.round)),
      ];
      expect({ key, rounds: firstDeliveries }).toEqual({ key, rounds: Array.from({ length: rounds }, (_, n) => n) });
    }
    // At least once: a hand-over may deliver the record in flight again, never more than a few.
    expect(deliveries.length - keys.length * rounds).toBeLessThanOrEqual(4);
  });

  test("a rejected event is delivered again before the next event of its key", async () => {
    const topic = uniqueTopic("redeliver");
    let rejected = 0;
    const received = track(
      await collect(routing, "routing-redeliver", [topic], async (event) => {
        if (bodyOf(event) === "first" && rejected === 0) {
          rejected += 1;
          throw new Error("transient: database busy");
        }
      }),
    );
    await intake.publish([textEvent(topic, "dossier-r", "first"), textEvent(topic, "dossier-r", "second")]);
    await wait(() => received.events.length >= 2, "both events after one redelivery");
    expect(rejected).toBe(1);
    expect(received.events.map(bodyOf)).toEqual(["first", "second"]);
  });

  test("a record that is not a CloudEvent reaches the unreadable handler as it arrived; the events behind it flow", async () => {
    const topic = uniqueTopic("unreadable");
    const key = `dossier-poison-${randomUUID()}`;
    const unreadable: { record: UnreadableRecord; attempt: number }[] = [];
    const events: DeliveredEvent[] = [];
    track(
      await routing.subscribe({
        groupId: "routing-unreadable",
        topics: [topic],
        handler: async (event) => {
          events.push(event);
        },
        unreadable: async (record, delivery) => {
          unreadable.push({ record, attempt: delivery.attempt });
        },
      }),
    );
    const bytes = Uint8Array.from([0xff, 0x00, 0x0a, 0x80, 0x0d]);
    await harness.produceForeign(topic, [
      { key, value: bytes, headers: { "x-origin": "foreign" } },
      { key, value: bytes, headers: { ce_specversion: "1.0", ce_type: SUBMITTED } },
    ]);
    await intake.publish([textEvent(topic, key, "behind-1"), textEvent(topic, key, "behind-2")]);
    await wait(() => events.length >= 2 && unreadable.length >= 2, "two unreadable records and two events");
    expect(
      unreadable.map(({ record, attempt }) => ({
        key: record.key,
        value: [...record.value],
        reason: record.error.reason,
        attempt,
      })),
    ).toEqual([
      { key, value: [...bytes], reason: "MISSING_HEADER", attempt: 1 },
      { key, value: [...bytes], reason: "MISSING_HEADER", attempt: 1 },
    ]);
    expect(unreadable[0]!.record.headers).toEqual({ "x-origin": "foreign" });
    expect(unreadable[1]!.record.error.message).toContain('"ce_time"');
    expect(events.map(bodyOf)).toEqual(["behind-1", "behind-2"]);
    // One partition: the events were behind the poison and got past it.
    const records = [...unreadable.map(({ record }) => record), ...events];
    expect(new Set(records.map((record) => record.partition)).size).toBe(1);
    const offsets = records.map((record) => BigInt(record.offset));
    expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  test("forward publishes records as they are: no key stays none, no header is added or checked", async () => {
    const topic = uniqueTopic("forward");
    const unreadable: UnreadableRecord[] = [];
    const events: DeliveredEvent[] = [];
    track(
      await routing.subscribe({
        groupId: "routing-forward",
        topics: [topic],
        handler: async (event) => {
          events.push(event);
        },
        unreadable: async (record) => {
          unreadable.push(record);
        },
      }),
    );
    const id = randomUUID();
    const ceHeaders = buildCloudEventHeaders({
      id,
      source: "somewhere-else",
      type: SUBMITTED,
      time: "2025-07-01T08:00:00.000Z",
      subject: "dossier-forwarded",
    });
    await intake.forward([
      { topic, key: "", value: Uint8Array.from([1, 2, 3]), headers: { "x-a": "1" } },
      { topic, key: "dossier-forwarded", value: new TextEncoder().encode("as-is"), headers: ceHeaders },
    ]);
    await wait(() => unreadable.length >= 1 && events.length >= 1, "both forwarded records");
    expect(unreadable[0]).toMatchObject({ key: "", headers: { "x-a": "1" } });
    expect([...unreadable[0]!.value]).toEqual([1, 2, 3]);
    expect(events[0]).toMatchObject({ id, source: "somewhere-else", key: "dossier-forwarded" });
    expect(events[0]!.headers).toEqual(ceHeaders);
    expect(bodyOf(events[0]!)).toBe("as-is");
  });

  test("a record waiting for its redelivery holds up its own partition only; each key keeps its order", async () => {
    const topic = uniqueTopic("lanes");
    const keys = Array.from({ length: 16 }, (_, index) => `dossier-lane-${index}`);
    const blockedKey = keys[0]!;
    const partitionOf = new Map<string, number>();
    const handled: { key: string; body: string; at: number }[] = [];
    const blockedDeliveries: number[] = [];
    let released = false;
    track(
      await routing.subscribe({
        groupId: "routing-lanes",
        topics: [topic],
        // A long wait (3 to 6 s) before the redelivery: whatever the wait held up would show.
        redelivery: { initialMs: 6_000, maxMs: 6_000 },
        handler: async (event) => {
          partitionOf.set(event.key, event.partition);
          if (bodyOf(event) === "blocked") {
            blockedDeliveries.push(Date.now());
            if (!released) throw new Error("transient: a dependency is down");
          }
          handled.push({ key: event.key, body: bodyOf(event), at: Date.now() });
        },
      }),
    );
    // Where each key lives, learnt from one delivery per key.
    await intake.publish(keys.map((key) => textEvent(topic, key, "probe")));
    await wait(() => handled.length >= keys.length, "one probe per key");
    const blockedPartition = partitionOf.get(blockedKey)!;
    const elsewhere = keys.filter((key) => partitionOf.get(key) !== blockedPartition);
    const behind = keys.filter((key) => key !== blockedKey && partitionOf.get(key) === blockedPartition);
    expect(elsewhere.length).toBeGreaterThan(0);

    await intake.publish([textEvent(topic, blockedKey, "blocked")]);
    await wait(() => blockedDeliveries.length >= 1, "the first rejection");
    await intake.publish([
      textEvent(topic, blockedKey, "after"),
      ...keys.slice(1).map((key) => textEvent(topic, key, "next")),
    ]);
    const nextOf = (key: string) => handled.find((entry) => entry.key === key && entry.body === "next");
    await wait(() => elsewhere.every(nextOf), "the other partitions' events while one record waits");
    released = true;
    await wait(() => behind.every(nextOf) && handled.some((entry) => entry.body === "after"), "the held-up partition");

    // The other partitions flowed while the record waited for its second delivery; its own partition did not.
    const redeliveredAt = blockedDeliveries[1]!;
    expect(elsewhere.filter((key) => nextOf(key)!.at >= redeliveredAt)).toEqual([]);
    expect(behind.filter((key) => nextOf(key)!.at < redeliveredAt)).toEqual([]);
    expect(handled.filter((entry) => entry.key === blockedKey).map((entry) => entry.body)).toEqual([
      "probe",
      "blocked",
      "after",
    ]);
  });
}
