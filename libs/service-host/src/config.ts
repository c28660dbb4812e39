import { readFileSync } from "node:fs";
import { roleNames, type Role } from "@lienthong/domain";
import { PlatformError } from "@lienthong/errors";
import type { KafkaEventBusConfig } from "@lienthong/messaging";
import { z } from "zod";

/** One rejected environment variable. The value is never kept: it may be a secret. */
export interface ConfigIssue {
  variable: string;
  reason: string;
}

/** A service refuses to start on a bad environment; each violation names a variable (`field`) and why. */
export class ConfigError extends PlatformError {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super("INVALID_ARGUMENT", `Invalid configuration: ${issues.map((i) => `${i.variable}: ${i.reason}`).join("; ")}`, {
      reason: "INVALID_CONFIGURATION",
      violations: issues.map((issue) => ({ field: issue.variable, reason: issue.reason })),
    });
    this.issues = issues;
  }
}

/**
 * Parses the environment with a zod schema. On failure throws a ConfigError
 * naming every bad variable and why, without its value.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: issue.path.length ? issue.path.map(String).join(".") : "(environment)",
      reason: issue.message,
    })),
  );
}

// ------------------------------------------------------------ reusable pieces

/** Compose files often write `VAR=` to mean "unset"; treat the empty string so. */
function unsetIfEmpty(value: unknown): unknown {
  return typeof value === "string" && value.trim() === "" ? undefined : value;
}

/** A boolean written as true/false/1/0 (any case). */
export function envBoolean(defaultValue: boolean) {
  return z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .trim()
      .toLowerCase()
      .refine((v) => ["true", "false", "1", "0"].includes(v), { message: "expected true, false, 1 or 0" })
      .transform((v) => v === "true" || v === "1")
      .optional()
      .transform((v) => v ?? defaultValue),
  );
}

/** An integer in [min, max] written in decimal. */
export function envInteger(defaultValue: number, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return envOptionalInteger(min, max).transform((v) => v ?? defaultValue);
}

/** An integer in [min, max] written in decimal; unset stays undefined (the component's own default applies). */
export function envOptionalInteger(min = 0, max = Number.MAX_SAFE_INTEGER) {
  return z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .trim()
      .regex(/^\d+$/, { message: `expected an integer from ${min} to ${max}` })
      .transform(Number)
      .pipe(
        z
          .number()
          .int()
          .min(min, { message: `must be at least ${min}` })
          .max(max, { message: `must be at most ${max}` }),
      )
      .optional(),
  );
}

/** A TCP port; 0 asks the OS for a free one. */
export function envPort(defaultValue: number) {
  return envInteger(defaultValue, 0, 65535);
}

/** A comma-separated list, blanks dropped; unset gives []. */
export function envList() {
  return z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .optional()
      .transform((v) =>
        (v ?? "")
          .split(",")
          .map((item) => item.trim())
          .filter((item) => item.length > 0),
      ),
  );
}

/** A JSON value checked by `schema`; unset gives `defaultValue`. */
export function envJson<S extends z.ZodType>(schema: S, defaultValue: z.output<S>) {
  return z.preprocess(
    (value) => {
      const text = unsetIfEmpty(value);
      if (text === undefined) return undefined;
      try {
        return JSON.parse(typeof text === "string" ? text : "") as unknown;
      } catch {
        return Symbol.for("not JSON");
      }
    },
    z
      .union([schema, z.undefined()], { error: "must be JSON of the documented shape" })
      .transform((parsed) => parsed ?? defaultValue),
  );
}

/** An optional string where the empty string means unset. */
export function envOptionalString() {
  return z.preprocess(unsetIfEmpty, z.string().optional());
}

export function envString(defaultValue: string) {
  return z.preprocess(unsetIfEmpty, z.string().default(defaultValue));
}

function envEnum<const T extends readonly [string, ...string[]]>(values: T, defaultValue: T[number]) {
  return z.preprocess(unsetIfEmpty, z.enum(values).default(defaultValue as never));
}

function envOptionalUrl(protocols: RegExp, expected: string) {
  return z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .refine((v) => URL.canParse(v) && protocols.test(new URL(v).protocol), { message: `expected ${expected}` })
      .optional(),
  );
}

export const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
/** Asymmetric JWS algorithms only: a shared-secret (HS*) or unsigned ("none") token is never accepted. */
const TOKEN_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;
export const storeAdapters = ["embedded", "mongo"] as const;
export const busAdapters = ["in-process", "kafka"] as const;
/**
 * gRPC transport security: plaintext; TLS with the development CA generated
 * in `<IDENTITY_DIR>/tls/` (like the development issuer); TLS with the
 * operator's certificate and key files.
 */
