import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

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

const BOOTSTRAP_LINE = /Mock cluster \S+ bootstrap\.servers=([0-9.:,]+)/;

/** True when the kcat binary can be run on this machine. */
export function kcatAvailable(): boolean {
  const probe = spawnSync("kcat", ["-V"], { stdio: "ignore" });
  return probe.error === undefined && probe.status === 0;
}

export async function startKafkaMock(options: KafkaMockOptions = {}): Promise<KafkaMock> {
  const brokers = options.brokers ?? 3;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  // `-d mock` is what makes the mock announce its bootstrap servers, and it then logs every request for as long as
  // it runs. The log goes to a file, never to a pipe: the mock writes it from the thread that serves the brokers,
  // so a reader that falls behind (a test process starved of CPU) would stop the whole cluster, and a group whose
  // first JoinGroup met a stop of 3 s lost its answer to the mock's session check and waited 65 s for kafkajs'
  // timeout (docs/decisions.md §76).
  const logDir = await mkdtemp(join(tmpdir(), "lienthong-kafka-mock-"));
  const logPath = join(logDir, "kcat.log");
  const log = openSync(logPath, "w");
  // kcat needs some bootstrap address; the mock replaces it. `-G` makes kcat a
  // group consumer of a dummy topic, which keeps the process (and the mock) alive.
  const child = spawn(
    "kcat",
    ["-b", "localhost:1", "-X", `test.mock.num.brokers=${brokers}`, "-d", "mock", "-G", "lienthong-mock", "__mock"],
    { stdio: ["ignore", "ignore", log] },
  );
  closeSync(log);
  try {
    const bootstrapServers = await readBootstrapServers(child, logPath, startTimeoutMs);
    return {
      bootstrapServers,
      freeze: () => child.kill("SIGSTOP"),
      thaw: () => child.kill("SIGCONT"),
      stop: () => stopChild(child),
    };
  } finally {
    // kcat keeps writing to the file it holds open; unlinked, it takes no name and goes when kcat ends.
    await rm(logDir, { recursive: true, force: true });
  }
}

const BOOTSTRAP_POLL_MS = 20;

function readBootstrapServers(child: ChildProcess, logPath: string, timeoutMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const finish = (error: Error | undefined, servers?: string[]): void => {
      clearInterval(poll);
      clearTimeout(timer);
      child.off("error", onError);
      child.off("exit", onExit);
      if (error) {
        child.kill("SIGKILL");
        reject(error);
      } else {
        resolve(servers ?? []);
      }
    };
    const poll = setInterval(() => {
      // The line comes among kcat's first few; the file is read whole only while it is that small.
      const match = BOOTSTRAP_LINE.exec(readFileSync(logPath, "utf8"));
      if (match?.[1]) finish(undefined, match[1].split(","));
    }, BOOTSTRAP_POLL_MS);
    const timer = setTimeout(
      () => finish(new Error(`kafka mock: no "bootstrap.servers" line from kcat within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onError = (error: Error): void => finish(new Error(`kafka mock: cannot run kcat: ${error.message}`));
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      finish(new Error(`kafka mock: kcat exited before announcing the cluster (code ${code}, signal ${signal})`));
    child.once("error", onError);
    child.once("exit", onExit);
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
    child.kill("SIGTERM");
    // A frozen mock would hold the SIGTERM until it is thawed.
    child.kill("SIGCONT");
  });
}
