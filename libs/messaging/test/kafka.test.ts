import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, jest, test } from "@jest/globals";
import { describeWithKafka, startKafkaMock, type KafkaMock } from "@lienthong/testing";
import { KafkaEventBus, MessagingError, type Logger } from "../src";
import { eventBusContract } from "./event-bus.contract";
import { SUBMITTED, textEvent, uniqueTopic } from "./support/events";
import { mockClusterBus, startMockClusterHarness } from "./support/kafka";

const run = promisify(execFile);

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