export const grpcTlsModes = ["off", "development", "files"] as const;
export type GrpcTlsMode = (typeof grpcTlsModes)[number];
export const kafkaSaslMechanisms = ["scram-sha-256", "scram-sha-512", "plain"] as const satisfies readonly NonNullable<
  KafkaEventBusConfig["sasl"]
>["mechanism"][];

export interface ServicePortDefaults {
  httpPort: number;
  grpcPort: number;
  opsPort: number;
}

function commonShape(defaults: ServicePortDefaults) {
  return {
    NODE_ENV: envEnum(["development", "test", "production"] as const, "development"),
    LOG_LEVEL: envEnum(logLevels, "info"),
    // REST and gRPC listen on loopback unless told otherwise (containers set 0.0.0.0).
    HTTP_HOST: envString("127.0.0.1"),
    HTTP_PORT: envPort(defaults.httpPort),
    GRPC_PORT: envPort(defaults.grpcPort),
    // Metrics and probes for scrapers: a listener apart from the public API, loopback unless told otherwise.
    OPS_HOST: envString("127.0.0.1"),
    OPS_PORT: envPort(defaults.opsPort),
    DATA_DIR: envString("var/data"),
    STORE: envEnum(storeAdapters, "embedded"),
    MONGO_URL: envOptionalUrl(/^mongodb(\+srv)?:$/, "a mongodb:// or mongodb+srv:// URL"),
    MONGO_DB: envString("lienthong"),
    // No default here: it follows KAFKA_BROKERS (see serviceEnv).
    BUS: z.preprocess(unsetIfEmpty, z.enum(busAdapters).optional()),
    KAFKA_BROKERS: envList(),
    KAFKA_CLIENT_ID: envString("lienthong"),
    // Both on for real Kafka; librdkafka's mock cluster needs them off (ARCHITECTURE.md §7).
    KAFKA_CREATE_TOPICS: envBoolean(true),
    KAFKA_IDEMPOTENT_PRODUCER: envBoolean(true),
    KAFKA_TOPIC_PARTITIONS: envInteger(6, 1, 10_000),
    // 1 lets a single-broker development cluster work; production sets 3.
    KAFKA_REPLICATION_FACTOR: envInteger(1, 1, 32),
    // Connection security to the brokers (infra/README.md, "Kafka principals"): TLS and/or a SASL principal.
    KAFKA_SSL: envBoolean(false),
    // Without it the system's trusted CAs vouch for the brokers.
    KAFKA_SSL_CA_FILE: envOptionalString(),
    // A client certificate, for brokers that authenticate clients by TLS (ssl.client.auth=required).
    KAFKA_SSL_CERT_FILE: envOptionalString(),
    KAFKA_SSL_KEY_FILE: envOptionalString(),
    KAFKA_SASL_MECHANISM: z.preprocess(unsetIfEmpty, z.enum(kafkaSaslMechanisms).optional()),
    KAFKA_SASL_USERNAME: envOptionalString(),
    KAFKA_SASL_PASSWORD: envOptionalString(),
    // The password in a file (a mounted secret) rather than in the environment.
    KAFKA_SASL_PASSWORD_FILE: envOptionalString(),
    // Consumers. librdkafka's mock cluster holds a fetch for the whole wait and needs a group's leader to sync
    // last: 50 and 300 there (see the Kafka adapter); Kafka answers fetches at once and needs no delay.
    KAFKA_MAX_WAIT_MS: envInteger(5_000, 1, 60_000),
    KAFKA_LEADER_SYNC_DELAY_MS: envInteger(0, 0, 10_000),
    // How long a member that stopped heartbeating (killed) keeps its partitions: the longest a takeover waits.
    // The broker bounds it (group.min/max.session.timeout.ms: 6 s to 30 min by default); heartbeats come well inside.
    KAFKA_SESSION_TIMEOUT_MS: envInteger(30_000, 1_000, 1_800_000),
    KAFKA_HEARTBEAT_INTERVAL_MS: envInteger(3_000, 100, 600_000),
    // Unset: every partition of a consumer's subscription at once, a partition being the unit a retry holds up.
    KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY: envOptionalInteger(1, 1024),
    OTEL_EXPORTER_OTLP_ENDPOINT: envOptionalUrl(/^https?:$/, "an http:// or https:// URL"),
    ALLOW_EMBEDDED_IN_PRODUCTION: envBoolean(false),
    // The embedded store's (and a lone service's bus journal's) largest file, in bytes: past it writes fail as on a
    // full disk, retriable, and readiness is false.
    EMBEDDED_STORE_MAX_BYTES: envOptionalInteger(1),
    SHUTDOWN_TIMEOUT_MS: envInteger(10_000, 100, 600_000),
    // How long work a commit wakes (the outbox relay's publish, notification's dispatcher) waits, so that what is
    // committed meanwhile goes in the same round: fewer, larger rounds for this much latency per hop
    // (docs/decisions.md §68). 0 acts at once.
    WAKE_LINGER_MS: envInteger(50, 0, 5_000),
    // Reference data files; without them `<DATA_DIR>/reference/` or the built-in samples serve.
    UNITS_FILE: envOptionalString(),
    CATALOG_FILE: envOptionalString(),
    CALENDAR_OVERRIDES_FILE: envOptionalString(),
    UNIT_MERGES_FILE: envOptionalString(),
    // Commune systems and the portal: ids, units, API key hashes, webhooks (docs in README, "Who may call what").
    CLIENTS_FILE: envOptionalString(),
    CLIENTS: envOptionalString(),
    // Requests a minute each client may make to one service, across its replicas (a client's own value wins).
    CLIENT_REQUESTS_PER_MINUTE: envInteger(1200, 1, 10_000_000),
    // The province's identity provider, whose tokens name officials; without it, the development issuer.
    OIDC_ISSUER: envOptionalString(),
    OIDC_AUDIENCE: envString("lienthong"),
    OIDC_JWKS_URL: envOptionalUrl(/^https?:$/, "an http:// or https:// URL"),
    OIDC_JWKS_FILE: envOptionalString(),
    OIDC_ALGORITHMS: envList().pipe(
      z
        .array(z.enum(TOKEN_ALGORITHMS, { error: `each must be one of ${TOKEN_ALGORITHMS.join(", ")}` }))
        .transform((algorithms) => (algorithms.length > 0 ? algorithms : ["RS256", "PS256", "ES256"])),
    ),
    OIDC_CLOCK_TOLERANCE_SECONDS: envInteger(30, 0, 300),
    OIDC_ROLES_CLAIM: envString("roles"),
    OIDC_UNITS_CLAIM: envString("lienthong_units"),
    OIDC_ROLE_MAP: envJson(z.record(z.string(), z.enum(roleNames as [Role, ...Role[]])), {}),
    // Where the development issuer keeps its key (and GRPC_TLS=development its CA, in tls/); share it between services run as separate processes.
    IDENTITY_DIR: envOptionalString(),
    GRPC_TLS: envEnum(grpcTlsModes, "off"),
    GRPC_TLS_CERT_FILE: envOptionalString(),
    GRPC_TLS_KEY_FILE: envOptionalString(),
    // When set, every gRPC caller must present a certificate this CA issued (mutual TLS).
    GRPC_TLS_CLIENT_CA_FILE: envOptionalString(),
  };
}

