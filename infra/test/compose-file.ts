import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/** The repository root: infra/test/ is two levels below it. */
export const repoRoot = path.resolve(__dirname, "../..");

export type Environment = Record<string, string>;

export interface DependsOnCondition {
  condition: string;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number | boolean | null>;
  volumes?: string[];
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

export function readCompose(): ComposeFile {
  return readYaml<ComposeFile>("docker-compose.yml");
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

/** Short-syntax volume entries whose source is a path of the repository (./...). */
export function bindMounts(compose: ComposeFile): BindMount[] {
  return Object.entries(compose.services).flatMap(([service, definition]) =>
    (definition.volumes ?? [])
      .filter((volume) => volume.startsWith("./"))
      .map((volume) => {
        const [hostPath = "", containerPath = ""] = volume.split(":");
        return { service, hostPath, containerPath };
      }),
  );
}

/** Short-syntax volume entries that name a named volume. */
export function namedVolumeMounts(compose: ComposeFile): { service: string; volume: string; containerPath: string }[] {
  return Object.entries(compose.services).flatMap(([service, definition]) =>
    (definition.volumes ?? [])
      .filter((volume) => !volume.startsWith("./") && !volume.startsWith("/"))
      .map((volume) => {
        const [name = "", containerPath = ""] = volume.split(":");
        return { service, volume: name, containerPath };
      }),
  );
}
