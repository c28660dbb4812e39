import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, jest, test } from "@jest/globals";
import { Kafka, KafkaJSNonRetriableError, type Consumer } from "kafkajs";
import { describeWithKafka, startKafkaMock, waitFor, type KafkaMock } from "@lienthong/testing";
import { KafkaEventBus, MessagingError, type EventBus, type Logger } from "../src";
import { eventBusContract } from "./event-bus.contract";
import { SUBMITTED, bodyOf, collect, textEvent, uniqueTopic } from "./support/events";
import { MOCK_SESSION_TIMEOUT_MS, mockClusterBus, mockClusterConfig, startMockClusterHarness } from "./support/kafka";

const run = promisify(execFile);

/** ping's answer, or "no answer" after the 2 s a readiness check gets. */
async function pingWithin2s(bus: EventBus): Promise<boolean | "no answer"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"no answer">((resolve) => {
    timer = setTimeout(() => resolve("no answer"), 2_000);
  });
  try {
    return await Promise.race([bus.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// A test here may wait for two group joins on the mock (about 3 s each, longer
// while rebalancing under a loaded machine) and then for two deliveries, each
// bounded by deliveryTimeoutMs below: jest's default 30 s is shorter than that sum.
jest.setTimeout(90_000);

describe("KafkaEventBus configuration", () => {
  test("refuses an empty broker list at construction", () => {
    const build = (): KafkaEventBus =>
      new KafkaEventBus({
        brokers: [],
        clientId: "intake",
        source: "intake",
        createTopics: true,
        idempotentProducer: true,
      });
    expect(build).toThrow(MessagingError);
    expect(build).toThrow("kafka event bus: brokers must list at least one host:port");
  });
});

describeWithKafka("kafka event bus over librdkafka's mock cluster", () => {
  const logged: { level: string; obj: object; msg?: string }[] = [];
  const record = (level: string) => (obj: object, msg?: string) => logged.push({ level, obj, msg });
  const logger: Logger = { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };

  eventBusContract({ deliveryTimeoutMs: 25_000, start: () => startMockClusterHarness(logger) });

  test("kafkajs logs reached the service logger with their namespace and level", () => {
    expect(logged).toContainEqual({
      level: "info",
      msg: "kafkajs: Consumer has joined the group",
      obj: expect.objectContaining({ namespace: "ConsumerGroup", groupId: "routing-headers" }),
    });
  });

  test("no consumer crashed through the contract's joins, hand-overs and redeliveries", () => {
    expect(
      logged.filter((entry) => entry.level === "error" && entry.msg?.startsWith("kafka consumer crashed")),
    ).toEqual([]);
  });

  describe("consumers under strain", () => {
    let mock: KafkaMock;
    let intake: KafkaEventBus;
    const buses: KafkaEventBus[] = [];
    const busFor = (source: string, consumer?: Parameters<typeof mockClusterBus>[3]): KafkaEventBus => {
      const bus = mockClusterBus(mock, source, logger, consumer);
      buses.push(bus);
      return bus;
    };
    const logsOfGroup = (groupId: string, level: string, msg?: string): unknown[] =>
      logged.filter(
        (entry) =>
          entry.level === level &&
          (msg === undefined || entry.msg === msg) &&
          (entry.obj as { groupId?: string }).groupId === groupId,
      );

    beforeAll(async () => {
      // One broker: kafkajs runs a fetcher per broker, and one whose broker leads none of a topic's partitions
      // comes back empty after each fetch wait and heartbeats, which would hide a handler starving the heartbeat.
      mock = await startKafkaMock({ brokers: 1 });
      intake = busFor("intake");
    });

    afterAll(async () => {
      await Promise.all(buses.map((bus) => bus.close()));
      await mock.stop();
    });

    test("a handler slower than the session timeout keeps its member in the group: each event once, one join", async () => {
      const topic = uniqueTopic("slow");
      const groupId = "signature-slow";
      const handled: string[] = [];
      await busFor("signature").subscribe({
        groupId,
        topics: [topic],
        handler: async (event) => {
          if (handled.length === 0) await sleep(MOCK_SESSION_TIMEOUT_MS + 1_500);
          handled.push(bodyOf(event));
        },
      });
      const bodies = ["slow-0", "slow-1", "slow-2", "slow-3"];
      await intake.publish(bodies.map((body) => textEvent(topic, "dossier-slow", body)));
      await waitFor(() => handled.length >= bodies.length, {
        timeoutMs: 60_000,
        description: `${bodies.length} events handled`,
      });
      expect(handled).toEqual(bodies);
      expect(logsOfGroup(groupId, "info", "kafkajs: Consumer has joined the group")).toHaveLength(1);
      expect(logsOfGroup(groupId, "error")).toEqual([]);
    });

    test("an instance in a process of its own joins a busy group: it takes partitions over and nobody crashes", async () => {
      const topic = uniqueTopic("process");
      const groupId = "routing-process";
      const keys = Array.from({ length: 8 }, (_, index) => `dossier-process-${index}`);
      const here = await collect(busFor("routing"), groupId, [topic]);
      let rounds = 0;
      const publishRound = async (): Promise<void> => {
        const round = rounds;
        rounds += 1;
        await intake.publish(keys.map((key) => textEvent(topic, key, String(round))));
      };
      await publishRound();
      await waitFor(() => here.events.length > 0, { timeoutMs: 25_000, description: "the first instance handling" });

      // The other process loads kafkajs's request modules only as it uses them: its first SyncGroup comes late.
      const child = spawn(
        process.execPath,
        [
          join(__dirname, "fixtures/kafka-member-child.js"),
          JSON.stringify({ config: mockClusterConfig(mock, "routing"), groupId, topic }),
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      const lines: { delivered?: string; level?: string; msg?: string }[] = [];
      let pending = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        const parts = (pending + chunk).split("\n");
        pending = parts.pop() ?? "";
        for (const part of parts) lines.push(JSON.parse(part) as (typeof lines)[number]);
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      try {
        let joinedAt = Number.POSITIVE_INFINITY;
        await waitFor(
          async () => {
            await publishRound();
            if (lines.some((line) => line.delivered !== undefined)) joinedAt = Math.min(joinedAt, rounds);
            return here.events.some((event) => Number(bodyOf(event)) > joinedAt);
          },
          {
            timeoutMs: 60_000,
            intervalMs: 500,
            description: `both instances handling events (child stderr: ${stderr})`,
          },
        );
        expect(lines.filter((line) => line.level === "error")).toEqual([]);
        expect(logsOfGroup(groupId, "error")).toEqual([]);
      } finally {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(killer);
      }
    });

    test("partitions handled concurrently keep each key's order, a rejected event included", async () => {
      const topic = uniqueTopic("concurrent");
      const keys = Array.from({ length: 8 }, (_, index) => `dossier-concurrent-${index}`);
      const perKey = 5;
      const handled: { key: string; step: number }[] = [];
      const rejected = new Set<string>();
      let inFlight = 0;
      let mostInFlight = 0;
      await busFor("notification", { partitionsConsumedConcurrently: 4 }).subscribe({
        groupId: "notification-concurrent",
        topics: [topic],
        handler: async (event) => {
          inFlight += 1;
          mostInFlight = Math.max(mostInFlight, inFlight);
          try {
            await sleep(100);
            const step = Number(bodyOf(event));
            // Each key's third event fails once: nothing of its key may overtake it.
            if (step === 2 && !rejected.has(event.key)) {
              rejected.add(event.key);
              throw new Error("transient: store busy");
            }
            handled.push({ key: event.key, step });
          } finally {
            inFlight -= 1;
          }
        },
      });
      for (let step = 0; step < perKey; step += 1) {
        await intake.publish(keys.map((key) => textEvent(topic, key, String(step))));
      }
      await waitFor(() => handled.length >= keys.length * perKey, {
        timeoutMs: 60_000,
        description: `${keys.length * perKey} events handled`,
      });
      for (const key of keys) {
        const steps = handled.filter((entry) => entry.key === key).map((entry) => entry.step);
        expect({ key, steps }).toEqual({ key, steps: Array.from({ length: perKey }, (_, step) => step) });
      }
      expect(rejected.size).toBe(keys.length);
      expect(mostInFlight).toBeGreaterThan(1);
    });

    test("a consumer kafkajs gives up on is replaced after a backoff; ping is false until the new one has joined", async () => {
      const topic = uniqueTopic("replaced");
      const groupId = "routing-replaced";
      const spy = jest.spyOn(Kafka.prototype, "consumer");
      const consumersOfGroup = (): Consumer[] =>
        spy.mock.results.flatMap((result, index) =>
          spy.mock.calls[index]![0]?.groupId === groupId ? [result.value as Consumer] : [],
        );
      const bus = busFor("routing");
      try {
        const handled: string[] = [];
        await bus.subscribe({ groupId, topics: [topic], handler: async (event) => void handled.push(bodyOf(event)) });
        // Its first commit fails as one kafkajs will not retry: the consumer crashes with restart: false.
        consumersOfGroup()[0]!.commitOffsets = () =>
          Promise.reject(new KafkaJSNonRetriableError("commit refused by the test"));
        expect(await pingWithin2s(bus)).toBe(true);
        await intake.publish([textEvent(topic, "dossier-replaced", "first")]);
        await waitFor(async () => (await pingWithin2s(bus)) === false, {
          timeoutMs: 30_000,
          intervalMs: 100,
          description: "ping answering false once the consumer crashed",
        });
        await waitFor(async () => (await pingWithin2s(bus)) === true, {
          timeoutMs: 60_000,
          intervalMs: 250,
          description: "ping answering true once a new consumer joined",
        });
        await intake.publish([textEvent(topic, "dossier-replaced", "second")]);
        await waitFor(() => handled.includes("second"), {
          timeoutMs: 30_000,
          description: "the event after the crash",
        });
        expect(consumersOfGroup()).toHaveLength(2);
        expect(logsOfGroup(groupId, "error", "kafka consumer crashed; a new one replaces it")).toHaveLength(1);
        // The record whose commit failed is delivered again to the new consumer: at least once.
        expect([...new Set(handled)]).toEqual(["first", "second"]);
        expect(handled.filter((body) => body === "first").length).toBeGreaterThanOrEqual(2);
      } finally {
        spy.mockRestore();
      }
    });

    test("by default a subscription handles one partition at a time (§25)", async () => {
      const topic = uniqueTopic("lanes-default");
      const keys = Array.from({ length: 8 }, (_, index) => `dossier-lanes-default-${index}`);
      const handled: string[] = [];
      let inFlight = 0;
      let mostInFlight = 0;
      await busFor("notification").subscribe({
        groupId: "notification-lanes-default",
        topics: [topic],
        handler: async (event) => {
          inFlight += 1;
          mostInFlight = Math.max(mostInFlight, inFlight);
          try {
            await sleep(300);
            handled.push(event.key);
          } finally {
            inFlight -= 1;
          }
        },
      });
      await intake.publish(keys.map((key) => textEvent(topic, key, "x")));
      await waitFor(() => handled.length >= keys.length, { timeoutMs: 60_000, description: "every key handled" });
      expect(mostInFlight).toBe(1);
    });

    test("ping is false while the brokers are frozen and true once the consumer is back; nothing is lost", async () => {
      // A mock of its own: freezing it must not hold up the other tests.
      const frozen = await startKafkaMock({ brokers: 3 });
      const producer = mockClusterBus(frozen, "intake");
      const bus = mockClusterBus(frozen, "notification", logger, { stallMs: 5_000 });
      try {
        const topic = uniqueTopic("freeze");
        const received = await collect(bus, "notification-freeze", [topic]);
        await producer.publish([textEvent(topic, "dossier-freeze", "before")]);
        await waitFor(() => received.events.length >= 1, { timeoutMs: 25_000, description: "the first event" });
        expect(await pingWithin2s(bus)).toBe(true);

        frozen.freeze();
        try {
          await waitFor(async () => (await pingWithin2s(bus)) === false, {
            timeoutMs: 30_000,
            intervalMs: 250,
            description: "ping answering false while the brokers are frozen",
          });
        } finally {
          frozen.thaw();
        }
        await waitFor(async () => (await pingWithin2s(bus)) === true, {
          timeoutMs: 60_000,
          intervalMs: 250,
          description: "ping answering true once the consumer is back",
        });

        await producer.publish([textEvent(topic, "dossier-freeze", "after")]);
        await waitFor(() => received.events.some((event) => bodyOf(event) === "after"), {
          timeoutMs: 25_000,
          description: "the event published after the thaw",
        });
        expect([...new Set(received.events.map(bodyOf))]).toEqual(["before", "after"]);
      } finally {
        await Promise.all([bus.close(), producer.close()]);
        await frozen.stop();
      }
    }, 180_000);
  });

  describe("read by an independent client (kcat)", () => {
    let mock: KafkaMock;
    let bus: KafkaEventBus;

    beforeAll(async () => {
      mock = await startKafkaMock({ brokers: 3 });
      bus = mockClusterBus(mock, "intake");
    });

    afterAll(async () => {
      await bus.close();
      await mock.stop();
    });

    test("kcat sees the dossier id as the key and the CloudEvents headers", async () => {
      const topic = uniqueTopic("kcat");
      const dossierId = `dossier-${randomUUID()}`;
      const id = randomUUID();
      await bus.publish([textEvent(topic, dossierId, "payload", { id, time: "2025-07-01T08:00:00.000Z" })]);
      const { stdout } = await run(
        "kcat",
        ["-C", "-b", mock.bootstrapServers.join(","), "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k %h\\n"],
        { timeout: 20_000 },
      );
      const lines = stdout.split("\n").filter((line) => line.length > 0);
      expect(lines).toHaveLength(1);
      const [key, headerText] = lines[0]!.split(" ");
      expect(key).toBe(dossierId);
      const headers = Object.fromEntries(headerText!.split(",").map((pair) => pair.split("=", 2) as [string, string]));
      expect(headers).toMatchObject({
        ce_specversion: "1.0",
        ce_id: id,
        ce_source: "intake",
        ce_type: SUBMITTED,
        ce_time: "2025-07-01T08:00:00.000Z",
        ce_subject: dossierId,
        "content-type": "application/protobuf",
      });
    });
  });
});
