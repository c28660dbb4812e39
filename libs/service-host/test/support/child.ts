import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";

const packageRoot = path.resolve(__dirname, "../..");

export interface Child {
  process: ChildProcess;
  /** Every JSON log line the child wrote to stdout so far. */
  lines: Record<string, unknown>[];
  /** Resolves with the first line matching, or rejects after timeoutMs. */
  waitForLine(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Kills every fixture process still running: call in afterAll, so a failed test leaves no orphan. */
export async function killFixtures(): Promise<void> {
  const exits = [...running].map((child) => new Promise((resolve) => child.once("exit", resolve)));
  for (const child of running) child.kill("SIGKILL");
  await Promise.all(exits);
}

/** Runs a TypeScript fixture in a fresh node process, preloading `preload` modules (paths from the package root). */
export function runFixture(fixture: string, options: { env?: Record<string, string>; preload?: string[] } = {}): Child {
  const requires = ["test/support/ts-register.js", ...(options.preload ?? [])].flatMap((p) => [
    "--require",
    path.join(packageRoot, p),
  ]);
  const child = spawn(process.execPath, [...requires, path.join(packageRoot, fixture)], {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: {
    match: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
  }[] = [];
  let buffer = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const text = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (!text.startsWith("{")) continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.match(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  // "close", not "exit": only then has the output been read to its end.
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  running.add(child);
  void exited.then(() => running.delete(child));
  return {
    process: child,
    lines,
    exited,
    // Generous: on a loaded 2-core machine a child's startup can take several seconds.
    waitForLine(match, timeoutMs = 25_000) {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching line within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ match, resolve: (line) => (clearTimeout(timer), resolve(line)) });
      });
    },
  };
}
