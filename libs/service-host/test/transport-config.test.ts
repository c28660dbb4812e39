import { ConfigError, loadConfig, serviceEnv, type ConfigIssue } from "@lienthong/service-host";

const intakeEnv = serviceEnv({ httpPort: 8081, grpcPort: 50051, opsPort: 9101 });

/** What a distributed production deployment sets besides transport security. */
const PRODUCTION = {
  NODE_ENV: "production",
  STORE: "mongo",
  MONGO_URL: "mongodb://mongo:27017/?replicaSet=rs0",
  KAFKA_BROKERS: "kafka:9093",
};
const GRPC_FILES = {
  GRPC_TLS: "files",
  GRPC_TLS_CERT_FILE: "/run/secrets/grpc.crt",
  GRPC_TLS_KEY_FILE: "/run/secrets/grpc.key",
};

function issuesOf(env: Record<string, string>): ConfigIssue[] {
  try {
    loadConfig(intakeEnv, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe("listening addresses and gRPC TLS defaults", () => {
  it("listens on loopback with plaintext gRPC unless told otherwise", () => {
    expect(loadConfig(intakeEnv, {})).toMatchObject({ HTTP_HOST: "127.0.0.1", OPS_HOST: "127.0.0.1", GRPC_TLS: "off" });
    expect(loadConfig(intakeEnv, { HTTP_HOST: "0.0.0.0" }).HTTP_HOST).toBe("0.0.0.0");
  });

  it("accepts the three modes and nothing else", () => {
    expect(issuesOf({ GRPC_TLS: "development" })).toEqual([]);
    expect(issuesOf({ GRPC_TLS: "files", GRPC_TLS_CERT_FILE: "c", GRPC_TLS_KEY_FILE: "k" })).toEqual([]);
    expect(issuesOf({ GRPC_TLS: "on" }).map((issue) => issue.variable)).toEqual(["GRPC_TLS"]);
  });
});

describe("gRPC TLS rules", () => {
  it("needs the certificate and the key with GRPC_TLS=files", () => {
    expect(issuesOf({ GRPC_TLS: "files" })).toEqual([
      { variable: "GRPC_TLS_CERT_FILE", reason: "required when GRPC_TLS=files" },
      { variable: "GRPC_TLS_KEY_FILE", reason: "required when GRPC_TLS=files" },
    ]);
  });

  it("refuses certificate files another mode would ignore, rather than serve plaintext beside them", () => {
    expect(issuesOf({ GRPC_TLS_CERT_FILE: "c", GRPC_TLS_KEY_FILE: "k" })).toEqual([
      { variable: "GRPC_TLS_CERT_FILE", reason: "only read when GRPC_TLS=files" },
      { variable: "GRPC_TLS_KEY_FILE", reason: "only read when GRPC_TLS=files" },
    ]);
    expect(issuesOf({ GRPC_TLS_CLIENT_CA_FILE: "ca" })).toEqual([
      { variable: "GRPC_TLS_CLIENT_CA_FILE", reason: "mutual TLS needs GRPC_TLS=files or GRPC_TLS=development" },
    ]);
    expect(issuesOf({ GRPC_TLS: "development", GRPC_TLS_CLIENT_CA_FILE: "ca" })).toEqual([]);
  });

  it("refuses plaintext and the development CA under NODE_ENV=production, unless explicitly allowed", () => {
    const off = issuesOf(PRODUCTION);
    expect(off.map((issue) => issue.variable)).toEqual(["GRPC_TLS"]);
    expect(off[0]?.reason).toContain("plaintext gRPC refused when NODE_ENV=production");
    expect(off[0]?.reason).toContain("ALLOW_EMBEDDED_IN_PRODUCTION=true");

    const development = issuesOf({ ...PRODUCTION, GRPC_TLS: "development" });
    expect(development.map((issue) => issue.variable)).toEqual(["GRPC_TLS"]);
    expect(development[0]?.reason).toContain("the development CA is refused when NODE_ENV=production");

    expect(issuesOf({ ...PRODUCTION, ...GRPC_FILES })).toEqual([]);
    expect(issuesOf({ ...PRODUCTION, GRPC_TLS: "development", ALLOW_EMBEDDED_IN_PRODUCTION: "true" })).toEqual([]);
  });
});

describe("Kafka security rules", () => {
  it("parses TLS files and a SASL principal", () => {
    const env = loadConfig(intakeEnv, {
      KAFKA_BROKERS: "kafka:9093",
      KAFKA_SSL: "true",
      KAFKA_SSL_CA_FILE: "/run/secrets/kafka-ca.crt",
      KAFKA_SASL_MECHANISM: "scram-sha-512",
      KAFKA_SASL_USERNAME: "intake",
      KAFKA_SASL_PASSWORD_FILE: "/run/secrets/kafka-password",
    });
    expect(env).toMatchObject({
      KAFKA_SSL: true,
      KAFKA_SSL_CA_FILE: "/run/secrets/kafka-ca.crt",
      KAFKA_SASL_MECHANISM: "scram-sha-512",
      KAFKA_SASL_USERNAME: "intake",
    });
  });

  it("refuses TLS files without KAFKA_SSL=true, and half a client certificate", () => {
    expect(issuesOf({ KAFKA_SSL_CA_FILE: "ca" })).toEqual([
      { variable: "KAFKA_SSL_CA_FILE", reason: "only read when KAFKA_SSL=true" },
    ]);
    expect(issuesOf({ KAFKA_SSL: "true", KAFKA_SSL_CERT_FILE: "c" })).toEqual([
      { variable: "KAFKA_SSL_KEY_FILE", reason: "required with KAFKA_SSL_CERT_FILE" },
    ]);
    expect(issuesOf({ KAFKA_SSL: "true", KAFKA_SSL_KEY_FILE: "k" })).toEqual([
      { variable: "KAFKA_SSL_CERT_FILE", reason: "required with KAFKA_SSL_KEY_FILE" },
    ]);
  });

  it("needs a username and exactly one password source with a mechanism, and a mechanism with them", () => {
    expect(issuesOf({ KAFKA_SASL_MECHANISM: "scram-sha-256" })).toEqual([
      { variable: "KAFKA_SASL_USERNAME", reason: "required with KAFKA_SASL_MECHANISM" },
      {
        variable: "KAFKA_SASL_PASSWORD",
        reason: "set exactly one of KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE",
      },
    ]);
    expect(
      issuesOf({
        KAFKA_SASL_MECHANISM: "scram-sha-256",
        KAFKA_SASL_USERNAME: "intake",
        KAFKA_SASL_PASSWORD: "p",
        KAFKA_SASL_PASSWORD_FILE: "f",
      }).map((issue) => issue.variable),
    ).toEqual(["KAFKA_SASL_PASSWORD"]);
    expect(issuesOf({ KAFKA_SASL_USERNAME: "intake", KAFKA_SASL_PASSWORD: "p" })).toEqual([
      { variable: "KAFKA_SASL_USERNAME", reason: "only read with KAFKA_SASL_MECHANISM" },
      { variable: "KAFKA_SASL_PASSWORD", reason: "only read with KAFKA_SASL_MECHANISM" },
    ]);
    expect(issuesOf({ KAFKA_SASL_MECHANISM: "gssapi" }).map((issue) => issue.variable)).toEqual([
      "KAFKA_SASL_MECHANISM",
    ]);
  });

  it("refuses SASL/PLAIN without TLS under NODE_ENV=production, never saying the password", () => {
    const plain = { KAFKA_SASL_MECHANISM: "plain", KAFKA_SASL_USERNAME: "intake", KAFKA_SASL_PASSWORD: "hunter2-x9" };
    const issues = issuesOf({ ...PRODUCTION, ...GRPC_FILES, ...plain });
    expect(issues.map((issue) => issue.variable)).toEqual(["KAFKA_SASL_MECHANISM"]);
    expect(issues[0]?.reason).toContain("plain without KAFKA_SSL=true sends the password in clear");
    expect(JSON.stringify(issues)).not.toContain("hunter2");

    expect(issuesOf({ ...PRODUCTION, ...GRPC_FILES, ...plain, KAFKA_SSL: "true" })).toEqual([]);
    expect(issuesOf({ ...PRODUCTION, ...GRPC_FILES, ...plain, KAFKA_SASL_MECHANISM: "scram-sha-512" })).toEqual([]);
    // Outside production (a local broker) it is allowed.
    expect(issuesOf({ KAFKA_BROKERS: "localhost:9092", ...plain })).toEqual([]);
  });
});