/**
 * The service-independent variables as a plain object schema (default ports
 * 8080 / 50051), without the cross-variable rules: for composing. Services
 * normally use serviceEnv, which adds the rules.
 */
export const commonServiceEnv = z.object(commonShape({ httpPort: 8080, grpcPort: 50051, opsPort: 9100 }));

type CommonShape = ReturnType<typeof commonShape>;
type CommonParsed = z.output<z.ZodObject<CommonShape>>;
type WithBus<T> = Omit<T, "BUS"> & { BUS: (typeof busAdapters)[number] };

/**
 * Production refuses what only development may use (embedded adapters, development credentials, the test PKI,
 * plaintext transports), unless ALLOW_EMBEDDED_IN_PRODUCTION says this is a demonstration. One rule for every
 * service, so the opt-out means the same everywhere.
 */
export function productionRulesApply(env: { NODE_ENV: string; ALLOW_EMBEDDED_IN_PRODUCTION: boolean }): boolean {
  return env.NODE_ENV === "production" && !env.ALLOW_EMBEDDED_IN_PRODUCTION;
}

/**
 * The full environment schema of a service: the common variables with its
 * own default ports, plus `extra` service-specific variables, and the rules:
 * BUS defaults to kafka when KAFKA_BROKERS is set; STORE=mongo needs
 * MONGO_URL; BUS=kafka needs KAFKA_BROKERS; TLS and SASL files and
 * credentials come whole (transportRules); production refuses an embedded
 * adapter, plaintext or development-CA gRPC and SASL/PLAIN without TLS unless
 * ALLOW_EMBEDDED_IN_PRODUCTION=true.
 */
