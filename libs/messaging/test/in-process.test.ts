import type { MessagePort } from "node:worker_threads";
import { describe } from "@jest/globals";
import { tempDir, type TempDir } from "@lienthong/testing";
import { InProcessBroker } from "../src";
import { eventBusContract, inProcessHarness } from "./event-bus.contract";
import { busOverPort } from "./support/thread";

describe("in-process event bus, memory only", () => {
  eventBusContract({
    deliveryTimeoutMs: 10_000,
    start: async () => {
      const broker = new InProcessBroker({ partitions: 4, redelivery: { initialMs: 20, maxMs: 100 } });
      return inProcessHarness(broker, () => broker.close());
    },
  });
});

/** A broker journaled in a directory of its own, and what closes both. */
async function journaledBroker(): Promise<{ broker: InProcessBroker; close: () => Promise<void> }> {
  const dir: TempDir = await tempDir("lienthong-journal");
  const broker = new InProcessBroker({ journalPath: dir.file("events.db"), redelivery: { initialMs: 20, maxMs: 100 } });
  return {
    broker,
    close: async () => {
      await broker.close();
      await dir.remove();
    },
  };
}

describe("in-process event bus, journaled", () => {
  eventBusContract({
    deliveryTimeoutMs: 10_000,
    start: async () => {
      const { broker, close } = await journaledBroker();
      return inProcessHarness(broker, close);
    },
  });
});

describe("in-process event bus, each service reaching the broker over a MessagePort, as from a thread of its own", () => {
  eventBusContract({
    deliveryTimeoutMs: 10_000,
    start: async () => {
      const { broker, close } = await journaledBroker();
      const ports: MessagePort[] = [];
      const harness = inProcessHarness(broker, async () => {
        for (const port of ports) port.close();
        await close();
      });
      return {
        ...harness,
        busFor: (source) => {
          // Records cross by structured clone, as to a service's worker thread.
          const { bus, brokerEnd, serviceEnd } = busOverPort(broker, source);
          ports.push(brokerEnd, serviceEnd);
          return bus;
        },
      };
    },
  });
});
