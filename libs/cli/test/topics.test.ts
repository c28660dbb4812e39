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
    const lagOf = (answer: Report, groupId: string, topic?: string) =>
      answer.groups
        .find((group) => group.groupId === groupId)!
        .lag.filter((partition) => topic === undefined || partition.topic === topic)
        .reduce((sum, partition) => sum + partition.lag, 0);
    // A group that never committed on a topic it consumes is behind by all of it: notification read nothing yet.
    expect(lagOf(report, "notification", Topics.intake)).toBe(6);
    // Intake enters its own events as it makes them: its group does not read its own topic.
    const intakeGroup = report.groups.find((group) => group.groupId === "intake")!;
    expect(intakeGroup.lag.filter((partition) => partition.topic === Topics.intake)).toEqual([]);
    // None of signature's topics exists yet: nothing to be behind on.
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
    const behind = (await topics()).report!;
    expect(lagOf(behind, "routing")).toBe(2);
    expect(lagOf(behind, "notification")).toBe(8);

    // With every topic created, nothing is missing and the command succeeds; the table names them too.
    await bus.publish(needed.map((topic) => event(topic, `dossier-${randomUUID()}`)));
    const complete = await topics();
    expect(complete.code).toBe(0);
    expect(complete.report!.missing).toEqual([]);
    // Its topics there, signature is one behind on routing's topic and one on its replay topic; its ledger one on
    // its dead letters.
    expect(lagOf(complete.report!, "signature", Topics.routing)).toBe(1);
    expect(lagOf(complete.report!, "signature", replayTopicFor("signature"))).toBe(1);
    expect(lagOf(complete.report!, ledgerGroupFor("signature"), deadLetterTopicFor("signature"))).toBe(1);
    const human = await lienthong("topics", "--brokers", mock.bootstrapServers.join(","));
    expect(human.code).toBe(0);
    for (const topic of needed) expect(human.stdout).toContain(topic);
    // Notification has read none of intake's 9 records (6, 2 more, and 1 with the other topics).
    expect(human.stdout).toMatch(/notification .*lienthong\.intake\.applications\.v1 .* 9 /);
    expect(human.stdout).not.toContain("missing:");
  });

  test("a bad environment is refused naming the variable, without its value; other variables are not its business", async () => {
    const unrelated = await lienthongWithEnv(
      { HTTP_PORT: "not-a-port", STORE: "nowhere" },
      "topics",
      "--brokers",
      mock.bootstrapServers.join(","),
      "--json",
    );
    expect(unrelated).toMatchObject({ code: 0, stderr: "" });
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
