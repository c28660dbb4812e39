import { MessageChannel, type MessagePort } from "node:worker_threads";
import { describe } from "@jest/globals";
import { tempDir, type TempDir } from "@lienthong/testing";
import { InProcessBroker, ThreadBroker, serveBroker } from "../src";
import { eventBusContract, inProcessHarness } from "./event-bus.contract";

describe("in-process event bus, memory only", () => {
  eventBusContract({
    deliveryTimeoutMs: 10_000,
    start: async () => {
      const broker = new InProcessBroker({ partitions: 4, redelivery: { initialMs: 20, maxMs: 100 } });
      return inProcessHarness(broker, () => broker.close());
    },
  });
});

/** A broker journaled in a directory of its own, and what closes both (after `before`). */
async function journaledBroker(): Promise<{ broker: InProcessBroker; close: (before?: () => void) => Promise<void> }> {
  const dir: TempDir = await tempDir("lienthong-journal");
  const broker = new InProcessBroker({ journalPath: dir.file("events.db"), redelivery: { initialMs: 20, maxMs: 100 } });
  return {
    broker,
    close: async (before) => {
      before?.();
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
      return inProcessHarness(broker, () => close());
    },
  });
});

describe("in-process event bus, each service reaching the broker over a MessagePort, as from a thread of its own", () => {
  eventBusContract({
    deliveryTimeoutMs: 10_000,
    start: async () => {
      const { broker, close } = await journaledBroker();
      const ports: MessagePort[] = [];
      const harness = inProcessHarness(broker, () => close(() => ports.forEach((port) => port.close())));
      return {
        ...harness,
        busFor: (source) => {
          // What embedded.ts does for a service it starts on a worker thread; records cross by structured clone.
          const channel = new MessageChannel();
          ports.push(channel.port1, channel.port2);
          serveBroker(broker, channel.port1, source);
          return new ThreadBroker(channel.port2).bus(source);
        },
      };
    },
  });
});
