import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";

const entry = path.resolve(__dirname, "../../dist/main.js");

export interface NotificationProcess {
  child: ChildProcess;
  httpUrl: string;
  /** stdout and stderr as written: every log line, for assertions and failure messages. */
  output(): string;
  /** kill -9, resolved once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (a clean stop), resolved once the process is gone. */
  stop(): Promise<void>;
}

/**
 * notification as distributed mode runs it: `node services/notification/dist/main.js`,
 * its own process (so a kill -9 loses what it had not committed), on
 * loopback with OS-chosen ports; resolves once it logged "service started".
 */
export async function startNotificationProcess(
  env: Record<string, string>,
  startTimeoutMs = 30_000,
): Promise<NotificationProcess> {
  if (!existsSync(entry)) throw new Error("services/notification/dist/main.js is missing: build first (npm test does)");
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("OTEL_")));
  const child = spawn(process.execPath, [entry], {
    env: {
      ...inherited,
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: "0",
      GRPC_PORT: "0",
      OPS_PORT: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  let output = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const httpUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`notification did not start within ${startTimeoutMs} ms; output:\n${output}`));
    }, startTimeoutMs);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      const started = /"http":"([^"]+)"[^\n]*"msg":"service started"/.exec(output);
      if (started) {
        clearTimeout(timer);
        resolve(started[1]!);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`notification exited during start; output:\n${output}`));
    });
  });
  const ended = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { child, httpUrl, output: () => output, kill9: () => ended("SIGKILL"), stop: () => ended("SIGTERM") };
}
