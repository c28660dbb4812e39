/** Pure figures and text for `lienthong bench-scale`: no I/O, so they are tested on their own. */
import type { MachineFigures } from "./machine";
import type { Distribution, TargetOutcome } from "./report";

/** Latencies of one endpoint under a closed loop of `concurrency` clients. */
export interface ProbeFigures {
  /** What was asked, without any credential. */
  request: string;
  concurrency: number;
  /** The very first request, before the warm-up: what a cold cache costs (not in the percentiles). */
  firstRequestMs: number;
  seconds: number;
  ok: number;
  /** Answers other than 2xx, and requests that got no answer. */
  failed: number;
  /** The first failure's status or error, to tell a broken run from a slow one. */
  firstFailure?: string;
  okPerSecond: number;
  /** Milliseconds, over the successful requests; absent when none succeeded. */
  latencyMs?: Distribution;
}

export interface ScaleReport {
  machine: MachineFigures;
  settings: {
    dossiers: number;
    baselineDossiers: number;
    concurrency: number;
    secondsPerProbe: number;
    intakeSeconds: number;
    spanDays: number;
    units: string;
    sequence: string;
  };
  load: {
    /** Both stores, the larger data set. */
    seconds: number;
    dossiersPerSecond: number;
    storeBytes: { intake: number; routing: number };
  };
  intake: {
    atBaseline: ProbeFigures;
    atScale: ProbeFigures;
    /** p99 at `dossiers` ÷ p99 at `baselineDossiers`. */
    p99Ratio: number;
  };
  listing: Record<string, ProbeFigures>;
  indicators: Record<string, ProbeFigures>;
  memory: {
    /** The platform process's peak resident set (VmHWM) over its start and every probe; null where /proc is missing. */
    peakRssBytes: number | null;
  };
  targets: TargetOutcome[];
  totalSeconds: number;
}

export const INTAKE_P99_RATIO_TARGET = 1.5;
export const READ_P99_LIMIT_MS = 200;
/** 1 GB, decimal: the stricter reading of the "RSS < 1 GB". */
export const RSS_LIMIT_BYTES = 1_000_000_000;

/** p99 in ms; Infinity when nothing succeeded, so a broken endpoint never passes as fast. */
export function p99Of(figures: ProbeFigures): number {
  return figures.failed === 0 && figures.latencyMs ? figures.latencyMs.p99 : Number.POSITIVE_INFINITY;
}

/** The slowest p99 of a group of probes. */
export function worstP99(probes: Record<string, ProbeFigures>): number {
  return Math.max(...Object.values(probes).map(p99Of));
}

export function intakeP99Ratio(atBaseline: ProbeFigures, atScale: ProbeFigures): number {
  const base = p99Of(atBaseline);
  const scale = p99Of(atScale);
  return Number.isFinite(base) && Number.isFinite(scale) && base > 0 ? scale / base : Number.POSITIVE_INFINITY;
}

export function scaleTargets(report: Omit<ScaleReport, "targets" | "totalSeconds">): TargetOutcome[] {
  const at = `${formatCount(report.settings.dossiers)} dossiers`;
  const below = (name: string, figure: number, target: number, unit: string): TargetOutcome => ({
    name,
    condition: `< ${target} ${unit}`,
    measured: true,
    figure,
    target,
    met: figure < target,
  });
  const rss = report.memory.peakRssBytes;
  return [
    {
      name: `intake submission p99 at ${at} ÷ at ${formatCount(report.settings.baselineDossiers)}`,
      condition: `≤ ${INTAKE_P99_RATIO_TARGET}`,
      measured: true,
      figure: report.intake.p99Ratio,
      target: INTAKE_P99_RATIO_TARGET,
      met: report.intake.p99Ratio <= INTAKE_P99_RATIO_TARGET,
    },
    below(`listing p99 at ${at} (slowest listing)`, worstP99(report.listing), READ_P99_LIMIT_MS, "ms"),
    below(`indicators p99 at ${at} (slowest unit)`, worstP99(report.indicators), READ_P99_LIMIT_MS, "ms"),
    rss === null
      ? {
          name: "platform peak RSS",
          condition: "< 1 GB",
          measured: false,
          measuredBy: "npm run bench:scale on Linux (reads /proc)",
        }
      : below(`platform peak RSS at ${at}, MB`, rss / 1e6, RSS_LIMIT_BYTES / 1e6, "MB"),
  ];
}

