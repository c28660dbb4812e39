import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { KafkaMock } from "@lienthong/testing/kafka-mock";
import { tempDir, type TempDir } from "@lienthong/testing/temp-dir";
import { PLATFORM_SERVICES, type ServiceName } from "@lienthong/contracts";
import type { PlatformUrls } from "../platform-urls";

/*
 * The services of distributed mode as separate processes on librdkafka's mock
 * cluster: what `lienthong bench-kafka` measures and what the Kafka tests
 * (libs/cli/test) start, one launcher for both.
 */

const REPO = path.resolve(__dirname, "../../../..");

/** Every service of the platform (a service added with `lienthong new service` too), in platform order. */
export const SERVICE_NAMES: readonly ServiceName[] = PLATFORM_SERVICES.map((service) => service.name);
export type { ServiceName };

/** A killed member's partitions move after 10 s rather than 30 s: each kill -9 of a test costs that twice. */
export const MOCK_SESSION_TIMEOUT_MS = 10_000;

/**
 * What every service process needs to run against librdkafka's mock cluster:
 * the brokers, topics the mock creates itself, and the two settings the mock
 * needs that Kafka does not (docs/decisions.md §22) — a short fetch wait (the
 * mock holds an empty fetch for its whole wait, so each hop would take
 * seconds; 50 ms measured best end to end, §32) and a group leader that syncs
 * last. `identityDir` is shared by every process, as a province has one
 * identity provider: the development issuer and the applicants' link secret
 * live there.
 */
export function mockClusterEnv(mock: KafkaMock, identityDir: string): NodeJS.ProcessEnv {
  return {
    IDENTITY_DIR: identityDir,
    BUS: "kafka",
    KAFKA_BROKERS: mock.bootstrapServers.join(","),
    KAFKA_CREATE_TOPICS: "false",
    KAFKA_IDEMPOTENT_PRODUCER: "false",
    KAFKA_MAX_WAIT_MS: "50",
    KAFKA_LEADER_SYNC_DELAY_MS: "300",
    KAFKA_SESSION_TIMEOUT_MS: String(MOCK_SESSION_TIMEOUT_MS),
    KAFKA_HEARTBEAT_INTERVAL_MS: "1000",
  };
}

/** The last lines a child wrote (stdout and stderr interleaved), for failure messages. */
export class LogTail {
  private readonly lines: string[] = [];
  private partial = "";

  constructor(private readonly limit = 200) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split("\n");
    this.partial = parts.pop() ?? "";
    for (const line of parts) this.add(line);
  }

  /** The last `count` lines, the unterminated one included, leaving out those `skip` matches. */
  text(count = 60, skip?: RegExp): string {
    return [...this.lines, this.partial]
      .filter((line) => line !== "" && !skip?.test(line))
      .slice(-count)
      .join("\n");
  }

  private add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.limit) this.lines.shift();
  }
}

