import { produceWithKcat, startKafkaMock, type KafkaMock } from "@lienthong/testing";
import { KafkaEventBus, type EventBus, type KafkaEventBusConfig, type Logger } from "../../src";
import type { BusHarness } from "../event-bus.contract";

/** The session timeout of the buses below. */
export const MOCK_SESSION_TIMEOUT_MS = 3_000;

/**
 * A bus's configuration against librdkafka's mock cluster: no admin
 * createTopics, no idempotent producer (ARCHITECTURE.md §7). The mock delays
 * a rebalance by the session timeout minus 1 s, so a short session keeps the
 * tests fast; it holds an empty fetch for the whole wait, so a short wait
 * keeps hops fast; and a group's followers must sync before its leader.
 */
export function mockClusterConfig(
  mock: KafkaMock,
  source: string,
  consumer?: KafkaEventBusConfig["consumer"],
): KafkaEventBusConfig {
  return {
    brokers: mock.bootstrapServers,
    clientId: `test-${source}`,
    source,
    createTopics: false,
    idempotentProducer: false,
    consumer: {
      sessionTimeoutMs: MOCK_SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 300,
      maxWaitTimeMs: 50,
      leaderSyncDelayMs: 300,
      ...consumer,
    },
    redelivery: { initialMs: 50, maxMs: 500 },
  };
}

export function mockClusterBus(
  mock: KafkaMock,
  source: string,
  logger?: Logger,
  consumer?: KafkaEventBusConfig["consumer"],
): KafkaEventBus {
  return new KafkaEventBus({ ...mockClusterConfig(mock, source, consumer), logger });
}

export async function startMockClusterHarness(logger?: Logger): Promise<BusHarness & { mock: KafkaMock }> {
  const mock = await startKafkaMock({ brokers: 3 });
  const buses: EventBus[] = [];
  return {
    mock,
    busFor: (source) => {
      const bus = mockClusterBus(mock, source, logger);
      buses.push(bus);
      return bus;
    },
    produceForeign: (topic, records) => produceWithKcat(mock.bootstrapServers, topic, records),
    close: async () => {
      await Promise.all(buses.map((bus) => bus.close()));
      await mock.stop();
    },
  };
}