function formatCount(count: number): string {
  if (count >= 1e6 && count % 1e5 === 0) return `${count / 1e6} M`;
  if (count >= 1e3 && count % 100 === 0) return `${count / 1e3} k`;
  return String(count);
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "—";
}

function probeLine(label: string, probe: ProbeFigures): string {
  const latency = probe.latencyMs;
  const failures = probe.failed === 0 ? "" : `  (${probe.failed} failed, first: ${probe.firstFailure ?? "?"})`;
  return (
    `  ${label.padEnd(30)} ` +
    (latency
      ? `p50 ${fixed(latency.p50, 1)} ms   p99 ${fixed(latency.p99, 1)} ms   max ${fixed(latency.max, 1)} ms   `
      : "no answer   ") +
    `${fixed(probe.okPerSecond, 0)} req/s   n=${probe.ok}   first ${fixed(probe.firstRequestMs, 0)} ms${failures}\n` +
    `  ${"".padEnd(30)} ${probe.request}`
  );
}

function targetLine(outcome: TargetOutcome): string {
  const verdict = !outcome.measured ? "not measured" : outcome.met ? "met" : "NOT met";
  const figure = outcome.measured ? fixed(outcome.figure, outcome.figure >= 100 ? 0 : 3) : "";
  return `  ${verdict.padEnd(13)} ${figure.padStart(8)}  ${outcome.name} (target: ${outcome.condition})`;
}

/** The report as people read it in a terminal. */
export function formatScaleReport(report: ScaleReport): string {
  const { machine, settings, load, intake } = report;
  const mb = (bytes: number) => `${fixed(bytes / 1e6, 0)} MB`;
  return [
    "LiênThông scale benchmark",
    `  machine       ${machine.cores} cores (${machine.cpuModel}), ${fixed(machine.memoryGiB, 0)} GiB, Node ${machine.node}, 1-min load at start ${fixed(machine.loadAverageAtStart, 1)}`,
    `  data          ${formatCount(settings.dossiers)} dossiers over ${settings.spanDays} days, ${settings.units}`,
    `  loaded        in ${fixed(load.seconds, 0)} s (${fixed(load.dossiersPerSecond, 0)} dossiers/s into both stores); ` +
      `intake store ${mb(load.storeBytes.intake)}, routing store ${mb(load.storeBytes.routing)}`,
    `  probes        ${settings.concurrency} concurrent clients, ${settings.secondsPerProbe} s per read endpoint, ${settings.intakeSeconds} s of submissions`,
    "",
    "Intake submissions (POST /v1/applications)",
    probeLine(`at ${formatCount(settings.baselineDossiers)} dossiers`, intake.atBaseline),
    probeLine(`at ${formatCount(settings.dossiers)} dossiers`, intake.atScale),
    `  p99 ratio                      ${fixed(intake.p99Ratio, 3)}`,
    "",
    `Listings at ${formatCount(settings.dossiers)} dossiers`,
    ...Object.entries(report.listing).map(([label, probe]) => probeLine(label, probe)),
    "",
    `Indicators at ${formatCount(settings.dossiers)} dossiers`,
    ...Object.entries(report.indicators).map(([label, probe]) => probeLine(label, probe)),
    "",
    `Platform peak RSS  ${report.memory.peakRssBytes === null ? "unknown (no /proc)" : mb(report.memory.peakRssBytes)}`,
    "",
    "Targets",
    ...report.targets.map(targetLine),
    "",
    `  sequence: ${settings.sequence}`,
    `  total ${fixed(report.totalSeconds, 0)} s`,
  ].join("\n");
}
