import { PlatformError } from "@lienthong/errors";
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
      .optional()
      .transform((v) => v ?? defaultValue),
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
export const storeAdapters = ["embedded", "mongo"] as const;
export const busAdapters = ["in-process", "kafka"] as const;

export interface ServicePortDefaults {
  httpPort: number;
  grpcPort: number;
}

function commonShape(defaults: ServicePortDefaults) {
  return {
    NODE_ENV: envEnum(["development", "test", "production"] as const, "development"),
    LOG_LEVEL: envEnum(logLevels, "info"),
    HTTP_HOST: envString("0.0.0.0"),
    HTTP_PORT: envPort(defaults.httpPort),
    GRPC_PORT: envPort(defaults.grpcPort),
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
    // Consumers. librdkafka's mock cluster holds a fetch for the whole wait and needs a group's leader to sync
    // last: 50 and 300 there (see the Kafka adapter); Kafka answers fetches at once and needs no delay.
    KAFKA_MAX_WAIT_MS: envInteger(5_000, 1, 60_000),
    KAFKA_LEADER_SYNC_DELAY_MS: envInteger(0, 0, 10_000),
    KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY: envInteger(1, 1, 64),
    OTEL_EXPORTER_OTLP_ENDPOINT: envOptionalUrl(/^https?:$/, "an http:// or https:// URL"),
    ALLOW_EMBEDDED_IN_PRODUCTION: envBoolean(false),
    SHUTDOWN_TIMEOUT_MS: envInteger(10_000, 100, 600_000),
  };
}

/**
 * The service-independent variables as a plain object schema (default ports
 * 8080 / 50051), without the cross-variable rules: for composing. Services
 * normally use serviceEnv, which adds the rules.
 */
export const commonServiceEnv = z.object(commonShape({ httpPort: 8080, grpcPort: 50051 }));

type CommonShape = ReturnType<typeof commonShape>;
type CommonParsed = z.output<z.ZodObject<CommonShape>>;
type WithBus<T> = Omit<T, "BUS"> & { BUS: (typeof busAdapters)[number] };

/**
 * The full environment schema of a service: the common variables with its
 * own default ports, plus `extra` service-specific variables, and the rules:
 * BUS defaults to kafka when KAFKA_BROKERS is set; STORE=mongo needs
 * MONGO_URL; BUS=kafka needs KAFKA_BROKERS; production refuses an embedded
 * adapter unless ALLOW_EMBEDDED_IN_PRODUCTION=true.
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
      if (common.BUS === "kafka" && common.KAFKA_BROKERS.length === 0) {
        ctx.addIssue({ code: "custom", path: ["KAFKA_BROKERS"], message: "required when BUS=kafka" });
      }
      if (common.NODE_ENV === "production" && !common.ALLOW_EMBEDDED_IN_PRODUCTION) {
        const refusal =
          "embedded adapter refused when NODE_ENV=production; set ALLOW_EMBEDDED_IN_PRODUCTION=true to allow it";
        if (common.STORE === "embedded") ctx.addIssue({ code: "custom", path: ["STORE"], message: refusal });
        if (common.BUS === "in-process") ctx.addIssue({ code: "custom", path: ["BUS"], message: refusal });
      }
    });
}

export type ServiceEnv = z.output<ReturnType<typeof serviceEnv>>;
