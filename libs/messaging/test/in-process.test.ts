import { describe } from "@jest/globals";
import { tempDir, type TempDir } from "@lienthong/testing";
import { InProcessBroker } from "../src";
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
