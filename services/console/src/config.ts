import { PLATFORM_SERVICES, type ServiceName } from "@lienthong/contracts";
import {
  envBoolean,
  envInteger,
  envOptionalString,
  envPort,
  envString,
  loadConfig,
  logLevels,
  productionRulesApply,
} from "@lienthong/service-host";
import { z } from "zod";

/** `routing` → `ROUTING_URL`: where the console finds a service's REST API. */
export function serviceUrlVariable(service: ServiceName): string {
  return `${service.toUpperCase()}_URL`;
}

const httpUrl = (defaultValue: string) =>
  envString(defaultValue).refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), {
    message: "expected an http:// or https:// URL",
  });

/** Each platform service's URL variable, defaulting to the port `lienthong start` gives it on this machine. */
const serviceUrlShape = Object.fromEntries(
  PLATFORM_SERVICES.map((service) => [
    serviceUrlVariable(service.name),
    httpUrl(`http://127.0.0.1:${service.httpPort}`),
  ]),
) as Record<string, ReturnType<typeof httpUrl>>;

/**
 * The console's environment, like a service's (libs/service-host config.ts):
 * where it listens, where each service answers, how officials sign in. It
 * holds no credential of its own: every call it forwards carries the caller's.
 */
export const consoleEnv = z
  .object({
    NODE_ENV: z.preprocess(
      (v) => (v === "" ? undefined : v),
      z.enum(["development", "test", "production"]).default("development"),
    ),
    LOG_LEVEL: z.preprocess((v) => (v === "" ? undefined : v), z.enum(logLevels).default("info")),
    HTTP_HOST: envString("127.0.0.1"),
    HTTP_PORT: envPort(8080),
    ...serviceUrlShape,
    // How long a forwarded call may take before the console answers 503 for it.
    PROXY_TIMEOUT_MS: envInteger(30_000, 100, 600_000),
    // The province's identity provider: the console signs officials in with the authorization code flow and PKCE,
    // as a public client registered there under OIDC_CLIENT_ID.
    OIDC_ISSUER: envOptionalString(),
    OIDC_CLIENT_ID: envOptionalString(),
    OIDC_SCOPE: envString("openid profile"),
    // Development sign-in: lists the development officials and signs their tokens with the development issuer of
    // IDENTITY_DIR (default `<DATA_DIR>/identity`, the embedded platform's). Default: on without OIDC_ISSUER outside
    // production.
    DEVELOPMENT_SIGN_IN: z.preprocess(
      (v) => (typeof v === "string" && v.trim() !== "" ? v.trim().toLowerCase() : undefined),
      z
        .enum(["true", "false", "1", "0"], { error: "expected true, false, 1 or 0" })
        .transform((v) => v === "true" || v === "1")
        .optional(),
    ),
    DATA_DIR: envString("var/data"),
    IDENTITY_DIR: envOptionalString(),
    // The administrative units the communes page lists (the services' reference data, the same variable).
    UNITS_FILE: envOptionalString(),
    ALLOW_EMBEDDED_IN_PRODUCTION: envBoolean(false),
  })
  .superRefine((env, ctx) => {
    if (env.OIDC_ISSUER && !env.OIDC_CLIENT_ID) {
      ctx.addIssue({ code: "custom", path: ["OIDC_CLIENT_ID"], message: "required with OIDC_ISSUER" });
    }
    if (env.OIDC_ISSUER && !URL.canParse(env.OIDC_ISSUER)) {
      ctx.addIssue({ code: "custom", path: ["OIDC_ISSUER"], message: "expected the identity provider's URL" });
    }
    if (env.DEVELOPMENT_SIGN_IN === true && productionRulesApply(env)) {
      ctx.addIssue({
        code: "custom",
        path: ["DEVELOPMENT_SIGN_IN"],
        message:
          "development sign-in refused when NODE_ENV=production; set ALLOW_EMBEDDED_IN_PRODUCTION=true to allow it",
      });
    }
  });

export interface ConsoleConfig {
  host: string;
  port: number;
  logLevel: string;
  /** Each service's REST base URL, without a trailing slash. */
  services: Record<ServiceName, string>;
  proxyTimeoutMs: number;
  oidc: { authority: string; clientId: string; scope: string } | undefined;
  /** Where the development issuer's key is, when development sign-in is on. */
  developmentIssuerDir: string | undefined;
  dataDir: string;
  unitsFile: string | undefined;
}

/** 127.0.0.0/8, ::1 or localhost: an address only this machine reaches. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

export function loadConsoleConfig(env: Record<string, string | undefined> = process.env): ConsoleConfig {
  const parsed = loadConfig(consoleEnv, env);
  const urls = parsed as unknown as Record<string, string>;
  const services = Object.fromEntries(
    PLATFORM_SERVICES.map((service) => [service.name, urls[serviceUrlVariable(service.name)]!.replace(/\/+$/, "")]),
  ) as Record<ServiceName, string>;
  // On by default only where nobody else can reach it: the loopback, no identity provider, not production.
  const developmentSignIn =
    parsed.DEVELOPMENT_SIGN_IN ??
    (!parsed.OIDC_ISSUER && !productionRulesApply(parsed) && isLoopback(parsed.HTTP_HOST));
  return {
    host: parsed.HTTP_HOST,
    port: parsed.HTTP_PORT,
    logLevel: parsed.LOG_LEVEL,
    services,
    proxyTimeoutMs: parsed.PROXY_TIMEOUT_MS,
    oidc: parsed.OIDC_ISSUER
      ? { authority: parsed.OIDC_ISSUER, clientId: parsed.OIDC_CLIENT_ID ?? "", scope: parsed.OIDC_SCOPE }
      : undefined,
    developmentIssuerDir: developmentSignIn
      ? (parsed.IDENTITY_DIR ?? `${parsed.DATA_DIR.replace(/\/+$/, "")}/identity`)
      : undefined,
    dataDir: parsed.DATA_DIR,
    unitsFile: parsed.UNITS_FILE,
  };
}
