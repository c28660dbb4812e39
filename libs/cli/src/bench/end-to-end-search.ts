import * as path from "node:path";
import { DEVELOPMENT_CLIENTS } from "@lienthong/service-host";
import { developmentCredentials } from "../dev-credentials";
import { followInTurn, runEndToEnd, type EndToEndTarget } from "./end-to-end";
import { cpuPerUnit, processCpu } from "./process-cpu";
import { startPlatform, type ChildHandle, type PlatformHandle } from "./processes";
import type { Progress } from "./progress";
import { searchHighestRate } from "./rate-search";
import { assessTrial, type EndToEndTrial } from "./report";
import type { ResultMailbox } from "./result-mailbox";

export interface EndToEndSearchOptions {
  workDir: string;
  mailbox: ResultMailbox;
  /** Children to stop if the run is cut short; the search adds and removes its platforms. */
  running: Set<ChildHandle>;
  progress: Progress;
  startPerSecond: number;
  trialSeconds: number;
  maxTrials: number;
  /** Dossiers that warm each fresh platform, untimed (decision 69). */
  warmupDossiers: number;
}

/**
 * A dossier not notified within this many seconds of its submission counts as
 * stopped short. Far above the 2 s p99 limit, so a slow trial still shows its
 * latencies, yet short enough that a failing trial ends soon.
 */
export const E2E_TIMEOUT_SECONDS = 15;
/** How often the routing lookup is repeated until routing has a dossier. */
export const POLL_INTERVAL_MS = 50;
/** The search stops once the lowest failing rate is within this factor of the highest sustained one. */
const SEARCH_RESOLUTION = 1.15;
/** The warm-up's dossiers in flight at once: a closed loop, so it never leaves a backlog to the trial. */
const WARMUP_IN_FLIGHT = 4;
const PLATFORM_READY_TIMEOUT_MS = 60_000;

/**
 * The end-to-end search on the embedded platform (`lienthong start` in its own
 * process, mail over SMTP to the bench's mailbox). Each trial after a failed
 * one runs on a fresh platform: the backlog a failure leaves must not land on
 * the next trial. Resolves with every trial; the last platform is stopped.
 */
export async function searchEndToEnd(options: EndToEndSearchOptions): Promise<EndToEndTrial[]> {
  const { workDir, mailbox, running, progress } = options;
  let platform: PlatformHandle | undefined;
  let runs = 0;
  const dropPlatform = async () => {
    if (!platform) return;
    await platform.kill();
    running.delete(platform);
    platform = undefined;
  };
  /**
   * A platform on a fresh data directory, warmed by dossiers followed a few at a time, untimed: a platform started
   * cold spent its first ten seconds or so above a 2 s p99 at rates it then sustained (decision 69), and a
   * province's platform runs for months, not seconds.
   */
  const freshPlatform = async (): Promise<EndToEndTarget> => {
    await dropPlatform();
    mailbox.forget();
    runs += 1;
    progress.line(`starting the embedded platform (lienthong start) on a fresh data directory (#${runs})`);
    const dataDir = path.join(workDir, `platform-${runs}`);
    platform = await startPlatform(dataDir, path.join(workDir, `platform-${runs}.log`), PLATFORM_READY_TIMEOUT_MS, {
      SMTP_URL: mailbox.url,
    });
    running.add(platform);
    // The provincial portal submits at every unit; the sample officials act on the dossiers.
    const credentials = await developmentCredentials(path.join(dataDir, "identity"), DEVELOPMENT_CLIENTS.portal);
    const target: EndToEndTarget = { urls: platform.urls, credentials, mailbox };
    const dossiers = options.warmupDossiers;
    const inFlight = Math.min(WARMUP_IN_FLIGHT, dossiers);
    progress.line(
      `  warming it with ${dossiers} dossier${dossiers === 1 ? "" : "s"}, ${inFlight} at a time (not timed)`,
    );
    const stoppedAt = await followInTurn(target, {
      dossiers,
      inFlight,
      timeoutSeconds: E2E_TIMEOUT_SECONDS,
      pollIntervalMs: POLL_INTERVAL_MS,
    });
    if (stoppedAt) throw new Error(`a warm-up dossier stopped short at: ${stoppedAt}`);
    return target;
  };

  try {
    let target: EndToEndTarget | undefined;
    const { trials } = await searchHighestRate(
      {
        startPerSecond: options.startPerSecond,
        maxTrials: options.maxTrials,
        resolution: SEARCH_RESOLUTION,
        floorPerSecond: 0.5,
      },
      async (ratePerSecond) => {
        target ??= await freshPlatform();
        const pid = platform?.pid;
        const readCpu = () => (pid === undefined ? undefined : processCpu(pid));
        const cpuBefore = readCpu();
        const planned = Math.max(1, Math.round(ratePerSecond * options.trialSeconds));
        const bar = progress.bar(`at ${ratePerSecond}/s`, "dossiers settled", planned);
        const figures = await runEndToEnd({
          ...target,
          ratePerSecond,
          durationSeconds: options.trialSeconds,
          timeoutSeconds: E2E_TIMEOUT_SECONDS,
          pollIntervalMs: POLL_INTERVAL_MS,
          onSettled: (settled) => bar.update(settled),
        }).finally(() => bar.stop());
        const cpu = cpuPerUnit(cpuBefore, readCpu(), planned);
        const trial = { ...assessTrial(figures), ...(cpu ? { platformCpuPerDossier: cpu } : {}) };
        const p99 = trial.p99Seconds === null ? "-" : `${trial.p99Seconds.toFixed(2)} s`;
        progress.line(
          `  at ${ratePerSecond}/s: ${trial.completed}/${trial.planned} notified, p99 ${p99}: ` +
            (trial.sustained ? "sustained" : "not sustained"),
        );
        if (!trial.sustained) target = undefined;
        return trial;
      },
    );
    return trials;
  } finally {
    await dropPlatform();
  }
}
