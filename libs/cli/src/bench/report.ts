/** Pure figures and text for `lienthong bench`: no I/O, so they are tested on their own. */
import type { MachineFigures } from "./machine";
import type { ProcessCpu } from "./process-cpu";
import type { SigningFigures } from "./signing";

export interface Distribution {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Nearest-rank percentile: the smallest sample with at least p% of the samples
 * at or below it. It always returns a value that was observed, which keeps
 * small samples (a hundred dossiers) honest, unlike interpolation.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError("percentile of an empty sample is undefined");
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be between 0 and 100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  // rank is within 1..length, so the element exists.
  return sorted[rank - 1] as number;
}

/** Undefined for an empty sample: "no dossier completed" must not read as "0 s". */
export function distribution(values: readonly number[]): Distribution | undefined {
  if (values.length === 0) return undefined;
  const sum = values.reduce((total, value) => total + value, 0);
  return {
    count: values.length,
    min: Math.min(...values),
    mean: sum / values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: Math.max(...values),
  };
}

/** Throughput and latency of one load-generator run against one endpoint. */
export interface LoadFigures {
  /** 2xx responses per second of the measured window (errors and non-2xx excluded). */
  okPerSecond: number;
  ok: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  durationSeconds: number;
  latencyMs: { p50: number; p99: number; mean: number; max: number };
}

export interface EndToEndFigures {
  ratePerSecond: number;
  planned: number;
  submitted: number;
  routed: number;
  /** Dossiers whose applicant got the result email. */
  completed: number;
  /** Dossiers that stopped short, by the step where they stopped (no personal data). */
  failures: Record<string, number>;
  submitToRoutedSeconds?: Distribution;
  submitToNotifiedSeconds?: Distribution;
  wallSeconds: number;
}

/** One end-to-end run at one arrival rate, judged against the target's conditions. */
export interface EndToEndTrial extends EndToEndFigures {
  /** Every planned dossier got its result email, with p99 under E2E_P99_LIMIT_SECONDS. */
  sustained: boolean;
  /** p99 of submit → result email over the dossiers that got there; null when none did. */
  p99Seconds: number | null;
  /** The platform's CPU time per planned dossier during the trial; absent where the OS does not tell (no /proc). */
  platformCpuPerDossier?: ProcessCpu;
}

/**
 * The end-to-end figure against the machine's CPU: what a dossier costs the
 * platform, the rate that cost allows at most, and what the target's rate
 * would leave a dossier. Unlike a rate, a cost per dossier hardly moves with
 * the machine's load, so it shows a change of the work per dossier where the
 * rate is lost in noise.
 */
export interface EndToEndCpu {
  /**
   * The trial it was measured in: the highest sustained one. Its window runs from its first submission until its
   * last dossier's result mail, so it holds a little of the work of the trial before and misses a little of its own
   * after the mail (the delivery's events); on the same platform the two roughly cancel.
   */
  atPerSecond: number;
  /** CPU ms per dossier of the platform's process (the four services, the console, the commune simulator). */
  perDossier: ProcessCpu;
  /**
   * The rate at which the platform alone would use every core, or its main thread the whole of one, whichever
   * comes first: a ceiling no tuning of queues reaches past. The bench's own clients and mail server take from it.
   */
  ceilingPerSecond: number;
  /** What a dossier may cost, in all and on the main thread, at the target's rate on this machine's cores. */
  targetBudget: ProcessCpu;
}

/** The rate search in the terms of its target. */
export interface EndToEndSummary {
  /** Every trial of the search, in the order run. */
  trials: EndToEndTrial[];
  /** The highest arrival rate sustained; 0 when none was. */
  sustainedPerSecond: number;
  /** p99 at the sustained rate; with none sustained, at the lowest rate tried. */
  p99Seconds: number | null;
  /** sustainedPerSecond ÷ the bare express baseline's req/s. */
  ratioToBaseline: number;
  /** Absent where no trial was sustained or its CPU was not read. */
  cpu?: EndToEndCpu;
}

