import { existsSync } from "node:fs";
import * as path from "node:path";
import { PLATFORM_SERVICES, events, type ServiceName } from "@lienthong/contracts";
import { DOSSIER_STATUSES, loadReferenceData } from "@lienthong/domain";
import { PlatformError } from "@lienthong/errors";
import {
  DEVELOPMENT_OFFICIALS,
  createHttpApp,
  createLogger,
  createMetrics,
  createReadiness,
  openDevelopmentIssuer,
  parseInput,
  startHttpServer,
  type Access,
  type DevelopmentOfficial,
  type HttpApp,
  type Logger,
} from "@lienthong/service-host";
import type { Response } from "express";
import { z } from "zod";
import { isLoopback, type ConsoleConfig } from "./config";
import { forwardToService } from "./proxy";

/** The built front end (vite build writes it beside the compiled server; from the sources, the same folder). */
export const WEB_ROOT = path.resolve(__dirname, "../dist/web");

/**
 * What the console's own endpoints ask of their callers (docs/decisions.md §18).
 * The console holds no credential and grants nothing: what it serves itself is
 * public by nature, and what it forwards is decided by the service it reaches.
 */
const PAGE: Access = { public: "the console's page and scripts: code, no data" };
const SIGN_IN_SETTINGS: Access = {
  public: "what the sign-in page needs before anyone is signed in: the identity provider's address and client id",
};
const UNITS: Access = { public: "administrative units are published information (as intake's reference data)" };
const FORWARDED: Access = {
  public:
    "forwarded with the caller's own Authorization header to the service it names, which authenticates and authorises it",
};
const DEVELOPMENT_SIGN_IN: Access = {
  public:
    "development identities only (never in production): the sample officials of a platform without an identity provider",
};

const tokenRequestSchema = z.object({ subject: z.string().min(1).max(200) });
/** A console session lasts a working day, as the development issuer's tokens do by default. */
const DEVELOPMENT_TOKEN_TTL_SECONDS = 8 * 3600;

export interface ConsoleServerOptions {
  /** Replaces the logger built from LOG_LEVEL (tests capture it). */
  logger?: Logger;
  /** Where the built front end is (default WEB_ROOT). */
  webRoot?: string;
}

export interface RunningConsole {
  url: string;
  close(): Promise<void>;
}

/**
 * The console's server: the built pages, the sign-in settings, the units the
 * communes page lists, development sign-in where it is on, and `/api/<service>/…`
 * forwarded to the service. Every endpoint goes through service-host's route
 * registry, so each declares its access and is logged by route template.
 */
export function createConsoleApp(config: ConsoleConfig, options: ConsoleServerOptions = {}): HttpApp {
  const webRoot = options.webRoot ?? WEB_ROOT;
  if (!existsSync(path.join(webRoot, "index.html"))) {
    throw new Error(
      `the console's pages are not built (no ${webRoot}/index.html): npm run build -w @lienthong/console`,
    );
  }
  const logger = options.logger ?? createLogger({ service: "console", level: config.logLevel });
  const readiness = createReadiness();
  const http = createHttpApp({
    service: "console",
    logger,
    readiness,
    metrics: createMetrics({ service: "console", collectDefaults: false }),
  });
  readiness.markReady();

  const identityProviderOrigin = config.oidc ? new URL(config.oidc.authority).origin : undefined;
  http.route({
    method: "get",
    path: "/",
    access: PAGE,
    handle: async (_request, response) => {
      // The page holds an official's token: no inline script, no other origin but the identity provider's, no framing.
      response.setHeader(
        "content-security-policy",
        [
          "default-src 'self'",
          `connect-src 'self'${identityProviderOrigin ? ` ${identityProviderOrigin}` : ""}`,
          "img-src 'self' data:",
          "style-src 'self'",
          "frame-ancestors 'none'",
          "base-uri 'none'",
          "form-action 'self'",
        ].join("; "),
      );
      response.setHeader("referrer-policy", "no-referrer");
      response.setHeader("cache-control", "no-cache");
      await sendFile(response, webRoot, "index.html");
    },
  });
  http.route({
    method: "get",
    path: "/assets/*file",
    access: PAGE,
    handle: async (request, response) => {
      const file = (request.params as { file: string[] }).file.join("/");
      // Vite names every asset by its content's hash: a name never changes meaning.
      response.setHeader("cache-control", "public, max-age=31536000, immutable");
      await sendFile(response, path.join(webRoot, "assets"), file);
    },
  });

  const serviceNames = PLATFORM_SERVICES.map((service) => service.name);
  // The platform's own tables, so the pages name statuses and channels as every other place does.
  const labels = {
    statuses: Object.values(DOSSIER_STATUSES).map(({ code, vi, en }) => ({ code, vi, en })),
    deliveryChannels: enumNames(events.DeliveryChannel, "DELIVERY_CHANNEL_"),
    recipientKinds: enumNames(events.RecipientKind, "RECIPIENT_KIND_"),
  };
  http.route({
    method: "get",
    path: "/console/settings",
    access: SIGN_IN_SETTINGS,
    handle: async (_request, response) => {
      response.setHeader("cache-control", "no-store");
      response.json({
        services: serviceNames,
        oidc: config.oidc ?? null,
        developmentSignIn: config.developmentIssuerDir !== undefined,
        labels,
      });
    },
  });

  const units = loadReferenceData({ dataDir: config.dataDir, unitsFile: config.unitsFile }).units;
  http.route({
    method: "get",
    path: "/console/units",
    access: UNITS,
    handle: async (_request, response) => {
      response.json({
        provinces: units.provinces().map(({ code, name, fullName }) => ({ code, name, fullName })),
      });
    },
  });
  http.route({
    method: "get",
    path: "/console/units/:provinceCode",
    access: UNITS,
    handle: async (request, response) => {
      const provinceCode = String(request.params.provinceCode);
      const province = units.provinces().find((candidate) => candidate.code === provinceCode);
      if (!province) throw new PlatformError("NOT_FOUND", "No province has this code");
      response.json({
        province: { code: province.code, name: province.name, fullName: province.fullName },
        communes: units.communesOf(province.code).map(({ code, name, fullName }) => ({ code, name, fullName })),
      });
    },
  });

  if (config.developmentIssuerDir !== undefined) {
    registerDevelopmentSignIn(http, config.developmentIssuerDir, logger);
  }

  for (const method of ["get", "post", "put", "delete"] as const) {
    http.route({
      method,
      path: "/api/:service/*path",
      access: FORWARDED,
      // The body is streamed to the service untouched; the service reads and checks it.
      body: "none",
      handle: async (request, response) => {
        const service = String(request.params.service);
        if (!isServiceName(service, serviceNames)) throw new PlatformError("NOT_FOUND", "No service has this name");
        await forwardToService(request, response, {
          service,
          baseUrl: config.services[service],
          prefix: `/api/${service}`,
          timeoutMs: config.proxyTimeoutMs,
        });
      },
    });
  }
  http.mountErrorHandler();
  return http;
}

