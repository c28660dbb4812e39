/**
 * The load generator's own process: `lienthong bench` forks this file so that
 * autocannon does not take CPU from the event loop it measures (the platform
 * runs in yet another process). It receives one LoadJob over IPC, answers
 * with ticks and one result, then exits.
 */
import autocannon from "autocannon";
import { benchApplicationBody } from "./applications";
import type { LoadFigures } from "./report";
import type { LoadJob, LoadWorkerMessage } from "./load";

function send(message: LoadWorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

function runPhase(job: LoadJob, phase: "warmup" | "measure", seconds: number): Promise<autocannon.Result> {
  // One counter for every connection, so units rotate evenly whatever the concurrency.
  let sequence = 0;
  let ticks = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        pipelining: 1,
        duration: seconds,
        timeout: job.timeoutSeconds,
        method: "POST",
        headers: { "content-type": "application/json", ...job.headers },
        requests: [{ setupRequest: (request) => ({ ...request, body: benchApplicationBody(sequence++) }) }],
      },
      (error: unknown, result) =>
        error
          ? reject(error instanceof Error ? error : new Error("autocannon failed", { cause: error }))
          : resolve(result),
    );
    instance.on("tick", () => void send({ kind: "tick", phase, second: ++ticks }));
  });
}

function figures(result: autocannon.Result): LoadFigures {
  return {
    okPerSecond: result["2xx"] / result.duration,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSeconds: result.duration,
    latencyMs: {
      p50: result.latency.p50,
      p99: result.latency.p99,
      mean: result.latency.average,
      max: result.latency.max,
    },
  };
}

async function run(job: LoadJob): Promise<LoadWorkerMessage> {
  try {
    if (job.warmupSeconds > 0) await runPhase(job, "warmup", job.warmupSeconds);
    return { kind: "result", figures: figures(await runPhase(job, "measure", job.durationSeconds)) };
  } catch (error) {
    return { kind: "error", message: error instanceof Error ? error.message : String(error) };
  }
}

process.once("message", (job: LoadJob) => {
  void run(job)
    .then(send)
    .finally(() => process.exit(0));
});
// The parent went away (Ctrl+C, crash): stop generating load at once.
process.once("disconnect", () => process.exit(0));