/** A target of issue 9: its figure from this run, or `measured: false` while the bench does not measure it. */
export type TargetOutcome =
  | { name: string; condition: string; measured: true; figure: number; target: number; met: boolean }
  | { name: string; condition: string; measured: false; measuredBy: string };

export interface BenchReport extends BenchParts {
  machine: MachineFigures;
  settings: {
    /** Rounds of the throughput figures (each server loaded once per round). */
    rounds: number;
    durationSeconds: number;
    warmupSeconds: number;
    connections: number;
    pipelining: number;
    requestBodyBytes: number;
    /** The end-to-end search's first rate: the target's rate for this run's baseline, unless --rate set it. */
    e2eStartPerSecond: number;
    /** Seconds of steady arrivals in each trial of the search. */
    e2eDurationSeconds: number;
    e2eMaxTrials: number;
    /** Dossiers that warmed each fresh platform of the search, untimed. */
    e2eWarmupDossiers: number;
    signatureSeconds: number;
    e2eTimeoutSeconds: number;
    pollIntervalMs: number;
    loadGenerator: string;
    /** What ran when, and where. */
    sequence: string;
    baselineServer: string;
    platform: string;
  };
  /** The bare express echo: the REST baseline (its median round). */
  baseline: LoadFigures;
  /** Every round of the throughput figures, in the order run. */
  rounds: RoundFigures[];
  targets: TargetOutcome[];
  totalSeconds: number;
}

/** The measured parts of a report, from which its targets follow. */
export interface BenchParts {
  /** REST submissions to intake in its own process. */
  intake: LoadFigures & { ratioToBaseline: number };
  grpc: { baseline: LoadFigures; submitApplication: LoadFigures; ratioToBaseline: number };
  /** Intake's REST submissions with the OpenTelemetry SDK on (the intake figures) and disabled. */
  tracing: { on: LoadFigures; off: LoadFigures; ratioOnToOff: number };
  signature: SigningFigures;
  endToEnd: EndToEndSummary;
}

/** One round of the throughput figures: each server loaded in turn, seconds apart (paired-rounds.ts). */
export interface RoundFigures {
  express: LoadFigures;
  intakeRest: LoadFigures;
  grpcEcho: LoadFigures;
  intakeGrpc: LoadFigures;
  intakeUntraced: LoadFigures;
}

/** The run whose throughput is the median of the rounds' (the lower middle one of an even count), as observed. */
export function medianRun(rounds: readonly RoundFigures[], part: keyof RoundFigures): LoadFigures {
  const runs = rounds.map((round) => round[part]);
  const median = percentile(
    runs.map((run) => run.okPerSecond),
    50,
  );
  // percentile returns an observed value (and refuses an empty sample), so one run has it.
  return runs.find((run) => run.okPerSecond === median) as LoadFigures;
}

/** The median of the rounds' ratios of one part to the other, each ratio taken within its round. */
export function medianRatio(
  rounds: readonly RoundFigures[],
  part: keyof RoundFigures,
  baseline: keyof RoundFigures,
): number {
  return percentile(
    rounds.map((round) => throughputRatio(round[part], round[baseline])),
    50,
  );
}

/** The throughput parts of the report from its rounds: each figure a median run, each ratio a median of ratios. */
export function throughputParts(
  rounds: readonly RoundFigures[],
): Pick<BenchParts, "intake" | "grpc" | "tracing"> & { baseline: LoadFigures } {
  const intake = medianRun(rounds, "intakeRest");
  return {
    baseline: medianRun(rounds, "express"),
    intake: { ...intake, ratioToBaseline: medianRatio(rounds, "intakeRest", "express") },
    grpc: {
      baseline: medianRun(rounds, "grpcEcho"),
      submitApplication: medianRun(rounds, "intakeGrpc"),
      ratioToBaseline: medianRatio(rounds, "intakeGrpc", "grpcEcho"),
    },
    tracing: {
      on: intake,
      off: medianRun(rounds, "intakeUntraced"),
      ratioOnToOff: medianRatio(rounds, "intakeRest", "intakeUntraced"),
    },
  };
}

