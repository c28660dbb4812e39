import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { benchApplicationBody } from "./applications";
import { E2E_TIMEOUT_SECONDS, POLL_INTERVAL_MS, searchEndToEnd } from "./end-to-end-search";
import type { LoadSettings } from "./load";
import { describeMachine } from "./machine";
import { measurePairedRounds } from "./paired-rounds";
import type { ChildHandle } from "./processes";
import { Progress } from "./progress";
import { E2E_RATIO_TARGET, benchTargets, summariseEndToEnd, throughputParts, type BenchReport } from "./report";
import { ResultMailbox } from "./result-mailbox";
import { measureSigning } from "./signing";

export interface BenchOptions {
  /** Rounds of the throughput figures: each server is loaded once per round. */
  rounds: number;
  /** Measured seconds of each load run. */
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  /** The end-to-end search's first rate; by default the target's rate for this run's baseline. */
  ratePerSecond?: number;
  /** Seconds of steady arrivals in each trial of the end-to-end search. */
  e2eDurationSeconds: number;
  e2eMaxTrials: number;
  /** Dossiers that warm each fresh platform of the end-to-end search before its trial. */
  e2eWarmupDossiers: number;
  /** Measured seconds of the signing rounds (after a fixed warm-up). */
  signatureSeconds: number;
  /** Draw progress bars (only on a terminal, never with --json). */
  progressBars: boolean;
}

const REQUEST_TIMEOUT_SECONDS = 10;

function autocannonVersion(): string {
  return (JSON.parse(readFileSync(require.resolve("autocannon/package.json"), "utf8")) as { version: string }).version;
}

/**
 * One benchmark run on this machine. Every server under test runs in a
 * process of its own and every load generator in another, as do the
 * baselines, each measured in this same run: the report is ratios. Everything
 * it starts it stops, and its temporary directory is removed, also on Ctrl+C.
 */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const host = describeMachine();
  const progress = new Progress(options.progressBars);
  const workDir = await mkdtemp(path.join(os.tmpdir(), "lienthong-bench-"));
  const running = new Set<ChildHandle>();
  let mailbox: ResultMailbox | undefined;
  const cleanUp = async () => {
    await Promise.allSettled([...running].map((child) => child.stop()));
    running.clear();
    await mailbox?.close();
    await rm(workDir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void cleanUp().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const load: LoadSettings = {
    connections: options.connections,
    warmupSeconds: options.warmupSeconds,
    durationSeconds: options.durationSeconds,
    timeoutSeconds: REQUEST_TIMEOUT_SECONDS,
  };

  let report: BenchReport;
  try {
    // First, so that nothing else competes for the CPU.
    progress.line(`signature: render + PAdES-sign against raw RSA-PSS-2048, ${options.signatureSeconds} s`);
    const signingBar = progress.bar("signature", "rounds", 4);
    const signature = await measureSigning(options.signatureSeconds, (done) => signingBar.update(done)).finally(() =>
      signingBar.stop(),
    );

    progress.line(
      `throughput in ${options.rounds} rounds, every server running throughout and loaded in turn: ` +
        `${options.connections} in flight, ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s each`,
    );
    const rounds = await measurePairedRounds({ workDir, rounds: options.rounds, load, running, progress });
    const { baseline, ...throughput } = throughputParts(rounds);

    const e2eStartPerSecond = options.ratePerSecond ?? E2E_RATIO_TARGET * baseline.okPerSecond;
    progress.line(
      `end to end: the highest sustained arrival rate, from ${e2eStartPerSecond.toFixed(1)} dossiers/s, ` +
        `${options.e2eDurationSeconds} s of arrivals per trial, at most ${options.e2eMaxTrials} trials`,
    );
    mailbox = await ResultMailbox.open();
    const trials = await searchEndToEnd({
      workDir,
      mailbox,
      running,
      progress,
      startPerSecond: e2eStartPerSecond,
      trialSeconds: options.e2eDurationSeconds,
      maxTrials: options.e2eMaxTrials,
      warmupDossiers: options.e2eWarmupDossiers,
    });

    const parts = { ...throughput, signature, endToEnd: summariseEndToEnd(trials, baseline, host.cores) };
    report = {
      machine: host,
      settings: {
        rounds: options.rounds,
        durationSeconds: options.durationSeconds,
        warmupSeconds: options.warmupSeconds,
        connections: options.connections,
        pipelining: 1,
        requestBodyBytes: Buffer.byteLength(benchApplicationBody(0)),
        e2eStartPerSecond,
        e2eDurationSeconds: options.e2eDurationSeconds,
        e2eMaxTrials: options.e2eMaxTrials,
        e2eWarmupDossiers: options.e2eWarmupDossiers,
        signatureSeconds: options.signatureSeconds,
        e2eTimeoutSeconds: E2E_TIMEOUT_SECONDS,
        pollIntervalMs: POLL_INTERVAL_MS,
        loadGenerator:
          `autocannon ${autocannonVersion()} (REST) and grpc-js clients (gRPC), each in its own child process ` +
          `(sharing the ${os.cpus().length} cores with the server under test)`,
        sequence:
          "signature (in the bench process, nothing else running); rounds in which the express echo, intake REST, the " +
          "grpc-js echo, intake gRPC and intake REST without tracing are loaded in turn, every server running " +
          "throughout; then the end-to-end search (a fresh embedded platform after each failed trial)",
        baselineServer:
          "express 5 JSON echo and grpc-js unary echo, each in its own Node process: no telemetry, logging, validation or storage",
        platform:
          "`lienthong start` in its own Node process: four services, OpenTelemetry, JSON request logs to a file, " +
          "embedded SQLite stores and in-process bus, mail over SMTP to the bench's own server; " +
          "the end-to-end client runs in the bench process. Intake alone: services/intake/dist/main.js with its own " +
          "store and bus journal",
      },
      baseline,
      rounds,
      ...parts,
      targets: benchTargets(parts),
      totalSeconds: 0,
    };
  } finally {
    await cleanUp();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
  return { ...report, totalSeconds: (performance.now() - started) / 1000 };
}
