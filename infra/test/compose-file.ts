import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/** The repository root: infra/test/ is two levels below it. */
export const repoRoot = path.resolve(__dirname, "../..");

export type Environment = Record<string, string>;

export interface DependsOnCondition {
  condition: string;
}

/** A volumes entry in long syntax. */
export interface VolumeMount {
  type: "volume" | "bind" | "tmpfs";
  source?: string;
  target: string;
  read_only?: boolean;
  volume?: { subpath?: string };
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number | boolean | null>;
  volumes?: (string | VolumeMount)[];
  ports?: string[];
  profiles?: string[];
  depends_on?: Record<string, DependsOnCondition>;
  healthcheck?: { test: string[] };
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** Reads a YAML file of the repository, with `<<` merge keys resolved as Compose does. */
export function readYaml<T>(relativePath: string): T {
  return parse(fs.readFileSync(path.join(repoRoot, relativePath), "utf8"), { merge: true }) as T;
}

/** The compose file, or the one COMPOSE_FILE names (relative to the repository), as docker compose would pick. */
export function readCompose(): ComposeFile {
  return readYaml<ComposeFile>(process.env.COMPOSE_FILE ?? "docker-compose.yml");
}

export function serviceOf(compose: ComposeFile, name: string): ComposeService {
  const service = compose.services[name];
  if (!service) throw new Error(`docker-compose.yml has no service "${name}"`);
  return service;
}

/** A service's environment as strings, the way the container sees it. */
export function environmentOf(compose: ComposeFile, name: string): Environment {
  const environment = serviceOf(compose, name).environment ?? {};
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [key, value === null ? "" : String(value)]),
  );
}

export interface BindMount {
  service: string;
  hostPath: string;
  containerPath: string;
}

/** Every volume entry in long syntax (a short entry "source:target[:ro]" becomes one too). */
export function volumeMounts(definition: ComposeService): VolumeMount[] {
  return (definition.volumes ?? []).map((volume) => {
    if (typeof volume !== "string") return volume;
    const [source = "", target = "", mode] = volume.split(":");
    const type = source.startsWith("./") || source.startsWith("/") ? "bind" : "volume";
    return { type, source, target, ...(mode === "ro" && { read_only: true }) };
  });
}

/** Volume entries whose source is a path of the repository (./...). */
export function bindMounts(compose: ComposeFile): BindMount[] {
  return Object.entries(compose.services).flatMap(([service, definition]) =>
    volumeMounts(definition)
      .filter((mount) => mount.type === "bind" && mount.source?.startsWith("./"))
      .map((mount) => ({ service, hostPath: mount.source ?? "", containerPath: mount.target })),
  );
}

/** Volume entries that mount a named volume, with the part of it they mount. */
export function namedVolumeMounts(
  compose: ComposeFile,
): { service: string; volume: string; containerPath: string; subpath?: string; readOnly: boolean }[] {
  return Object.entries(compose.services).flatMap(([service, definition]) =>
    volumeMounts(definition)
      .filter((mount) => mount.type === "volume")
      .map((mount) => ({
        service,
        volume: mount.source ?? "",
        containerPath: mount.target,
        ...(mount.volume?.subpath !== undefined && { subpath: mount.volume.subpath }),
        readOnly: mount.read_only === true,
      })),
  );
}

/** A Java properties file of the repository (key=value lines; # comments). */
export function readProperties(relativePath: string): Record<string, string> {
  return Object.fromEntries(
    fs
      .readFileSync(path.join(repoRoot, relativePath), "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"))
      .map((line) => {
        const at = line.indexOf("=");
        return [line.slice(0, at).trim(), line.slice(at + 1).trim()];
      }),
  );
}
