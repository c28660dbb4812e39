/**
 * The REST load generator's own process: `lienthong bench` forks this file so
 * that autocannon does not take CPU from the event loop it measures (the
 * server under test runs in yet another process).
 */
import autocannon from "autocannon";
import { benchApplicationBody } from "./applications";
import type { LoadJob } from "./load";
import { serveLoadJob } from "./load-worker-host";
import type { LoadFigures } from "./report";

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

serveLoadJob<LoadJob>(
  (job, seconds, onSecond) =>
    new Promise((resolve, reject) => {
      // One counter for every connection, so units rotate evenly whatever the concurrency.
      let sequence = 0;
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
            : resolve(figures(result)),
      );
      instance.on("tick", onSecond);
    }),
);
