/**
 * `lienthong topics` (distributed mode): the platform's topics as the Kafka
 * cluster holds them — partitions, leaders, replicas in sync, records
 * retained — every consumer group's lag on them, and the topics the platform
 * needs that the cluster lacks (exit code 1, for scripts and probes). A
 * group's state and members are shown where the cluster describes groups. It
 * reaches the brokers as the services do (KAFKA_BROKERS, KAFKA_SSL*,
 * KAFKA_SASL*); its principal needs Describe on the `lienthong.` topics and
 * on the groups (User:ops in infra/kafka/acls.sh).
 */
import type { Command } from "commander";
import Table from "cli-table3";
import { PLATFORM_SERVICES } from "@lienthong/contracts";
import { ServiceRefused, guarded, print } from "./operator-api";

const TOPIC_PREFIX = "lienthong.";

interface TopicsOptions {
  brokers?: string;
  json?: boolean;
}

export function registerTopicCommand(program: Command): void {
  program
    .command("topics")
    .description("the platform's Kafka topics, consumer groups and their lag, and any topic missing (exit 1)")
    .option("--brokers <host:port,...>", "the brokers (default: KAFKA_BROKERS)")
    .option("--json", "print JSON only")
    .action(
      guarded(async (options: TopicsOptions) => {
        const report = await clusterReport(options);
        print(options, report, () => humanReport(report));
        if (report.missing.length > 0) process.exitCode = 1;
      }),
    );
}

type ClusterReport = Awaited<ReturnType<typeof clusterReport>>;

async function clusterReport(options: TopicsOptions) {
  /* eslint-disable @typescript-eslint/no-require-imports -- kafkajs and the configuration load only for this command */
  const { describeKafkaCluster, deadLetterTopicFor, ledgerGroupFor, replayTopicFor } =
    require("@lienthong/messaging") as typeof import("@lienthong/messaging");
  const { ConfigError, kafkaSecurityOf, loadConfig, serviceEnv } =
    require("@lienthong/service-host") as typeof import("@lienthong/service-host");
  /* eslint-enable @typescript-eslint/no-require-imports */
  let env;
  try {
    env = loadConfig(serviceEnv(PLATFORM_SERVICES[0]), {
      ...process.env,
      BUS: "kafka",
      ...(options.brokers !== undefined && { KAFKA_BROKERS: options.brokers }),
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new ServiceRefused(error.message);
    throw error;
  }
  let cluster;
  try {
    cluster = await describeKafkaCluster(
      { brokers: env.KAFKA_BROKERS, clientId: `${env.KAFKA_CLIENT_ID}-topics`, ...kafkaSecurityOf(env) },
      TOPIC_PREFIX,
      // Each service's consumer group, and its ledger's reading the group's dead letters.
      PLATFORM_SERVICES.flatMap((service) => [service.name, ledgerGroupFor(service.name)]),
    );
  } catch (error) {
    // kafkajs's messages name brokers, topics and protocol errors: never a password.
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new ServiceRefused(`Kafka at ${env.KAFKA_BROKERS.join(",")} could not be described (${reason})`);
  }
  const needed = PLATFORM_SERVICES.flatMap((service) => [
    service.topic,
    deadLetterTopicFor(service.name),
    replayTopicFor(service.name),
  ]);
  const present = new Set(cluster.topics.map((topic) => topic.topic));
  return { ...cluster, missing: needed.filter((topic) => !present.has(topic)) };
}

function humanReport(report: ClusterReport): string {
  const topics = new Table({
    head: ["topic", "partitions", "without leader", "under-replicated", "records retained"],
  });
  for (const { topic, partitions } of report.topics) {
    topics.push([
      topic,
      partitions.length,
      partitions.filter((partition) => partition.leader < 0).length,
      partitions.filter((partition) => partition.inSync < partition.replicas).length,
      partitions.reduce((sum, partition) => sum + partition.end - partition.start, 0),
    ]);
  }
  const groups = new Table({ head: ["group", "state", "members", "topic", "lag", "partitions behind"] });
  for (const group of report.groups) {
    const state = group.state ?? "not told";
    const members = group.members ?? "not told";
    if (group.lag.length === 0) groups.push([group.groupId, state, members, "nothing committed", "", ""]);
    for (const topic of new Set(group.lag.map((partition) => partition.topic))) {
      const partitions = group.lag.filter((partition) => partition.topic === topic);
      groups.push([
        group.groupId,
        state,
        members,
        topic,
        partitions.reduce((sum, partition) => sum + partition.lag, 0),
        partitions.filter((partition) => partition.lag > 0).length,
      ]);
    }
  }
  return [
    `${report.brokers} broker(s)`,
    topics.toString(),
    groups.toString(),
    ...report.missing.map((topic) => `missing: ${topic} (infra/kafka/create-topics.sh creates it)`),
  ].join("\n");
}
