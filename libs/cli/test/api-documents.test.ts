/**
 * The OpenAPI documents integrators build against (docs/decisions.md), walked
 * from the hosts' own route registries so that a new route cannot be left
 * out: every registered route is in its service's /openapi.json with its path
 * parameters, its body's schema and a documented answer; the documents
 * checked in under docs/api are the ones the services serve, and
 * `@redocly/cli lint` accepts them. `npm run api:generate` rewrites them.
 */
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { PLATFORM_SERVICES } from "@lienthong/contracts";
import { openApiPath, pathParameterNames, type RegisteredRoute } from "@lienthong/service-host";
import { tempDir, type TempDir } from "@lienthong/testing";
import { startTestPlatform, type TestPlatform } from "./support/embedded-platform";

const ROOT = path.resolve(__dirname, "../../..");
const API_DOCS = path.join(ROOT, "docs/api");

interface Operation {
  operationId?: string;
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, unknown> }>;
  security?: unknown[];
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

describe("the API documents", () => {
  let dir: TempDir;
  let test: TestPlatform;
  const served = new Map<string, { text: string; document: Document; routes: readonly RegisteredRoute[] }>();

  beforeAll(async () => {
    dir = await tempDir("api-documents-");
    test = await startTestPlatform(dir.path);
    for (const [index, host] of test.platform.hosts.entries()) {
      const response = await fetch(`${test.platform.services[index]!.httpUrl}/openapi.json`);
      expect(response.status).toBe(200);
      const text = `${JSON.stringify(await response.json(), null, 2)}\n`;
      served.set(host.name, { text, document: JSON.parse(text) as Document, routes: host.routes() });
    }
  }, 120_000);

  afterAll(async () => {
    await test?.platform.stop();
    await dir?.remove();
  });

  it("are served by every service, without a credential", () => {
    expect([...served.keys()].sort()).toEqual(PLATFORM_SERVICES.map((service) => service.name).sort());
    for (const { document } of served.values()) expect(document.openapi).toBe("3.1.0");
  });

  it("describe every registered route: its path parameters, its body and a success answer", () => {
    const gaps: string[] = [];
    for (const [service, { document, routes }] of served) {
      for (const route of routes) {
        const name = `${service} ${route.method} ${route.path}`;
        if (!route.doc) {
          gaps.push(`${name}: declared without a doc (request and response schemas)`);
          continue;
        }
        const operation = document.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];
        if (!operation) {
          gaps.push(`${name}: not in the document`);
          continue;
        }
        const inPath = (operation.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
        if (inPath.sort().join() !== pathParameterNames(route.path).sort().join())
          gaps.push(`${name}: path parameters ${inPath.join()} in the document`);
        if (route.body !== "none") {
          const kind = "json" in route.body ? "application/json" : route.body.raw.type;
          if (!operation.requestBody?.content[kind]) gaps.push(`${name}: no ${kind} request body`);
        }
        const successes = Object.keys(operation.responses).filter((status) => /^2\d\d$/.test(status));
        if (successes.length === 0) gaps.push(`${name}: no success answer`);
        for (const range of ["4XX", "5XX"]) {
          if (!operation.responses[range]?.content?.["application/problem+json"])
            gaps.push(`${name}: no ${range} problem document`);
        }
      }
      const documented = Object.values(document.paths).reduce((sum, item) => sum + Object.keys(item).length, 0);
      if (documented !== routes.length) gaps.push(`${service}: ${documented} operations for ${routes.length} routes`);
    }
    expect(gaps).toEqual([]);
  });

  it("say who may call each operation, as its route declares", () => {
    for (const { document, routes } of served.values()) {
      for (const route of routes) {
        const operation = document.paths[openApiPath(route.path)]![route.method.toLowerCase()]!;
        expect(operation.security).toEqual(
          "public" in route.access
            ? []
            : "client" in route.access
              ? [{ apiKey: [] }]
              : "official" in route.access
                ? [{ apiKey: [], officialToken: [] }]
                : [{ officialToken: [] }],
        );
      }
    }
  });

  it("are checked in as served (UPDATE_API_DOCS=1 rewrites them)", () => {
    const stale: string[] = [];
    for (const [service, { text }] of served) {
      const file = path.join(API_DOCS, `${service}.openapi.json`);
      if (process.env.UPDATE_API_DOCS === "1") writeFileSync(file, text);
      if (readFileSync(file, "utf8") !== text) stale.push(path.relative(ROOT, file));
    }
    expect(stale).toEqual([]);
  });

  it("pass @redocly/cli lint", async () => {
    const files = [...served.keys()].map((service) => path.join(API_DOCS, `${service}.openapi.json`));
    const lint = await promisify(execFile)(
      path.join(ROOT, "node_modules/.bin/redocly"),
      ["lint", "--config", path.join(API_DOCS, "redocly.yaml"), "--max-problems=50", ...files],
      { cwd: ROOT, env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } },
    ).catch((error: { stdout?: string; stderr?: string }) => ({
      stdout: error.stdout ?? "",
      stderr: `${error.stderr}`,
    }));
    expect(lint.stderr).toMatch(/Woohoo! Your API descriptions? (is|are) valid/);
  }, 120_000);

  it("render on /docs from the page's own script, under a policy that loads nothing from elsewhere", async () => {
    const base = test.urls.intake;
    const page = await fetch(`${base}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('<redoc spec-url="openapi.json">');
    const script = await fetch(new URL("docs/redoc.standalone.js", `${base}/`));
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect((await script.text()).length).toBeGreaterThan(100_000);
  });
});
