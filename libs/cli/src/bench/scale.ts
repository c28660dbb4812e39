/**
 * `lienthong bench-scale`: does the platform stay fast with a year of
 * dossiers stored? Two data directories are filled straight into the
 * embedded stores (scale-load.ts): a small one (10 k dossiers by default)
 * and a large one (1 M). The platform runs on each in turn, in its own
 * process, and the same submission probe runs against both; the read
 * endpoints officials use every day (listings, queues, indicators) are
 * timed on the large one, and the platform's peak RSS is read from /proc.
 */
import { readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { DEVELOPMENT_CLIENTS, CLIENT_KEY_HEADER } from "@lienthong/service-host";
import { formatVietnamDate, loadReferenceData } from "@lienthong/domain";
import { benchApplicationBody } from "./applications";
import { developmentCredentials } from "../dev-credentials";
import { startPlatform, type PlatformHandle } from "./processes";
import { distribution } from "./report";
import { SCALE_SPAN_DAYS } from "./scale-data";
import { describeMachine } from "./machine";
import { Progress } from "./progress";
import { loadScaleDossiers } from "./scale-load";
import { intakeP99Ratio, scaleTargets, type ProbeFigures, type ScaleReport } from "./scale-report";

export interface ScaleOptions {
  dossiers: number;
  baselineDossiers: number;
  /** Concurrent clients of each probe. */
  concurrency: number;
  /** Measured seconds of each read probe. */
  secondsPerProbe: number;
  /** Measured seconds of submissions, at each data size. */
  intakeSeconds: number;
  /** Draw progress bars (only on a terminal, never with --json). */
  progressBars: boolean;
}

const PLATFORM_READY_TIMEOUT_MS = 120_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** Requests before each measured window: JIT, caches and the first page reads are not timed. */
const WARMUP_REQUESTS = 20;
/** The unit whose listings are timed: a commune with a commune system, officials and its share of the year. */
const PROBE_COMMUNE = "14845";
const PROBE_PROVINCE = "38";
/** Linux's USER_HZ, the unit of /proc/<pid>/stat's CPU times, on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
const QUIET_CPU_SHARE = 0.1;
const QUIET_TIMEOUT_MS = 120_000;
/** Length of one window of the interleaved submission probe. */
const INTERLEAVE_WINDOW_SECONDS = 2;

interface Probe {
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  /** The n-th request's body (POST). */
  body?: (sequence: number) => string;
}

async function oneRequest(probe: Probe, sequence: number): Promise<{ ms: number; failure?: string }> {
  const started = performance.now();
  try {
    const response = await fetch(probe.url, {
      method: probe.method,
      headers: probe.body ? { "content-type": "application/json", ...probe.headers } : probe.headers,
      ...(probe.body && { body: probe.body(sequence) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    const ms = performance.now() - started;
    return response.ok ? { ms } : { ms, failure: `HTTP ${response.status}` };
  } catch (error) {
    return { ms: performance.now() - started, failure: error instanceof Error ? error.name : "error" };
  }
}

/** What one or more measured windows against one endpoint saw. */
interface Sample {
  firstRequestMs: number;
  latencies: number[];
  failed: number;
  firstFailure?: string;
  seconds: number;
}

async function warmUp(probe: Probe, sample: Sample): Promise<void> {
  const first = await oneRequest(probe, 0);
  sample.firstRequestMs = first.ms;
  for (let warm = 1; warm < WARMUP_REQUESTS; warm++) await oneRequest(probe, warm);
}

/** A closed loop for `seconds`: `concurrency` clients, each sending its next request when the last is answered. */
async function window(probe: Probe, concurrency: number, seconds: number, sample: Sample): Promise<void> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let sequence = WARMUP_REQUESTS + sample.latencies.length + sample.failed;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const outcome = await oneRequest(probe, sequence++);
        if (outcome.failure === undefined) sample.latencies.push(outcome.ms);
        else {
          sample.failed++;
          sample.firstFailure ??= outcome.failure;
        }
      }
    }),
  );
  sample.seconds += (performance.now() - started) / 1000;
}

function figuresOf(probe: Probe, concurrency: number, sample: Sample): ProbeFigures {
  const latencyMs = distribution(sample.latencies);
  const { pathname, search } = new URL(probe.url);
  return {
    request: `${probe.method} ${pathname}${search}`,
    concurrency,
    firstRequestMs: sample.firstRequestMs,
    seconds: sample.seconds,
    ok: sample.latencies.length,
    failed: sample.failed,
    ...(sample.firstFailure !== undefined && { firstFailure: sample.firstFailure }),
    okPerSecond: sample.latencies.length / sample.seconds,
    ...(latencyMs && { latencyMs }),
  };
}

