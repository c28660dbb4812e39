import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { DEVELOPMENT_CLIENTS } from "@lienthong/service-host";
import { startKafkaMock, type KafkaMock } from "@lienthong/testing/kafka-mock";
import { tempDir } from "@lienthong/testing/temp-dir";
import { developmentCredentials } from "../dev-credentials";
import { followDossier, runEndToEnd, type EndToEndTarget } from "./end-to-end";
import { E2E_TIMEOUT_SECONDS as EMBEDDED_E2E_TIMEOUT_SECONDS, POLL_INTERVAL_MS } from "./end-to-end-search";
import {
  SERVICE_NAMES,
  mockClusterEnv,
  serviceProcessUrls,
  startServiceProcess,
  stopServiceProcess,
  type ServiceProcess,
} from "./kafka-platform";
import { collectSpans, kafkaHops } from "./kafka-hops";
import { kafkaTargets, type KafkaBenchReport } from "./kafka-report";
import { describeMachine } from "./machine";
import { BENCH_CLIENT_REQUESTS_PER_MINUTE, allReady } from "./processes";
import { Progress } from "./progress";
import { ResultMailbox } from "./result-mailbox";

export interface KafkaBenchOptions {
  /** Dossiers submitted per second. */
  ratePerSecond: number;
  /** Seconds of steady submissions. */
  durationSeconds: number;
  /** Draw a progress bar (only on a terminal, never with --json). */
  progressBars: boolean;
}

/**
 * A dossier not notified this long after its submission counts as stopped
 * short: twice `lienthong bench`'s, as four processes share the two cores.
 */
const E2E_TIMEOUT_SECONDS = 2 * EMBEDDED_E2E_TIMEOUT_SECONDS;
const MOCK_BROKERS = 3;
/** Four processes starting at once on two busy cores, each joining its consumer groups. */
const START_TIMEOUT_MS = 60_000;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/** The last lines of each service process that started, for a failure's message. */
async function logTails(launches: readonly Promise<ServiceProcess>[]): Promise<string> {
  const services = await Promise.allSettled(launches);
  return services
    .flatMap((launch) =>
      launch.status === "fulfilled" ? [`--- ${launch.value.name} ---\n${launch.value.logs.text(20)}`] : [],
    )
    .join("\n");
}

/**
 * Issue 9's Kafka-mode figure: librdkafka's mock cluster (kcat) and the four
 * services as separate processes on it, as in distributed mode; dossiers
 * submitted on schedule and each followed to its result email. Everything it
 * starts it stops and every directory it makes it removes, also on Ctrl+C.
 */
export async function runKafkaBench(options: KafkaBenchOptions): Promise<KafkaBenchReport> {
  const started = performance.now();
  const host = describeMachine();
  const progress = new Progress(options.progressBars);
  const say = (text: string) => progress.line(text);
  const workDir = await tempDir("lienthong-bench-kafka");
  const stopping = new AbortController();
  let mock: Promise<KafkaMock> | undefined;
  let mailbox: ResultMailbox | undefined;
  const launches: Promise<ServiceProcess>[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      // SIGTERM to every service process, started or still starting; each start then settles.
      stopping.abort();
      const services = await Promise.allSettled(launches);
      await Promise.all(
        services.map(async (launch) => {
          if (launch.status !== "fulfilled") return;
          await stopServiceProcess(launch.value, STOP_TIMEOUT_MS);
          await launch.value.dataDir.remove();
        }),
      );
      await mock?.then((cluster) => cluster.stop()).catch(() => undefined);
      await mailbox?.close();
      await workDir.remove();
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    void cleanUp().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    say(`starting librdkafka's mock cluster (${MOCK_BROKERS} brokers, through kcat)`);
    mock = startKafkaMock({ brokers: MOCK_BROKERS });
    const cluster = await mock;
    const identityDir = path.join(workDir.path, "identity");
    const busEnv = mockClusterEnv(cluster, identityDir);
    // The applicants' mail server: a dossier is done when its result mail arrives there.
    mailbox = await ResultMailbox.open();
    say(`starting ${SERVICE_NAMES.join(", ")} as separate processes on it`);
    for (const name of SERVICE_NAMES) {
      launches.push(
        startServiceProcess({
          name,
          // Only PATH from this shell: no SMTP server, webhook or OTLP endpoint of the caller's is used.
          baseEnv: { PATH: process.env.PATH },
          env: {
            ...busEnv,
            SMTP_URL: mailbox.url,
            CLIENT_REQUESTS_PER_MINUTE: String(BENCH_CLIENT_REQUESTS_PER_MINUTE),
          },
          startTimeoutMs: START_TIMEOUT_MS,
          signal: stopping.signal,
        }),
      );
    }
    const urls = serviceProcessUrls(await Promise.all(launches));
    const readyBy = performance.now() + READY_TIMEOUT_MS;
    while (!(await allReady(urls))) {
      if (performance.now() > readyBy)
        throw new Error(`the services were not ready within ${READY_TIMEOUT_MS / 1000} s`);
      await sleep(200);
    }
    // The portal submits at every unit; the sample officials act on the dossiers.
    const credentials = await developmentCredentials(identityDir, DEVELOPMENT_CLIENTS.portal);
    const target: EndToEndTarget = { urls, credentials, mailbox };
    // One dossier through every service and topic first: start-up work (JIT, first PDF, first fetch) is not timed.
    const warm = await followDossier(target, 0, E2E_TIMEOUT_SECONDS * 2, POLL_INTERVAL_MS);
    if (warm.stoppedAt) throw new Error(`the warm-up dossier stopped short at: ${warm.stoppedAt}`);

    say(
      `end to end: ${options.ratePerSecond} dossiers/s for ${options.durationSeconds} s, each followed to its result email`,
    );
    const planned = Math.max(1, Math.round(options.ratePerSecond * options.durationSeconds));
    const bar = progress.bar("end to end", "dossiers settled", planned);
    const measuredFrom = Date.now();
    const figures = await runEndToEnd({
      ...target,
      ratePerSecond: options.ratePerSecond,
      durationSeconds: options.durationSeconds,
      timeoutSeconds: E2E_TIMEOUT_SECONDS,
      pollIntervalMs: POLL_INTERVAL_MS,
      onSettled: (settled) => bar.update(settled),
    }).finally(() => bar.stop());
    const hops = kafkaHops(await collectSpans(urls, credentials.operator), measuredFrom);
    say("stopping the services and the mock cluster, removing their data");

    const { KAFKA_BROKERS: _brokers, IDENTITY_DIR: _identity, ...kafkaEnv } = busEnv;
    return {
      machine: host,
      settings: {
        ratePerSecond: options.ratePerSecond,
        durationSeconds: options.durationSeconds,
        e2eTimeoutSeconds: E2E_TIMEOUT_SECONDS,
        pollIntervalMs: POLL_INTERVAL_MS,
        mockBrokers: MOCK_BROKERS,
        serviceKafkaEnv: Object.fromEntries(
          Object.entries(kafkaEnv).flatMap(([name, value]) => (value === undefined ? [] : [[name, value]])),
        ),
        platform:
          "the four services as separate Node processes (embedded SQLite stores, mail over SMTP to the bench's own " +
          "server) on librdkafka's mock cluster; the end-to-end client runs in the bench process",
      },
      endToEnd: { ...figures, p99Seconds: figures.submitToNotifiedSeconds?.p99 ?? null },
      kafkaHops: hops,
      targets: kafkaTargets(figures),
      totalSeconds: (performance.now() - started) / 1000,
    };
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${await logTails(launches)}`, {
      cause: error,
    });
  } finally {
    await cleanUp();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
