import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { PLATFORM_SERVICES } from "@lienthong/contracts";
import { sampleUnits } from "@lienthong/domain";
import { DEVELOPMENT_WEBHOOK_SECRET } from "@lienthong/notification";
import {
  DEVELOPMENT_CLIENTS,
  createGrpcServer,
  createLogger,
  loadConfig,
  openIdentities,
  openPublicLinkSecrets,
  publicLinkEnv,
  serviceEnv,
  startGrpcServer,
  withDeadline,
  type Identities,
} from "@lienthong/service-host";
import { grpcServerTransport } from "../../libs/service-host/src/auth/grpc-tls";
import { SignedWebhookSender } from "../../services/notification/src/channels/webhook";
import { environmentOf, namedVolumeMounts, readCompose, repoRoot } from "./compose-file";

// infra/compose/make-credentials.js is the compose stack's `credentials` job.
// Here it runs with node on a temporary directory (it needs the built
// @lienthong/contracts, @lienthong/domain and @lienthong/service-host, as in
// the image); a service's gRPC server is started from what it made, as
// GRPC_TLS=files in the compose stack does; the services' identities are
// opened from their compose environment, with the volume's paths mapped onto
// the directory; and the operator mints officials' tokens with the built
// `lienthong` command, as infra/README.md tells.

const script = path.join(repoRoot, "infra/compose/make-credentials.js");
const cli = path.join(repoRoot, "libs/cli/dist/bin.js");
const services = PLATFORM_SERVICES.map((service) => service.name);
/** The services that share the secret of the applicant's download links. */
const LINK_SERVICES: string[] = ["intake", "signature"];
const compose = readCompose();
const credentialMounts = namedVolumeMounts(compose).filter((mount) => mount.volume === "credentials");
let root: string;

function make(): string {
  return execFileSync(process.execPath, [script], {
    env: {
      ...process.env,
      CREDENTIALS_DIR: root,
      COMMUNE_WEBHOOKS_URL: environmentOf(compose, "credentials").COMMUNE_WEBHOOKS_URL,
    },
    encoding: "utf8",
  });
}

/** The built `lienthong` command, run as the operator runs it in the credentials container. */
function lienthong(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  if (!fs.existsSync(cli))
    throw new Error(`${cli} is missing: build the CLI first (cd libs/cli && npx tsc -p tsconfig.build.json)`);
  return spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
}

interface RegisteredClient {
  clientId: string;
  unitCodes: string[];
  keys: { id: string; salt: string; sha256: string }[];
  requestsPerMinute?: number;
  webhook?: { url: string; secrets: string[] };
}

function registeredClients(): RegisteredClient[] {
  return (JSON.parse(read("shared/clients.json")) as { clients: RegisteredClient[] }).clients;
}

/** The plain API keys in the operator's part, by client id. */
function operatorKeys(): Record<string, string> {
  return Object.fromEntries(
    fs
      .readdirSync(path.join(root, "operator/clients"))
      .map((file) => [file.replace(/\.key$/, ""), read(`operator/clients/${file}`)]),
  );
}

/** A container's environment with each path under a credentials mount replaced by where that part is in `root`. */
function environmentOnDisk(service: string): Record<string, string> {
  const mounts = credentialMounts.filter((mount) => mount.service === service);
  return Object.fromEntries(
    Object.entries(environmentOf(compose, service)).map(([variable, value]) => {
      const mount = mounts.find((candidate) => value.startsWith(`${candidate.containerPath}/`));
      return [variable, mount ? path.join(root, mount.subpath ?? "", value.slice(mount.containerPath.length)) : value];
    }),
  );
}

const communes = (() => {
  const units = sampleUnits();
  return units.provinces().flatMap((province) => units.communesOf(province.code).map((commune) => commune.code));
})();

/** The identities a platform service opens in the stack: its compose environment, NODE_ENV=production. */
function identitiesOf(service: string): Promise<Identities> {
  const env = loadConfig(serviceEnv({ httpPort: 0, grpcPort: 0, opsPort: 0 }), environmentOnDisk(service));
  expect(env.NODE_ENV).toBe("production");
  // signature opts out for its test PKI only; registered clients and the stack's issuer still rule out the others.
  expect(env.ALLOW_EMBEDDED_IN_PRODUCTION).toBe(service === "signature");
  return openIdentities(env, createLogger({ service, level: "silent" }), () => communes);
}

