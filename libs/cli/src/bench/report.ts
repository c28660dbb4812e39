/** Pure figures and text for `lienthong bench`: no I/O, so they are tested on their own. */

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
  endToEnd: EndToEndFigures;
  totalSeconds: number;
}

/** Above this 1-minute load per core before the run, the report warns that other work competed for the CPU. */
const BUSY_LOAD_PER_CORE = 0.5;

/** intake/bare; 0 when the baseline served nothing, so a broken run never shows as infinitely fast. */
export function throughputRatio(measured: LoadFigures, baseline: LoadFigures): number {
  return baseline.okPerSecond > 0 ? measured.okPerSecond / baseline.okPerSecond : 0;
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
    `max ${fixed(seconds.max, 2)} s   (n=${seconds.count})`
  );
}

/** The report as people read it in a terminal. */
export function formatReport(report: BenchReport): string {
  const { machine, settings, baseline, intake, endToEnd } = report;
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
    `  intake / bare          ${fixed(intake.ratioToBaseline, 3)}`,
    "",
    `End to end at ${settings.ratePerSecond}/s for ${settings.e2eDurationSeconds} s (poll every ${settings.pollIntervalMs} ms)`,
    `  dossiers              ${endToEnd.completed}/${endToEnd.planned} notified, ${endToEnd.routed} routed, ` +
      `${endToEnd.submitted} submitted${failures ? `; stopped short: ${failures}` : ""}`,
    secondsLine("submit → routed", endToEnd.submitToRoutedSeconds),
    secondsLine("submit → result email", endToEnd.submitToNotifiedSeconds),
    "",
    `  sequence              ${settings.sequence}`,
    `  baseline server       ${settings.baselineServer}`,
    `  platform              ${settings.platform}`,
    `  whole run             ${fixed(report.totalSeconds, 1)} s`,
  ].join("\n");
}