export function serviceEnv<Extra extends z.ZodRawShape = Record<never, never>>(
  defaults: ServicePortDefaults,
  extra?: Extra,
) {
  const shape = { ...commonShape(defaults), ...(extra ?? ({} as Extra)) };
  return z
    .object(shape)
    .transform((env) => {
      const common = env as unknown as CommonParsed;
      const bus = common.BUS ?? (common.KAFKA_BROKERS.length > 0 ? "kafka" : "in-process");
      const withBus: WithBus<z.output<z.ZodObject<typeof shape>>> = { ...env, BUS: bus };
      return withBus;
    })
    .superRefine((env, ctx) => {
      const common = env as unknown as WithBus<CommonParsed>;
      if (common.STORE === "mongo" && !common.MONGO_URL) {
        ctx.addIssue({ code: "custom", path: ["MONGO_URL"], message: "required when STORE=mongo" });
      }
      if (common.OIDC_ISSUER && !common.OIDC_JWKS_URL && !common.OIDC_JWKS_FILE) {
        ctx.addIssue({
          code: "custom",
          path: ["OIDC_JWKS_URL"],
          message: "OIDC_JWKS_URL or OIDC_JWKS_FILE is required with OIDC_ISSUER",
        });
      }
      if (common.BUS === "kafka" && common.KAFKA_BROKERS.length === 0) {
        ctx.addIssue({ code: "custom", path: ["KAFKA_BROKERS"], message: "required when BUS=kafka" });
      }
      // A member heartbeating no more often than its session lasts is evicted between two heartbeats.
      if (common.KAFKA_HEARTBEAT_INTERVAL_MS * 3 > common.KAFKA_SESSION_TIMEOUT_MS) {
        ctx.addIssue({
          code: "custom",
          path: ["KAFKA_HEARTBEAT_INTERVAL_MS"],
          message: "must be at most a third of KAFKA_SESSION_TIMEOUT_MS",
        });
      }
      if (productionRulesApply(common)) {
        const refusal =
          "embedded adapter refused when NODE_ENV=production; set ALLOW_EMBEDDED_IN_PRODUCTION=true to allow it";
        if (common.STORE === "embedded") ctx.addIssue({ code: "custom", path: ["STORE"], message: refusal });
        if (common.BUS === "in-process") ctx.addIssue({ code: "custom", path: ["BUS"], message: refusal });
      }
      for (const { variable, message } of transportRules(common)) {
        ctx.addIssue({ code: "custom", path: [variable], message });
      }
    });
}

/**
 * The variables a Kafka client is reached and identified with: the brokers, the client id, and TLS and SASL to
 * reach them securely. A `pick` mask of the common environment (an operator's command reads these alone).
 */
export const KAFKA_CONNECTION_VARIABLES = {
  KAFKA_BROKERS: true,
  KAFKA_CLIENT_ID: true,
  KAFKA_SSL: true,
  KAFKA_SSL_CA_FILE: true,
  KAFKA_SSL_CERT_FILE: true,
  KAFKA_SSL_KEY_FILE: true,
  KAFKA_SASL_MECHANISM: true,
  KAFKA_SASL_USERNAME: true,
  KAFKA_SASL_PASSWORD: true,
  KAFKA_SASL_PASSWORD_FILE: true,
} as const;

/** TLS material and the SASL principal of a Kafka client. */
export type KafkaSecurityEnv = Pick<
  CommonParsed,
  Exclude<keyof typeof KAFKA_CONNECTION_VARIABLES, "KAFKA_BROKERS" | "KAFKA_CLIENT_ID">
>;

type TransportEnv = Pick<
  CommonParsed,
  | "NODE_ENV"
  | "ALLOW_EMBEDDED_IN_PRODUCTION"
  | "GRPC_TLS"
  | "GRPC_TLS_CERT_FILE"
  | "GRPC_TLS_KEY_FILE"
  | "GRPC_TLS_CLIENT_CA_FILE"
> &
  KafkaSecurityEnv;

/**
 * The gRPC TLS and Kafka security variables: a variable the chosen mode would
 * not read is an error rather than silently ignored (a certificate file set
 * without GRPC_TLS=files would otherwise leave gRPC in plaintext).
 */