/** The k6 script's default receiving units and its peak rate and spike factor. */
const loadTest = (() => {
  const text = fs.readFileSync(path.join(repoRoot, "infra/k6/submit-applications.js"), "utf8");
  const block = /RECEIVING_UNIT_CODES = list\(__ENV\.RECEIVING_UNIT_CODES, \[([\s\S]*?)\]\)/.exec(text)?.[1] ?? "";
  const defaultOf = (variable: string) =>
    Number(new RegExp(`Number\\(__ENV\\.${variable} \\|\\| (\\d+)\\)`).exec(text)?.[1] ?? Number.NaN);
  return {
    units: [...block.matchAll(/"(\d{5})"/g)].map((match) => match[1] ?? ""),
    spikePerMinute: defaultOf("PEAK_RATE") * defaultOf("SPIKE_FACTOR") * 60,
  };
})();

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
  it("makes a distinct Kafka password for the admin, the topic job, the operators' view and each service", () => {
    const passwords = ["admin", "topics", "ops", ...services].map((principal) => read(`kafka/${principal}.password`));
    expect(new Set(passwords).size).toBe(passwords.length);
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it.each(services)("gives %s its own directory: its password, its gRPC certificate and key, the CA", (name) => {
    expect(fs.readdirSync(path.join(root, "services", name)).sort()).toEqual([
      "ca.crt",
      "grpc.crt",
      "grpc.key",
      "kafka-password",
      // The applicant's download links: intake signs them, signature checks them (docs/decisions.md §23).
      ...(LINK_SERVICES.includes(name) ? ["public-link-secret"] : []),
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

  it("makes one secret of the applicant's download links for intake and signature, and shows it to no other container", () => {
    const secret = read("public-links/secret");
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fs.statSync(path.join(root, "public-links/secret")).mode & 0o777).toBe(0o400);
    for (const name of LINK_SERVICES) expect(read(`services/${name}/public-link-secret`)).toBe(secret);
    const parts = [...new Set(credentialMounts.map((mount) => mount.subpath ?? ""))].filter(
      (part) => part !== "" && !LINK_SERVICES.some((name) => part === `services/${name}`),
    );
    expect(parts).toEqual(expect.arrayContaining(["shared", "kafka", "services/routing", "services/notification"]));
    const exposed = parts.flatMap((part) =>
      fs
        .readdirSync(path.join(root, part))
        .filter((file) => read(path.join(part, file)).includes(secret))
        .map((file) => path.join(part, file)),
    );
    expect(exposed).toEqual([]);
  });

  it.each(LINK_SERVICES)(
    "lets %s, started in production from its compose environment, sign or check links with that secret",
    (name) => {
      const env = loadConfig(
        serviceEnv({ httpPort: 0, grpcPort: 0, opsPort: 0 }, publicLinkEnv),
        environmentOnDisk(name),
      );
      expect(env.NODE_ENV).toBe("production");
      const logger = createLogger({ service: name, level: "silent" });
      expect(openPublicLinkSecrets(env, logger)).toEqual({ current: read("public-links/secret") });
    },
  );

  it("keeps everything on the next run, and remakes only what is missing, under the same CA", () => {
    const before = snapshot();
    expect(make()).toBe(`credentials ready in ${root}\n`);
    expect(snapshot()).toEqual(before);

    fs.rmSync(path.join(root, "services", "routing"), { recursive: true });
    fs.rmSync(path.join(root, "services", "signature", "public-link-secret"));
    expect(make()).toContain("new gRPC certificates for routing");
    const after = snapshot();
    expect(after["services/signature/public-link-secret"]).toBe(before["public-links/secret"]);
    expect(after["services/routing/kafka-password"]).toBe(before["services/routing/kafka-password"]);
    expect(after["services/routing/grpc.crt"]).not.toBe(before["services/routing/grpc.crt"]);
    expect(after["ca/ca.crt"]).toBe(before["ca/ca.crt"]);
  });
});

describe("the stack's clients and officials (CLIENTS_FILE, OIDC_ISSUER, OIDC_JWKS_FILE)", () => {
  const stackIssuer = environmentOf(compose, "intake").OIDC_ISSUER ?? "(none)";
  const temporary: string[] = [];
  afterAll(() => temporary.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
  const scratch = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "compose-issuer-"));
    temporary.push(dir);
    return dir;
  };

  /** A token for a sample official, as the operator mints it (infra/README.md). */
  function mint(official: string, ...options: string[]): string {
    const result = lienthong("dev", "token", official, ...options);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    return result.stdout.trim();
  }

  it("registers a system for each commune the load test submits at, the portal at every commune, and the load test itself", () => {
    const clients = registeredClients();
    expect(loadTest.units.length).toBeGreaterThan(0);
    for (const unit of loadTest.units) {
      const own = clients.filter((client) => client.unitCodes.length === 1 && client.unitCodes[0] === unit);
      expect({ unit, systems: own.length }).toEqual({ unit, systems: 1 });
    }
    const byId = new Map(clients.map((client) => [client.clientId, client]));
    expect(byId.get("portal")?.unitCodes.sort()).toEqual([...communes].sort());
    const load = byId.get("load-test");
    expect(load?.unitCodes.sort()).toEqual([...loadTest.units].sort());
    // The client's limit counts every request of a minute: the spike must fit in it.
    expect(load?.requestsPerMinute).toBeGreaterThanOrEqual(loadTest.spikePerMinute);
  });

  it("gives every client a key of its own, plain only in the operator's part, and a webhook secret of its own", () => {
    const clients = registeredClients();
    const keys = operatorKeys();
    expect(Object.keys(keys).sort()).toEqual(clients.map((client) => client.clientId).sort());
    for (const client of clients) {
      expect(client.keys).toHaveLength(1);
      expect(keys[client.clientId]).toMatch(new RegExp(`^ltk\\.${client.keys[0]!.id}\\.[A-Za-z0-9_-]{43}$`));
      expect(fs.statSync(path.join(root, `operator/clients/${client.clientId}.key`)).mode & 0o777).toBe(0o400);
      expect(client.webhook?.url).toBe(
        `${environmentOf(compose, "credentials").COMMUNE_WEBHOOKS_URL}/${client.clientId}`,
      );
      expect(client.webhook?.secrets).toHaveLength(1);
      expect(client.webhook!.secrets[0]!.length).toBeGreaterThanOrEqual(32);
      expect(client.webhook!.secrets[0]).not.toBe(DEVELOPMENT_WEBHOOK_SECRET);
    }
    expect(new Set(Object.values(keys)).size).toBe(clients.length);
    expect(new Set(clients.map((client) => client.webhook!.secrets[0])).size).toBe(clients.length);
  });

  it("lets no container but the job see a plain key or the issuer's private key", () => {
    const issuerKey = JSON.parse(read("operator/issuer/development-issuer.json")) as { privateJwk: { d: string } };
    expect(fs.statSync(path.join(root, "operator/issuer/development-issuer.json")).mode & 0o777).toBe(0o600);
    const secrets = [...Object.values(operatorKeys()).map((key) => key.split(".")[2]!), issuerKey.privateJwk.d];
    const parts = [
      ...new Set(
        credentialMounts.filter((mount) => mount.service !== "credentials").map((mount) => mount.subpath ?? ""),
      ),
    ];
    expect(parts).toContain("shared");
    const exposed = parts.flatMap((part) =>
      fs
        .readdirSync(path.join(root, part))
        .filter((file) => secrets.some((secret) => read(path.join(part, file)).includes(secret)))
        .map((file) => path.join(part, file)),
    );
    expect(exposed).toEqual([]);
  });

  it.each(services)(
    "lets %s, started in production from its compose environment, accept the operator's keys and refuse the development ones",
    async (name) => {
      const identities = await identitiesOf(name);
      expect(identities.clients.development).toBe(false);
      expect(identities.developmentIssuerDir).toBeUndefined();
      for (const [clientId, key] of Object.entries(operatorKeys())) {
        expect((await identities.authenticate({ apiKey: key })).client?.clientId).toBe(clientId);
      }
      expect((await identities.authenticate({ apiKey: operatorKeys()["muong-lat-commune-system"] })).client).toEqual({
        clientId: "muong-lat-commune-system",
        unitCodes: new Set(["14845"]),
      });
      for (const development of Object.values(DEVELOPMENT_CLIENTS)) {
        await expect(identities.authenticate({ apiKey: development.key })).rejects.toMatchObject({
          code: "UNAUTHENTICATED",
        });
      }
    },
  );

  it("accepts an official's token the operator mints for the stack's issuer, and no other", async () => {
    const identities = await identitiesOf("intake");
    const token = mint(
      "chu-tich-muong-lat",
      "--identity-dir",
      path.join(root, "operator/issuer"),
      "--issuer",
      stackIssuer,
    );
    const caller = await identities.authenticate({
      apiKey: operatorKeys()["muong-lat-commune-system"],
      authorization: `Bearer ${token}`,
    });
    expect(caller.official).toEqual({
      subject: "chu-tich-muong-lat",
      unitCodes: new Set(["14845"]),
      roles: new Set(["leader", "document_signer"]),
    });

    // The development issuer of a data directory, as in embedded mode: refused.
    const development = mint("chu-tich-muong-lat", "--data-dir", scratch());
    await expect(identities.officials.verify(development)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    // The stack's issuer name on a token signed with another key: refused too.
    const elsewhere = scratch();
    mint("chu-tich-muong-lat", "--data-dir", elsewhere);
    const forged = mint(
      "chu-tich-muong-lat",
      "--identity-dir",
      path.join(elsewhere, "identity"),
      "--issuer",
      stackIssuer,
    );
    await expect(identities.officials.verify(forged)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("refuses to mint for the stack's issuer from a directory without its key, rather than make a key no service knows", () => {
    const empty = scratch();
    const result = lienthong("dev", "token", "chu-tich-muong-lat", "--identity-dir", empty, "--issuer", stackIssuer);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("no issuer key");
    expect(fs.readdirSync(empty)).toEqual([]);
  });

  it("registers anew a client missing from the clients file, and keeps the others' keys", () => {
    const before = snapshot();
    const file = path.join(root, "shared/clients.json");
    const clients = registeredClients();
    fs.rmSync(file);
    fs.writeFileSync(file, JSON.stringify({ clients: clients.filter((client) => client.clientId !== "portal") }), {
      mode: 0o444,
    });
    expect(make()).toContain("new API keys in operator/clients/ for portal\n");
    const after = snapshot();
    expect(after["operator/clients/portal.key"]).not.toBe(before["operator/clients/portal.key"]);
    expect(after["operator/clients/load-test.key"]).toBe(before["operator/clients/load-test.key"]);
    expect(after["shared/officials-jwks.json"]).toBe(before["shared/officials-jwks.json"]);
    expect(registeredClients().map((client) => client.clientId)).toEqual([
      ...clients.map((client) => client.clientId).filter((clientId) => clientId !== "portal"),
      "portal",
    ]);
  });

  it("tells the operator, in infra/README.md, only paths of the volume that the job makes", () => {
    const readme = fs.readFileSync(path.join(repoRoot, "infra/README.md"), "utf8");
    const told = [...readme.matchAll(/\/credentials\/([\w./-]+)/g)].map((match) => match[1] ?? "");
    expect(told).toEqual(expect.arrayContaining(["operator/clients/load-test.key", "operator/issuer"]));
    expect(told.filter((relative) => !fs.existsSync(path.join(root, relative)))).toEqual([]);
  });
});

describe("the commune systems' stand-in (infra/compose/commune-webhooks.js)", () => {
  let child: ChildProcess;
  let url: string;

  beforeAll(async () => {
    child = spawn(process.execPath, [path.join(repoRoot, "infra/compose/commune-webhooks.js")], {
      env: {
        ...process.env,
        CLIENTS_FILE: path.join(root, "shared/clients.json"),
        HTTP_HOST: "127.0.0.1",
        HTTP_PORT: "0",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    url = await new Promise<string>((resolve, reject) => {
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        const listening = /listening on (http:\/\/\S+),/.exec(chunk)?.[1];
        if (listening) resolve(listening);
      });
      child.once("exit", (code) => reject(new Error(`commune-webhooks exited with ${code}`)));
    });
  });
  afterAll(() => {
    child.kill();
  });

  function call(clientId: string, secrets: readonly string[]) {
    const registered = registeredClients().find((client) => client.clientId === clientId)!;
    return new SignedWebhookSender().send({
      endpoint: { url: `${url}${new URL(registered.webhook!.url).pathname}`, secrets },
      id: `msg_${clientId}`,
      body: JSON.stringify({ type: "gov.lienthong.application.accepted.v1", dossierId: "d-1", status: 2 }),
    });
  }

  it("takes a webhook signed as notification signs it with the client's registered secret, and refuses another", async () => {
    const registered = registeredClients().find((client) => client.clientId === "muong-lat-commune-system")!;
    await expect(call("muong-lat-commune-system", registered.webhook!.secrets)).resolves.toBeUndefined();
    // Tam Chung's secret does not sign Mường Lát's webhooks; 401 tells notification to stop retrying.
    const other = registeredClients().find((client) => client.clientId === "tam-chung-commune-system")!;
    await expect(call("muong-lat-commune-system", other.webhook!.secrets)).rejects.toMatchObject({ retriable: false });

    const received = (await (await fetch(`${url}/webhooks`)).json()) as Record<
      string,
      { verified: number; refused: number; recent: { id: string; status: number }[] }
    >;
    expect(received["muong-lat-commune-system"]).toMatchObject({
      verified: 1,
      refused: 1,
      recent: [{ id: "msg_muong-lat-commune-system", status: 2 }],
    });
    expect(received["tam-chung-commune-system"]).toMatchObject({ verified: 0, refused: 0 });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
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
