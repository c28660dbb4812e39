import { startKafkaMock, type KafkaMock } from "@lienthong/testing";
import { KafkaEventBus, type EventBus, type Logger } from "../../src";
import type { BusHarness } from "../event-bus.contract";

/**
 * Buses against librdkafka's mock cluster: no admin createTopics, no
 * idempotent producer (ARCHITECTURE.md §7). The mock delays a rebalance by
 * the session timeout minus 1 s, so a short session keeps the tests fast.
 */
export function mockClusterBus(mock: KafkaMock, source: string, logger?: Logger): KafkaEventBus {
  return new KafkaEventBus({
    brokers: mock.bootstrapServers,
    clientId: `test-${source}`,
    source,
    createTopics: false,
    idempotentProducer: false,
    consumer: { sessionTimeoutMs: 3_000, heartbeatIntervalMs: 300, maxWaitTimeMs: 200 },
    redelivery: { initialMs: 50, maxMs: 500 },
    logger,
  });
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
    close: async () => {
      await Promise.all(buses.map((bus) => bus.close()));
      await mock.stop();
    },
  };
}
