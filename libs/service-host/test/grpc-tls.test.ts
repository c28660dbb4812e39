import { execFile, spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { tempDir, type TempDir } from "@lienthong/testing";
import {
  ConfigError,
  ServiceHost,
  createGrpcServer,
  loadConfig,
  serviceEnv,
  startGrpcServer,
  withDeadline,
  type GrpcServerHandle,
} from "@lienthong/service-host";
import {
  developmentTlsDirectory,
  grpcServerTransport,
  openDevelopmentTls,
  type DevelopmentTls,
  type GrpcTlsEnv,
} from "../src/auth/grpc-tls";
import { captureLogger } from "./support/capture";

const run = promisify(execFile);

type HealthClient = grpc.Client & {
  check(
    request: { service: string },
    options: Partial<grpc.CallOptions>,
    callback: (error: grpc.ServiceError | null, response: { status: string }) => void,
  ): void;
};
const healthPackage = grpc.loadPackageDefinition(
  loadSync(path.basename(healthProtoPath), { includeDirs: [path.dirname(healthProtoPath)], enums: String }),
) as unknown as {
  grpc: { health: { v1: { Health: new (address: string, credentials: grpc.ChannelCredentials) => HealthClient } } };
};
const Health = healthPackage.grpc.health.v1.Health;

/** The health status the server reports to a client dialling with `credentials`, or the call's error. */
async function healthOver(address: string, credentials: grpc.ChannelCredentials): Promise<string> {
  const client = new Health(address, credentials);
  try {
    return await new Promise<string>((resolve, reject) =>
      client.check({ service: "" }, withDeadline(3_000), (error, response) =>
        error ? reject(error) : resolve(response.status),
      ),
    );
  } finally {
    client.close();
  }
}

async function refusal(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  return promise.then(
    () => {
      throw new Error("expected the call to be refused");
    },
    (error: grpc.ServiceError) => error,
  );
}

const pem = (text: string) => Buffer.from(text);
const { logger } = captureLogger("intake");

async function startServer(env: GrpcTlsEnv): Promise<GrpcServerHandle> {
  const grpcServer = createGrpcServer({ service: "intake", logger, services: [] });
  const { credentials } = await grpcServerTransport(env, logger);
  return startGrpcServer(grpcServer, { host: "127.0.0.1", port: 0, credentials, shutdownTimeoutMs: 500 });
}

describe("the development TLS directory", () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await tempDir("grpc-tls-dev");
  });
  afterAll(() => dir.remove());

  it("is made once, whole, by whichever of several concurrent openers renames first; keys are 0600", async () => {
    const directory = path.join(dir.path, "identity", "tls");
    const opened = await Promise.all([1, 2, 3, 4].map(() => openDevelopmentTls(directory)));
    expect(new Set(opened.map((tls) => tls.caPem)).size).toBe(1);
    expect(new Set(opened.map((tls) => tls.serverKeyPem)).size).toBe(1);
    // The losers' staging directories are gone: only the one set remains.
    expect(readdirSync(path.dirname(directory))).toEqual(["tls"]);
    expect(readdirSync(directory).sort()).toEqual(["ca.crt", "client.crt", "client.key", "server.crt", "server.key"]);
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(directory, "server.key")).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(directory, "client.key")).mode & 0o777).toBe(0o600);
    // A later start reads the same set.
    expect((await openDevelopmentTls(directory)).caPem).toBe(opened[0]?.caPem);
  });

  it("lives in IDENTITY_DIR/tls, else DATA_DIR/identity/tls", () => {
    expect(developmentTlsDirectory({ DATA_DIR: "/srv/data" })).toBe("/srv/data/identity/tls");
    expect(developmentTlsDirectory({ DATA_DIR: "/srv/data", IDENTITY_DIR: "/srv/id" })).toBe("/srv/id/tls");
  });
});

