import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { PLATFORM_SERVICES } from "@lienthong/contracts";
import { createGrpcServer, createLogger, startGrpcServer, withDeadline } from "@lienthong/service-host";
import { grpcServerTransport } from "../../libs/service-host/src/auth/grpc-tls";
import { repoRoot } from "./compose-file";

// infra/compose/make-credentials.js is the compose stack's `credentials` job.
// Here it runs with node on a temporary directory (it needs the built
// @lienthong/contracts, as in the image), and a service's gRPC server is
// started from what it made, as GRPC_TLS=files in the compose stack does.

const script = path.join(repoRoot, "infra/compose/make-credentials.js");
const services = PLATFORM_SERVICES.map((service) => service.name);
let root: string;

function make(): string {
  return execFileSync(process.execPath, [script], { env: { ...process.env, CREDENTIALS_DIR: root }, encoding: "utf8" });
}

function read(relative: string): string {
  return fs.readFileSync(path.join(root, relative), "utf8");
}

/** Every file under the directory, with its content. */
function snapshot(): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(relative);
      else files[relative] = read(relative);
    }
  };
  walk("");
  return files;
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "compose-credentials-"));
  make();
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe("infra/compose/make-credentials.js", () => {
  it("makes a distinct Kafka password for the admin, the topic job and each service of the platform", () => {
    const passwords = ["admin", "topics", ...services].map((principal) => read(`kafka/${principal}.password`));
    expect(new Set(passwords).size).toBe(passwords.length);
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it.each(services)("gives %s its own directory: its password, its gRPC certificate and key, the CA", (name) => {
    expect(fs.readdirSync(path.join(root, "services", name)).sort()).toEqual([
      "ca.crt",
      "grpc.crt",
      "grpc.key",
      "kafka-password",
    ]);
    expect(read(`services/${name}/kafka-password`)).toBe(read(`kafka/${name}.password`));
    expect(read(`services/${name}/ca.crt`)).toBe(read("ca/ca.crt"));
  });

  it("keeps the CA key to itself: only the job's own view of the volume holds it, owner-read-only", () => {
    expect(fs.statSync(path.join(root, "ca/ca.key")).mode & 0o777).toBe(0o400);
    const exposed = ["kafka", ...services.map((name) => `services/${name}`)].flatMap((dir) =>
      fs.readdirSync(path.join(root, dir)).filter((file) => read(path.join(dir, file)).includes(read("ca/ca.key"))),
    );
    expect(exposed).toEqual([]);
  });

  it("keeps everything on the next run, and remakes only what is missing, under the same CA", () => {
    const before = snapshot();
    expect(make()).toBe(`credentials ready in ${root}\n`);
    expect(snapshot()).toEqual(before);

    fs.rmSync(path.join(root, "services", "routing"), { recursive: true });
    expect(make()).toContain("new gRPC certificates for routing");
    const after = snapshot();
    expect(after["services/routing/kafka-password"]).toBe(before["services/routing/kafka-password"]);
    expect(after["services/routing/grpc.crt"]).not.toBe(before["services/routing/grpc.crt"]);
    expect(after["ca/ca.crt"]).toBe(before["ca/ca.crt"]);
  });
});

describe("a service serving gRPC with its compose credentials (GRPC_TLS=files)", () => {
  const logger = createLogger({ service: "routing", level: "silent" });
  let port: number;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const transport = await grpcServerTransport(
      {
        GRPC_TLS: "files",
        GRPC_TLS_CERT_FILE: path.join(root, "services/routing/grpc.crt"),
        GRPC_TLS_KEY_FILE: path.join(root, "services/routing/grpc.key"),
        DATA_DIR: root,
      },
      logger,
    );
    const server = await startGrpcServer(createGrpcServer({ service: "routing", logger, services: [] }), {
      host: "127.0.0.1",
      port: 0,
      credentials: transport.credentials,
    });
    ({ port, close } = server);
  });
  afterAll(() => close());

  /** Waits for a TLS connection to the server under `name`, trusting the compose CA. */
  function connectAs(name: string): Promise<void> {
    const client = new grpc.Client(
      `127.0.0.1:${port}`,
      grpc.credentials.createSsl(Buffer.from(read("services/routing/ca.crt"))),
      { "grpc.ssl_target_name_override": name },
    );
    return new Promise<void>((resolve, reject) =>
      client.waitForReady(withDeadline(2_000).deadline as Date, (error) => {
        client.close();
        if (error) reject(error);
        else resolve();
      }),
    );
  }

  it("is trusted under its compose hostname and localhost by a client with the compose CA", async () => {
    await expect(connectAs("routing")).resolves.toBeUndefined();
    await expect(connectAs("localhost")).resolves.toBeUndefined();
  });

  it("is not taken for another service", async () => {
    await expect(connectAs("intake")).rejects.toThrow();
  });
});
