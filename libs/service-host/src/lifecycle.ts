import { loggableError } from "@lienthong/errors";
import type { Logger } from "./logger";
import type { Readiness } from "./readiness";

export type ShutdownStep = () => Promise<void> | void;

export interface ShutdownReport {
  /** True when every step finished without error within the timeout. */
  ok: boolean;
  /** Steps that ran to completion, in the order they ran. */
  completed: string[];
  /** Steps that threw (shutdown goes on with the next one). */
  failed: string[];
  timedOut: boolean;
}

export interface LifecycleOptions {
  logger: Logger;
  readiness: Readiness;
  /** Bound on the whole shutdown; past it the process exits 1. */
  timeoutMs: number;
  /** Process exit, replaceable so tests can watch the signal path. */
  exit?: (code: number) => void;
}

export interface Lifecycle {
  /**
   * Registers a shutdown step. Steps run one at a time in REVERSE order of
   * registration, so register in start order — stores, bus, outbox relay,
   * consumers, then the http and grpc servers — and intake stops first.
   * `final` steps run after all the others, in registration order: flushing
   * telemetry, so the spans of the shutdown itself are exported too.
   */
  onShutdown: (name: string, step: ShutdownStep, options?: { final?: boolean }) => void;
  /** Marks not ready, then runs the steps; later calls return the same outcome. */
  shutdown: () => Promise<ShutdownReport>;
  /** SIGTERM/SIGINT → shutdown → exit 0 (or 1 on failure or timeout); returns the uninstaller. */
  installSignalHandlers: () => () => void;
}

export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const { logger, readiness, timeoutMs } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const steps: { name: string; step: ShutdownStep }[] = [];
  const finalSteps: { name: string; step: ShutdownStep }[] = [];
  let running: Promise<ShutdownReport> | undefined;

  async function runSteps(report: ShutdownReport, isTimedOut: () => boolean): Promise<void> {
    for (const { name, step } of [...[...steps].reverse(), ...finalSteps]) {
      if (isTimedOut()) return;
      try {
        await step();
        report.completed.push(name);
        logger.info({ step: name }, "shutdown step done");
      } catch (err) {
        report.failed.push(name);
        logger.error({ step: name, err: loggableError(err) }, "shutdown step failed");
      }
    }
  }

  function shutdown(): Promise<ShutdownReport> {
    running ??= (async () => {
      readiness.markShuttingDown();
      logger.info({ steps: steps.length, timeout_ms: timeoutMs }, "shutting down");
      const report: ShutdownReport = { ok: false, completed: [], failed: [], timedOut: false };
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
      });
      const outcome = await Promise.race([runSteps(report, () => report.timedOut), deadline]);
      clearTimeout(timer);
      if (outcome === "timeout") {
        report.timedOut = true;
        logger.error({ completed: report.completed }, "shutdown timed out");
      }
      report.ok = !report.timedOut && report.failed.length === 0;
      return report;
    })();
    return running;
  }

  function installSignalHandlers(): () => void {
    const onSignal = (signal: NodeJS.Signals) => {
      if (running) {
        // A second signal means the operator will not wait.
        logger.warn({ signal }, "second signal during shutdown; exiting now");
        exit(1);
        return;
      }
      logger.info({ signal }, "signal received");
      void shutdown().then((report) => exit(report.ok ? 0 : 1));
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    return () => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    };
  }

  return {
    onShutdown(name, step, stepOptions) {
      (stepOptions?.final ? finalSteps : steps).push({ name, step });
    },
    shutdown,
    installSignalHandlers,
  };
}
