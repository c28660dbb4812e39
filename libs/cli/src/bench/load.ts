import { fork } from "node:child_process";
import * as path from "node:path";
import type { LoadFigures } from "./report";

/** What the load-generator process is asked to do: POST benchmark applications to one URL. */
export interface LoadJob {
  url: string;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Per request; a request slower than this counts as a timeout. */
  timeoutSeconds: number;
  /** Sent with every request besides content-type (the caller's API key for intake; none for the baseline). */
  headers?: Record<string, string>;
}

export type LoadWorkerMessage =
  | { kind: "tick"; phase: "warmup" | "measure"; second: number }
  | { kind: "result"; figures: LoadFigures }
  | { kind: "error"; message: string };

/** Grace beyond the planned run before the load generator is killed as hung. */
const HANG_MARGIN_MS = 20_000;

/**
 * Runs one load job in a child process (see load-worker.ts) and resolves with
 * its figures. The child is killed if it outlives the planned run, so a
 * benchmark always ends by itself.
 */
export function runLoad(
  job: LoadJob,
  onTick: (phase: "warmup" | "measure", second: number) => void,
): Promise<LoadFigures> {
  const child = fork(path.join(__dirname, "load-worker.js"), [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const limitMs = (job.warmupSeconds + job.durationSeconds + job.timeoutSeconds) * 1000 + HANG_MARGIN_MS;
  return new Promise<LoadFigures>((resolve, reject) => {
    let outcome: LoadWorkerMessage | undefined;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`load generator did not finish within ${Math.round(limitMs / 1000)} s against ${job.url}`));
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
        reject(new Error(`load generator failed against ${job.url}: ${outcome.message}`));
      else reject(new Error(`load generator exited (${signal ?? `code ${code}`}) without a result`));
    });
    child.send(job);
  });
}
