/**
 * The gRPC load generator's own process (the counterpart of load-worker.ts):
 * `connections` calls in flight on one channel, each sent again once
 * answered, for the phase's seconds. Latencies are those of calls answered
 * within the phase.
 */
import { performance } from "node:perf_hooks";
import * as grpc from "@grpc/grpc-js";
import { intake } from "@lienthong/contracts";
import { benchApplicationMessage } from "./applications";
import { echoService } from "./grpc-echo";
import type { GrpcLoadJob } from "./load";
import { serveLoadJob } from "./load-worker-host";
import { percentile } from "./report";

type Call = (request: intake.SubmitApplicationRequest, metadata: grpc.Metadata, deadline: Date) => Promise<unknown>;

/** A unary call of the job's method on one channel: the echo baseline or intake's SubmitApplication. */
function caller(job: GrpcLoadJob): { call: Call; close: () => void } {
  // Only the request's encoding matters here; the answer is decoded and dropped.
  const method: {
    path: string;
    requestSerialize: (request: intake.SubmitApplicationRequest) => Buffer;
    responseDeserialize: (bytes: Buffer) => unknown;
  } = job.method === "echo" ? echoService.echo : intake.IntakeServiceService.submitApplication;
  const client = new grpc.Client(job.address, grpc.credentials.createInsecure());
  const call: Call = (request, metadata, deadline) =>
    new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        metadata,
        { deadline },
        (error, response) => (error ? reject(error) : resolve(response)),
      );
    });
  return { call, close: () => client.close() };
}

serveLoadJob<GrpcLoadJob>(async (job, seconds, onSecond) => {
  const { call, close } = caller(job);
  const metadata = new grpc.Metadata();
  if (job.apiKey) metadata.set("x-api-key", job.apiKey);
  const latencies: number[] = [];
  let errors = 0;
  let timeouts = 0;
  let sequence = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  const ticker = setInterval(onSecond, 1000);
  const loop = async () => {
    while (performance.now() < end) {
      const sent = performance.now();
      try {
        await call(benchApplicationMessage(sequence++), metadata, new Date(Date.now() + job.timeoutSeconds * 1000));
        if (performance.now() <= end) latencies.push(performance.now() - sent);
      } catch (error) {
        errors += 1;
        if ((error as { code?: number }).code === grpc.status.DEADLINE_EXCEEDED) timeouts += 1;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: job.connections }, loop));
  } finally {
    clearInterval(ticker);
    close();
  }
  const ok = latencies.length;
  const empty = ok === 0;
  return {
    okPerSecond: ok / seconds,
    ok,
    non2xx: 0,
    errors,
    timeouts,
    durationSeconds: seconds,
    latencyMs: {
      p50: empty ? 0 : percentile(latencies, 50),
      p99: empty ? 0 : percentile(latencies, 99),
      mean: empty ? 0 : latencies.reduce((sum, value) => sum + value, 0) / ok,
      max: empty ? 0 : Math.max(...latencies),
    },
  };
});