describe("gRPC over TLS with the development CA (GRPC_TLS=development)", () => {
  let dir: TempDir;
  let server: GrpcServerHandle;
  let tls: DevelopmentTls;
  let address: string;

  beforeAll(async () => {
    dir = await tempDir("grpc-tls-server");
    server = await startServer({ GRPC_TLS: "development", DATA_DIR: dir.path });
    tls = await openDevelopmentTls(developmentTlsDirectory({ DATA_DIR: dir.path }));
    address = `localhost:${server.port}`;
  });
  afterAll(async () => {
    await server.close();
    await dir.remove();
  });

  it("is trusted by a grpc-js client given the CA, by name and by loopback address", async () => {
    expect(await healthOver(address, grpc.credentials.createSsl(pem(tls.caPem)))).toBe("SERVING");
    expect(await healthOver(`127.0.0.1:${server.port}`, grpc.credentials.createSsl(pem(tls.caPem)))).toBe("SERVING");
  });

  it("is not trusted by a client with only the system's CAs", async () => {
    const error = await refusal(healthOver(address, grpc.credentials.createSsl()));
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toContain("self-signed certificate in certificate chain");
  });

  it("is not trusted by a client with another development CA", async () => {
    const other = await openDevelopmentTls(path.join(dir.path, "other-ca"));
    const error = await refusal(healthOver(address, grpc.credentials.createSsl(pem(other.caPem))));
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toContain("self-signed certificate in certificate chain");
  });

  it("answers no plaintext client", async () => {
    const error = await refusal(healthOver(address, grpc.credentials.createInsecure()));
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
  });

  const openssl = spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0;
  (openssl ? it : it.skip)(
    "presents its certificate and the CA's to openssl s_client, which verifies them",
    async () => {
      const pending = run(
        "openssl",
        [
          "s_client",
          "-connect",
          `127.0.0.1:${server.port}`,
          "-servername",
          "localhost",
          "-verify_hostname",
          "localhost",
          "-CAfile",
          tls.files.ca,
          "-alpn",
          "h2",
          "-showcerts",
        ],
        { timeout: 10_000 },
      );
      // End of input: s_client closes the connection once the handshake is done.
      pending.child.stdin?.end();
      const { stdout } = await pending;
      const chain = [...stdout.matchAll(/^ *(\d) s:(.*)$/gm)].map((match) => `${match[1]} ${match[2]?.trim()}`);
      expect(chain).toEqual([
        "0 CN = localhost, O = LienThong development",
        "1 CN = LienThong development CA, O = LienThong development",
      ]);
      expect(stdout).toContain("Verify return code: 0 (ok)");
      expect(stdout).toContain("ALPN protocol: h2");
    },
  );
});

describe("mutual TLS (GRPC_TLS=files with GRPC_TLS_CLIENT_CA_FILE)", () => {
  let dir: TempDir;
  let server: GrpcServerHandle;
  let issuer: DevelopmentTls;
  let stranger: DevelopmentTls;
  let address: string;

  beforeAll(async () => {
    dir = await tempDir("grpc-mtls");
    // The operator's files: here, those of one development CA; `stranger` is another CA.
    issuer = await openDevelopmentTls(path.join(dir.path, "issuer"));
    stranger = await openDevelopmentTls(path.join(dir.path, "stranger"));
    server = await startServer({
      GRPC_TLS: "files",
      GRPC_TLS_CERT_FILE: issuer.files.serverCertificate,
      GRPC_TLS_KEY_FILE: issuer.files.serverKey,
      GRPC_TLS_CLIENT_CA_FILE: issuer.files.ca,
      DATA_DIR: dir.path,
    });
    address = `localhost:${server.port}`;
  });
  afterAll(async () => {
    await server.close();
    await dir.remove();
  });

  it("serves a client presenting a certificate the client CA issued", async () => {
    const credentials = grpc.credentials.createSsl(
      pem(issuer.caPem),
      pem(issuer.clientKeyPem),
      pem(issuer.clientCertificatePem),
    );
    expect(await healthOver(address, credentials)).toBe("SERVING");
  });

  it("refuses a client that trusts the server but presents no certificate", async () => {
    const error = await refusal(healthOver(address, grpc.credentials.createSsl(pem(issuer.caPem))));
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toContain("certificate required");
  });

  // TLS 1.3 lets the client finish before the server checks its certificate, so grpc-js only
  // reports "Failed to connect"; the first test of this block, which is served, differs only in the certificate.
  it("refuses a client whose certificate another CA issued", async () => {
    const credentials = grpc.credentials.createSsl(
      pem(issuer.caPem),
      pem(stranger.clientKeyPem),
      pem(stranger.clientCertificatePem),
    );
    const error = await refusal(healthOver(address, credentials));
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
  });
});

