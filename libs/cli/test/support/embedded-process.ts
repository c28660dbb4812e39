import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { developmentCredentials, type DemoCredentials } from "../../src/dev-credentials";
import type { PlatformUrls } from "../../src/platform-urls";
import { CLI } from "./cli";

export interface EmbeddedProcess {
  child: ChildProcess;
  urls: PlatformUrls;
  /** Each service's operations listener (metrics, probes). */
  opsUrls: PlatformUrls;
  /** The development client's key and the sample officials' tokens this platform accepts. */
  credentials: DemoCredentials;
  /** The HTTP URL `lienthong start` printed for a service. */
  urlOf(name: string): string;
  communeSimulatorUrl: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: the crash a power cut or OOM killer causes. */
  kill9(): Promise<void>;
}

/**
 * Runs `lienthong start` — the command a newcomer runs — as a child process on
 * free ports, and returns the URLs it printed.
 */
export async function startEmbeddedProcess(
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
  cli: string = CLI,
): Promise<EmbeddedProcess> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npm test runs the build)`);
  const child = spawn(
    process.execPath,
    [
      cli,
      "start",
      "--data-dir",
      dataDir,
      "--http-port",
      "0",
      "--grpc-port",
      "0",
      "--ops-port",
      "0",
      "--simulator-port",
      "0",
    ],
    {
      env: { ...process.env, LOG_LEVEL: "info", IDENTITY_DIR: path.join(dataDir, "identity"), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const deadline = Date.now() + 30_000;
  while (!/commune system simulator (\S+)\/webhooks/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`lienthong start did not come up:\n${output.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const urlOf = (name: string) => {
    const match = new RegExp(`^\\s+${name}\\s+(http://\\S+)`, "m").exec(output);
    if (!match?.[1]) throw new Error(`no URL printed for ${name}`);
    return match[1];
  };
  const opsUrlOf = (name: string) => {
    const match = new RegExp(`^\\s+${name}\\s.*\\sops (http://\\S+)`, "m").exec(output);
    if (!match?.[1]) throw new Error(`no ops URL printed for ${name}`);
    return match[1];
  };
  return {
    child,
    urlOf,
    credentials: await developmentCredentials(path.join(dataDir, "identity")),
    urls: {
      intake: urlOf("intake"),
      routing: urlOf("routing"),
      signature: urlOf("signature"),
      notification: urlOf("notification"),
    },
    opsUrls: {
      intake: opsUrlOf("intake"),
      routing: opsUrlOf("routing"),
      signature: opsUrlOf("signature"),
      notification: opsUrlOf("notification"),
    },
    communeSimulatorUrl: /commune system simulator (\S+)\/webhooks/.exec(output)?.[1] ?? "",
    output: () => output,
    stop: async () => {
      child.kill("SIGTERM");
      return exited;
    },
    kill9: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

export async function spansOf(
  urls: PlatformUrls,
  traceId: string,
  operator: Record<string, string>,
): Promise<Record<string, unknown>[]> {
  const lists = await Promise.all(
    Object.values(urls).map(
      async (url) =>
        (
          (await (await fetch(`${url}/ops/traces/${traceId}`, { headers: operator })).json()) as {
            spans: Record<string, unknown>[];
          }
        ).spans,
    ),
  );
  return [...new Map(lists.flat().map((span) => [span.spanId, span])).values()];
}
