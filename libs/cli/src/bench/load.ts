import { fork } from "node:child_process";
import * as path from "node:path";
import type { LoadFigures } from "./report";

/** How long a load generator runs and how many requests it keeps in flight. */
export interface LoadSettings {
  /** Concurrent connections (REST) or calls in flight (gRPC): a closed loop, each sends again once answered. */
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Per request; a request slower than this counts as a timeout. */
  timeoutSeconds: number;
}

/** What the REST load generator (load-worker.ts) is asked to do: POST benchmark applications to one URL. */
export interface LoadJob extends LoadSettings {
  url: string;
  /** Sent with every request besides content-type (the caller's API key for intake; none for the baseline). */
  headers?: Record<string, string>;
}

/** What the gRPC load generator (grpc-load-worker.ts) is asked to do: the benchmark application, unary, to one method. */
export interface GrpcLoadJob extends LoadSettings {
  /** host:port */
  address: string;
  method: "echo" | "submitApplication";
  /** Sent as x-api-key metadata (intake); none for the baseline. */
  apiKey?: string;
}

export type LoadWorkerMessage =
  | { kind: "tick"; phase: "warmup" | "measure"; second: number }
  | { kind: "result"; figures: LoadFigures }
  | { kind: "error"; message: string };

/** Grace beyond the planned run before the load generator is killed as hung. */
const HANG_MARGIN_MS = 20_000;

type Tick = (phase: "warmup" | "measure", second: number) => void;

/** REST load: autocannon in load-worker.ts. */
export function runLoad(job: LoadJob, onTick: Tick): Promise<LoadFigures> {
  return runLoadWorker("load-worker.js", job, job.url, onTick);
}

/** gRPC load: grpc-js clients in grpc-load-worker.ts. */
export function runGrpcLoad(job: GrpcLoadJob, onTick: Tick): Promise<LoadFigures> {
  return runLoadWorker("grpc-load-worker.js", job, `${job.address} ${job.method}`, onTick);
}

/**
 * Runs one load job in a child process and resolves with its figures. The
 * child is killed if it outlives the planned run, so a benchmark always ends
 * by itself.
 */
function runLoadWorker(worker: string, job: LoadSettings, target: string, onTick: Tick): Promise<LoadFigures> {
  const child = fork(path.join(__dirname, worker), [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const limitMs = (job.warmupSeconds + job.durationSeconds + job.timeoutSeconds) * 1000 + HANG_MARGIN_MS;
  return new Promise<LoadFigures>((resolve, reject) => {
    let outcome: LoadWorkerMessage | undefined;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`load generator did not finish within ${Math.round(limitMs / 1000)} s against ${target}`));
    }, limitMs);
    child.on("message", (message: LoadWorkerMessage) => {
      if (message.kind === "tick") onTick(message.phase, message.second);
      else outcome = message;
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (outcome?.kind === "result") resolve(outcome.figures);
      else if (outcome?.kind === "error")
        reject(new Error(`load generator failed against ${target}: ${outcome.message}`));
      else reject(new Error(`load generator exited (${signal ?? `code ${code}`}) without a result`));
    });
    child.send(job);
  });
}
