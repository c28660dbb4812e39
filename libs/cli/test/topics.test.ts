/**
 * `lienthong topics` against librdkafka's mock cluster (a real Kafka protocol
 * peer): the platform's topics with their partitions and records, each
 * group's lag on them, the topics the platform needs that the cluster lacks
 * (exit code 1 until none is missing), and clear one-line refusals for a bad
 * environment and brokers that do not answer.
 */
import { randomUUID } from "node:crypto";
import { PLATFORM_SERVICES, Topics } from "@lienthong/contracts";
import {
  KafkaEventBus,
  deadLetterTopicFor,
  ledgerGroupFor,
  replayTopicFor,
  type Subscription,
} from "@lienthong/messaging";
import { describeWithKafka, startKafkaMock, waitFor, type KafkaMock } from "@lienthong/testing";
import { lienthong, lienthongWithEnv } from "./support/cli";

jest.setTimeout(180_000);

interface Report {
  brokers: number;
  topics: { topic: string; partitions: { partition: number; leader: number; start: number; end: number }[] }[];
  groups: {
    groupId: string;
    state: string;
    members: number;
    lag: { topic: string; partition: number; lag: number }[];
  }[];
  missing: string[];
}

describeWithKafka("lienthong topics, on librdkafka's mock cluster", () => {
  let mock: KafkaMock;
  let bus: KafkaEventBus;
  const subscriptions: Subscription[] = [];

  beforeAll(async () => {
    mock = await startKafkaMock({ brokers: 1 });
    bus = new KafkaEventBus({
      brokers: mock.bootstrapServers,
      clientId: "topics-test",
      source: "intake",
      createTopics: false,
      idempotentProducer: false,
      consumer: { maxWaitTimeMs: 50, leaderSyncDelayMs: 300 },
    });
  });

  afterAll(async () => {
    for (const subscription of subscriptions) await subscription.close();
    await bus?.close();
    await mock?.stop();
  });

  const topics = async (...args: string[]) => {
    const result = await lienthong("topics", "--json", "--brokers", mock.bootstrapServers.join(","), ...args);
    return { ...result, report: result.stdout ? (JSON.parse(result.stdout) as Report) : undefined };
  };
  const event = (topic: string, key: string) => ({
    topic,
    key,
    type: "gov.lienthong.application.submitted.v1",
    data: Uint8Array.from([1]),
  });

  test("lists the topics with their records and the groups with their lag, and names the missing ones", async () => {
    // Six submissions on intake's topic; routing consumes them all, notification none yet.
    await bus.publish(Array.from({ length: 6 }, (_, n) => event(Topics.intake, `dossier-${n}`)));
    const consumed: string[] = [];
    subscriptions.push(
      await bus.subscribe({
        groupId: "routing",
        topics: [Topics.intake],
        handler: async (delivered) => void consumed.push(delivered.key),
      }),
    );
    await waitFor(() => consumed.length === 6, { timeoutMs: 60_000, description: "routing consumed six" });
    await subscriptions.pop()!.close();

    const first = await topics();
    expect(first.code).toBe(1);
    const report = first.report!;
    expect(report.brokers).toBe(1);
    const intake = report.topics.find((topic) => topic.topic === Topics.intake)!;
    expect(intake.partitions).toHaveLength(4);
    expect(intake.partitions.reduce((sum, partition) => sum + partition.end - partition.start, 0)).toBe(6);
    expect(intake.partitions.every((partition) => partition.leader >= 0)).toBe(true);
    // Only the platform's topics: kcat's own keep-alive topic is not listed.
    expect(report.topics.every((topic) => topic.topic.startsWith("lienthong."))).toBe(true);
    // The platform's groups, each service's and its ledger's; the mock cluster does not describe groups.
    expect(report.groups.map((group) => group.groupId).sort()).toEqual(
      PLATFORM_SERVICES.flatMap((service) => [service.name, ledgerGroupFor(service.name)]).sort(),
    );
    const routing = report.groups.find((group) => group.groupId === "routing")!;
    expect(routing).toMatchObject({ state: null, members: null });
    expect(report.groups.find((group) => group.groupId === "signature")!.lag).toEqual([]);
    expect(routing.lag.filter((partition) => partition.topic === Topics.intake)).toHaveLength(4);
    expect(routing.lag.reduce((sum, partition) => sum + partition.lag, 0)).toBe(0);
    // Every topic the platform needs and nobody created yet is named.
    const needed = PLATFORM_SERVICES.flatMap((service) => [
      service.topic,
      deadLetterTopicFor(service.name),
      replayTopicFor(service.name),
    ]);
    expect([...report.missing].sort()).toEqual(needed.filter((topic) => topic !== Topics.intake).sort());

    // Two more submissions: routing is two behind.
    await bus.publish([event(Topics.intake, "dossier-6"), event(Topics.intake, "dossier-7")]);
    const behind = (await topics()).report!.groups.find((group) => group.groupId === "routing")!;
    expect(behind.lag.reduce((sum, partition) => sum + partition.lag, 0)).toBe(2);

    // With every topic created, nothing is missing and the command succeeds; the table names them too.
    await bus.publish(needed.map((topic) => event(topic, `dossier-${randomUUID()}`)));
    const complete = await topics();
    expect(complete.code).toBe(0);
    expect(complete.report!.missing).toEqual([]);
    const human = await lienthong("topics", "--brokers", mock.bootstrapServers.join(","));
    expect(human.code).toBe(0);
    for (const topic of needed) expect(human.stdout).toContain(topic);
    expect(human.stdout).toMatch(/signature .*nothing committed/);
    expect(human.stdout).not.toContain("missing:");
  });

  test("a bad environment is refused naming the variable, without its value", async () => {
    const result = await lienthong("topics", "--brokers", mock.bootstrapServers.join(","), "--json");
    expect(result.code).toBe(0);
    const bad = await lienthongWithEnv(
      { KAFKA_SASL_MECHANISM: "kerberos-please", KAFKA_SASL_PASSWORD: "s3cret-pw" },
      "topics",
      "--brokers",
      mock.bootstrapServers.join(","),
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("KAFKA_SASL_MECHANISM");
    expect(bad.stderr).not.toContain("kerberos-please");
    expect(bad.stderr).not.toContain("s3cret-pw");
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stdout).toBe("");
  });
});

test("brokers that do not answer are named in one line, exit code 1", async () => {
  const result = await lienthong("topics", "--brokers", "127.0.0.1:1");
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^Kafka at 127\.0\.0\.1:1 could not be described \(.+\)\n$/);
  expect(result.stdout).toBe("");
});
