import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, writeFileSync } from "node:fs";
import { Writable } from "node:stream";
import { PLATFORM_SERVICES } from "@lienthong/contracts";
import { DEVELOPMENT_ISSUER, createLogger, openDevelopmentIssuer } from "@lienthong/service-host";
import { tempDir, type TempDir } from "@lienthong/testing";
import { createLocalJWKSet, jwtVerify } from "jose";
import { createConsoleApp, loadConsoleConfig, startConsole, type RunningConsole } from "../src";

/** What a service behind the console saw of one request. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server standing in for a service: records each request, answers what the test set. */
async function startService(answer: { status: number; body: unknown }) {
  const seen: Seen[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      seen.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body });
      response.writeHead(answer.status, { "content-type": "application/problem+json", "x-trace-id": "abc123" });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("console server", () => {
  let dir: TempDir;
  let webRoot: string;
  let service: Awaited<ReturnType<typeof startService>>;
  let running: RunningConsole;
  let logged = "";
  const token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ2YW4taGFuaCJ9.c2VjcmV0LXNpZ25hdHVyZS1vZi10aGUtdG9rZW4";

  function env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      HTTP_PORT: "0",
      DATA_DIR: dir.file("data"),
      LOG_LEVEL: "info",
      ...Object.fromEntries(PLATFORM_SERVICES.map((s) => [`${s.name.toUpperCase()}_URL`, `${service.url}/`])),
      ...extra,
    };
  }

  beforeAll(async () => {
    dir = await tempDir("lienthong-console-server");
    webRoot = dir.file("web");
    mkdirSync(`${webRoot}/assets`, { recursive: true });
    writeFileSync(`${webRoot}/index.html`, "<!doctype html><title>console</title>");
    writeFileSync(`${webRoot}/assets/index-abc.js`, "console.log(1)");
    writeFileSync(`${dir.path}/secret.txt`, "not to be served");
    service = await startService({ status: 403, body: { title: "Forbidden", detail: "needs operator" } });
    const logger = createLogger({
      service: "console",
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          logged += chunk.toString("utf8");
          done();
        },
      }),
    });
    running = await startConsole(loadConsoleConfig(env()), { webRoot, logger });
  });

  afterAll(async () => {
    await running?.close();
    await service?.close();
    await dir?.remove();
  });

  it("forwards the caller's token and nothing that would speak for anyone else, and answers as the service did", async () => {
    const answer = await fetch(`${running.url}/api/notification/ops/dossiers/14845-261205-0001/deliveries?x=1`, {
      headers: {
        authorization: `Bearer ${token}`,
        "x-api-key": "ltk.devmuonglat.public-development-key-muong-lat-commune",
        cookie: "session=1",
        accept: "application/json",
      },
    });
    expect(answer.status).toBe(403);
    expect(answer.headers.get("content-type")).toBe("application/problem+json");
    expect(answer.headers.get("x-trace-id")).toBe("abc123");
    expect(await answer.json()).toEqual({ title: "Forbidden", detail: "needs operator" });
    const request = service.seen.at(-1)!;
    expect(request.url).toBe("/ops/dossiers/14845-261205-0001/deliveries?x=1");
    expect(request.headers.authorization).toBe(`Bearer ${token}`);
    expect(request.headers.accept).toBe("application/json");
    expect(request.headers["x-api-key"]).toBeUndefined();
    expect(request.headers.cookie).toBeUndefined();
  });

  it("streams a body to the service untouched", async () => {
    const body = JSON.stringify({ reason: "poison: the payload does not decode" });
    const answer = await fetch(`${running.url}/api/routing/ops/dead-letters/1/discard`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body,
    });
    expect(answer.status).toBe(403);
    const request = service.seen.at(-1)!;
    expect(request).toMatchObject({ method: "POST", url: "/ops/dead-letters/1/discard", body });
    expect(request.headers["content-type"]).toBe("application/json");
  });

  it("reaches only the services of the platform's list, at their own host", async () => {
    const unknown = await fetch(`${running.url}/api/elsewhere/v1/x`);
    expect(unknown.status).toBe(404);
    const before = service.seen.length;
    // A path that reads like another host is a path on the service's host.
    const sneaky = await fetch(`${running.url}/api/intake//evil.example/v1/x`);
    expect(sneaky.status).toBe(403);
    expect(service.seen.length).toBe(before + 1);
    expect(service.seen.at(-1)!.url).toBe("//evil.example/v1/x");
  });

  it("answers 503 when a service does not answer", async () => {
    const lone = await startConsole(
      loadConsoleConfig({ ...env(), ROUTING_URL: "http://127.0.0.1:1", PROXY_TIMEOUT_MS: "2000" }),
      { webRoot, logger: createLogger({ service: "console", level: "silent" }) },
    );
    try {
      const answer = await fetch(`${lone.url}/api/routing/readyz`);
      expect(answer.status).toBe(503);
      expect(((await answer.json()) as { reason: string }).reason).toBe("SERVICE_UNREACHABLE");
    } finally {
      await lone.close();
    }
  });

  it("serves the page under a content security policy, and no file outside the built assets", async () => {
    const page = await fetch(`${running.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain("<title>console</title>");
    const asset = await fetch(`${running.url}/assets/index-abc.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toContain("immutable");
    for (const path of ["/assets/..%2f..%2fsecret.txt", "/assets/%2e%2e/%2e%2e/secret.txt", "/assets/.hidden"]) {
      const refused = await fetch(`${running.url}${path}`);
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(await refused.text()).not.toContain("not to be served");
    }
  });

  it("declares public access on each of its own endpoints, saying why", () => {
    const http = createConsoleApp(loadConsoleConfig(env()), {
      webRoot,
      logger: createLogger({ service: "console", level: "silent" }),
    });
    const routes = http.routes();
    expect(routes.map((route) => `${route.method} ${route.path}`).sort()).toEqual(
      [
        "DELETE /api/:service/*path",
        "GET /",
        "GET /api/:service/*path",
        "GET /assets/*file",
        "GET /console/development/officials",
        "GET /console/settings",
        "GET /console/units",
        "GET /console/units/:provinceCode",
        "GET /healthz",
        "GET /readyz",
        "POST /api/:service/*path",
        "POST /console/development/token",
        "PUT /api/:service/*path",
      ].sort(),
    );
    for (const route of routes) expect("public" in route.access && route.access.public.length > 10).toBe(true);
  });

  it("signs a development official's token the platform's development issuer vouches for", async () => {
    const settings = (await (await fetch(`${running.url}/console/settings`)).json()) as {
      developmentSignIn: boolean;
      services: string[];
    };
    expect(settings.developmentSignIn).toBe(true);
    expect(settings.services).toEqual(PLATFORM_SERVICES.map((s) => s.name));
    const { officials } = (await (await fetch(`${running.url}/console/development/officials`)).json()) as {
      officials: { subject: string; roles: string[] }[];
    };
    const operator = officials.find((official) => official.roles.includes("operator"))!;
    const answer = await fetch(`${running.url}/console/development/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ subject: operator.subject }),
    });
    expect(answer.status).toBe(200);
    const { accessToken } = (await answer.json()) as { accessToken: string };
    const issuer = await openDevelopmentIssuer(dir.file("data/identity"));
    const { payload } = await jwtVerify(accessToken, createLocalJWKSet(issuer.jwks), { issuer: DEVELOPMENT_ISSUER });
    expect(payload).toMatchObject({ sub: operator.subject, roles: ["operator"] });

    const unknown = await fetch(`${running.url}/console/development/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ subject: "nobody" }),
    });
    expect(unknown.status).toBe(404);

    // A page served under another name (DNS rebinding onto this address) gets no token.
    const rebound = await new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ subject: operator.subject });
      const target = new URL(`${running.url}/console/development/token`);
      const sent = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: "POST",
          headers: {
            host: `attacker.example:${target.port}`,
            "content-type": "application/json",
            "content-length": body.length,
          },
        },
        (reply) => {
          reply.resume();
          resolve(reply.statusCode ?? 0);
        },
      );
      sent.once("error", reject);
      sent.end(body);
    });
    expect(rebound).toBe(403);
  });

  it("turns development sign-in on by default only on the loopback", () => {
    expect(loadConsoleConfig(env({ HTTP_HOST: "127.0.0.1" })).developmentIssuerDir).toBeDefined();
    expect(loadConsoleConfig(env({ HTTP_HOST: "0.0.0.0" })).developmentIssuerDir).toBeUndefined();
    expect(loadConsoleConfig(env({ HTTP_HOST: "10.1.2.3" })).developmentIssuerDir).toBeUndefined();
  });

  it("offers no development sign-in with an identity provider, nor in production", async () => {
    const withProvider = createConsoleApp(
      loadConsoleConfig(env({ OIDC_ISSUER: "https://id.thanhhoa.gov.vn/realms/lienthong", OIDC_CLIENT_ID: "console" })),
      { webRoot, logger: createLogger({ service: "console", level: "silent" }) },
    );
    expect(withProvider.routes().some((route) => route.path.startsWith("/console/development"))).toBe(false);
    expect(loadConsoleConfig(env({ NODE_ENV: "production" })).developmentIssuerDir).toBeUndefined();
    expect(() => loadConsoleConfig(env({ NODE_ENV: "production", DEVELOPMENT_SIGN_IN: "true" }))).toThrow(
      /DEVELOPMENT_SIGN_IN: development sign-in refused when NODE_ENV=production/,
    );
    expect(() => loadConsoleConfig(env({ OIDC_ISSUER: "https://id.example" }))).toThrow(/OIDC_CLIENT_ID/);
  });

  it("never logs a token", () => {
    expect(logged).toContain('"route":"/api/:service/*path"');
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(token.split(".")[2]);
  });
});