const emptySample = (): Sample => ({ firstRequestMs: 0, latencies: [], failed: 0, seconds: 0 });

async function measure(probe: Probe, concurrency: number, seconds: number): Promise<ProbeFigures> {
  const sample = emptySample();
  await warmUp(probe, sample);
  await window(probe, concurrency, seconds, sample);
  return figuresOf(probe, concurrency, sample);
}

/**
 * The same submissions against two platforms, in alternating short windows
 * (A B B A …), so that other work on the machine weighs on both alike.
 */
async function interleaved(
  probes: readonly [Probe, Probe],
  concurrency: number,
  seconds: number,
): Promise<[ProbeFigures, ProbeFigures]> {
  const samples: [Sample, Sample] = [emptySample(), emptySample()];
  for (const [index, probe] of probes.entries()) await warmUp(probe, samples[index]!);
  const rounds = Math.max(1, Math.round(seconds / INTERLEAVE_WINDOW_SECONDS));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const index of order) await window(probes[index]!, concurrency, seconds / rounds, samples[index]!);
  }
  return [figuresOf(probes[0], concurrency, samples[0]), figuresOf(probes[1], concurrency, samples[1])];
}

/** The process's peak resident set so far (VmHWM), in bytes; null without /proc. */
function peakRss(pid: number): number | null {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kib === undefined ? null : Number(kib) * 1024;
  } catch {
    return null;
  }
}