export interface ServiceProcess {
  name: ServiceName;
  child: ChildProcess;
  httpUrl: string;
  grpcPort: number;
  dataDir: TempDir;
  logs: LogTail;
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ServiceLaunch {
  name: ServiceName;
  /** Variables on top of the base environment and the per-process defaults (own DATA_DIR, loopback, ports 0). */
  env: NodeJS.ProcessEnv;
  /** What the process inherits (default: this process's environment). */
  baseEnv?: NodeJS.ProcessEnv;
  startTimeoutMs: number;
  /** Start on this data directory (a restart after a crash) instead of a new one; it is kept if the start fails. */
  dataDir?: TempDir;
  /** Aborting sends the process SIGTERM, whether it is still starting or long started (an interrupted benchmark). */
  signal?: AbortSignal;
}

/** The built entry point of a service; throws, naming the fix, when it was not built. */
export function serviceEntryPoint(name: ServiceName): string {
  const entry = path.join(REPO, "services", name, "dist", "main.js");
  if (!existsSync(entry)) {
    throw new Error(`${path.relative(REPO, entry)} is missing: build first (npm test builds; or npx turbo run build)`);
  }
  return entry;
}

/**
 * Starts `node services/<name>/dist/main.js` with its own data directory and
 * resolves once it logged "service started" with its HTTP URL and gRPC port
 * (the ports are chosen by the OS). Rejects with the child's log tail when it
 * exits or stays silent past the timeout; the child is then killed.
 */
export async function startServiceProcess(launch: ServiceLaunch): Promise<ServiceProcess> {
  const entry = serviceEntryPoint(launch.name);
  const dataDir = launch.dataDir ?? (await tempDir(`lienthong-kafka-${launch.name}`));
  // Enough to keep a process's group joins and crashes past its request logs.
  const logs = new LogTail(5_000);
  const child = spawn(process.execPath, [entry], {
    cwd: REPO,
    env: {
      ...(launch.baseEnv ?? process.env),
      LOG_LEVEL: "info",
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: "0",
      GRPC_PORT: "0",
      OPS_PORT: "0",
      DATA_DIR: dataDir.path,
      ...launch.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    signal: launch.signal,
  });
  // An abort is reported as an error as well as by the exit that follows; the exit is what callers wait for.
  child.on("error", (error) => logs.push(`${error.message}\n`));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => logs.push(chunk));
  child.stdout?.setEncoding("utf8");

  const started = new Promise<{ http: string; grpcPort: number }>((resolve, reject) => {
    let pending = "";
    let announced = false;
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `${launch.name} did not log "service started" within ${launch.startTimeoutMs} ms; last output:\n${logs.text()}`,
          ),
        ),
      launch.startTimeoutMs,
    );
    child.stdout?.on("data", (chunk: string) => {
      logs.push(chunk);
      if (announced) return;
      const lines = (pending + chunk).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const address = startedLine(line);
        if (address) {
          announced = true;
          clearTimeout(timer);
          resolve(address);
          return;
        }
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(`${launch.name} exited during start (code ${code}, signal ${signal}); last output:\n${logs.text()}`),
      );
    });
  });

  try {
    const { http, grpcPort } = await started;
    return { name: launch.name, child, httpUrl: http, grpcPort, dataDir, logs, exited };
  } catch (error) {
    child.kill("SIGKILL");
    await exited;
    if (!launch.dataDir) await dataDir.remove();
    throw error;
  }
}

function startedLine(line: string): { http: string; grpcPort: number } | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const entry = JSON.parse(line) as { msg?: string; http?: string; grpcPort?: number };
    if (entry.msg === "service started" && typeof entry.http === "string" && typeof entry.grpcPort === "number") {
      return { http: entry.http, grpcPort: entry.grpcPort };
    }
  } catch {
    // Not a log record of ours: ignore it.
  }
  return undefined;
}

/**
 * SIGTERM, then the exit. Resolves with what the process reported, or
 * `timedOut` after the bound — in which case it was killed with SIGKILL, so
 * nothing outlives the caller.
 */
export async function stopServiceProcess(
  service: ServiceProcess,
  timeoutMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }> {
  if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  const outcome = await Promise.race([service.exited, timedOut]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    service.child.kill("SIGKILL");
    return { ...(await service.exited), timedOut: true };
  }
  return { ...outcome, timedOut: false };
}

/** Last resort: SIGKILL whatever still runs and delete the data directories. */
export async function killServiceProcesses(services: readonly ServiceProcess[]): Promise<void> {
  await Promise.all(
    services.map(async (service) => {
      if (service.child.exitCode === null && service.child.signalCode === null) {
        service.child.kill("SIGKILL");
        await service.exited;
      }
      await service.dataDir.remove();
    }),
  );
}

/** Where each service of a set of running processes answers. */
export function serviceProcessUrls(services: readonly ServiceProcess[]): PlatformUrls {
  return Object.fromEntries(
    SERVICE_NAMES.map((name) => {
      const service = services.find((candidate) => candidate.name === name);
      if (!service) throw new Error(`${name} is not running`);
      return [name, service.httpUrl];
    }),
  ) as PlatformUrls;
}
