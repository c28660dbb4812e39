import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { tempDir, type TempDir } from "@lienthong/testing";

const repoRoot = path.resolve(__dirname, "../../../..");

export interface ServiceProcess {
  child: ChildProcess;
  /** Where the development issuer whose tokens the service accepts keeps its key. */
  identityDir: string;
  httpUrl: string;
  grpcPort: number;
  /** Every JSON log line the service wrote to stdout so far. */
  lines: Record<string, unknown>[];
  /** stdout and stderr as written, for failure messages. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started = new Set<{ child: ChildProcess; dataDir: TempDir; exited: Promise<unknown> }>();

/**
 * Runs a built service as distributed mode does — `node services/<name>/dist/main.js`,
 * its own process, data directory and telemetry — on loopback with OS-chosen
 * ports, and resolves once it logged "service started" (which names them).
 * OTEL_* variables of the test's own environment are not passed on: the
 * caller says where spans go. Rejects with the output when the service exits
 * or stays silent for `startTimeoutMs`.
 */
export async function startServiceProcess(
  name: string,
  env: Record<string, string>,
  startTimeoutMs = 25_000,
): Promise<ServiceProcess> {
  const entry = path.join(repoRoot, "services", name, "dist", "main.js");
  if (!existsSync(entry)) throw new Error(`${path.relative(repoRoot, entry)} is missing: build first (npm test does)`);
  const dataDir = await tempDir(`service-host-${name}`);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("OTEL_")));
  const child = spawn(process.execPath, [entry], {
    cwd: repoRoot,
    env: {
      ...inherited,
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      DATA_DIR: dataDir.path,
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: "0",
      GRPC_PORT: "0",
      OPS_PORT: "0",
      IDENTITY_DIR: path.join(dataDir.path, "identity"),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // "close", not "exit": only then has the output been read to its end (the last line is often the shutdown's).
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  const registration = { child, dataDir, exited };
  started.add(registration);

  let output = "";
  let partial = "";
  const lines: Record<string, unknown>[] = [];
  const onStarted: ((line: Record<string, unknown>) => void)[] = [];
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    for (const text of parts.filter((part) => part.startsWith("{"))) {
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      if (line.msg === "service started") for (const resolve of onStarted) resolve(line);
    }
  });

  const announced = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start within ${startTimeoutMs} ms; output:\n${output}`));
    }, startTimeoutMs);
    onStarted.push((line) => {
      clearTimeout(timer);
      resolve(line);
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start (code ${code}, signal ${signal}); output:\n${output}`));
    });
  });
  return {
    child,
    identityDir: path.join(dataDir.path, "identity"),
    httpUrl: String(announced.http),
    grpcPort: Number(announced.grpcPort),
    lines,
    output: () => output,
    exited,
  };
}

/** For afterAll: SIGKILL every service process still running and delete the data directories. */
export async function killServiceProcesses(): Promise<void> {
  await Promise.all(
    [...started].map(async (registration) => {
      const { child, dataDir, exited } = registration;
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
      await dataDir.remove();
      started.delete(registration);
    }),
  );
}
