/**
 * `lienthong topics` (distributed mode): the platform's topics as the Kafka
 * cluster holds them — partitions, leaders, replicas in sync, records
 * retained — every consumer group's lag on the topics it consumes, and what
 * needs an operator: a topic the platform needs that the cluster lacks, a
 * partition without a leader or with a replica out of sync (exit code 1, for
 * scripts and probes). A group's state and members are shown where the
 * cluster describes groups. It
 * reaches the brokers as the services do (KAFKA_BROKERS, KAFKA_SSL*,
 * KAFKA_SASL*); its principal needs Describe on the `lienthong.` topics and
 * on the groups (User:ops in infra/kafka/acls.sh).
 */
import type { Command } from "commander";
import { PLATFORM_SERVICES, consumedTopics } from "@lienthong/contracts";
import { ServiceRefused, guarded, print } from "./operator-api";
import { table } from "./table";

const TOPIC_PREFIX = "lienthong.";

interface TopicsOptions {
  brokers?: string;
  json?: boolean;
}

export function registerTopicCommand(program: Command): void {
  program
    .command("topics")
    .description(
      "the platform's Kafka topics, consumer groups and their lag; exit 1 for a missing topic or an unhealthy partition",
    )
    .option("--brokers <host:port,...>", "the brokers (default: KAFKA_BROKERS)")
    .option("--json", "print JSON only")
    .action(
      guarded(async (options: TopicsOptions) => {
        const report = await clusterReport(options);
        print(options, report, () => humanReport(report));
        if (report.missing.length > 0 || report.unhealthy.length > 0) process.exitCode = 1;
      }),
    );
}

type ClusterReport = Awaited<ReturnType<typeof clusterReport>>;

async function clusterReport(options: TopicsOptions) {
  /* eslint-disable @typescript-eslint/no-require-imports -- kafkajs and the configuration load only for this command */
  const { describeKafkaCluster, deadLetterTopicFor, ledgerGroupFor, replayTopicFor } =
    require("@lienthong/messaging") as typeof import("@lienthong/messaging");
  const { ConfigError, KAFKA_CONNECTION_VARIABLES, commonServiceEnv, kafkaSecurityOf, loadConfig } =
    require("@lienthong/service-host") as typeof import("@lienthong/service-host");
  /* eslint-enable @typescript-eslint/no-require-imports */
  let env;
  try {
    // The Kafka variables alone: the rest of a service's environment is none of this command's business.
    env = loadConfig(commonServiceEnv.pick(KAFKA_CONNECTION_VARIABLES), {
      ...process.env,
      ...(options.brokers !== undefined && { KAFKA_BROKERS: options.brokers }),
    });
    if (env.KAFKA_BROKERS.length === 0) throw new ServiceRefused("KAFKA_BROKERS (or --brokers): the brokers to ask");
  } catch (error) {
    if (error instanceof ConfigError) throw new ServiceRefused(error.message);
    throw error;
  }
  let cluster;
  try {
    cluster = await describeKafkaCluster(
      { brokers: env.KAFKA_BROKERS, clientId: `${env.KAFKA_CLIENT_ID}-topics`, ...kafkaSecurityOf(env) },
      TOPIC_PREFIX,
      // Each service's consumer group on what it consumes and its replays, and its ledger's on its dead letters.
      PLATFORM_SERVICES.flatMap((service) => [
        { groupId: service.name, topics: [...consumedTopics(service.name), replayTopicFor(service.name)] },
        { groupId: ledgerGroupFor(service.name), topics: [deadLetterTopicFor(service.name)] },
      ]),
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
  const unhealthy = cluster.topics.flatMap(({ topic, partitions }) =>
    partitions
      .filter((partition) => partition.leader < 0 || partition.inSync < partition.replicas)
      .map(({ partition, leader }) => `${topic}:${partition} ${leader < 0 ? "has no leader" : "is under-replicated"}`),
  );
  return { ...cluster, missing: needed.filter((topic) => !present.has(topic)), unhealthy };
}

function humanReport(report: ClusterReport): string {
  const topics = table(
    ["topic", "partitions", "without leader", "under-replicated", "records retained"],
    report.topics.map(({ topic, partitions }) => [
      topic,
      partitions.length,
      partitions.filter((partition) => partition.leader < 0).length,
      partitions.filter((partition) => partition.inSync < partition.replicas).length,
      partitions.reduce((sum, partition) => sum + partition.end - partition.start, 0),
    ]),
    [1, 2, 3, 4],
  );
  const groups = table(
    ["group", "state", "members", "topic", "lag", "partitions behind"],
    report.groups.flatMap((group) => {
      const state = group.state ?? "not told";
      const members = group.members ?? "not told";
      if (group.lag.length === 0) return [[group.groupId, state, members, "none of its topics exists", "", ""]];
      return [...new Set(group.lag.map((partition) => partition.topic))].map((topic) => {
        const partitions = group.lag.filter((partition) => partition.topic === topic);
        return [
          group.groupId,
          state,
          members,
          topic,
          partitions.reduce((sum, partition) => sum + partition.lag, 0),
          partitions.filter((partition) => partition.lag > 0).length,
        ];
      });
    }),
    [2, 4, 5],
  );
  return [
    `${report.brokers} broker(s)`,
    topics,
    groups,
    ...report.missing.map((topic) => `missing: ${topic} (infra/kafka/create-topics.sh creates it)`),
    ...report.unhealthy.map((partition) => `unhealthy: ${partition}`),
  ].join("\n");
}
