import * as fs from "node:fs";
import * as path from "node:path";
import { MessageChannel, Worker } from "node:worker_threads";
import * as ts from "typescript";
import { repoRoot } from "../compose-file";

/**
 * Runs the k6 scripts of infra/k6 without k6 (not installable here): each
 * call in a worker thread standing in for one virtual user (vu.js), with the
 * k6 modules replaced by recorders and k6/http by real requests made from
 * this thread. What it cannot show is k6's own side: the executor's
 * scheduling, the thresholds' evaluation, the JavaScript engine (Sobek, not V8).
 */

const k6Dir = path.join(repoRoot, "infra/k6");

/** Every script of infra/k6 as CommonJS (k6 scripts are ES modules; the VU loads them with its own require). */
const modules: Record<string, string> = Object.fromEntries(
  fs
    .readdirSync(k6Dir)
    .filter((name) => name.endsWith(".js"))
    .map((name) => {
      const file = path.join(k6Dir, name);
      const { outputText } = ts.transpileModule(fs.readFileSync(file, "utf8"), {
        fileName: file,
        compilerOptions: {
          module: ts.ModuleKind.CommonJS,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true,
          allowJs: true,
        },
      });
      return [file, outputText];
    }),
);

/** A request the script made, as the VU saw it answered. */
export interface RecordedRequest {
  method: "GET" | "POST";
  url: string;
  /** The `name` tag, which k6 groups the request's metrics by. */
  name?: string;
  status: number;
}

export interface Recorded {
  requests: RecordedRequest[];
  checks: { name: string; ok: boolean }[];
  /** Every value added to a custom metric (Trend, Counter), with its tags. */
  samples: { metric: string; value: number; tags: Record<string, string> }[];
  sleptSeconds: number;
}

export interface VuOutcome {
  /** What the call returned: the options for "init". */
  result?: unknown;
  /** What it threw (the script's own message). */
  error?: { name: string; message: string };
  recorded: Recorded;
}

export interface VuCall {
  /** "init": evaluate the script and return its options; "setup" and "default" call those exports. */
  call: "init" | "setup" | "default";
  env: Record<string, string>;
  /** exec.scenario.iterationInTest */
  iterationInTest?: number;
  data?: unknown;
}

/** k6 durations as the scripts write them ("10s"). */
function millisecondsOf(duration: string | undefined): number {
  const match = /^(\d+)s$/.exec(duration ?? "60s");
  if (!match) throw new Error(`the VU stand-in reads durations like 10s, not "${duration}"`);
  return Number(match[1]) * 1000;
}

interface HttpRequest {
  method: string;
  url: string;
  body?: string;
  headers: Record<string, string>;
  timeout?: string;
}

/** Runs `script` (a file name in infra/k6) in a new VU; its requests go out for real from this thread. */
export async function runVu(script: string, { call, env, iterationInTest = 0, data }: VuCall): Promise<VuOutcome> {
  const { port1, port2 } = new MessageChannel();
  const cell = new Int32Array(new SharedArrayBuffer(4));
  port1.on("message", (request: HttpRequest) => {
    void (async () => {
      let answer: { status: number; body: string };
      try {
        const response = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          signal: AbortSignal.timeout(millisecondsOf(request.timeout)),
        });
        answer = { status: response.status, body: await response.text() };
      } catch {
        // k6 answers a request that failed below HTTP (refused, timed out) with status 0.
        answer = { status: 0, body: "" };
      }
      port1.postMessage(answer);
      Atomics.store(cell, 0, 1);
      Atomics.notify(cell, 0);
    })();
  });
  const worker = new Worker(path.join(__dirname, "vu.js"), {
    workerData: {
      modules,
      entry: path.join(k6Dir, script),
      env,
      call,
      iterationInTest,
      data,
      http: { port: port2, cell },
    },
    transferList: [port2],
  });
  try {
    return await new Promise<VuOutcome>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the VU exited (${code}) without an outcome`)));
    });
  } finally {
    port1.close();
    await worker.terminate();
  }
}
