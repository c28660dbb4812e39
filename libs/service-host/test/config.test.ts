import { z } from "zod";
import { ConfigError, commonServiceEnv, loadConfig, serviceEnv } from "@lienthong/service-host";

const intakeEnv = serviceEnv({ httpPort: 3001, grpcPort: 50061, opsPort: 9101 });

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("serviceEnv defaults", () => {
  it("gives an embedded, in-process development setup with the service's own ports, ops on loopback", () => {
    const config = loadConfig(intakeEnv, {});
    expect(config).toMatchObject({
      NODE_ENV: "development",
      LOG_LEVEL: "info",
      HTTP_PORT: 3001,
      GRPC_PORT: 50061,
      OPS_HOST: "127.0.0.1",
      OPS_PORT: 9101,
      STORE: "embedded",
      BUS: "in-process",
      KAFKA_BROKERS: [],
      KAFKA_CREATE_TOPICS: true,
      KAFKA_IDEMPOTENT_PRODUCER: true,
      KAFKA_MAX_WAIT_MS: 5_000,
      KAFKA_LEADER_SYNC_DELAY_MS: 0,
      ALLOW_EMBEDDED_IN_PRODUCTION: false,
      WAKE_LINGER_MS: 50,
    });
    expect(typeof config.SHUTDOWN_TIMEOUT_MS).toBe("number");
    // Unset, the Kafka adapter handles every partition of a subscription at once.
    expect(config.KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY).toBeUndefined();
  });

  it("picks kafka when brokers are given, and parses the broker list and booleans", () => {
    const config = loadConfig(intakeEnv, {
      KAFKA_BROKERS: " 127.0.0.1:9092, 127.0.0.1:9093 ,",
      KAFKA_CREATE_TOPICS: "0",
      KAFKA_IDEMPOTENT_PRODUCER: "FALSE",
      HTTP_PORT: "0",
    });
    expect(config.BUS).toBe("kafka");
    expect(config.KAFKA_BROKERS).toEqual(["127.0.0.1:9092", "127.0.0.1:9093"]);
    expect(config.KAFKA_CREATE_TOPICS).toBe(false);
    expect(config.KAFKA_IDEMPOTENT_PRODUCER).toBe(false);
    expect(config.HTTP_PORT).toBe(0);
  });

  it("parses the consumer tuning librdkafka's mock cluster needs, and refuses a fetch wait of 0", () => {
    const config = loadConfig(intakeEnv, {
      KAFKA_BROKERS: "127.0.0.1:9092",
      KAFKA_MAX_WAIT_MS: "50",
      KAFKA_LEADER_SYNC_DELAY_MS: "300",
      KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY: "4",
    });
    expect(config).toMatchObject({
      KAFKA_MAX_WAIT_MS: 50,
      KAFKA_LEADER_SYNC_DELAY_MS: 300,
      KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY: 4,
    });
    const error = configErrorOf(() => loadConfig(intakeEnv, { KAFKA_MAX_WAIT_MS: "0" }));
    expect(error.issues).toEqual([{ variable: "KAFKA_MAX_WAIT_MS", reason: "must be at least 1" }]);
  });

  it("takes a wake linger from 0 (act at once) to 5 s, and refuses one outside", () => {
    expect(loadConfig(intakeEnv, { WAKE_LINGER_MS: "0" }).WAKE_LINGER_MS).toBe(0);
    expect(loadConfig(intakeEnv, { WAKE_LINGER_MS: "5000" }).WAKE_LINGER_MS).toBe(5_000);
    expect(configErrorOf(() => loadConfig(intakeEnv, { WAKE_LINGER_MS: "5001" })).issues).toEqual([
      { variable: "WAKE_LINGER_MS", reason: "must be at most 5000" },
    ]);
    expect(configErrorOf(() => loadConfig(intakeEnv, { WAKE_LINGER_MS: "-1" })).issues).toEqual([
      { variable: "WAKE_LINGER_MS", reason: "expected an integer from 0 to 5000" },
    ]);
  });

  it("keeps an explicit BUS over the broker-based default", () => {
    expect(loadConfig(intakeEnv, { BUS: "in-process", KAFKA_BROKERS: "k:9092" }).BUS).toBe("in-process");
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig(intakeEnv, { HTTP_PORT: "", KAFKA_BROKERS: "", BUS: "" })).toMatchObject({
      HTTP_PORT: 3001,
      BUS: "in-process",
    });
  });

  it("adds service-specific variables", () => {
    const schema = serviceEnv(
      { httpPort: 3004, grpcPort: 50064, opsPort: 9104 },
      { SMTP_URL: z.string().default("smtp://localhost:2525") },
    );
    expect(loadConfig(schema, {}).SMTP_URL).toBe("smtp://localhost:2525");
  });

  it("exposes the common variables as an extendable object schema", () => {
    const schema = commonServiceEnv.extend({ EXTRA: z.string() });
    expect(loadConfig(schema, { EXTRA: "x" }).HTTP_PORT).toBe(8080);
  });
});

