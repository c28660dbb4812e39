import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, expect, test } from "@jest/globals";
import { describeWithKafka, waitFor } from "@lienthong/testing";
import { CLI } from "./support/cli";

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * `lienthong bench-kafka` as `npm run bench:kafka` runs it, with its own
 * TMPDIR, so that whatever it leaves behind is seen; `onStderr` hears its
 * progress as it comes.
 */
function benchKafka(tmp: string, args: string[], onStderr?: (text: string, pid: number) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "bench-kafka", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, TMPDIR: tmp },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
      onStderr?.(stderr, child.pid ?? 0);
    });
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Every live process whose parent is `pid`, and theirs (Linux /proc). */
function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid …": the command may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // The process ended while the list was read.
    }
  }
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const [child, ppid] of parents) {
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describeWithKafka("lienthong bench-kafka (npm run bench:kafka)", () => {
  const dirs: string[] = [];
  const freshTmp = () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lienthong-bench-kafka-test-"));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  test("prints one JSON object accounting for every planned dossier and both Kafka targets, and leaves nothing behind", async () => {
    const tmp = freshTmp();
    const run = await benchKafka(tmp, ["--json", "--rate", "2", "--duration", "3"]);
    // Its progress and the services' log tails say why, when it failed.
    expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr }).toEqual({ code: 0, stderr: "" });

    // The whole of stdout: a phase line or a progress bar before or after the object fails here.
    const report = JSON.parse(run.stdout);
    const aNumber = expect.any(Number);
    expect(report.machine).toMatchObject({ cores: aNumber, cpuModel: expect.any(String), node: expect.any(String) });
    expect(report.settings).toMatchObject({ ratePerSecond: 2, durationSeconds: 3, mockBrokers: aNumber });
    expect(report.settings.serviceKafkaEnv).toMatchObject({ KAFKA_MAX_WAIT_MS: expect.any(String) });
    expect(report.settings.serviceKafkaEnv).not.toHaveProperty("KAFKA_BROKERS");

    const { endToEnd } = report;
    expect(endToEnd).toMatchObject({ ratePerSecond: 2, planned: 6, completed: aNumber });
    expect(endToEnd).toHaveProperty("p99Seconds");
    // Every planned dossier is accounted for: it reached its result mail or stopped short at a named step.
    const stoppedShort = Object.values(endToEnd.failures as Record<string, number>).reduce((sum, n) => sum + n, 0);
    expect(endToEnd.completed + stoppedShort).toBe(endToEnd.planned);
    expect(endToEnd.p99Seconds).toBe(endToEnd.completed > 0 ? endToEnd.submitToNotifiedSeconds.p99 : null);

    const [completion, latency] = report.targets;
    expect(report.targets).toHaveLength(2);
    expect(completion).toMatchObject({ target: 6, measured: endToEnd.completed, met: endToEnd.completed === 6 });
    expect(latency).toMatchObject({ target: 3, measured: endToEnd.p99Seconds });
    expect(latency.met).toBe(endToEnd.p99Seconds !== null && endToEnd.p99Seconds < 3);

    expect(run.stderr).toContain("librdkafka's mock cluster");
    // stdout is not a terminal here: no progress bar is drawn, not even on stderr.
    expect(run.stderr).not.toContain("\u001b[");
    // The services' and the bench's data directories are gone.
    expect(readdirSync(tmp)).toEqual([]);
  }, 240_000);

  test("Ctrl+C during the run stops the mock cluster and every service process and removes their data", async () => {
    const tmp = freshTmp();
    let children: number[] = [];
    let interrupted = false;
    const run = await benchKafka(tmp, ["--rate", "2", "--duration", "60"], (stderr, pid) => {
      if (interrupted || !stderr.includes("end to end:")) return;
      interrupted = true;
      children = descendantsOf(pid);
      process.kill(pid, "SIGINT");
    });
    try {
      expect({ interrupted, stderr: interrupted ? "" : run.stderr }).toEqual({ interrupted: true, stderr: "" });
      expect(run.code).toBe(130);
      // kcat and the four services at least.
      expect(children.length).toBeGreaterThanOrEqual(5);
      // The bench waited for each to end before it exited; give the OS a moment to reap any grandchild.
      await waitFor(() => children.every((pid) => !alive(pid)), {
        timeoutMs: 5_000,
        intervalMs: 100,
        description: "every process the bench started has ended",
      });
    } finally {
      // Whatever the bench left running must not outlive the test.
      for (const pid of children.filter(alive)) process.kill(pid, "SIGKILL");
    }
    expect(readdirSync(tmp)).toEqual([]);
  }, 240_000);
});
