import { execFile, spawnSync } from "node:child_process";

/**
 * The independent programs that check what we produce (ARCHITECTURE.md §7):
 * poppler's pdfsig, pdftotext and pdftoppm, OpenSSL, NSS's certutil, zbar's
 * zbarimg. Without them the tests are skipped on a developer machine and fail
 * under CI=true.
 */
export const PEER_TOOLS = {
  pdfsig: ["-v"],
  pdftotext: ["-v"],
  pdftoppm: ["-v"],
  openssl: ["version"],
  certutil: ["-H"],
  zbarimg: ["--version"],
} as const;

export type PeerTool = keyof typeof PEER_TOOLS;

const APT_PACKAGES: Record<PeerTool, string> = {
  pdfsig: "poppler-utils",
  pdftotext: "poppler-utils",
  pdftoppm: "poppler-utils",
  openssl: "openssl",
  certutil: "libnss3-tools",
  zbarimg: "zbar-tools",
};

function installed(tool: PeerTool): boolean {
  const probe = spawnSync(tool, [...PEER_TOOLS[tool]], { stdio: "ignore" });
  return probe.error === undefined;
}

/** describe() when every tool is installed; otherwise one test.todo naming what is missing, or one failing test under CI. */
export function describeWithPeers(tools: readonly PeerTool[], name: string, body: () => void): void {
  const missing = tools.filter((tool) => !installed(tool));
  if (missing.length === 0) {
    describe(name, body);
  } else if (process.env.CI === "true") {
    describe(name, () => {
      it("has its peer tools installed", () => {
        const packages = [...new Set(missing.map((tool) => APT_PACKAGES[tool]))].join(" ");
        throw new Error(`missing ${missing.join(", ")}: apt-get install ${packages}`);
      });
    });
  } else {
    test.todo(`${name} (needs ${missing.join(", ")})`);
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a peer tool; a non-zero exit is a result to assert on, not an exception. */
export function run(tool: PeerTool, args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // Generous: the tools share two cores with the rest of the test run.
    execFile(tool, [...args], { encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") {
        reject(new Error(`cannot run ${tool}: ${error.message}`, { cause: error }));
        return;
      }
      resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
    });
  });
}
