/**
 * `/ops/health` when the broker stops answering (librdkafka's mock cluster,
 * frozen): the answer still comes, not ready, with the last figures and the
 * time they were collected, instead of hanging on the consumer lag the broker
 * is asked for; once the broker answers again, the figures are fresh again.
 * A broker that refuses the question is told apart from one with no lag.
 */
import { Topics } from "@lienthong/contracts";
import {
  DEVELOPMENT_OFFICIALS,
  ServiceHost,
  loadConfig,
  openDevelopmentIssuer,
  serviceEnv,
} from "@lienthong/service-host";
import { describeWithKafka, startKafkaMock, tempDir, waitFor, type KafkaMock, type TempDir } from "@lienthong/testing";

jest.setTimeout(180_000);

interface Health {
  ready: boolean;
  series: { name: string; labels: Record<string, string>; value: number }[];
  seriesCollectedAt: string | null;
  seriesAgeSeconds: number | null;
}

describeWithKafka("/ops/health with a broker that stops answering", () => {
  let mock: KafkaMock;
  let directory: TempDir;
  let host: ServiceHost;
  let url: string;
  let authorization: string;

  beforeAll(async () => {
    mock = await startKafkaMock({ brokers: 1 });
    directory = await tempDir("health-routes");
    const env = loadConfig(serviceEnv({ httpPort: 0, grpcPort: 0, opsPort: 0 }), {
      DATA_DIR: directory.path,
      IDENTITY_DIR: `${directory.path}/identity`,
      HTTP_HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      KAFKA_BROKERS: mock.bootstrapServers.join(","),
      KAFKA_CREATE_TOPICS: "false",
      KAFKA_IDEMPOTENT_PRODUCER: "false",
      KAFKA_MAX_WAIT_MS: "50",
      KAFKA_LEADER_SYNC_DELAY_MS: "300",
    });
    host = await ServiceHost.open(
      { service: "routing", env, collections: [] },
      { ports: { http: 0, grpc: 0, ops: 0 } },
    );
    host.consume([Topics.intake], async () => []);
    url = (await host.start()).httpUrl;
    const issuer = await openDevelopmentIssuer(`${directory.path}/identity`);
    authorization = `Bearer ${await issuer.sign(DEVELOPMENT_OFFICIALS.operator)}`;
  });

  afterAll(async () => {
    mock?.thaw();
    await host?.stop();
    await mock?.stop();
    await directory?.remove();
  });

  // Far longer than the page's wait, far shorter than kafkajs's request timeouts and retries.
  const health = async (): Promise<Health> => {
    const response = await fetch(`${url}/ops/health`, {
      headers: { authorization },
      signal: AbortSignal.timeout(20_000),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Health;
  };
  const lagSeries = (answer: Health) => answer.series.filter((series) => series.name === "messaging_consumer_lag");

  test("answers with the last figures and their time while the broker is frozen, fresh ones after", async () => {
    let before: Health | undefined;
    await waitFor(
      async () => {
        before = await health();
        return before.ready && lagSeries(before).length > 0;
      },
      { timeoutMs: 60_000, description: "ready, with the consumer's lag" },
    );
    expect(before!.seriesCollectedAt).not.toBeNull();

    expect(before!.seriesAgeSeconds).toBeLessThan(5);
    // Every question the bus is asked for the lag, counted from here.
    const lagReads = jest.spyOn(host.bus, "consumerLag");

    mock.freeze();
    // Two pages asking at once: one collection, which hangs on the frozen broker, serves both.
    const started = Date.now();
    const [frozen, meanwhile] = await Promise.all([health(), health()]);
    // Well under kafkajs's request timeout (30 s): the page did not wait for the broker.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(lagReads).toHaveBeenCalledTimes(1);
    expect(frozen.ready).toBe(false);
    // The lag could not be read again: the figures shown are the last collected, and say when.
    expect(frozen.seriesCollectedAt).toBe(before!.seriesCollectedAt);
    expect(frozen.seriesAgeSeconds).toBeGreaterThanOrEqual(2);
    expect(lagSeries(frozen)).toEqual(lagSeries(before!));
    expect(meanwhile.seriesCollectedAt).toBe(before!.seriesCollectedAt);
    lagReads.mockRestore();

    mock.thaw();
    await waitFor(
      async () => {
        const answer = await health();
        return answer.ready && answer.seriesCollectedAt !== before!.seriesCollectedAt;
      },
      { timeoutMs: 120_000, description: "fresh figures once the broker answers" },
    );
  });

  test("a lag the broker refuses to tell is said so, not shown as no lag", async () => {
    const unreadable = (answer: Health) =>
      answer.series.find((series) => series.name === "messaging_consumer_lag_unreadable")?.value;
    // The broker refusing the question, as one without the principal's Describe ACL would.
    const refusal = jest
      .spyOn(host.bus, "consumerLag")
      .mockRejectedValueOnce(new Error("This server does not host this topic-partition"));
    let refused: Health | undefined;
    await waitFor(
      async () => {
        refused = await health();
        return unreadable(refused) === 1;
      },
      { timeoutMs: 30_000, description: "the lag said unreadable" },
    );
    expect(lagSeries(refused!)).toEqual([]);
    refusal.mockRestore();
    await waitFor(
      async () => {
        const answer = await health();
        return unreadable(answer) === 0 && lagSeries(answer).length > 0;
      },
      { timeoutMs: 30_000, description: "the lag read again" },
    );
  });
});