/** Listens on the configured address; `close` finishes the calls in flight. */
export async function startConsole(config: ConsoleConfig, options: ConsoleServerOptions = {}): Promise<RunningConsole> {
  const http = createConsoleApp(config, options);
  const server = await startHttpServer(http.app, { host: config.host, port: config.port });
  return { url: server.url, close: server.close };
}

function registerDevelopmentSignIn(http: HttpApp, identityDir: string, logger: Logger): void {
  logger.warn(
    { identityDir },
    "DEVELOPMENT sign-in is on: anyone reaching the console can sign in as a sample official — never expose this to a network",
  );
  const officials: readonly DevelopmentOfficial[] = Object.values(DEVELOPMENT_OFFICIALS);
  const issuer = openDevelopmentIssuer(identityDir);
  // A failure to open the key is reported when someone signs in, not as an unhandled rejection now.
  issuer.catch(() => undefined);
  http.route({
    method: "get",
    path: "/console/development/officials",
    access: DEVELOPMENT_SIGN_IN,
    handle: async (_request, response) => {
      response.json({
        officials: officials.map(({ subject, name, roles, unitCodes }) => ({ subject, name, roles, unitCodes })),
      });
    },
  });
  http.route({
    method: "post",
    path: "/console/development/token",
    access: DEVELOPMENT_SIGN_IN,
    handle: async (request, response) => {
      // A page of another site whose name was pointed at this address (DNS rebinding) names its own host: refused.
      const hostname = (request.hostname || "").replace(/^\[|\]$/g, "");
      if (!isLoopback(hostname)) {
        throw new PlatformError("PERMISSION_DENIED", "Development sign-in answers only pages served from this machine");
      }
      const { subject } = parseInput(tokenRequestSchema, request.body);
      const official = officials.find((candidate) => candidate.subject === subject);
      if (!official) throw new PlatformError("NOT_FOUND", "No development official has this subject");
      const issuedAt = new Date();
      const accessToken = await (
        await issuer
      ).sign(official, {
        ttlSeconds: DEVELOPMENT_TOKEN_TTL_SECONDS,
        now: issuedAt,
      });
      response.setHeader("cache-control", "no-store");
      response.json({
        accessToken,
        expiresAt: new Date(issuedAt.getTime() + DEVELOPMENT_TOKEN_TTL_SECONDS * 1000).toISOString(),
      });
    },
  });
}

/** A generated protobuf enum's values by number, without its prefix, leaving out UNSPECIFIED and UNRECOGNIZED. */
function enumNames(values: Record<string, string | number>, prefix: string): Record<number, string> {
  return Object.fromEntries(
    Object.entries(values)
      .filter((entry): entry is [string, number] => typeof entry[1] === "number" && entry[1] > 0)
      .map(([name, value]) => [value, name.slice(prefix.length)]),
  );
}

function isServiceName(name: string, names: readonly ServiceName[]): name is ServiceName {
  return (names as readonly string[]).includes(name);
}

/** Sends a file under `root` (send refuses a path that leaves it, and dotfiles); a missing file is a 404 problem. */
function sendFile(response: Response, root: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    response.sendFile(file, { root, dotfiles: "deny" }, (error) => {
      if (!error) resolve();
      else if ((error as { status?: number }).status === 404 || (error as { status?: number }).status === 403) {
        reject(new PlatformError("NOT_FOUND", "No such file"));
      } else reject(error);
    });
  });
}