/** Above this 1-minute load per core before the run, the report warns that other work competed for the CPU. */
const BUSY_LOAD_PER_CORE = 0.5;

/** intake/bare; 0 when the baseline served nothing, so a broken run never shows as infinitely fast. */
export function throughputRatio(measured: LoadFigures, baseline: LoadFigures): number {
  return baseline.okPerSecond > 0 ? measured.okPerSecond / baseline.okPerSecond : 0;
}

/** A dossier slower than this from submission to result email fails the end-to-end target. */
export const E2E_P99_LIMIT_SECONDS = 2;
const SIGNATURE_RATIO_TARGET = 0.2;
/** ≈ 40 dossiers/s, the national peak of DOMAIN.md §8, where express serves 2,500 req/s. */
export const E2E_RATIO_TARGET = 0.016;

export function assessTrial(figures: EndToEndFigures): EndToEndTrial {
  const p99Seconds = figures.submitToNotifiedSeconds?.p99 ?? null;
  const sustained = figures.completed === figures.planned && p99Seconds !== null && p99Seconds < E2E_P99_LIMIT_SECONDS;
  return { ...figures, sustained, p99Seconds };
}

export function summariseEndToEnd(
  trials: readonly EndToEndTrial[],
  baseline: LoadFigures,
  cores: number,
): EndToEndSummary {
  const sustained = trials.filter((trial) => trial.sustained);
  const highest = sustained.reduce<EndToEndTrial | undefined>(
    (best, trial) => (best && best.ratePerSecond >= trial.ratePerSecond ? best : trial),
    undefined,
  );
  const lowest = trials.reduce<EndToEndTrial | undefined>(
    (low, trial) => (low && low.ratePerSecond <= trial.ratePerSecond ? low : trial),
    undefined,
  );
  const sustainedPerSecond = highest?.ratePerSecond ?? 0;
  // Only a sustained trial did every dossier's work within its window: a cost per dossier from another is short.
  const cpu = highest && endToEndCpu(highest, E2E_RATIO_TARGET * baseline.okPerSecond, cores);
  return {
    trials: [...trials],
    sustainedPerSecond,
    p99Seconds: (highest ?? lowest)?.p99Seconds ?? null,
    ratioToBaseline: baseline.okPerSecond > 0 ? sustainedPerSecond / baseline.okPerSecond : 0,
    ...(cpu ? { cpu } : {}),
  };
}

function endToEndCpu(trial: EndToEndTrial, targetPerSecond: number, cores: number): EndToEndCpu | undefined {
  const perDossier = trial.platformCpuPerDossier;
  if (perDossier === undefined || !(perDossier.totalMs > 0 && perDossier.mainThreadMs > 0)) return undefined;
  return {
    atPerSecond: trial.ratePerSecond,
    perDossier,
    ceilingPerSecond: Math.min((cores * 1000) / perDossier.totalMs, 1000 / perDossier.mainThreadMs),
    targetBudget:
      targetPerSecond > 0
        ? { totalMs: (cores * 1000) / targetPerSecond, mainThreadMs: 1000 / targetPerSecond }
        : { totalMs: 0, mainThreadMs: 0 },
  };
}

function atLeast(name: string, figure: number, target: number, condition = `≥ ${target}`): TargetOutcome {
  return { name, condition, measured: true, figure, target, met: figure >= target };
}

const INTAKE_RATIO_TARGET = 0.3;
const GRPC_RATIO_TARGET = 0.3;
const TRACING_RATIO_TARGET = 0.8;

