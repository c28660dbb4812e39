import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { benchApplicationBody } from "./applications";
import { E2E_TIMEOUT_SECONDS, POLL_INTERVAL_MS, searchEndToEnd } from "./end-to-end-search";
import { runGrpcLoad, runLoad, type LoadSettings } from "./load";
import { describeMachine } from "./machine";
import { startLoneIntake } from "./lone-intake";
import { benchHost, startBaselineServer, type ChildHandle } from "./processes";
import { Progress } from "./progress";
import { E2E_RATIO_TARGET, benchTargets, summariseEndToEnd, throughputRatio, type BenchReport } from "./report";
import { ResultMailbox } from "./result-mailbox";
import { measureSigning } from "./signing";

export interface BenchOptions {
  /** Measured seconds of each load run. */
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  /** The end-to-end search's first rate; by default the target's rate for this run's baseline. */
  ratePerSecond?: number;
  /** Seconds of steady arrivals in each trial of the end-to-end search. */
  e2eDurationSeconds: number;
  e2eMaxTrials: number;
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
  /** Starts a server, measures it, stops it. */
  const against = async <S extends ChildHandle, R>(start: () => Promise<S>, measure: (server: S) => Promise<R>) => {
    const server = await start();
    running.add(server);
    try {
      return await measure(server);
    } finally {
      await server.stop();
      running.delete(server);
    }
  };
  const loadLine = (what: string) =>
    progress.line(
      `${what}, ${options.connections} in flight, ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s`,
    );

  let report: BenchReport;
  try {
    loadLine("baseline: bare express 5 JSON echo");
    const baseline = await against(
      () => startBaselineServer("bare-server.js"),
      (bare) =>
        progress.overLoad("baseline", load, (onTick) =>
          runLoad({ ...load, url: `http://${benchHost}:${bare.port}/echo` }, onTick),
        ),
    );
    loadLine("baseline: bare grpc-js unary echo of the same application");
    const grpcBaseline = await against(
      () => startBaselineServer("grpc-echo-server.js"),
      (echo) =>
        progress.overLoad("gRPC baseline", load, (onTick) =>
          runGrpcLoad({ ...load, address: `${benchHost}:${echo.port}`, method: "echo" }, onTick),
        ),
    );

    // Before any platform starts, so that nothing else competes for the CPU.
    progress.line(`signature: render + PAdES-sign against raw RSA-PSS-2048, ${options.signatureSeconds} s`);
    const signingBar = progress.bar("signature", "rounds", 4);
    const signature = await measureSigning(options.signatureSeconds, (done) => signingBar.update(done)).finally(() =>
      signingBar.stop(),
    );

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
    });

    const identityDir = path.join(workDir, "identity");
    const loneIntake = (tracing: boolean) => () => startLoneIntake(identityDir, { tracing });
    loadLine("intake in its own process: REST submissions");
    const { intake, grpc } = await against(loneIntake(true), async (service) => {
      const rest = await progress.overLoad("intake REST", load, (onTick) =>
        runLoad({ ...load, url: service.applicationsUrl, headers: { "x-api-key": service.apiKey } }, onTick),
      );
      loadLine("intake in its own process: gRPC SubmitApplication");
      const unary = await progress.overLoad("intake gRPC", load, (onTick) =>
        runGrpcLoad(
          { ...load, address: service.grpcAddress, method: "submitApplication", apiKey: service.apiKey },
          onTick,
        ),
      );
      return { intake: rest, grpc: unary };
    });
    loadLine("intake in its own process with tracing off (OTEL_SDK_DISABLED): REST submissions");
    const untraced = await against(loneIntake(false), (service) =>
      progress.overLoad("intake, no tracing", load, (onTick) =>
        runLoad({ ...load, url: service.applicationsUrl, headers: { "x-api-key": service.apiKey } }, onTick),
      ),
    );

    const endToEnd = summariseEndToEnd(trials, baseline);
    const parts = {
      intake: { ...intake, ratioToBaseline: throughputRatio(intake, baseline) },
      grpc: { baseline: grpcBaseline, submitApplication: grpc, ratioToBaseline: throughputRatio(grpc, grpcBaseline) },
      tracing: { on: intake, off: untraced, ratioOnToOff: throughputRatio(intake, untraced) },
      signature,
      endToEnd,
    };
    report = {
      machine: host,
      settings: {
        durationSeconds: options.durationSeconds,
        warmupSeconds: options.warmupSeconds,
        connections: options.connections,
        pipelining: 1,
        requestBodyBytes: Buffer.byteLength(benchApplicationBody(0)),
        e2eStartPerSecond,
        e2eDurationSeconds: options.e2eDurationSeconds,
        e2eMaxTrials: options.e2eMaxTrials,
        signatureSeconds: options.signatureSeconds,
        e2eTimeoutSeconds: E2E_TIMEOUT_SECONDS,
        pollIntervalMs: POLL_INTERVAL_MS,
        loadGenerator:
          `autocannon ${autocannonVersion()} (REST) and grpc-js clients (gRPC), each in its own child process ` +
          `(sharing the ${os.cpus().length} cores with the server under test)`,
        sequence:
          "REST and gRPC baselines, signature (in the bench process, nothing else running), the end-to-end search " +
          "(a fresh embedded platform after each failed trial), then intake alone: REST and gRPC with tracing, REST without",
        baselineServer:
          "express 5 JSON echo and grpc-js unary echo, each in its own Node process: no telemetry, logging, validation or storage",
        platform:
          "`lienthong start` in its own Node process: four services, OpenTelemetry, JSON request logs to a file, " +
          "embedded SQLite stores and in-process bus, mail over SMTP to the bench's own server; " +
          "the end-to-end client runs in the bench process. Intake alone: services/intake/dist/main.js with its own " +
          "store and bus journal",
      },
      baseline,
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
