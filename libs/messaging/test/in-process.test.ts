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

describe("in-process event bus, journaled", () => {
  eventBusContract({
    deliveryTimeoutMs: 10_000,
    start: async () => {
      const dir: TempDir = await tempDir("lienthong-journal");
      const broker = new InProcessBroker({
        journalPath: dir.file("events.db"),
        redelivery: { initialMs: 20, maxMs: 100 },
      });
      return inProcessHarness(broker, async () => {
        await broker.close();
        await dir.remove();
      });
    },
  });
});

describe("in-process event bus, each service reaching the broker over a MessagePort (its own thread)", () => {
  eventBusContract({
    deliveryTimeoutMs: 10_000,
    start: async () => {
      const dir: TempDir = await tempDir("lienthong-journal");
      const broker = new InProcessBroker({
        journalPath: dir.file("events.db"),
        redelivery: { initialMs: 20, maxMs: 100 },
      });
      const ports: MessagePort[] = [];
      const harness = inProcessHarness(broker, async () => {
        for (const port of ports) port.close();
        await broker.close();
        await dir.remove();
      });
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
