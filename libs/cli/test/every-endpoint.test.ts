/**
 * Every registered REST route and gRPC method of every service, walked from
 * the hosts' own registries (so a new endpoint cannot be forgotten): without
 * a credential, or with one that does not verify, only the documented public
 * endpoints answer; everything else answers 401 / UNAUTHENTICATED before
 * reading a body.
 */
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { SignJWT, generateKeyPair } from "jose";
import {
  AUTHORIZATION_HEADER,
  CLIENT_KEY_HEADER,
  DEVELOPMENT_ISSUER,
  DEVELOPMENT_OFFICIALS,
  PLATFORM_AUDIENCE,
  declaredAccessOf,
  openDevelopmentIssuer,
  type Access,
} from "@lienthong/service-host";
import { tempDir, type TempDir } from "@lienthong/testing";
import { startEmbedded, type EmbeddedPlatform } from "../src/embedded";

interface Endpoint {
  service: string;
  kind: "REST" | "gRPC";
  name: string;
  access: Access;
  call(headers: Record<string, string>): Promise<{ unauthenticated: boolean; status: string }>;
}

/** A path with its parameters filled (values that exist nowhere: no endpoint may reveal anything for them). */
function concretePath(template: string): string {
  return template.replace(/:([A-Za-z]+)/g, (_, name: string) => (name === "action" ? "accept" : `no-such-${name}`));
}

describe("every endpoint of every service asks for its credential", () => {
  let dir: TempDir;
  let platform: EmbeddedPlatform;
  const endpoints: Endpoint[] = [];
  let badTokens: Record<string, string>;

  beforeAll(async () => {
    dir = await tempDir("lienthong-every-endpoint");
    platform = await startEmbedded({
      dataDir: dir.file("data"),
      host: "127.0.0.1",
      httpBase: 0,
      grpcBase: 0,
      opsBase: 0,
      simulatorPort: 0,
      env: { LOG_LEVEL: "silent" },
    });
    for (const [index, host] of platform.hosts.entries()) {
      const running = platform.services[index]!;
      for (const route of host.routes()) {
        endpoints.push({
          service: host.name,
          kind: "REST",
          name: `${route.method} ${route.path}`,
          access: route.access,
          call: async (headers) => {
            const response = await fetch(`${running.httpUrl}${concretePath(route.path)}`, {
              method: route.method,
              headers: { "content-type": "application/json", ...headers },
              ...(route.method === "GET" ? {} : { body: "{}" }),
            });
            return { unauthenticated: response.status === 401, status: String(response.status) };
          },
        });
      }
      for (const { definition, implementation } of host.grpcRegistrations()) {
        const Client = grpc.makeGenericClientConstructor(definition, "walk");
        for (const [name, method] of Object.entries(definition)) {
          endpoints.push({
            service: host.name,
            kind: "gRPC",
            name: method.path,
            access: accessOfHandler(implementation[name]),
            call: (headers) =>
              new Promise((resolve) => {
                const client = new Client(`127.0.0.1:${running.grpcPort}`, grpc.credentials.createInsecure());
                const metadata = new grpc.Metadata();
                for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
                const request = method.requestDeserialize(Buffer.alloc(0));
                type UnaryCall = (
                  this: grpc.Client,
                  request: unknown,
                  metadata: grpc.Metadata,
                  options: grpc.CallOptions,
                  callback: (error: grpc.ServiceError | null) => void,
                ) => void;
                (client as unknown as Record<string, UnaryCall>)[name]!.call(
                  client,
                  request,
                  metadata,
                  { deadline: Date.now() + 10_000 },
                  (error: grpc.ServiceError | null) => {
                    client.close();
                    resolve({
                      unauthenticated: error?.code === grpc.status.UNAUTHENTICATED,
                      status: error ? grpc.status[error.code] : "OK",
                    });
                  },
                );
              }),
          });
        }
      }
    }

    const identityDir = path.join(dir.file("data"), "identity");
    const issuer = await openDevelopmentIssuer(identityDir);
    const good = await issuer.sign(DEVELOPMENT_OFFICIALS.operator);
    const [header, payload, signature] = good.split(".");
    const stranger = (await generateKeyPair("ES256")).privateKey;
    const now = Math.floor(Date.now() / 1000);
    const claims = { roles: ["operator"], lienthong_units: ["38"] };
    const sign = (build: (jwt: SignJWT) => SignJWT, kid = "dev-unknown") =>
      build(new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid }).setSubject("stranger")).sign(stranger);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), roles: ["auditor", "operator"] })).toString("base64url")}.${signature}`;
    badTokens = {
      "an unknown key id": await sign((jwt) =>
        jwt
          .setIssuer(DEVELOPMENT_ISSUER)
          .setAudience(PLATFORM_AUDIENCE)
          .setIssuedAt(now)
          .setExpirationTime(now + 600),
      ),
      "alg none": unsigned,
      "a tampered payload": tampered,
    };
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
    await dir?.remove();
  });

  it("lists endpoints of every service, REST and gRPC", () => {
    const services = new Set(endpoints.map((endpoint) => endpoint.service));
    expect([...services].sort()).toEqual(platform.hosts.map((host) => host.name).sort());
    expect(endpoints.filter((endpoint) => endpoint.kind === "gRPC").length).toBeGreaterThan(10);
  });

  it("answers 401 / UNAUTHENTICATED without a credential, except the documented public endpoints", async () => {
    const answers: string[] = [];
    for (const endpoint of endpoints) {
      const { unauthenticated, status } = await endpoint.call({});
      const isPublic = "public" in endpoint.access;
      if (unauthenticated === isPublic)
        answers.push(`${endpoint.service} ${endpoint.kind} ${endpoint.name}: ${status}`);
    }
    expect(answers).toEqual([]);
  }, 120_000);

  it("refuses an API key that does not verify and every kind of bad token, everywhere", async () => {
    const accepted: string[] = [];
    const attempts: Record<string, Record<string, string>> = {
      "a wrong API key": { [CLIENT_KEY_HEADER]: "ltk.devmuonglat.not-the-development-key-of-muong-lat-000" },
      ...Object.fromEntries(
        Object.entries(badTokens).map(([what, token]) => [what, { [AUTHORIZATION_HEADER]: `Bearer ${token}` }]),
      ),
    };
    const probesAnswered: string[] = [];
    for (const endpoint of endpoints) {
      for (const [what, headers] of Object.entries(attempts)) {
        const { unauthenticated, status } = await endpoint.call(headers);
        // Probes read no credential: a load balancer's check must not depend on the identity provider.
        if (PROBES.has(endpoint.name)) probesAnswered.push(status);
        else if (!unauthenticated) accepted.push(`${endpoint.service} ${endpoint.name} with ${what}: ${status}`);
      }
    }
    expect(accepted).toEqual([]);
    expect(new Set(probesAnswered)).toEqual(new Set(["200"]));
  }, 180_000);
});

const PROBES = new Set(["GET /healthz", "GET /readyz"]);

/** The access a gRPC handler was declared with (unary(access, …) records it; the host refuses handlers without). */
function accessOfHandler(handler: unknown): Access {
  const access = typeof handler === "function" ? declaredAccessOf(handler) : undefined;
  if (!access) throw new Error("a gRPC handler without declared access");
  return access;
}
