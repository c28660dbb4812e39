import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { DEVELOPMENT_CLIENTS } from "@lienthong/service-host";
import { SingleBar, Presets } from "cli-progress";
import { benchApplicationBody } from "./applications";
import { developmentCredentials } from "../dev-credentials";
import { followDossier, runEndToEnd } from "./end-to-end";
import { runLoad, type LoadJob } from "./load";
import { startBareServer, startPlatform, type ChildHandle } from "./processes";
import { measureSigning } from "./signing";
import { benchTargets, summariseEndToEnd, throughputRatio, type BenchReport, type LoadFigures } from "./report";

export interface BenchOptions {
  /** Measured seconds of each load run. */
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  /** Dossiers per second in the end-to-end run. */
  ratePerSecond: number;
  e2eDurationSeconds: number;
  /** Measured seconds of the signing rounds (after a fixed warm-up). */
  signatureSeconds: number;
  /** Draw progress bars (only on a terminal, never with --json). */
  progressBars: boolean;
}

/** A dossier not notified within this many seconds of its submission counts as stopped short. */
const E2E_TIMEOUT_SECONDS = 30;
/** Resolution of the end-to-end figures: each wait is observed by polling at this interval. */
const POLL_INTERVAL_MS = 100;
const REQUEST_TIMEOUT_SECONDS = 10;
const PLATFORM_READY_TIMEOUT_MS = 60_000;

function machine(): BenchReport["machine"] {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    node: process.versions.node,
    os: `${os.platform()} ${os.release()}`,
    memoryGiB: os.totalmem() / 2 ** 30,
    loadAverageAtStart: os.loadavg()[0] ?? 0,
  };
}

function autocannonVersion(): string {
  return (JSON.parse(readFileSync(require.resolve("autocannon/package.json"), "utf8")) as { version: string }).version;
}

/**
 * Progress for people, all on stderr so that stdout carries the report alone
 * (one JSON object with --json): phase lines always, bars only when asked.
 */
class Progress {
  constructor(private readonly bars: boolean) {}

