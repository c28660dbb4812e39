import { fork, spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import * as path from "node:path";
import { PLATFORM_SERVICES } from "@lienthong/contracts";
import { platformUrls, type PlatformUrls } from "../platform-urls";

/** Benchmarks only ever target this machine (loopback). */
export const benchHost = "127.0.0.1";

const STOP_GRACE_MS = 15_000;

/**
 * The per-client quota the platform runs with under the benchmark: it measures
 * what the platform can carry, not the default quota (1,200 requests a minute
 * per client and service), which one load generator would reach in seconds.
 */
export const BENCH_CLIENT_REQUESTS_PER_MINUTE = 10_000_000;

export interface ChildHandle {
  pid: number;
  stop(): Promise<void>;
}

/** SIGTERM, then SIGKILL if the child has not exited within the grace period (none: SIGKILL at once). */
function stopChild(child: ChildProcess, graceMs = STOP_GRACE_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(killer);
      resolve();
    });
    if (graceMs > 0) child.kill("SIGTERM");
  });
}

/**
 * Starts a baseline server in its own process: bare-server.js (express) or
 * grpc-echo-server.js (grpc-js), each of which reports its port over IPC.
 */
export function startBaselineServer(
  file: "bare-server.js" | "grpc-echo-server.js",
): Promise<ChildHandle & { port: number }> {
  const child = fork(path.join(__dirname, file), [], {
    stdio: ["ignore", "ignore", "inherit", "ipc"],
    env: { PATH: process.env.PATH },
  });
  return new Promise((resolve, reject) => {
    child.once("message", (message: { port: number }) => {
      resolve({ pid: child.pid ?? 0, port: message.port, stop: () => stopChild(child) });
    });
    child.once("exit", (code, signal) =>
      reject(new Error(`baseline server exited (${signal ?? `code ${code}`}) before listening`)),
    );
    child.once("error", reject);
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, benchHost, () => probe.close(() => resolve(true)));
  });
}

/** The lowest port chosen: above the well-known and most registered services' ports. */
const LOWEST_PORT = 10_000;

/** The kernel's range of ports for sockets that ask for any (Linux's default where /proc cannot tell). */
function ephemeralPortRange(): [number, number] {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low!, high!];
  } catch {
    // Not Linux: its default is as good a guess as any.
  }
  return [32_768, 60_999];
}

/**
 * A run of `size` consecutive free loopback ports: the `start` command takes
 * a first port and counts up from it, one per service.
 */
export async function findFreePortBlock(size: number, avoid: readonly number[] = []): Promise<number> {
  // Below the kernel's ephemeral range: a port there can be handed to any socket asking for one (a listener on
  // port 0, an outgoing connection of another test) between this check and the platform's bind.
  const [ephemeralLow] = ephemeralPortRange();
  const span = Math.max(ephemeralLow - LOWEST_PORT - size, 1);
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = LOWEST_PORT + Math.floor(Math.random() * span);
    const ports = Array.from({ length: size }, (_, offset) => base + offset);
    if (ports.some((port) => avoid.includes(port))) continue;
    const free = await Promise.all(ports.map(portIsFree));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`found no ${size} consecutive free ports on ${benchHost}`);
}

export interface PlatformHandle extends ChildHandle {
  urls: PlatformUrls;
  /** SIGKILL: a platform that fell behind is dropped with its backlog, not drained. */
  kill(): Promise<void>;
}

/**
 * What a platform that failed to start logged: its errors first (a failed start logs its cause, then a page of
 * shutdown steps that would crowd it out of a plain tail), then its last lines.
 */
function failureLog(file: string, lines: number): string {
  try {
    const logged = readFileSync(file, "utf8").trimEnd().split("\n");
    // A service's error lines, and the command's own last word on why it stopped (`lienthong: …`).
    const errors = logged.filter((line) => /"level":"(error|fatal)"|^lienthong: /.test(line)).slice(-5);
    return [...errors, ...(errors.length > 0 ? ["…"] : []), ...logged.slice(-lines)].join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Starts the embedded platform exactly as `lienthong start` does, in its own
 * process, on a fresh data directory. Its environment is reduced to PATH so
 * that no SMTP server, webhook URL or OTLP endpoint of the caller's shell is
 * used: every message stays on this machine (mail goes to the server named in
 * `env`, else to files; webhooks go to the built-in commune simulator).
 */
export async function startPlatform(
  dataDir: string,
  logFile: string,
  readyTimeoutMs: number,
  /** Variables the benchmark sets on purpose, such as SMTP_URL for its own mail server. */
  env: Record<string, string> = {},
): Promise<PlatformHandle> {
  const count = PLATFORM_SERVICES.length;
  const httpBase = await findFreePortBlock(count);
  const httpPorts = Array.from({ length: count }, (_, offset) => httpBase + offset);
  const grpcBase = await findFreePortBlock(count, httpPorts);
  const grpcPorts = Array.from({ length: count }, (_, offset) => grpcBase + offset);
  const opsBase = await findFreePortBlock(count, [...httpPorts, ...grpcPorts]);
  const opsPorts = Array.from({ length: count }, (_, offset) => opsBase + offset);
  const simulatorPort = await findFreePortBlock(1, [...httpPorts, ...grpcPorts, ...opsPorts]);
  // Two platforms may run at once (bench-scale's baseline and scale): the console's default port would clash.
  const consolePort = await findFreePortBlock(1, [...httpPorts, ...grpcPorts, ...opsPorts, simulatorPort]);
  const log = openSync(logFile, "a");
  const binPath = path.join(__dirname, "..", "bin.js");
  const args = [
    "start",
    "--data-dir",
    dataDir,
    "--host",
    benchHost,
    "--http-port",
    String(httpBase),
    "--grpc-port",
    String(grpcBase),
    "--ops-port",
    String(opsBase),
    "--simulator-port",
    String(simulatorPort),
    "--console-port",
    String(consolePort),
  ];
  const child = spawn(process.execPath, [binPath, ...args], {
    stdio: ["ignore", log, log],
    env: { PATH: process.env.PATH, CLIENT_REQUESTS_PER_MINUTE: String(BENCH_CLIENT_REQUESTS_PER_MINUTE), ...env },
  });
  closeSync(log);

  const urls = platformUrls(benchHost, httpBase);
  const handle: PlatformHandle = {
    pid: child.pid ?? 0,
    urls,
    stop: () => stopChild(child),
    kill: () => stopChild(child, 0),
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the platform exited during start-up; last log lines:\n${failureLog(logFile, 20)}`);
    }
    if (await allReady(urls)) return handle;
    if (Date.now() > deadline) {
      await handle.stop();
      throw new Error(
        `the platform was not ready within ${readyTimeoutMs / 1000} s; last log lines:\n${failureLog(logFile, 20)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Whether every service answers /readyz with 2xx. */
export async function allReady(urls: PlatformUrls): Promise<boolean> {
  try {
    const answers = await Promise.all(
      Object.values(urls).map((url) => fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) })),
    );
    await Promise.all(answers.map((answer) => answer.arrayBuffer()));
    return answers.every((answer) => answer.ok);
  } catch {
    // Not listening yet.
    return false;
  }
}