/** Every target of issue 9's table, in its order; the two with benchmarks of their own say which. */
export function benchTargets(parts: BenchParts): TargetOutcome[] {
  return [
    atLeast(
      "signed result documents/s (render + PAdES-sign) ÷ raw RSA-PSS-2048 signatures/s",
      parts.signature.ratio,
      SIGNATURE_RATIO_TARGET,
    ),
    atLeast(
      "end to end, embedded: highest sustained arrival rate ÷ bare express req/s",
      parts.endToEnd.ratioToBaseline,
      E2E_RATIO_TARGET,
      `≥ ${E2E_RATIO_TARGET}, every dossier notified, p99 < ${E2E_P99_LIMIT_SECONDS} s`,
    ),
    atLeast("REST intake in its own process ÷ bare express", parts.intake.ratioToBaseline, INTAKE_RATIO_TARGET),
    atLeast("gRPC SubmitApplication ÷ bare grpc-js unary echo", parts.grpc.ratioToBaseline, GRPC_RATIO_TARGET),
    atLeast("intake throughput with tracing on ÷ off", parts.tracing.ratioOnToOff, TRACING_RATIO_TARGET),
    {
      name: "intake p99 at 1 M dossiers ÷ at 10 k; listing and indicators p99; RSS",
      condition: "≤ 1.5; < 200 ms; < 1 GB",
      measured: false,
      measuredBy: "npm run bench:scale",
    },
    {
      name: "Kafka mode on the mock cluster, end to end at 10 dossiers/s",
      condition: "every dossier completes, p99 < 3 s",
      measured: false,
      measuredBy: "npm run bench:kafka",
    },
  ];
}

function targetLine(outcome: TargetOutcome): string {
  if (!outcome.measured) {
    return `  ${"elsewhere".padEnd(9)} ${"".padStart(7)}  ${outcome.name} (target: ${outcome.condition}): ${outcome.measuredBy}`;
  }
  const verdict = outcome.met ? "met" : "NOT met";
  return `  ${verdict.padEnd(9)} ${fixed(outcome.figure, 4).padStart(7)}  ${outcome.name} (target: ${outcome.condition})`;
}

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

function loadLine(label: string, figures: LoadFigures): string {
  const problemText =
    figures.non2xx + figures.errors === 0
      ? ""
      : `  (non-2xx ${figures.non2xx}, errors ${figures.errors} of which timeouts ${figures.timeouts})`;
  return (
    `  ${label.padEnd(22)} ${fixed(figures.okPerSecond, 0).padStart(7)} req/s   ` +
    `p50 ${fixed(figures.latencyMs.p50, 1)} ms   p99 ${fixed(figures.latencyMs.p99, 1)} ms   ` +
    `${figures.ok} ok in ${fixed(figures.durationSeconds, 1)} s${problemText}`
  );
}

function secondsLine(label: string, seconds: Distribution | undefined): string {
  if (!seconds) return `  ${label.padEnd(22)} none completed`;
  return (
    `  ${label.padEnd(22)} p50 ${fixed(seconds.p50, 2)} s   p95 ${fixed(seconds.p95, 2)} s   ` +
    `p99 ${fixed(seconds.p99, 2)} s   max ${fixed(seconds.max, 2)} s   (n=${seconds.count})`
  );
}

function trialLines(trial: EndToEndTrial): string[] {
  const failures = Object.entries(trial.failures)
    .map(([step, count]) => `${step}: ${count}`)
    .join(", ");
  return [
    `  at ${fixed(trial.ratePerSecond, 1)}/s: ${trial.sustained ? "sustained" : "NOT sustained"}, ` +
      `${trial.completed}/${trial.planned} notified, ${trial.routed} routed, ${trial.submitted} submitted` +
      (failures ? `; stopped short: ${failures}` : ""),
    secondsLine("  submit → routed", trial.submitToRoutedSeconds),
    secondsLine("  submit → result email", trial.submitToNotifiedSeconds),
  ];
}

function cpuLines(cpu: EndToEndCpu, cores: number): string[] {
  const { perDossier, targetBudget } = cpu;
  return [
    `  platform CPU          ${fixed(perDossier.totalMs, 1)} ms per dossier, ${fixed(perDossier.mainThreadMs, 1)} ms of it ` +
      `on the main thread (at ${fixed(cpu.atPerSecond, 1)}/s)`,
    `  CPU ceiling           ${fixed(cpu.ceilingPerSecond, 1)}/s  (${cores} cores busy, or the main thread, whichever first)`,
    `  the target leaves     ${fixed(targetBudget.totalMs, 1)} ms per dossier, ${fixed(targetBudget.mainThreadMs, 1)} ms ` +
      "on the main thread",
  ];
}

