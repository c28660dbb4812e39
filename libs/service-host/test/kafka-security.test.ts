import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { tempDir, type TempDir } from "@lienthong/testing";
import { ServiceHost, loadConfig, serviceEnv } from "@lienthong/service-host";
import { openDevelopmentTls, type DevelopmentTls } from "../src/auth/grpc-tls";
import { startFakeKafkaBroker, type FakeBroker, type FakeBrokerOptions } from "./support/fake-kafka-broker";
import { captureLogger } from "./support/capture";

// A TLS failure is retriable to kafkajs: ping() returns false only after its retries (about 10 s).
jest.setTimeout(60_000);

const PASSWORD = "intake-scram-password-7f3a";

/**
 * From the environment to the wire: serviceEnv parses the KAFKA_SSL* and
 * KAFKA_SASL* variables, ServiceHost.open (openBus) builds the Kafka bus from
 * them, and the bus's readiness ping (kafkajs admin: connect, then Metadata)
 * dials a broker that checks what arrives.
 */
describe("Kafka connection security from the environment", () => {
  let dir: TempDir;
  let certificates: DevelopmentTls;
  let brokers: FakeBroker[] = [];
  let hosts: ServiceHost[] = [];

  beforeAll(async () => {
    dir = await tempDir("kafka-security");
    certificates = await openDevelopmentTls(path.join(dir.path, "pki"));
    writeFileSync(dir.file("password"), `${PASSWORD}\n`, { mode: 0o600 });
  });
  afterEach(async () => {
    await Promise.all(hosts.map((host) => host.stop()));
    await Promise.all(brokers.map((broker) => broker.close()));
    hosts = [];
    brokers = [];
  });
  afterAll(() => dir.remove());

  async function broker(options: FakeBrokerOptions): Promise<FakeBroker> {
    const started = await startFakeKafkaBroker(options);
    brokers.push(started);
    return started;
  }

  /** Pings `broker` through a ServiceHost opened from `env`; returns the ping and every log line. */
  async function pingFrom(target: FakeBroker, env: Record<string, string>) {
    const captured = captureLogger("intake", "debug");
    const dataDir = path.join(dir.path, `data-${hosts.length}-${Date.now()}`);
    const parsed = loadConfig(serviceEnv({ httpPort: 0, grpcPort: 0, opsPort: 0 }), {
      NODE_ENV: "test",
      DATA_DIR: dataDir,
      KAFKA_BROKERS: target.address,
      KAFKA_CREATE_TOPICS: "false",
      KAFKA_IDEMPOTENT_PRODUCER: "false",
      ...env,
    });
    const host = await ServiceHost.open(
      { service: "intake", env: parsed, collections: [] },
      { logger: captured.logger },
    );
    hosts.push(host);
    return { ready: await host.bus.ping(), lines: captured.lines, entries: captured.entries };
  }

  const tlsBroker = (clientCa?: string) =>
    broker({ tls: { cert: certificates.serverCertificatePem, key: certificates.serverKeyPem, clientCa } });

  it("completes the TLS handshake with the CA of KAFKA_SSL_CA_FILE", async () => {
    const target = await tlsBroker();
    const { ready } = await pingFrom(target, { KAFKA_SSL: "true", KAFKA_SSL_CA_FILE: certificates.files.ca });
    expect(ready).toBe(true);
    expect(target.events).toEqual(expect.arrayContaining(["tls handshake", "Metadata"]));
  });

  it("refuses a broker certificate its CAs did not issue", async () => {
    const target = await tlsBroker();
    const { ready, lines } = await pingFrom(target, { KAFKA_SSL: "true" });
    expect(ready).toBe(false);
    expect(target.events).not.toContain("tls handshake");
    expect(lines.join("\n")).toContain("self-signed certificate in certificate chain");
  });

  it("presents the client certificate of KAFKA_SSL_CERT_FILE / KAFKA_SSL_KEY_FILE to a broker that requires one", async () => {
    const target = await tlsBroker(certificates.caPem);
    const { ready } = await pingFrom(target, {
      KAFKA_SSL: "true",
      KAFKA_SSL_CA_FILE: certificates.files.ca,
      KAFKA_SSL_CERT_FILE: certificates.files.clientCertificate,
      KAFKA_SSL_KEY_FILE: certificates.files.clientKey,
    });
    expect(ready).toBe(true);
    expect(target.events).toContain("tls handshake");

    const without = await tlsBroker(certificates.caPem);
    expect((await pingFrom(without, { KAFKA_SSL: "true", KAFKA_SSL_CA_FILE: certificates.files.ca })).ready).toBe(
      false,
    );
    expect(without.events).toContainEqual(expect.stringMatching(/^tls refused: .*certificate/));
  });

  it("authenticates with SCRAM-SHA-512 over TLS, the password read from KAFKA_SASL_PASSWORD_FILE", async () => {
    const target = await broker({
      tls: { cert: certificates.serverCertificatePem, key: certificates.serverKeyPem },
      scramUsers: { intake: PASSWORD },
    });
    const { ready, entries, lines } = await pingFrom(target, {
      KAFKA_SSL: "true",
      KAFKA_SSL_CA_FILE: certificates.files.ca,
      KAFKA_SASL_MECHANISM: "scram-sha-512",
      KAFKA_SASL_USERNAME: "intake",
      KAFKA_SASL_PASSWORD_FILE: dir.file("password"),
    });
    expect(ready).toBe(true);
    // Authenticated over TLS before asking anything else.
    expect(target.events.slice(0, 3)).toEqual(["tls handshake", "sasl SCRAM-SHA-512 intake accepted", "Metadata"]);
    expect(entries().find((line) => line.msg === "kafka connection")).toMatchObject({
      kafka_tls: true,
      kafka_sasl: "scram-sha-512",
      kafka_principal: "intake",
    });
    expect(lines.join("\n")).not.toContain(PASSWORD);
  });

  it("authenticates with SCRAM-SHA-256 and KAFKA_SASL_PASSWORD over plaintext", async () => {
    const target = await broker({ scramUsers: { routing: PASSWORD } });
    const { ready } = await pingFrom(target, {
      KAFKA_SASL_MECHANISM: "scram-sha-256",
      KAFKA_SASL_USERNAME: "routing",
      KAFKA_SASL_PASSWORD: PASSWORD,
    });
    expect(ready).toBe(true);
    expect(target.events).toContain("sasl SCRAM-SHA-256 routing accepted");
  });

  it("is refused with a wrong password, and neither password reaches a log line", async () => {
    const target = await broker({ scramUsers: { intake: PASSWORD } });
    const wrong = "not-the-intake-password-19c2";
    const { ready, lines } = await pingFrom(target, {
      KAFKA_SASL_MECHANISM: "scram-sha-512",
      KAFKA_SASL_USERNAME: "intake",
      KAFKA_SASL_PASSWORD: wrong,
    });
    expect(ready).toBe(false);
    expect(target.events).toContain("sasl SCRAM-SHA-512 intake refused");
    expect(target.events).not.toContain("Metadata");
    const logged = lines.join("\n");
    expect(logged).toContain("SASL SCRAM SHA512 authentication failed");
    expect(logged).not.toContain(wrong);
    expect(logged).not.toContain(PASSWORD);
  });

  it("sends nothing but the handshake to a broker that wants SASL when none is configured", async () => {
    const target = await broker({ scramUsers: { intake: PASSWORD } });
    const { ready } = await pingFrom(target, {});
    expect(ready).toBe(false);
    expect(target.events).toContain("Metadata before authentication");
  });
});
