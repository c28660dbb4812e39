import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export const REPO = path.resolve(__dirname, "../../../..");
export const CLI = path.join(REPO, "libs/cli/dist/bin.js");
/** The shared reference data (never copied into the repository). */
export const SHARED_DATA = path.resolve(REPO, "../shared/data");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `lienthong` command as an operator would, and collects its output. */
export function lienthong(...args: string[]): Promise<CliResult> {
  return lienthongWithEnv({}, ...args);
}

/** As lienthong, with these variables added to the environment. */
export function lienthongWithEnv(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: build first (npx turbo run build --output-logs=errors-only)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Fresh data directories for one test file, removed after it. */
export function dataDirectories(prefix: string): () => string {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  return () => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}
