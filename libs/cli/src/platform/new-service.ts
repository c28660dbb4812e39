/**
 * `lienthong new service <name>`: a new service with the standard anatomy,
 * registered in the platform's one service list so that every place that
 * names services — the embedded platform, the topics, compose, Prometheus,
 * the README, the CLI and benchmarks — includes it without a hand edit.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { PLATFORM_SERVICES } from "@lienthong/contracts";

export interface NewServiceOptions {
  name: string;
  /** One line: what the service owns (README, the service list). */
  owns: string;
  /** Default: one above the highest port of the existing services. */
  httpPort?: number;
  grpcPort?: number;
  /** Progress lines for people. */
  log?: (line: string) => void;
}

/** One lowercase word: it names a proto package, a TypeScript namespace, a topic and a consumer group. */
const SERVICE_NAME = /^[a-z][a-z0-9]{1,29}$/;
const SERVICES_MARKER = "// lienthong new service: new entries go above this line.";
const EXPORTS_MARKER = "// lienthong new service: generated contracts are exported above this line.";

export function templateRoot(): string {
  return path.resolve(__dirname, "..", "..", "templates", "service");
}

export function createService(root: string, options: NewServiceOptions): string[] {
  const log = options.log ?? (() => undefined);
  const { name } = options;
  if (!SERVICE_NAME.test(name)) {
    throw new Error(`service name "${name}": use one lowercase word of letters and digits (2–30), e.g. "archive"`);
  }
  if (PLATFORM_SERVICES.some((service) => service.name === name) || existsSync(path.join(root, "services", name))) {
    throw new Error(`service "${name}" exists already`);
  }
  if (/[\n"\\`]/.test(options.owns)) throw new Error("--owns: one line without quotes or backslashes");
  const httpPort = options.httpPort ?? Math.max(...PLATFORM_SERVICES.map((service) => service.httpPort)) + 1;
  const grpcPort = options.grpcPort ?? Math.max(...PLATFORM_SERVICES.map((service) => service.grpcPort)) + 1;
  const opsPort = Math.max(...PLATFORM_SERVICES.map((service) => service.opsPort)) + 1;
  const values: Record<string, string> = {
    __name__: name,
    __Name__: name[0]!.toUpperCase() + name.slice(1),
    __owns__: options.owns,
    __httpPort__: String(httpPort),
    __grpcPort__: String(grpcPort),
  };
  const fill = (text: string) => text.replace(/__(name|Name|owns|httpPort|grpcPort)__/g, (token) => values[token]!);

  const written = copyTemplates(templateRoot(), root, fill);
  log(`created ${written.length} files for services/${name} and its proto`);

  insertBefore(path.join(root, "libs/contracts/src/platform-services.ts"), SERVICES_MARKER, [
    "  {",
    `    name: "${name}",`,
    `    package: "@lienthong/${name}",`,
    `    owns: "${options.owns}",`,
    `    httpPort: ${httpPort},`,
    `    grpcPort: ${grpcPort},`,
    `    opsPort: ${opsPort},`,
    `    topic: "lienthong.${name}.events.v1",`,
    // Every other service's events, as the template's handler expects; narrow it to what the service needs.
    `    consumes: [${PLATFORM_SERVICES.map((service) => `"${service.name}"`).join(", ")}],`,
    "  },",
  ]);
  insertBefore(path.join(root, "libs/contracts/src/index.ts"), EXPORTS_MARKER, [
    `export * as ${name} from "./gen/gov/lienthong/${name}/v1/${name}_service";`,
  ]);
  addDependency(path.join(root, "libs/cli/package.json"), `@lienthong/${name}`);
  log("registered it in the platform's service list and the contracts");

  // The house layout, so the new files pass the formatting check like every other.
  const formatted = written.filter((file) => /\.(ts|json|yml)$/.test(file));
  execFileSync(path.join(root, "node_modules/.bin/prettier"), ["--write", "--log-level=warn", ...formatted], {
    cwd: root,
  });
  execFileSync("bash", ["scripts/generate-contracts.sh"], { cwd: root, stdio: "inherit" });
  log("generated its contracts (libs/contracts/src/gen)");
  return written;
}

function copyTemplates(from: string, to: string, fill: (text: string) => string): string[] {
  const written: string[] = [];
  for (const entry of readdirSync(from)) {
    const source = path.join(from, entry);
    const target = path.join(to, fill(entry).replace(/\.tmpl$/, ""));
    if (statSync(source).isDirectory()) {
      written.push(...copyTemplates(source, target, fill));
      continue;
    }
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, fill(readFileSync(source, "utf8")));
    written.push(target);
  }
  return written;
}

function insertBefore(file: string, marker: string, lines: string[]): void {
  const text = readFileSync(file, "utf8");
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`${file}: the line "${marker}" is missing`);
  const lineStart = text.lastIndexOf("\n", at) + 1;
  writeFileSync(file, text.slice(0, lineStart) + lines.map((line) => `${line}\n`).join("") + text.slice(lineStart));
}

function addDependency(manifestFile: string, dependency: string): void {
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { dependencies: Record<string, string> };
  manifest.dependencies = Object.fromEntries(
    Object.entries({ ...manifest.dependencies, [dependency]: "*" }).sort(([a], [b]) => a.localeCompare(b)),
  );
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
}
