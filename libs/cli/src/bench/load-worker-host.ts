import type { LoadSettings, LoadWorkerMessage } from "./load";
import type { LoadFigures } from "./report";

function send(message: LoadWorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

/**
 * The life of a load-generator process, whatever it speaks: it receives one
 * job over IPC, runs an unmeasured warm-up and then the measured phase,
 * reports a tick each second and one result, and exits. `runPhase` drives the
 * load for a number of seconds and returns its figures.
 */
export function serveLoadJob<J extends LoadSettings>(
  runPhase: (job: J, seconds: number, onSecond: () => void) => Promise<LoadFigures>,
): void {
  const run = async (job: J): Promise<LoadWorkerMessage> => {
    try {
      let ticks = 0;
      if (job.warmupSeconds > 0) {
        await runPhase(job, job.warmupSeconds, () => void send({ kind: "tick", phase: "warmup", second: ++ticks }));
      }
      ticks = 0;
      const figures = await runPhase(
        job,
        job.durationSeconds,
        () => void send({ kind: "tick", phase: "measure", second: ++ticks }),
      );
      return { kind: "result", figures };
    } catch (error) {
      return { kind: "error", message: error instanceof Error ? error.message : String(error) };
    }
  };
  process.once("message", (job: J) => {
    void run(job)
      .then(send)
      .finally(() => process.exit(0));
  });
  // The parent went away (Ctrl+C, crash): stop generating load at once.
  process.once("disconnect", () => process.exit(0));
}
