/** Pure figures and text for `lienthong bench`: no I/O, so they are tested on their own. */
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

/**
 * The end-to-end run in the terms of its target. The run submits at one
 * configured rate (no search for the highest rate yet), so the sustained rate
 * is that rate when every dossier got its result email with p99 under the
 * limit, and 0 when not: no rate was shown to be sustained.
 */
export interface EndToEndSummary extends EndToEndFigures {
  sustainedPerSecond: number;
  /** p99 of submit → result email over the dossiers that got there; null when none did. */
  p99Seconds: number | null;
  /** sustainedPerSecond ÷ the bare express baseline's req/s. */
  ratioToBaseline: number;
}

/** A target of issue 9: its figure from this run, or `measured: false` while the bench does not measure it. */
export type TargetOutcome =
  | { name: string; condition: string; measured: true; figure: number; target: number; met: boolean }
  | { name: string; condition: string; measured: false };

export interface BenchReport {
  machine: {
    cores: number;
    cpuModel: string;
    node: string;
    os: string;
    memoryGiB: number;
    /** 1-minute load average just before the run: other work on the machine skews every figure. */
    loadAverageAtStart: number;
  };
  settings: {
    durationSeconds: number;
    warmupSeconds: number;
    connections: number;
    pipelining: number;
    requestBodyBytes: number;
    ratePerSecond: number;
    e2eDurationSeconds: number;
    signatureSeconds: number;
    e2eTimeoutSeconds: number;
    pollIntervalMs: number;
    loadGenerator: string;
    /** What ran when: the end-to-end run comes before the intake load so that it meets no backlog. */
    sequence: string;
    baselineServer: string;
    platform: string;
  };
  baseline: LoadFigures;
  intake: LoadFigures & { ratioToBaseline: number };
  signature: SigningFigures;
  endToEnd: EndToEndSummary;
  targets: TargetOutcome[];
  totalSeconds: number;
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
const E2E_RATIO_TARGET = 0.016;

export function summariseEndToEnd(figures: EndToEndFigures, baseline: LoadFigures): EndToEndSummary {
  const p99Seconds = figures.submitToNotifiedSeconds?.p99 ?? null;
  const sustained =
    figures.completed === figures.planned && p99Seconds !== null && p99Seconds < E2E_P99_LIMIT_SECONDS
      ? figures.ratePerSecond
      : 0;
  return {
    ...figures,
    sustainedPerSecond: sustained,
    p99Seconds,
    ratioToBaseline: baseline.okPerSecond > 0 ? sustained / baseline.okPerSecond : 0,
  };
}

function atLeast(name: string, figure: number, target: number, condition = `≥ ${target}`): TargetOutcome {
  return { name, condition, measured: true, figure, target, met: figure >= target };
}

/** Every target of issue 9's table, in its order; those this bench does not measure yet say so. */
export function benchTargets(signature: SigningFigures, endToEnd: EndToEndSummary): TargetOutcome[] {
  const notMeasured = (name: string, condition: string): TargetOutcome => ({ name, condition, measured: false });
  return [
    atLeast(
      "signed result documents/s (render + PAdES-sign) ÷ raw RSA-PSS-2048 signatures/s",
      signature.ratio,
      SIGNATURE_RATIO_TARGET,
    ),
    atLeast(
      "end to end, embedded: sustained arrival rate ÷ bare express req/s",
      endToEnd.ratioToBaseline,
      E2E_RATIO_TARGET,
      `≥ ${E2E_RATIO_TARGET}, every dossier notified, p99 < ${E2E_P99_LIMIT_SECONDS} s`,
    ),
    notMeasured("REST intake in its own process ÷ bare express", "≥ 0.3"),
    notMeasured("gRPC SubmitApplication ÷ bare grpc-js unary echo", "≥ 0.3"),
    notMeasured("throughput with tracing on ÷ off", "≥ 0.8"),
    notMeasured("intake p99 at 1 M dossiers ÷ at 10 k; listing and indicators p99; RSS", "≤ 1.5; < 200 ms; < 1 GB"),
    notMeasured("Kafka mode on the mock cluster, end to end at 10 dossiers/s", "every dossier completes, p99 < 3 s"),
  ];
}

function targetLine(outcome: TargetOutcome): string {
  const verdict = !outcome.measured ? "not measured yet" : outcome.met ? "met" : "NOT met";
  const figure = outcome.measured ? fixed(outcome.figure, 4) : "";
  return `  ${verdict.padEnd(17)} ${figure.padStart(7)}  ${outcome.name} (target: ${outcome.condition})`;
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

/** The report as people read it in a terminal. */
export function formatReport(report: BenchReport): string {
  const { machine, settings, baseline, intake, signature, endToEnd } = report;
  const busy =
    machine.loadAverageAtStart > BUSY_LOAD_PER_CORE * machine.cores
      ? [
          `  warning: the machine was busy before the run (1-min load ${fixed(machine.loadAverageAtStart, 1)} on ${machine.cores} cores); figures are low and noisy`,
        ]
      : [];
  const failures = Object.entries(endToEnd.failures)
    .map(([step, count]) => `${step}: ${count}`)
    .join(", ");
  return [
    "LiênThông benchmark",
    `  machine               ${machine.cores} cores (${machine.cpuModel}), ${fixed(machine.memoryGiB, 0)} GiB, Node ${machine.node}, ${machine.os}`,
    ...busy,
    `  load generator        ${settings.loadGenerator}`,
    `  load settings         ${settings.connections} connections, pipelining ${settings.pipelining}, ` +
      `${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s measured, ${settings.requestBodyBytes}-byte JSON body`,
    "",
    "Throughput (same load settings)",
    loadLine("bare express 5 echo", baseline),
    loadLine("intake submissions", intake),
    `  intake / bare          ${fixed(intake.ratioToBaseline, 3)}   (intake embedded with the other services)`,
    "",
    `Signature (one thread, ${fixed(signature.seconds, 1)} s alternating rounds)`,
    `  signed result documents ${fixed(signature.signedPerSecond, 0).padStart(6)}/s   ` +
      `(certificate check + render one page + PAdES ${signature.level}, ${signature.documentBytes} bytes)`,
    `  raw RSA-PSS-2048        ${fixed(signature.rawRsaPssPerSecond, 0).padStart(6)}/s   (node:crypto)`,
    `  signed / raw            ${fixed(signature.ratio, 3)}`,
    "",
    `End to end at ${settings.ratePerSecond}/s for ${settings.e2eDurationSeconds} s (poll every ${settings.pollIntervalMs} ms)`,
    `  dossiers              ${endToEnd.completed}/${endToEnd.planned} notified, ${endToEnd.routed} routed, ` +
      `${endToEnd.submitted} submitted${failures ? `; stopped short: ${failures}` : ""}`,
    secondsLine("submit → routed", endToEnd.submitToRoutedSeconds),
    secondsLine("submit → result email", endToEnd.submitToNotifiedSeconds),
    `  sustained             ${fixed(endToEnd.sustainedPerSecond, 1)}/s  ` +
      `(the configured rate if every dossier was notified with p99 < ${E2E_P99_LIMIT_SECONDS} s, else 0; no search for the highest rate yet)`,
    `  sustained / bare      ${fixed(endToEnd.ratioToBaseline, 4)}`,
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