function transportRules(env: TransportEnv): { variable: string; message: string }[] {
  const issues: { variable: string; message: string }[] = [];
  const refuse = (variable: string, message: string) => issues.push({ variable, message });

  if (env.GRPC_TLS === "files") {
    if (!env.GRPC_TLS_CERT_FILE) refuse("GRPC_TLS_CERT_FILE", "required when GRPC_TLS=files");
    if (!env.GRPC_TLS_KEY_FILE) refuse("GRPC_TLS_KEY_FILE", "required when GRPC_TLS=files");
  } else {
    if (env.GRPC_TLS_CERT_FILE) refuse("GRPC_TLS_CERT_FILE", "only read when GRPC_TLS=files");
    if (env.GRPC_TLS_KEY_FILE) refuse("GRPC_TLS_KEY_FILE", "only read when GRPC_TLS=files");
  }
  if (env.GRPC_TLS === "off" && env.GRPC_TLS_CLIENT_CA_FILE) {
    refuse("GRPC_TLS_CLIENT_CA_FILE", "mutual TLS needs GRPC_TLS=files or GRPC_TLS=development");
  }

  if (!env.KAFKA_SSL) {
    for (const variable of ["KAFKA_SSL_CA_FILE", "KAFKA_SSL_CERT_FILE", "KAFKA_SSL_KEY_FILE"] as const) {
      if (env[variable]) refuse(variable, "only read when KAFKA_SSL=true");
    }
  } else if (Boolean(env.KAFKA_SSL_CERT_FILE) !== Boolean(env.KAFKA_SSL_KEY_FILE)) {
    if (!env.KAFKA_SSL_KEY_FILE) refuse("KAFKA_SSL_KEY_FILE", "required with KAFKA_SSL_CERT_FILE");
    else refuse("KAFKA_SSL_CERT_FILE", "required with KAFKA_SSL_KEY_FILE");
  }
  if (env.KAFKA_SASL_MECHANISM) {
    if (!env.KAFKA_SASL_USERNAME) refuse("KAFKA_SASL_USERNAME", "required with KAFKA_SASL_MECHANISM");
    if (!env.KAFKA_SASL_PASSWORD === !env.KAFKA_SASL_PASSWORD_FILE) {
      refuse("KAFKA_SASL_PASSWORD", "set exactly one of KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE");
    }
  } else {
    for (const variable of ["KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD", "KAFKA_SASL_PASSWORD_FILE"] as const) {
      if (env[variable]) refuse(variable, "only read with KAFKA_SASL_MECHANISM");
    }
  }

  if (env.NODE_ENV === "production" && !env.ALLOW_EMBEDDED_IN_PRODUCTION) {
    const optOut = "set ALLOW_EMBEDDED_IN_PRODUCTION=true to allow it";
    if (env.GRPC_TLS === "off") {
      refuse(
        "GRPC_TLS",
        `plaintext gRPC refused when NODE_ENV=production: set GRPC_TLS=files with GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE, or ${optOut}`,
      );
    }
    if (env.GRPC_TLS === "development") {
      refuse(
        "GRPC_TLS",
        `the development CA is refused when NODE_ENV=production: set GRPC_TLS=files with the province's certificates, or ${optOut}`,
      );
    }
    if (env.KAFKA_SASL_MECHANISM === "plain" && !env.KAFKA_SSL) {
      refuse(
        "KAFKA_SASL_MECHANISM",
        `plain without KAFKA_SSL=true sends the password in clear, refused when NODE_ENV=production: use scram-sha-512 or KAFKA_SSL=true, or ${optOut}`,
      );
    }
  }
  return issues;
}

/**
 * The text of a file a variable names (a certificate, a key, a password).
 * A ConfigError names the variable and the reason, never the contents.
 */
export function readConfiguredFile(variable: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ConfigError([{ variable, reason: `cannot read the file it names (${code})` }]);
  }
}

/**
 * A JSON file a variable names, read by `parse` (a domain parser that throws the platform's
 * INVALID_ARGUMENT with field violations). Every way it can be wrong is a ConfigError naming the
 * variable: unreadable, not JSON (saying the `shape` expected), or each violation by its field.
 */
export function readConfiguredJson<T>(variable: string, file: string, shape: string, parse: (data: unknown) => T): T {
  let data: unknown;
  try {
    data = JSON.parse(readConfiguredFile(variable, file));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError([{ variable, reason: `must be JSON: ${shape}` }]);
  }
  try {
    return parse(data);
  } catch (error) {
    if (!(error instanceof PlatformError && error.code === "INVALID_ARGUMENT")) throw error;
    throw new ConfigError(error.violations.map((v) => ({ variable, reason: `${v.field}: ${v.reason}` })));
  }
}

export type ServiceEnv = z.output<ReturnType<typeof serviceEnv>>;