/** The report as people read it in a terminal. */
export function formatReport(report: BenchReport): string {
  const { machine, settings, baseline, intake, grpc, tracing, signature, endToEnd } = report;
  const busy =
    machine.loadAverageAtStart > BUSY_LOAD_PER_CORE * machine.cores
      ? [
          `  warning: the machine was busy before the run (1-min load ${fixed(machine.loadAverageAtStart, 1)} on ${machine.cores} cores); figures are low and noisy`,
        ]
      : [];
  return [
    "LiênThông benchmark",
    `  machine               ${machine.cores} cores (${machine.cpuModel}), ${fixed(machine.memoryGiB, 0)} GiB, Node ${machine.node}, ${machine.os}`,
    ...busy,
    `  load generator        ${settings.loadGenerator}`,
    `  load settings         ${settings.connections} connections, pipelining ${settings.pipelining}, ` +
      `${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s measured, ${settings.requestBodyBytes}-byte JSON body`,
    "",
    `Throughput (same load settings; intake alone in its own process; the median of ${report.rounds.length} rounds, ` +
      "each ratio taken within its round)",
    loadLine("bare express 5 echo", baseline),
    loadLine("intake REST", intake),
    `  intake / bare          ${fixed(intake.ratioToBaseline, 3)}`,
    loadLine("bare grpc-js echo", grpc.baseline),
    loadLine("intake gRPC", grpc.submitApplication),
    `  gRPC intake / echo     ${fixed(grpc.ratioToBaseline, 3)}`,
    loadLine("intake REST, no tracing", tracing.off),
    `  tracing on / off       ${fixed(tracing.ratioOnToOff, 3)}`,
    ...report.rounds.map(
      (round, index) =>
        `  round ${index + 1}: express ${fixed(round.express.okPerSecond, 0)}/s, intake / bare ` +
        `${fixed(throughputRatio(round.intakeRest, round.express), 3)}, gRPC intake / echo ` +
        `${fixed(throughputRatio(round.intakeGrpc, round.grpcEcho), 3)}, tracing on / off ` +
        `${fixed(throughputRatio(round.intakeRest, round.intakeUntraced), 3)}`,
    ),
    "",
    `Signature (one thread, ${fixed(signature.seconds, 1)} s alternating rounds)`,
    `  signed result documents ${fixed(signature.signedPerSecond, 0).padStart(6)}/s   ` +
      `(certificate check + render one page + PAdES ${signature.level}, ${signature.documentBytes} bytes)`,
    `  raw RSA-PSS-2048        ${fixed(signature.rawRsaPssPerSecond, 0).padStart(6)}/s   (node:crypto)`,
    `  signed / raw            ${fixed(signature.ratio, 3)}`,
    "",
    `End to end, open model: ${settings.e2eDurationSeconds} s of arrivals per trial, each dossier followed to its result email`,
    `  (each fresh platform warmed by ${settings.e2eWarmupDossiers} dossiers first, untimed)`,
    ...endToEnd.trials.flatMap(trialLines),
    `  sustained             ${fixed(endToEnd.sustainedPerSecond, 1)}/s  ` +
      `(the highest rate at which every dossier was notified with p99 < ${E2E_P99_LIMIT_SECONDS} s)`,
    `  sustained / bare      ${fixed(endToEnd.ratioToBaseline, 4)}`,
    ...(endToEnd.cpu ? cpuLines(endToEnd.cpu, machine.cores) : []),
    "",
    "Targets (issue 9: ratios to baselines measured in this run)",
    ...report.targets.map(targetLine),
    "",
    `  sequence              ${settings.sequence}`,
    `  baseline server       ${settings.baselineServer}`,
    `  platform              ${settings.platform}`,
    `  whole run             ${fixed(report.totalSeconds, 1)} s`,
  ].join("\n");
}