  line(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  bar(label: string, unit: string, total: number): { update(value: number): void; stop(): void } {
    if (!this.bars) return { update: () => undefined, stop: () => undefined };
    const bar = new SingleBar(
      {
        format: `  ${label} [{bar}] {value}/{total} ${unit}`,
        hideCursor: true,
        clearOnComplete: true,
        stream: process.stderr,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (value) => bar.update(Math.min(value, total)), stop: () => bar.stop() };
  }
}

async function measureLoad(progress: Progress, label: string, job: LoadJob): Promise<LoadFigures> {
  const bar = progress.bar(label, "s", job.warmupSeconds + job.durationSeconds);
  try {
    return await runLoad(job, (phase, second) => bar.update(phase === "warmup" ? second : job.warmupSeconds + second));
  } finally {
    bar.stop();
  }
}

/**
 * One benchmark run on this machine, in four processes: this one (driver and
 * end-to-end client), the load generator, the bare baseline server and the
 * embedded platform. Everything it starts it stops, and its temporary data
 * directory is removed, also on Ctrl+C.
 */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const host = machine();
  const progress = new Progress(options.progressBars);
  const workDir = await mkdtemp(path.join(os.tmpdir(), "lienthong-bench-"));
  const running = new Set<ChildHandle>();
  const cleanUp = async () => {
    await Promise.allSettled([...running].map((child) => child.stop()));
    running.clear();
    await rm(workDir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void cleanUp().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const loadSettings = {
    connections: options.connections,
    warmupSeconds: options.warmupSeconds,
    durationSeconds: options.durationSeconds,
    timeoutSeconds: REQUEST_TIMEOUT_SECONDS,
  };
  let report: BenchReport;
  try {
    progress.line(
      `baseline: bare express 5 echo, ${options.connections} connections, ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s`,
    );
    const bare = await startBareServer();
    running.add(bare);
    const baseline = await measureLoad(progress, "baseline", { ...loadSettings, url: bare.url });
    await bare.stop();
    running.delete(bare);

    // Before the platform starts, so that nothing else competes for the CPU.
    progress.line(`signature: render + PAdES-sign against raw RSA-PSS-2048, ${options.signatureSeconds} s`);
    const signingBar = progress.bar("signature", "rounds", 4);
    const signature = await measureSigning(options.signatureSeconds, (done) => signingBar.update(done)).finally(() =>
      signingBar.stop(),
    );

    progress.line("starting the embedded platform (lienthong start) on a temporary data directory");
    const platformDataDir = path.join(workDir, "data");
    const platform = await startPlatform(
      platformDataDir,
      path.join(workDir, "platform.log"),
      PLATFORM_READY_TIMEOUT_MS,
    );
    running.add(platform);
    // The provincial portal submits at every unit; the sample officials act on the dossiers.
    const credentials = await developmentCredentials(
      path.join(platformDataDir, "identity"),
      DEVELOPMENT_CLIENTS.portal,
    );
    // One dossier through every service first, so start-up work (JIT, first PDF, first mail) is not timed.
    const warm = await followDossier(platform.urls, credentials, 0, E2E_TIMEOUT_SECONDS, POLL_INTERVAL_MS);
    if (warm.stoppedAt) throw new Error(`the warm-up dossier stopped short at: ${warm.stoppedAt}`);

    progress.line(
      `end to end: ${options.ratePerSecond} dossiers/s for ${options.e2eDurationSeconds} s, each followed to its result email`,
    );
    const planned = Math.max(1, Math.round(options.ratePerSecond * options.e2eDurationSeconds));
    const e2eBar = progress.bar("end to end", "dossiers settled", planned);
    const endToEndRun = await runEndToEnd({
      urls: platform.urls,
      credentials,
      ratePerSecond: options.ratePerSecond,
      durationSeconds: options.e2eDurationSeconds,
      timeoutSeconds: E2E_TIMEOUT_SECONDS,
      pollIntervalMs: POLL_INTERVAL_MS,
      onSettled: (settled) => e2eBar.update(settled),
    }).finally(() => e2eBar.stop());

    progress.line(
      `intake: REST submissions, ${options.connections} connections, ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s`,
    );
    const intake = await measureLoad(progress, "intake", {
      ...loadSettings,
      url: `${platform.urls.intake}/v1/applications`,
      headers: credentials.client,
    });
    progress.line("stopping the platform and removing its data");
    const endToEnd = summariseEndToEnd(endToEndRun, baseline);

    report = {
      machine: host,
      settings: {
        durationSeconds: options.durationSeconds,
        warmupSeconds: options.warmupSeconds,
        connections: options.connections,
        pipelining: 1,
        requestBodyBytes: Buffer.byteLength(benchApplicationBody(0)),
        ratePerSecond: options.ratePerSecond,
        e2eDurationSeconds: options.e2eDurationSeconds,
        signatureSeconds: options.signatureSeconds,
        e2eTimeoutSeconds: E2E_TIMEOUT_SECONDS,
        pollIntervalMs: POLL_INTERVAL_MS,
        loadGenerator: `autocannon ${autocannonVersion()} in its own child process (shares the ${os.cpus().length} cores with the server under test)`,
        sequence:
          "baseline, signature (in the bench process, nothing else running), then one platform: " +
          "a warm-up dossier, the end-to-end run, then the intake load",
        baselineServer: "express 5 JSON echo in its own Node process: no telemetry, logging, validation or storage",
        platform:
          "`lienthong start` in its own Node process: four services, OpenTelemetry, JSON request logs to a file, " +
          "embedded SQLite stores and in-process bus; the end-to-end client runs in the bench process",
      },
      baseline,
      intake: { ...intake, ratioToBaseline: throughputRatio(intake, baseline) },
      signature,
      endToEnd,
      targets: benchTargets(signature, endToEnd),
      totalSeconds: 0,
    };
  } finally {
    await cleanUp();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
  return { ...report, totalSeconds: (performance.now() - started) / 1000 };
}
