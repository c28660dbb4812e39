/**
 * A service's consumer (ServiceHost.consume: the consumer runner with the
 * host's decoding) against poison, on both buses: records of every kind that
 * can never be handled — not a CloudEvent, a payload that does not decode, a
 * type the catalog does not know, a type on a topic it is not published on —
 * and a handler's non-retriable error reach the dead-letter topic on their
 * first delivery, as they arrived plus dlt_* headers, while the valid events
 * behind them flow; a retriable failure holds up only its own partition.
 * Poison comes from kcat (an independent producer) on Kafka, and is appended
 * to the broker's log as it is on the in-process bus.
 */
import { randomUUID } from "node:crypto";
import { EventTypes, Topics, lifecycleEvent } from "@lienthong/contracts";
import { invalidField, unavailable } from "@lienthong/errors";
import { buildCloudEventHeaders, deadLetterTopicFor, inbox, inboxId, type Subscription } from "@lienthong/messaging";
import { ServiceHost, loadConfig, serviceEnv, type ConsumedEvent } from "@lienthong/service-host";
import { describeWithKafka, tempDir, waitFor, type ForeignRecord, type TempDir } from "@lienthong/testing";
import { inProcessBus, kafkaMockBus, type BusUnderTest } from "./support/buses-under-test";

// Kafka: a group join on the mock takes seconds, more on a busy machine.
jest.setTimeout(120_000);

interface Letter {
  key: string;
  value: number[];
  headers: Record<string, string>;
}

interface Handled {
  dossierId: string;
  partition: number;
  at: number;
}

interface Running {
  host: ServiceHost;
  produceForeign(records: ForeignRecord[]): Promise<void>;
  /** Every call of the service's handler for an applicationSubmitted event, failing ones included. */
  calls: Handled[];
  /** The events the service handled. */
  handled: Handled[];
  /** The name of every event that reached the handler. */
  seen: string[];
  letters: Letter[];
  stop(): Promise<void>;
}

/** Dossier ids that make the service's handler fail: non-retriably, or retriably every time. */
const INVALID = "dossier-invalid";
const FLAKY = "dossier-flaky";

