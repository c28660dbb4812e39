import { randomUUID } from "node:crypto";
import type { MessagePort } from "node:worker_threads";
import { afterEach, describe, expect, it } from "@jest/globals";
import { tempDir, waitFor, type TempDir } from "@lienthong/testing";
import { InProcessBroker, MessagingError, type EventBus } from "../src";
import { bodyOf, collect, textEvent, uniqueTopic } from "./support/events";
import { busOverPort, type BusOverPort } from "./support/thread";

/** A publish refused as on a closed bus (unavailable, retriable), and a bus no longer ready. */
async function expectClosedBus(bus: EventBus): Promise<void> {
  const refused: unknown = await bus
    .publish([textEvent(uniqueTopic("closed"), "dossier-1", "x")])
    .catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(MessagingError);
  expect((refused as MessagingError).reason).toBe("BUS_CLOSED");
  expect(await bus.ping()).toBe(false);
}

/** A service whose thread ends: what it held comes again, what it still asked fails as on a closed bus. */
describe("the embedded broker reached from a service's thread", () => {
  let dir: TempDir;
  let broker: InProcessBroker;
  const ports: MessagePort[] = [];

  const serviceOnItsThread = (source: string): BusOverPort => {
    const service = busOverPort(broker, source);
    ports.push(service.brokerEnd, service.serviceEnd);
    return service;
  };

  const start = async () => {
    dir = await tempDir("lienthong-thread-broker");
    // One partition: it stays with the group's first member for as long as that member is in the group.
    broker = new InProcessBroker({
      journalPath: dir.file("events.db"),
      partitions: 1,
      redelivery: { initialMs: 20, maxMs: 100 },
    });
  };

  afterEach(async () => {
    for (const port of ports.splice(0)) port.close();
    await broker.close();
    await dir.remove();
  });

  it("delivers again to the group's other member what a thread held when it ended, and nothing twice after", async () => {
    await start();
    const topic = uniqueTopic("thread-ends");
    const first = serviceOnItsThread("routing");
    let held = 0;
    // The first member takes every partition and never answers its first delivery: its thread is about to end.
    await first.bus.subscribe({
      groupId: "routing",
      topics: [topic],
      handler: () => {
        held += 1;
        return new Promise<never>(() => undefined);
      },
    });
    const publisher = serviceOnItsThread("intake");
    const key = `dossier-${randomUUID()}`;
    await publisher.bus.publish([textEvent(topic, key, "one"), textEvent(topic, key, "two")]);
    await waitFor(() => held === 1, { timeoutMs: 5_000, description: "the first member holds the first event" });

    const second = serviceOnItsThread("routing");
    const received = await collect(second.bus, "routing", [topic]);
    first.serviceEnd.close();
    await waitFor(() => received.events.length === 2, { timeoutMs: 5_000, description: "both events, once each" });
    expect(received.events.map(bodyOf)).toEqual(["one", "two"]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received.events).toHaveLength(2);
    await received.close();
  });

  it("fails what a service asks as on a closed bus once the broker's thread is gone", async () => {
    await start();
    const { bus, brokerEnd } = serviceOnItsThread("intake");
    expect(await bus.ping()).toBe(true);
    brokerEnd.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expectClosedBus(bus);
  });

  it("keeps the reason of what the broker refuses across the port", async () => {
    await start();
    const { bus } = serviceOnItsThread("intake");
    await broker.close();
    await expectClosedBus(bus);
  });
});
