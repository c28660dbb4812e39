import { spawn } from "node:child_process";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { repoRoot } from "./compose-file";

// The container healthcheck (infra/docker/readyz-probe.js) against a real
// HTTP server standing in for a service's /readyz.

const probe = path.join(repoRoot, "infra/docker/readyz-probe.js");

function runProbe(environment: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [probe], {
      env: { PATH: process.env.PATH ?? "", ...environment },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

async function withServer(
  handler: http.RequestListener,
  use: (port: number, paths: string[]) => Promise<void>,
): Promise<void> {
  const paths: string[] = [];
  const server = http.createServer((request, response) => {
    paths.push(request.url ?? "");
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await use((server.address() as AddressInfo).port, paths);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe("infra/docker/readyz-probe.js", () => {
  it("passes when /readyz answers 200", async () => {
    await withServer(
      (_request, response) => response.writeHead(200).end("ready"),
      async (port, paths) => {
        const result = await runProbe({ HTTP_PORT: String(port) });
        expect(result).toEqual({ code: 0, stderr: "" });
        expect(paths).toEqual(["/readyz"]);
      },
    );
  });

  it("fails when the service says it is not ready (503)", async () => {
    await withServer(
      (_request, response) => response.writeHead(503).end("starting"),
      async (port) => {
        const result = await runProbe({ HTTP_PORT: String(port) });
        expect(result.code).toBe(1);
        expect(result.stderr).toContain("answered 503");
      },
    );
  });

  it("fails when the service does not answer in time", async () => {
    await withServer(
      () => undefined,
      async (port) => {
        const result = await runProbe({ HTTP_PORT: String(port), READYZ_PROBE_TIMEOUT_MS: "200" });
        expect(result.code).toBe(1);
        expect(result.stderr).toContain("unreachable");
      },
    );
  });

  it("fails when nothing listens on the port", async () => {
    let freePort = 0;
    await withServer(
      (_request, response) => response.end(),
      async (port) => {
        freePort = port;
      },
    );
    const result = await runProbe({ HTTP_PORT: String(freePort) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("unreachable");
  });

  it("refuses to guess when HTTP_PORT is missing", async () => {
    const result = await runProbe({});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("HTTP_PORT must be a TCP port number");
  });
});
