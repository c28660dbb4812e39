import {
  Kafka,
  KafkaJSNonRetriableError,
  KafkaJSServerDoesNotSupportApiKey,
  logLevel as KafkaLogLevel,
  type Admin,
} from "kafkajs";
import { saslOptions, tlsOptions, type KafkaEventBusConfig } from "./kafka";
import { partitionLags } from "./lag";
import type { PartitionLag } from "./port";

/**
 * What a Kafka cluster holds for the platform, as operators look at it
 * (`lienthong topics`): each topic's partitions — leader, replicas in sync,
 * retained offsets — and each consumer group's state and lag. Read with the
 * admin API only: it consumes nothing and commits nothing. kafkajs stays in
 * this file and kafka.ts.
 */
export type KafkaClusterConnection = Pick<
  KafkaEventBusConfig,
  "brokers" | "clientId" | "ssl" | "sasl" | "connectionTimeoutMs"
>;

export interface TopicPartitionState {
  partition: number;
  /** The leader's broker id; -1 when the partition has none (offline). */
  leader: number;
  replicas: number;
  inSync: number;
  /** The oldest retained offset and the next offset to be written: end − start records are retained. */
  start: number;
  end: number;
}

export interface TopicState {
  topic: string;
  partitions: TopicPartitionState[];
}

export interface ConsumerGroupState {
  groupId: string;
  /**
   * Kafka's group state (Stable, PreparingRebalance, CompletingRebalance, Empty, Dead), and its members; null
   * when the cluster does not describe groups (librdkafka's mock cluster does not).
   */
  state: string | null;
  members: number | null;
  /** Every partition of each topic it consumes that exists; a partition it never committed on is lag whole. */
  lag: PartitionLag[];
}

export interface KafkaClusterState {
  brokers: number;
  topics: TopicState[];
  groups: ConsumerGroupState[];
}

/** A consumer group and the topics it consumes. */
export interface ConsumerGroupTopics {
  groupId: string;
  topics: readonly string[];
}

/** The topics whose names start with `topicPrefix`, and where each group stands on the topics it consumes. */
export async function describeKafkaCluster(
  connection: KafkaClusterConnection,
  topicPrefix: string,
  groups: readonly ConsumerGroupTopics[],
): Promise<KafkaClusterState> {
  const kafka = new Kafka({
    brokers: connection.brokers,
    clientId: connection.clientId,
    ssl: connection.ssl && tlsOptions(connection.ssl),
    sasl: connection.sasl && saslOptions(connection.sasl),
    connectionTimeout: connection.connectionTimeoutMs,
    // An operator waits for the answer: a few quick retries, not a service's patient ones.
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2_000 },
    // Its failures reach the caller as errors; a command's output stays its own.
    logLevel: KafkaLogLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { brokers } = await admin.describeCluster();
    const names = (await admin.listTopics()).filter((name) => name.startsWith(topicPrefix)).sort();
    const [metadata, offsets] = await Promise.all([
      names.length === 0 ? { topics: [] } : admin.fetchTopicMetadata({ topics: names }),
      Promise.all(names.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) }))),
    ]);
    const topics = offsets.map(({ topic, offsets: ends }): TopicState => {
      const partitions = metadata.topics.find((candidate) => candidate.name === topic)?.partitions ?? [];
      return {
        topic,
        partitions: ends
          .map(({ partition, high, low }) => {
            const described = partitions.find((candidate) => candidate.partitionId === partition);
            return {
              partition,
              leader: described?.leader ?? -1,
              replicas: described?.replicas.length ?? 0,
              inSync: described?.isr.length ?? 0,
              start: Number(low),
              end: Number(high),
            };
          })
          .sort((a, b) => a.partition - b.partition),
      };
    });
    return { brokers: brokers.length, topics, groups: await groupsOn(admin, groups, topics) };
  } finally {
    await admin.disconnect();
  }
}

/** Each group's lag on the topics it consumes, with its state and members where the cluster tells them. */
async function groupsOn(
  admin: Admin,
  groups: readonly ConsumerGroupTopics[],
  topics: readonly TopicState[],
): Promise<ConsumerGroupState[]> {
  const described = await describedGroups(
    admin,
    groups.map((group) => group.groupId),
  );
  return Promise.all(
    groups.map(async ({ groupId, topics: consumed }): Promise<ConsumerGroupState> => {
      // A topic the cluster lacks has no lag to tell; it is reported missing instead.
      const present = topics.filter((topic) => consumed.includes(topic.topic));
      const committed =
        present.length === 0 ? [] : await admin.fetchOffsets({ groupId, topics: present.map((t) => t.topic) });
      const lag = present.flatMap(({ topic, partitions }) =>
        partitionLags(
          topic,
          partitions,
          new Map(
            (committed.find((entry) => entry.topic === topic)?.partitions ?? []).map(({ partition, offset }) => [
              partition,
              Number(offset),
            ]),
          ),
        ),
      );
      const group = described?.find((candidate) => candidate.groupId === groupId);
      return { groupId, state: group?.state ?? null, members: group ? group.members.length : null, lag };
    }),
  );
}

/** The groups' descriptions, or undefined from a cluster without DescribeGroups. */
async function describedGroups(admin: Admin, groupIds: readonly string[]) {
  if (groupIds.length === 0) return [];
  try {
    return (await admin.describeGroups([...groupIds])).groups;
  } catch (error) {
    // The broker lacks the API (kafkajs says so directly, or as the cause of giving up).
    const unsupported = (candidate: unknown) => candidate instanceof KafkaJSServerDoesNotSupportApiKey;
    if (unsupported(error) || (error instanceof KafkaJSNonRetriableError && unsupported(error.cause))) return undefined;
    throw error;
  }
}
