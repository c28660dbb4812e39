/**
 * `lienthong new service` end to end, on a copy of this repository: the
 * generated service builds, passes its own tests, lint, format and buf lint,
 * appears in every generated list of services, and runs in the embedded
 * platform next to the others, seeing a whole dossier's life.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from "node:fs";
import * as path from "node:path";
import { tempDir, waitFor, type TempDir } from "@lienthong/testing";
import { createService } from "../src/platform/new-service";
import { startEmbeddedProcess, type EmbeddedProcess } from "./support/embedded-process";
import { runDemo } from "../src/demo";

const REPOSITORY = path.resolve(__dirname, "../../..");
const NAME = "archive";

/** The repository's files (tracked or new, not ignored), with node_modules linked to this one's, its packages to the copy's. */
function copyRepository(into: string): void {
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: REPOSITORY });
  execFileSync("tar", ["--null", "-T", "-", "-cf", path.join(into, "..", "repository.tar")], {
    cwd: REPOSITORY,
    input: files,
  });
  execFileSync("tar", ["-xf", path.join(into, "..", "repository.tar"), "-C", into]);
  const modules = path.join(into, "node_modules");
  mkdirSync(path.join(modules, "@lienthong"), { recursive: true });
  for (const entry of readdirSync(path.join(REPOSITORY, "node_modules"))) {
    if (entry !== "@lienthong") symlinkSync(path.join(REPOSITORY, "node_modules", entry), path.join(modules, entry));
  }
}

/** What `npm install` does for a workspace: node_modules/@lienthong/<package> → its folder. */
function linkWorkspaces(root: string): void {
  for (const folder of ["libs", "services"]) {
    for (const entry of readdirSync(path.join(root, folder))) {
      const manifest = JSON.parse(readFileSync(path.join(root, folder, entry, "package.json"), "utf8")) as {
        name: string;
      };
      if (!manifest.name.startsWith("@lienthong/")) continue;
      const link = path.join(root, "node_modules", manifest.name);
      try {
        symlinkSync(path.join("..", "..", folder, entry), link);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      // What npm could not hoist (a version only this package asks for) stays in its own node_modules.
      const own = path.join(REPOSITORY, folder, entry, "node_modules");
      if (root !== REPOSITORY && existsSync(own) && !existsSync(path.join(root, folder, entry, "node_modules"))) {
        symlinkSync(own, path.join(root, folder, entry, "node_modules"));
      }
    }
  }
}

function run(root: string, command: string, args: string[]): string {
  return execFileSync(command, args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("lienthong new service", () => {
  let dir: TempDir;
  let root: string;
  let platform: EmbeddedProcess | undefined;

  beforeAll(async () => {
    dir = await tempDir("lienthong-new-service");
    root = dir.file("repository");
    mkdirSync(root);
    copyRepository(root);
    createService(root, { name: NAME, owns: "an archive of every dossier's lifecycle" });
    linkWorkspaces(root);
    // The build cache of this repository serves the packages the new service did not change.
    run(root, "node_modules/.bin/turbo", [
      "run",
      "build",
      "--output-logs=errors-only",
      `--cache-dir=${path.join(REPOSITORY, ".turbo", "cache")}`,
    ]);
    run(root, process.execPath, ["libs/cli/dist/bin.js", "platform", "sync"]);
  }, 600_000);

  afterAll(async () => {
    await platform?.stop();
    await dir.remove();
  }, 60_000);

  it("refuses a name that is not one lowercase word, or taken", () => {
    expect(() => createService(root, { name: "Case-Files", owns: "x" })).toThrow(/one lowercase word/);
    expect(() => createService(root, { name: "routing", owns: "x" })).toThrow(/exists already/);
  });

  it("appears in every list of services without a hand edit", () => {
    const read = (file: string) => readFileSync(path.join(root, file), "utf8");
    expect(read("libs/contracts/src/platform-services.ts")).toContain('name: "archive"');
    expect(read("docker-compose.yml")).toMatch(
      /\n {2}archive:\n {4}<<: \*service-image\n {4}command: \["node", "services\/archive\/dist\/main.js"\]/,
    );
    // Prometheus scrapes the ops listener, numbered after the others (9101–9104).
    expect(read("infra/prometheus/prometheus.yml")).toContain('- targets: ["archive:9105"]');
    expect(read("infra/kafka/create-topics.sh")).toContain("lienthong.archive.events.v1");
    expect(read("infra/kafka/create-topics.sh")).toMatch(/consumer_groups=".* archive"/);
    expect(read("README.md")).toContain("| [archive](services/archive/README.md) |");
    expect(JSON.parse(read("libs/cli/package.json")).dependencies).toHaveProperty("@lienthong/archive");
    // And the check CI runs agrees they are current.
    expect(run(root, process.execPath, ["libs/cli/dist/bin.js", "platform", "sync", "--check"])).toContain("current");
  });

  it("passes its own tests, the typecheck, lint, the formatting check and buf lint", () => {
    const jest = run(root, "node_modules/.bin/jest", ["services/archive", "--ci"]);
    expect(jest).toMatch(/jest: 3 passed, 0 failed/);
    run(root, "node_modules/.bin/tsc", ["-p", "services/archive/tsconfig.json", "--noEmit"]);
    run(root, "node_modules/.bin/eslint", ["services/archive", "libs/contracts/src", "--max-warnings=0"]);
    run(root, "node_modules/.bin/prettier", ["--check", "services/archive", "libs/contracts/src", "libs/cli"]);
    run(path.join(root, "proto"), "../node_modules/.bin/buf", ["lint"]);
  }, 300_000);

  it("runs in the embedded platform and sees a whole dossier's life", async () => {
    platform = await startEmbeddedProcess(dir.file("data"), {}, path.join(root, "libs/cli/dist/bin.js"));
    const archiveUrl = platform.urlOf("archive");
    const result = await runDemo({
      urls: platform.urls,
      credentials: platform.credentials,
      outDir: dir.file("out"),
      timeoutMs: 90_000,
      log: () => undefined,
    });
    await waitFor(
      async () => {
        const response = await fetch(`${archiveUrl}/v1/dossiers/${result.dossierCode}/summary`, {
          headers: platform!.credentials.client,
        });
        const body = (await response.json()) as { summary?: { status: number } };
        return body.summary?.status === 9;
      },
      { description: "the archive saw the dossier decided", timeoutMs: 60_000 },
    );
    expect((await fetch(`${archiveUrl}/readyz`)).status).toBe(200);
  }, 180_000);
});
