import { spawn, spawnSync, type ChildProcess } from "node:child_process";

/**
 * librdkafka's mock cluster, started through kcat (ARCHITECTURE.md §7). It speaks
 * the real Kafka protocol, so kafkajs and kcat itself can talk to it; topics are
 * auto-created with 4 partitions on first metadata request. Unlike a broker, it
 * answers a fetch that found no records only when the consumer's whole max wait
 * is over, however soon records arrive, and it refuses a group follower's
 * SyncGroup that comes after the leader's: its consumers need a short fetch wait
 * and a delayed leader (see the Kafka adapter's consumer tuning).
 */
export interface KafkaMock {
  bootstrapServers: string[];
  /** Every broker stops answering (SIGSTOP) and keeps its connections open, as a hung broker does, until thaw(). */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

export interface KafkaMockOptions {
  brokers?: number;
  /** How long to wait for the cluster to announce its bootstrap servers. */
  startTimeoutMs?: number;
}

/** librdkafka's notice as the mock starts: "Mock cluster enabled: … replaced with <bootstrap servers>". */
const BOOTSTRAP_LINE = /Mock cluster enabled: .* replaced with ([0-9.:,]+)\r?\n/;

/** True when the kcat binary can be run on this machine. */
export function kcatAvailable(): boolean {
  const probe = spawnSync("kcat", ["-V"], { stdio: "ignore" });
  return probe.error === undefined && probe.status === 0;
}

export async function startKafkaMock(options: KafkaMockOptions = {}): Promise<KafkaMock> {
  const brokers = options.brokers ?? 3;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  // kcat needs some bootstrap address; the mock replaces it. As a producer (`-P`) kcat waits on its standard input,
  // which keeps the mock alive until stop() closes it, or this process ends: a test killed outright leaves no mock.
  // No debug output (`-d`): librdkafka would log each request from the thread that serves every broker, and a
  // reader of the pipe that fell behind would stop the whole cluster (docs/decisions.md §76).
  const child = spawn("kcat", ["-P", "-b", "localhost:1", "-X", `test.mock.num.brokers=${brokers}`, "-t", "__mock"], {
    stdio: ["pipe", "ignore", "pipe"],
  });
  const bootstrapServers = await readBootstrapServers(child, startTimeoutMs);
  return {
    bootstrapServers,
    freeze: () => child.kill("SIGSTOP"),
    thaw: () => child.kill("SIGCONT"),
    stop: () => stopChild(child),
  };
}

function readBootstrapServers(child: ChildProcess, timeoutMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let seen = "";
    let settled = false;
    const finish = (error: Error | undefined, servers?: string[]): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        child.kill("SIGKILL");
        reject(error);
      } else {
        resolve(servers ?? []);
      }
    };
    const timer = setTimeout(
      () => finish(new Error(`kafka mock: no "bootstrap.servers" line from kcat within ${timeoutMs} ms`)),
      timeoutMs,
    );
    // Drained for as long as kcat runs: it has little more to say, but a full pipe would stop it.
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      if (settled) return;
      seen = (seen + chunk).slice(-8192);
      const match = BOOTSTRAP_LINE.exec(seen);
      if (match?.[1]) finish(undefined, match[1].split(","));
    });
    child.once("error", (error) => finish(new Error(`kafka mock: cannot run kcat: ${error.message}`)));
    child.once("exit", (code, signal) =>
      finish(new Error(`kafka mock: kcat exited before announcing the cluster (code ${code}, signal ${signal})`)),
    );
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 3_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    // kcat -P ends at the end of its input; a signal does not interrupt its read. A frozen mock reads nothing until
    // it is thawed.
    child.stdin?.end();
    child.kill("SIGCONT");
  });
}
