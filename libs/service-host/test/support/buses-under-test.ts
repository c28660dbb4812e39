import { Topics } from "@lienthong/contracts";
import { InProcessBroker, type EventBus } from "@lienthong/messaging";
import { produceWithKcat, startKafkaMock, type ForeignRecord, type KafkaMock } from "@lienthong/testing";

/** Records appended to intake's topic as a foreign producer would: no CloudEvents headers added or checked. */
export type Foreign = (records: ForeignRecord[]) => Promise<void>;

/** A bus a host-level test runs on, both ways the platform does: the embedded broker, and Kafka. */
export interface BusUnderTest {
  /** The environment's bus variables, the embedded broker if any, and how foreign records reach the bus. */
  open(): Promise<{ env: Record<string, string>; broker?: InProcessBroker; foreign: (bus: EventBus) => Foreign }>;
  close(): Promise<void>;
}

/** Embedded: a broker per open; a foreign record is appended to the broker's log as it is. */
export function inProcessBus(): BusUnderTest {
  const brokers: InProcessBroker[] = [];
  return {
    open: async () => ({
      env: {},
      broker: brokers[brokers.push(new InProcessBroker({ partitions: 4 })) - 1],
      foreign: (bus) => (records) =>
        bus.forward(
          records.map((record) => ({
            topic: Topics.intake,
            key: record.key ?? "",
            value: record.value,
            headers: record.headers ?? {},
          })),
        ),
    }),
    close: async () => {
      await Promise.all(brokers.map((broker) => broker.close()));
    },
  };
}

/** librdkafka's mock cluster, one for every open; foreign records come from kcat, an independent producer. */
export function kafkaMockBus(): BusUnderTest {
  let mock: KafkaMock | undefined;
  return {
    open: async () => {
      // One broker: every partition comes from one fetcher, so a wait inside a handler would hold all of them up.
      mock ??= await startKafkaMock({ brokers: 1 });
      const servers = mock.bootstrapServers;
      return {
        env: {
          KAFKA_BROKERS: servers.join(","),
          KAFKA_CREATE_TOPICS: "false",
          KAFKA_IDEMPOTENT_PRODUCER: "false",
          KAFKA_MAX_WAIT_MS: "50",
          KAFKA_LEADER_SYNC_DELAY_MS: "300",
        },
        foreign: () => (records) => produceWithKcat(servers, Topics.intake, records),
      };
    },
    close: async () => {
      await mock?.stop();
    },
  };
}