function suite(bus: () => BusUnderTest): void {
  let directory: TempDir;
  let underTest: BusUnderTest;

  // One service for both tests: a Kafka group that a member has just left takes long to rebalance on the mock.
  let service: Running;

  beforeAll(async () => {
    directory = await tempDir("consumer-poison");
    underTest = bus();
    service = await startRouting();
  });
  afterAll(async () => {
    await service?.stop();
    await underTest.close();
    await directory.remove();
  });

  async function startRouting(): Promise<Running> {
    const { env: busEnv, broker, foreign } = await underTest.open();
    const dataDir = `${directory.path}/${randomUUID()}`;
    const env = loadConfig(serviceEnv({ httpPort: 0, grpcPort: 0, opsPort: 0 }), {
      NODE_ENV: "test",
      DATA_DIR: dataDir,
      IDENTITY_DIR: `${dataDir}/identity`,
      HTTP_HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      ...busEnv,
    });
    const host = await ServiceHost.open(
      { service: "routing", env, collections: [] },
      { broker, ports: { http: 0, grpc: 0, ops: 0 } },
    );
    const calls: Handled[] = [];
    const handled: Handled[] = [];
    const seen: string[] = [];
    host.consume(
      [Topics.intake],
      async (event: ConsumedEvent) => {
        seen.push(event.name);
        if (event.name !== "applicationSubmitted") return [];
        const call = { dossierId: event.payload.dossierId, partition: event.partition, at: Date.now() };
        calls.push(call);
        if (call.dossierId.startsWith(INVALID)) throw invalidField("procedureCode", "not in the catalog");
        if (call.dossierId.startsWith(FLAKY)) throw unavailable("the catalog service is down");
        handled.push(call);
        return [];
      },
      { handles: ["applicationSubmitted"] },
    );
    await host.start();
    const letters: Letter[] = [];
    const keep = (key: string, value: Uint8Array, headers: Record<string, string>): void => {
      letters.push({ key, value: [...value], headers });
    };
    const observer: Subscription = await host.bus.subscribe({
      groupId: "dead-letter-observer",
      topics: [deadLetterTopicFor("routing")],
      handler: async (letter) => keep(letter.key, letter.data, letter.headers),
      unreadable: async (letter) => keep(letter.key, letter.value, letter.headers),
    });
    return {
      host,
      produceForeign: foreign(host.bus),
      calls,
      handled,
      seen,
      letters,
      stop: async () => {
        await observer.close();
        await host.stop();
      },
    };
  }

  const submitted = (dossierId: string) => lifecycleEvent("applicationSubmitted", { dossierId });
  const ceHeaders = (type: string, key: string): Record<string, string> =>
    buildCloudEventHeaders({ id: randomUUID(), source: "intake", type, time: new Date().toISOString(), subject: key });

  test("poison of every kind is dead-lettered once, on its first delivery, and the events behind it flow", async () => {
    const key = `dossier-poison-${randomUUID()}`;
    const poison: ForeignRecord[] = [
      // Not a CloudEvent: no ce_* header at all.
      { key, value: Uint8Array.from([0x01, 0x02, 0x03]), headers: { "x-origin": "legacy-system" } },
      // A catalogued type whose payload is not its message.
      {
        key,
        value: Uint8Array.from([0xff, 0xff, 0xff, 0xff]),
        headers: ceHeaders(EventTypes.applicationSubmitted.type, key),
      },
      // A type the catalog does not know.
      { key, value: submitted(key).data, headers: ceHeaders("gov.lienthong.application.unknown.v1", key) },
      // A catalogued type on a topic its producer does not publish on.
      {
        key,
        value: lifecycleEvent("dossierRouted", { dossierId: key }).data,
        headers: ceHeaders(EventTypes.dossierRouted.type, key),
      },
    ];
    await service.produceForeign(poison);
    const publishedAt = Date.now();
    const invalid = `${INVALID}-${randomUUID()}`;
    // A catalogued event on its producer's topic that the service does not handle: passed by, not dead-lettered.
    const passedBy = { ...lifecycleEvent("supplementProvided", { dossierId: key }), id: randomUUID() };
    await service.host.bus.publish([passedBy, submitted(key), submitted(invalid), submitted(`${key}-other`)]);

    await waitFor(() => service.handled.filter((call) => call.dossierId.startsWith(key)).length >= 2, {
      timeoutMs: 30_000,
      description: "the valid events behind the poison handled",
    });
    const handledAt = Math.max(...service.handled.map((call) => call.at));
    await waitFor(() => service.letters.length >= poison.length + 1, {
      timeoutMs: 30_000,
      description: `${poison.length + 1} dead letters`,
    });
    // Once each: a redelivery would bring a second letter for the same record.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(service.letters).toHaveLength(poison.length + 1);
    // Promptly: well within what retrying the poison would have taken (200 ms doubling, five attempts each).
    expect(handledAt - publishedAt).toBeLessThan(6_000);
    expect(service.calls.filter((call) => call.dossierId === invalid)).toHaveLength(1);
    expect(service.seen).not.toContain("supplementProvided");
    expect(await service.host.store.get(inbox, inboxId("routing", passedBy.id))).toBeUndefined();

    const fromPoison = service.letters.filter((letter) => letter.key === key);
    expect(fromPoison.map((letter) => letter.headers.dlt_reason)).toEqual([
      "MISSING_HEADER",
      "UNDECODABLE_PAYLOAD",
      "UNKNOWN_EVENT_TYPE",
      "UNKNOWN_EVENT_TYPE",
    ]);
    const partition = service.handled.find((call) => call.dossierId === key)!.partition;
    fromPoison.forEach((letter, index) => {
      // The record as it arrived: its key, its bytes, its headers.
      expect(letter.value).toEqual([...poison[index]!.value]);
      expect(letter.headers).toMatchObject(poison[index]!.headers!);
      expect(letter.headers).toMatchObject({
        dlt_original_topic: Topics.intake,
        dlt_original_partition: String(partition),
        dlt_group: "routing",
        dlt_service: "routing",
        dlt_attempts: "1",
      });
      expect(Date.parse(letter.headers.dlt_failed_at!)).not.toBeNaN();
      expect(letter.headers.dlt_first_failed_at).toBe(letter.headers.dlt_failed_at);
    });
    const offsets = fromPoison.map((letter) => Number(letter.headers.dlt_original_offset));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(poison.length);
    expect(fromPoison[0]!.headers.dlt_error).toBe(
      'MISSING_HEADER: CloudEvents header "ce_specversion" is missing or empty',
    );
    expect(fromPoison[1]!.headers.dlt_error).toContain("is not its protobuf message");
    expect(fromPoison[3]!.headers.dlt_error).toContain(`is not published on ${Topics.intake}`);

    const [refused] = service.letters.filter((letter) => letter.key === invalid);
    expect(refused!.headers).toMatchObject({
      dlt_reason: "INVALID_ARGUMENT",
      dlt_error: "INVALID_ARGUMENT: procedureCode: not in the catalog",
      dlt_attempts: "1",
      ce_type: EventTypes.applicationSubmitted.type,
    });
  });

  test("a retried event holds up its own partition only, and is dead-lettered after its last attempt", async () => {
    const run = randomUUID();
    const keys = Array.from({ length: 12 }, (_, index) => `dossier-lane-${run}-${index}`);
    const firstsFrom = service.handled.length;
    await service.host.bus.publish(keys.map(submitted));
    await waitFor(() => service.handled.length >= firstsFrom + keys.length, {
      timeoutMs: 30_000,
      description: "one event per key",
    });
    const partitionOf = new Map(service.handled.slice(firstsFrom).map((call) => [call.dossierId, call.partition]));

    const flaky = `${FLAKY}-${run}`;
    await service.host.bus.publish([submitted(flaky)]);
    await waitFor(() => service.calls.some((call) => call.dossierId === flaky), {
      timeoutMs: 30_000,
      description: "the first failure",
    });
    const flakyPartition = service.calls.find((call) => call.dossierId === flaky)!.partition;
    const elsewhere = keys.filter((key) => partitionOf.get(key) !== flakyPartition);
    expect(elsewhere.length).toBeGreaterThan(0);
    // A second event of each dossier elsewhere: same key, hence same partition as its first.
    const secondsFrom = service.handled.length;
    await service.host.bus.publish(elsewhere.map(submitted));
    await waitFor(() => service.letters.some((letter) => letter.key === flaky), {
      timeoutMs: 60_000,
      description: "the flaky event dead-lettered",
    });

    const flakyCalls = service.calls.filter((call) => call.dossierId === flaky);
    expect(flakyCalls).toHaveLength(5);
    // Every other partition's event was handled while the flaky one waited between its attempts.
    const next = service.handled.slice(secondsFrom);
    expect(next.map((call) => call.dossierId).sort()).toEqual([...elsewhere].sort());
    expect(Math.max(...next.map((call) => call.at))).toBeLessThan(flakyCalls[4]!.at);
    const [letter] = service.letters.filter((candidate) => candidate.key === flaky);
    expect(letter!.headers).toMatchObject({
      dlt_reason: "UNAVAILABLE",
      dlt_error: "UNAVAILABLE: the catalog service is down",
      dlt_attempts: "5",
    });
    expect(Date.parse(letter!.headers.dlt_first_failed_at!)).toBeLessThan(Date.parse(letter!.headers.dlt_failed_at!));
  });
}

describe("a service's consumer against poison, on the in-process bus", () => {
  suite(inProcessBus);
});

describeWithKafka("a service's consumer against poison, on Kafka (librdkafka's mock cluster)", () => {
  suite(kafkaMockBus);
});
