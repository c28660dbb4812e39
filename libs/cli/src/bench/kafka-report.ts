/** Pure figures and text for `lienthong bench-kafka`: no I/O, so they are tested on their own. */
import type { KafkaHops } from "./kafka-hops";
import type { MachineFigures } from "./machine";
import type { Distribution, EndToEndFigures } from "./report";

/** Issue 9's Kafka-mode limit: p99 of submit → result email on the mock cluster. */
export const KAFKA_E2E_P99_LIMIT_SECONDS = 3;

/** One of issue 9's Kafka-mode targets: what it asks, what this run measured (null: nothing to measure), and whether it holds. */
export interface KafkaTarget {
  name: string;
  /** The target as people read it: "= 200", "< 3". */
  condition: string;
  target: number;
  measured: number | null;
  met: boolean;
}

export interface KafkaBenchReport {
  machine: MachineFigures;
  settings: {
    ratePerSecond: number;
    durationSeconds: number;
    e2eTimeoutSeconds: number;
    pollIntervalMs: number;
    mockBrokers: number;
    /** The bus settings every service process ran with (the brokers' addresses left out). */
    serviceKafkaEnv: Record<string, string>;
    platform: string;
  };
  endToEnd: EndToEndFigures & {
    /** p99 of submit → result email over the dossiers that got there; null when none did. */
    p99Seconds: number | null;
  };
  /** Where the bus's part of the time went: outbox write → handling in another service, during the run. */
  kafkaHops: KafkaHops;
  targets: KafkaTarget[];
  totalSeconds: number;
}

/** Every dossier submitted on schedule reaches its result email, and p99 submit → result email stays under the limit. */
export function kafkaTargets(figures: EndToEndFigures): KafkaTarget[] {
  const p99 = figures.submitToNotifiedSeconds?.p99 ?? null;
  return [
    {
      name: `dossiers that reached their result email, of ${figures.planned} submitted at ${figures.ratePerSecond}/s`,
      condition: `= ${figures.planned}`,
      target: figures.planned,
      measured: figures.completed,
      met: figures.completed === figures.planned,
    },
    {
      name: "p99 submit → result email (s)",
      condition: `< ${KAFKA_E2E_P99_LIMIT_SECONDS}`,
      target: KAFKA_E2E_P99_LIMIT_SECONDS,
      measured: p99,
      met: p99 !== null && p99 < KAFKA_E2E_P99_LIMIT_SECONDS,
    },
  ];
}

const fixed = (value: number, digits: number) => value.toFixed(digits);

function millisecondsLine(label: string, ms: Distribution | undefined): string {
  if (!ms) return `  ${label.padEnd(22)} none`;
  return (
    `  ${label.padEnd(22)} p50 ${fixed(ms.p50, 0)} ms   p95 ${fixed(ms.p95, 0)} ms   ` +
    `p99 ${fixed(ms.p99, 0)} ms   max ${fixed(ms.max, 0)} ms   (n=${ms.count})`
  );
}

/** The routes whose p99 was highest: where a slow run lost its time. */
function slowestRoutes(hops: KafkaHops, count: number): string[] {
  return Object.entries(hops.byRoute)
    .flatMap(([route, ms]) => (ms ? [{ route, ms }] : []))
    .sort((a, b) => b.ms.p99 - a.ms.p99)
    .slice(0, count)
    .map(({ route, ms }) => `    ${route}: p99 ${fixed(ms.p99, 0)} ms (n=${ms.count})`);
}

function secondsLine(label: string, seconds: Distribution | undefined): string {
  if (!seconds) return `  ${label.padEnd(22)} none completed`;
  return (
    `  ${label.padEnd(22)} p50 ${fixed(seconds.p50, 2)} s   p95 ${fixed(seconds.p95, 2)} s   ` +
    `p99 ${fixed(seconds.p99, 2)} s   max ${fixed(seconds.max, 2)} s   (n=${seconds.count})`
  );
}

/** The report as people read it in a terminal. */
export function formatKafkaReport(report: KafkaBenchReport): string {
  const { machine, settings, endToEnd } = report;
  const failures = Object.entries(endToEnd.failures)
    .map(([step, count]) => `${step}: ${count}`)
    .join(", ");
  const env = Object.entries(settings.serviceKafkaEnv)
    .map(([name, value]) => `${name}=${value}`)
    .join(" ");
  return [
    "LiênThông benchmark: Kafka mode on librdkafka's mock cluster",
    `  machine               ${machine.cores} cores (${machine.cpuModel}), ${fixed(machine.memoryGiB, 0)} GiB, Node ${machine.node}, ${machine.os}, 1-min load ${fixed(machine.loadAverageAtStart, 1)} at start`,
    `  platform              ${settings.platform}`,
    `  bus settings          ${env}`,
    "",
    `End to end at ${settings.ratePerSecond}/s for ${settings.durationSeconds} s (poll every ${settings.pollIntervalMs} ms, a dossier gives up after ${settings.e2eTimeoutSeconds} s)`,
    `  dossiers              ${endToEnd.completed}/${endToEnd.planned} notified, ${endToEnd.routed} routed, ` +
      `${endToEnd.submitted} submitted${failures ? `; stopped short: ${failures}` : ""}`,
    secondsLine("submit → routed", endToEnd.submitToRoutedSeconds),
    secondsLine("submit → result email", endToEnd.submitToNotifiedSeconds),
    "",
    "Event hops between services (outbox write → handling starts in another process)",
    millisecondsLine("every hop", report.kafkaHops.all),
    "  slowest routes",
    ...slowestRoutes(report.kafkaHops, 3),
    "",
    "Targets (issue 9, Kafka mode)",
    ...report.targets.map(
      (target) =>
        `  ${target.met ? "met    " : "NOT met"}  ${target.name}: ${target.measured === null ? "none" : fixed(target.measured, Number.isInteger(target.measured) ? 0 : 2)} (target ${target.condition})`,
    ),
    "",
    `  whole run             ${fixed(report.totalSeconds, 1)} s`,
  ].join("\n");
}
