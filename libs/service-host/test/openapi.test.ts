import {
  createHttpApp,
  createMetrics,
  createReadiness,
  startHttpServer,
  type HttpApp,
  type HttpServerHandle,
} from "@lienthong/service-host";
import { z } from "zod";
import { captureLogger } from "./support/capture";

/**
 * A service's OpenAPI document is built from its route registry: what a route
 * declares (access, body, doc) is what the document says, a route without a
 * doc is left out (libs/cli/test/api-documents.test.ts names it), and a
 * handler is typed against its documented answers.
 */
const anyone = { public: "tests of the API documents" } as const;

const dossierQuery = z.object({ pageSize: z.coerce.number().int().min(1).max(200).default(50) });
const withdrawal = z.object({ reason: z.string().min(1).max(1000) });
const dossier = z.object({ dossierCode: z.string(), status: z.number().int() }).meta({ id: "TestDossier" });

function register(http: HttpApp): void {
  http.route({
    method: "post",
    path: "/v1/dossiers/:dossierRef/withdrawal",
    access: { client: true },
    doc: {
      operationId: "withdraw",
      summary: "Withdraw",
      query: dossierQuery,
      body: withdrawal,
      responses: { 202: { description: "Recorded", json: z.object({ dossier }) } },
    },
    handle: async (request, response) => {
      response.status(202).json({ dossier: { dossierCode: String(request.params.dossierRef), status: 7 } });
    },
  });
  http.route({
    method: "post",
    path: "/v1/documents/sign",
    access: { official: ["leader"] },
    body: { raw: { type: "application/pdf", limitBytes: 1024 } },
    doc: {
      operationId: "sign",
      summary: "Sign",
      responses: { 201: { description: "Signed", bytes: "application/pdf" } },
    },
    handle: async (_request, response) => {
      response.status(201).type("application/pdf").send(Buffer.from("%PDF-"));
    },
  });
  http.route({
    method: "get",
    path: "/ops/undocumented",
    access: { staff: ["operator"] },
    handle: async (_request, response) => {
      response.json({ anything: true });
    },
  });
  http.route({
    method: "get",
    path: "/v1/typed",
    access: anyone,
    doc: { operationId: "typed", summary: "Typed", responses: { 200: { description: "A dossier", json: dossier } } },
    handle: async (_request, response) => {
      // @ts-expect-error an answer its document does not describe does not compile
      response.json({ dossierCode: "x", status: "seven" });
    },
  });
}

describe("the OpenAPI document of a host", () => {
  let server: HttpServerHandle;
  let http: HttpApp;
  let document: {
    openapi: string;
    info: { title: string; version: string };
    paths: Record<string, Record<string, Record<string, unknown>>>;
    components: { schemas: Record<string, unknown> };
  };

  beforeAll(async () => {
    const { logger } = captureLogger("intake", "silent");
    http = createHttpApp({
      service: "intake",
      logger,
      readiness: createReadiness(),
      metrics: createMetrics({ service: "intake" }),
      documents: { title: "Test API", version: "9.9.9", description: "Routes of a test" },
    });
    register(http);
    http.mountErrorHandler();
    server = await startHttpServer(http.app, { host: "127.0.0.1", port: 0 });
    const response = await fetch(`${server.url}/openapi.json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as typeof document;
  });

  afterAll(async () => {
    await server?.close();
  });

  it("is OpenAPI 3.1 with the service's title and version", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.info).toMatchObject({ title: "Test API", version: "9.9.9" });
  });

  it("says what a route reads: path parameters, query and JSON body from its schemas", () => {
    const operation = document.paths["/v1/dossiers/{dossierRef}/withdrawal"]!.post!;
    expect(operation.operationId).toBe("withdraw");
    expect(operation.parameters).toEqual([
      { in: "path", name: "dossierRef", required: true, schema: { type: "string" } },
      { in: "query", name: "pageSize", schema: { type: "integer", minimum: 1, maximum: 200, default: 50 } },
    ]);
    expect(operation.requestBody).toEqual({
      required: true,
      content: {
        "application/json": {
          schema: {
            type: "object",
            properties: { reason: { type: "string", minLength: 1, maxLength: 1000 } },
            required: ["reason"],
          },
        },
      },
    });
  });

  it("says what a route answers, every refusal as a problem document, and who may call it", () => {
    const withdraw = document.paths["/v1/dossiers/{dossierRef}/withdrawal"]!.post!;
    expect(withdraw.responses).toMatchObject({
      202: {
        content: {
          "application/json": { schema: { properties: { dossier: { $ref: "#/components/schemas/TestDossier" } } } },
        },
      },
      "4XX": { content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } },
      "5XX": { content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } },
    });
    expect(withdraw.security).toEqual([{ apiKey: [] }]);
    const sign = document.paths["/v1/documents/sign"]!.post!;
    expect(sign.requestBody).toMatchObject({ content: { "application/pdf": {} } });
    expect(sign.responses).toMatchObject({ 201: { content: { "application/pdf": {} } } });
    expect(sign.security).toEqual([{ apiKey: [], officialToken: [] }]);
    expect(document.paths["/healthz"]!.get!.security).toEqual([]);
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(["Problem", "TestDossier"]));
  });

  it("leaves out a route declared without a doc, which the registry still lists without one", () => {
    expect(document.paths["/ops/undocumented"]).toBeUndefined();
    const undocumented = http.routes().find((route) => route.path === "/ops/undocumented");
    expect(undocumented).toMatchObject({ method: "GET", doc: undefined });
    expect(http.routes().filter((route) => route.doc === undefined)).toHaveLength(1);
  });

  it("documents itself and its reference page, publicly", () => {
    for (const path of ["/openapi.json", "/docs", "/docs/redoc.standalone.js"]) {
      expect(document.paths[path]?.get?.security).toEqual([]);
    }
  });
});