/** CPU seconds the process has used so far; null without /proc. */
function cpuSeconds(pid: number): number | null {
  try {
    // After the command name (in parentheses, may hold spaces): state is field 3, utime and stime 14 and 15.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * Waits until the platform has worked off what the submissions set going
 * (routing, notifications, webhooks): a read timed meanwhile would measure
 * that backlog. Quiet: under QUIET_CPU_SHARE of a core for a whole second.
 */
async function quiet(pid: number): Promise<void> {
  const deadline = Date.now() + QUIET_TIMEOUT_MS;
  let before = cpuSeconds(pid);
  while (before !== null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = cpuSeconds(pid);
    if (now === null || now - before < QUIET_CPU_SHARE) return;
    before = now;
  }
}

function storeBytes(dataDir: string, service: string): number {
  const file = path.join(dataDir, service, "store.db");
  return ["", "-wal"].reduce((total, suffix) => {
    try {
      return total + statSync(file + suffix).size;
    } catch {
      return total;
    }
  }, 0);
}

/**
 * One scale run. Everything it starts it stops, and its data directories
 * (several GB at 1 M dossiers) are removed, also on Ctrl+C.
 */
export async function runScaleBench(options: ScaleOptions): Promise<ScaleReport> {
  const started = performance.now();
  const host = describeMachine();
  const progress = new Progress(options.progressBars);
  const workDir = await mkdtemp(path.join(os.tmpdir(), "lienthong-bench-scale-"));
  const running = new Set<PlatformHandle>();
  const cleanUp = async () => {
    await Promise.allSettled([...running].map((platform) => platform.stop()));
    running.clear();
    await rm(workDir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void cleanUp().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  // One instant for both data sets, so that both hold the same year.
  const now = new Date();
  const load = async (label: string, dataDir: string, count: number): Promise<number> => {
    progress.line(`loading ${count} dossiers into the intake and routing stores (${label})`);
    const bar = progress.bar(label, "dossiers", count);
    const loadStarted = performance.now();
    await loadScaleDossiers(dataDir, count, now, (loaded) => bar.update(loaded)).finally(() => bar.stop());
    return (performance.now() - loadStarted) / 1000;
  };
  const start = async (label: string, dataDir: string): Promise<PlatformHandle> => {
    progress.line(`starting the embedded platform on the ${label} data`);
    const platform = await startPlatform(dataDir, path.join(workDir, `${label}.log`), PLATFORM_READY_TIMEOUT_MS);
    running.add(platform);
    return platform;
  };
  const submissions = async (platform: PlatformHandle, dataDir: string): Promise<Probe> => {
    const credentials = await developmentCredentials(path.join(dataDir, "identity"), DEVELOPMENT_CLIENTS.portal);
    return {
      method: "POST",
      url: `${platform.urls.intake}/v1/applications`,
      headers: credentials.client,
      body: (sequence) => benchApplicationBody(sequence),
    };
  };

  try {
    const smallDir = path.join(workDir, "baseline");
    const largeDir = path.join(workDir, "scale");
    await load("baseline", smallDir, options.baselineDossiers);
    const loadSeconds = await load("scale", largeDir, options.dossiers);
    const bytes = { intake: storeBytes(largeDir, "intake"), routing: storeBytes(largeDir, "routing") };
    const small = await start("baseline", smallDir);
    const large = await start("scale", largeDir);
    progress.line(
      `intake: submissions at ${options.baselineDossiers} and at ${options.dossiers} dossiers, ` +
        `${options.intakeSeconds} s each in alternating ${INTERLEAVE_WINDOW_SECONDS} s windows`,
    );
    const [atBaseline, atScale] = await interleaved(
      [await submissions(small, smallDir), await submissions(large, largeDir)],
      options.concurrency,
      options.intakeSeconds,
    );
    await small.stop();
    running.delete(small);
    progress.line("waiting for the platform to work off the submissions");
    await quiet(large.pid);

    const credentials = await developmentCredentials(path.join(largeDir, "identity"), DEVELOPMENT_CLIENTS.portal);
    const officials = credentials.officialsOf(PROBE_COMMUNE);
    const communeSystem = { [CLIENT_KEY_HEADER]: DEVELOPMENT_CLIENTS.muongLat.key };
    const { units } = loadReferenceData({ dataDir: largeDir });
    const year = `from=${formatVietnamDate(new Date(now.getTime() - SCALE_SPAN_DAYS * 86_400_000))}&to=${formatVietnamDate(now)}`;
    const get = (url: string, headers: Record<string, string>): Probe => ({ method: "GET", url, headers });
    const intakeUrl = `${large.urls.intake}/v1/applications`;
    const routingUrl = large.urls.routing;
    const listingProbes: Record<string, Probe> = {
      "intake: a commune, by status": get(`${intakeUrl}?status=4`, communeSystem),
      "intake: a commune, overdue": get(`${intakeUrl}?overdue=true`, communeSystem),
      "intake: a commune, by dates": get(`${intakeUrl}?from=${formatVietnamDate(now)}`, communeSystem),
      "intake: the portal, by status": get(`${intakeUrl}?status=5`, credentials.client),
      "routing: a queue": get(`${routingUrl}/v1/queues/${PROBE_COMMUNE}`, officials.receivingOfficer),
      "routing: a queue, by status": get(`${routingUrl}/v1/queues/${PROBE_COMMUNE}?status=5`, officials.leader),
    };
    const indicatorProbes: Record<string, Probe> = {
      [`a commune (${units.commune(PROBE_COMMUNE)?.name ?? PROBE_COMMUNE}), a year`]: get(
        `${routingUrl}/v1/indicators/${PROBE_COMMUNE}?${year}`,
        officials.leader,
      ),
      [`a province (${units.province(PROBE_PROVINCE)?.name ?? PROBE_PROVINCE}), a year`]: get(
        `${routingUrl}/v1/indicators/${PROBE_PROVINCE}?${year}`,
        credentials.operator,
      ),
    };
    const runProbes = async (group: string, probes: Record<string, Probe>) => {
      const figures: Record<string, ProbeFigures> = {};
      for (const [label, probe] of Object.entries(probes)) {
        progress.line(`${group}: ${label}, ${options.secondsPerProbe} s`);
        figures[label] = await measure(probe, options.concurrency, options.secondsPerProbe);
      }
      return figures;
    };
    const listing = await runProbes("listing", listingProbes);
    const indicators = await runProbes("indicators", indicatorProbes);
    const peakRssBytes = peakRss(large.pid);
    progress.line("stopping the platform and removing its data");

    const body: Omit<ScaleReport, "targets" | "totalSeconds"> = {
      machine: host,
      settings: {
        dossiers: options.dossiers,
        baselineDossiers: options.baselineDossiers,
        concurrency: options.concurrency,
        secondsPerProbe: options.secondsPerProbe,
        intakeSeconds: options.intakeSeconds,
        spanDays: SCALE_SPAN_DAYS,
        units: `the ${units.provinces().length} provinces and ${units.provinces().reduce((n, p) => n + units.communesOf(p.code).length, 0)} communes of the loaded units list, every current procedure`,
        sequence:
          "load both data sets, start a platform on each, time submissions to both in alternating windows, " +
          "stop the baseline platform, then time each listing and indicator endpoint of the scale platform in turn; " +
          "peak RSS is the scale platform process's VmHWM at the end",
      },
      load: { seconds: loadSeconds, dossiersPerSecond: options.dossiers / loadSeconds, storeBytes: bytes },
      intake: { atBaseline, atScale, p99Ratio: intakeP99Ratio(atBaseline, atScale) },
      listing,
      indicators,
      memory: { peakRssBytes },
    };
    return { ...body, targets: scaleTargets(body), totalSeconds: (performance.now() - started) / 1000 };
  } finally {
    await cleanUp();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}