describe("serviceEnv rules", () => {
  it("names every bad variable with its reason, never its value", () => {
    const secretUrl = "mongodb://admin:s3cr3t-pass@";
    const error = configErrorOf(() =>
      loadConfig(intakeEnv, {
        HTTP_PORT: "70000",
        GRPC_PORT: "abc",
        OPS_PORT: "-1",
        KAFKA_CREATE_TOPICS: "maybe",
        STORE: "postgres",
        MONGO_URL: secretUrl,
      }),
    );
    const variables = error.issues.map((i) => i.variable).sort();
    expect(variables).toEqual(["GRPC_PORT", "HTTP_PORT", "KAFKA_CREATE_TOPICS", "MONGO_URL", "OPS_PORT", "STORE"]);
    expect(error.message).toContain("HTTP_PORT: must be at most 65535");
    expect(error.message).toContain("KAFKA_CREATE_TOPICS: expected true, false, 1 or 0");
    expect(error.message).not.toContain("s3cr3t");
    expect(error.message).not.toContain("70000");
    expect(error.message).not.toContain("maybe");
  });

  it("requires MONGO_URL when STORE=mongo", () => {
    const error = configErrorOf(() => loadConfig(intakeEnv, { STORE: "mongo" }));
    expect(error.issues).toEqual([{ variable: "MONGO_URL", reason: "required when STORE=mongo" }]);
    expect(loadConfig(intakeEnv, { STORE: "mongo", MONGO_URL: "mongodb://db:27017/?replicaSet=rs0" }).STORE).toBe(
      "mongo",
    );
  });

  it("requires KAFKA_BROKERS when BUS=kafka", () => {
    const error = configErrorOf(() => loadConfig(intakeEnv, { BUS: "kafka" }));
    expect(error.issues).toEqual([{ variable: "KAFKA_BROKERS", reason: "required when BUS=kafka" }]);
  });

  it("refuses a Kafka heartbeat that is not well inside the session, which would evict a live consumer", () => {
    const error = configErrorOf(() =>
      loadConfig(intakeEnv, { KAFKA_SESSION_TIMEOUT_MS: "6000", KAFKA_HEARTBEAT_INTERVAL_MS: "3000" }),
    );
    expect(error.issues).toEqual([
      { variable: "KAFKA_HEARTBEAT_INTERVAL_MS", reason: "must be at most a third of KAFKA_SESSION_TIMEOUT_MS" },
    ]);
    const shorter = loadConfig(intakeEnv, { KAFKA_SESSION_TIMEOUT_MS: "6000", KAFKA_HEARTBEAT_INTERVAL_MS: "2000" });
    expect([shorter.KAFKA_SESSION_TIMEOUT_MS, shorter.KAFKA_HEARTBEAT_INTERVAL_MS]).toEqual([6000, 2000]);
  });

  it("refuses embedded adapters in production unless explicitly allowed", () => {
    const error = configErrorOf(() => loadConfig(intakeEnv, { NODE_ENV: "production" }));
    expect(error.issues.map((i) => i.variable).sort()).toEqual(["BUS", "GRPC_TLS", "STORE"]);
    expect(error.issues[0]?.reason).toContain("ALLOW_EMBEDDED_IN_PRODUCTION=true");

    expect(loadConfig(intakeEnv, { NODE_ENV: "production", ALLOW_EMBEDDED_IN_PRODUCTION: "true" }).STORE).toBe(
      "embedded",
    );
    const distributed = loadConfig(intakeEnv, {
      NODE_ENV: "production",
      STORE: "mongo",
      MONGO_URL: "mongodb+srv://cluster.example/lienthong",
      KAFKA_BROKERS: "kafka-1:9092",
      GRPC_TLS: "files",
      GRPC_TLS_CERT_FILE: "/run/secrets/grpc.crt",
      GRPC_TLS_KEY_FILE: "/run/secrets/grpc.key",
    });
    expect(distributed.BUS).toBe("kafka");
  });
});
