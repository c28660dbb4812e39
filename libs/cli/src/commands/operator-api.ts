/**
 * How operator commands reach the services' operations APIs: each service's
 * REST URL (an embedded platform's ports, or one URL per service in
 * distributed mode), the operator's bearer token, and a service's refusal
 * shown in its own words on stderr with exit code 1. The services
 * authenticate, authorise and audit the call as they do for the console.
 */
import { InvalidArgumentError, type Command } from "commander";
import { PLATFORM_SERVICES, type ServiceName } from "@lienthong/contracts";
import { AUTHORIZATION_HEADER } from "@lienthong/service-host";
import { platformUrls, type PlatformUrls } from "../platform-urls";

export const SERVICE_NAMES: readonly string[] = PLATFORM_SERVICES.map((service) => service.name);

export interface Connection {
  urls: PlatformUrls;
  headers: Record<string, string>;
}

export interface ConnectionOptions {
  host: string;
  httpPort: number;
  serviceUrl: Record<string, string>;
  token?: string;
  dev?: boolean;
  dataDir: string;
  json?: boolean;
}

/** A failed call: what the service answered, in its own words (problem+json), without the token. */
export class ServiceRefused extends Error {}

function serviceUrlPair(value: string, previous: Record<string, string>): Record<string, string> {
  const [name, url] = value.split(/=(.*)/s);
  if (!name || !url || !SERVICE_NAMES.includes(name)) {
    throw new InvalidArgumentError(`expected <service>=<url> with a service of ${SERVICE_NAMES.join(", ")}`);
  }
  return { ...previous, [name]: url.replace(/\/+$/, "") };
}

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65_535) throw new InvalidArgumentError("not a port");
  return parsed;
}

export async function connect(options: ConnectionOptions): Promise<Connection> {
  const urls: PlatformUrls = { ...platformUrls(options.host, options.httpPort), ...options.serviceUrl };
  if (options.dev) {
    /* eslint-disable @typescript-eslint/no-require-imports -- the development issuer is read only with --dev */
    const { developmentCredentials, identityDirOf } =
      require("../dev-credentials") as typeof import("../dev-credentials");
    /* eslint-enable @typescript-eslint/no-require-imports */
    return { urls, headers: (await developmentCredentials(identityDirOf(options.dataDir))).operator };
  }
  const token = options.token ?? process.env.LIENTHONG_TOKEN;
  if (!token) {
    throw new InvalidArgumentError("an operator's token is needed: --token, LIENTHONG_TOKEN, or --dev (embedded)");
  }
  return { urls, headers: { [AUTHORIZATION_HEADER]: `Bearer ${token}` } };
}

export async function call(
  connection: Connection,
  service: ServiceName,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<unknown> {
  const url = `${connection.urls[service]}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? "GET",
      headers: {
        ...connection.headers,
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new ServiceRefused(`${service} could not be reached at ${connection.urls[service]} (is it running?)`);
  }
  const text = await response.text();
  if (!response.ok) {
    let detail = text;
    try {
      const problem = JSON.parse(text) as { detail?: string; title?: string };
      detail = problem.detail ?? problem.title ?? text;
    } catch {
      // Not problem+json (a proxy's page): shown as it came.
    }
    throw new ServiceRefused(`${service} answered ${response.status}: ${detail}`);
  }
  return text ? (JSON.parse(text) as unknown) : undefined;
}

export function print(options: { json?: boolean }, value: unknown, human: () => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

export function withConnectionOptions(command: Command): Command {
  return command
    .option("--host <host>", "where an embedded platform runs", "127.0.0.1")
    .option("--http-port <port>", "first HTTP port of an embedded platform", port, 8081)
    .option("--service-url <service=url>", "a service's REST URL (distributed mode; repeatable)", serviceUrlPair, {})
    .option("--token <token>", "the operator's bearer token (default: LIENTHONG_TOKEN)")
    .option("--dev", "sign in as the development operator of an embedded platform's data directory")
    .option("--data-dir <dir>", "the embedded platform's data directory (--dev)", process.env.DATA_DIR ?? "var/data")
    .option("--json", "print JSON only");
}

/** Runs an action, turning a service's refusal into one line on stderr and exit code 1. */
export function guarded<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      if (!(error instanceof ServiceRefused)) throw error;
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
    }
  };
}