describe("GRPC_TLS=files that cannot serve", () => {
  let dir: TempDir;
  let one: DevelopmentTls;
  let another: DevelopmentTls;
  beforeAll(async () => {
    dir = await tempDir("grpc-tls-files");
    one = await openDevelopmentTls(path.join(dir.path, "one"));
    another = await openDevelopmentTls(path.join(dir.path, "another"));
  });
  afterAll(() => dir.remove());

  const configErrorOf = async (env: Omit<GrpcTlsEnv, "DATA_DIR">) => {
    const error = await grpcServerTransport({ ...env, DATA_DIR: dir.path }, logger).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  };

  it("names a file that cannot be read", async () => {
    expect(
      await configErrorOf({
        GRPC_TLS: "files",
        GRPC_TLS_CERT_FILE: path.join(dir.path, "missing.crt"),
        GRPC_TLS_KEY_FILE: one.files.serverKey,
      }),
    ).toEqual([{ variable: "GRPC_TLS_CERT_FILE", reason: "cannot read the file it names (ENOENT)" }]);
  });

  it("names a key that is not the certificate's, without printing either", async () => {
    const issues = await configErrorOf({
      GRPC_TLS: "files",
      GRPC_TLS_CERT_FILE: one.files.serverCertificate,
      GRPC_TLS_KEY_FILE: another.files.serverKey,
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.variable).toBe("GRPC_TLS_KEY_FILE");
    expect(issues[0]?.reason).toMatch(/^is not the private key of GRPC_TLS_CERT_FILE's certificate/);
    expect(issues[0]?.reason).not.toContain("BEGIN");
  });

  it("names a certificate or key file that holds no PEM of its kind", async () => {
    expect(
      await configErrorOf({
        GRPC_TLS: "files",
        GRPC_TLS_CERT_FILE: one.files.serverKey,
        GRPC_TLS_KEY_FILE: one.files.serverKey,
      }),
    ).toEqual([{ variable: "GRPC_TLS_CERT_FILE", reason: "holds no PEM certificate" }]);
    expect(
      await configErrorOf({
        GRPC_TLS: "files",
        GRPC_TLS_CERT_FILE: one.files.serverCertificate,
        GRPC_TLS_KEY_FILE: one.files.serverCertificate,
      }),
    ).toEqual([{ variable: "GRPC_TLS_KEY_FILE", reason: "holds no PEM private key" }]);
  });

  it("names a client CA file that holds no certificate", async () => {
    expect(
      await configErrorOf({
        GRPC_TLS: "files",
        GRPC_TLS_CERT_FILE: one.files.serverCertificate,
        GRPC_TLS_KEY_FILE: one.files.serverKey,
        GRPC_TLS_CLIENT_CA_FILE: one.files.serverKey,
      }),
    ).toEqual([{ variable: "GRPC_TLS_CLIENT_CA_FILE", reason: "holds no PEM certificate" }]);
  });
});

describe("a ServiceHost started with GRPC_TLS=development", () => {
  let dir: TempDir;
  let host: ServiceHost;
  const captured = captureLogger("intake");

  beforeAll(async () => {
    dir = await tempDir("grpc-tls-host");
    const env = loadConfig(serviceEnv({ httpPort: 0, grpcPort: 0, opsPort: 0 }), {
      NODE_ENV: "test",
      DATA_DIR: dir.path,
      IDENTITY_DIR: path.join(dir.path, "shared-identity"),
      GRPC_TLS: "development",
    });
    host = await ServiceHost.open(
      { service: "intake", env, collections: [] },
      { logger: captured.logger, ports: { http: 0, grpc: 0, ops: 0 } },
    );
  });
  afterAll(async () => {
    await host.stop();
    await dir.remove();
  });

  it("listens on loopback with TLS from the CA in IDENTITY_DIR/tls, and says so when it starts", async () => {
    const running = await host.start();
    const ca = await openDevelopmentTls(path.join(dir.path, "shared-identity", "tls"));
    expect(new URL(running.httpUrl).hostname).toBe("127.0.0.1");
    expect(await healthOver(`127.0.0.1:${running.grpcPort}`, grpc.credentials.createSsl(pem(ca.caPem)))).toBe(
      "SERVING",
    );
    const plaintext = await refusal(healthOver(`127.0.0.1:${running.grpcPort}`, grpc.credentials.createInsecure()));
    expect(plaintext.code).toBe(grpc.status.UNAVAILABLE);
    expect(captured.entries().find((line) => line.msg === "service started")).toMatchObject({
      grpcTls: "development",
      grpcClientCertificates: false,
    });
  });
});
