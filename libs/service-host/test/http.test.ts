import { readFileSync } from "node:fs";
import * as path from "node:path";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { invalidArgument, notFound, unauthenticated } from "@lienthong/errors";
import {
  type Access,
  type AuditEvent,
  type Caller,
  type ClientIdentity,
  type HttpServerHandle,
  type Identification,
  type PresentedCredentials,
  type Problem,
  type Readiness,
  createHttpApp,
  createMetrics,
  createReadiness,
  startHttpServer,
} from "@lienthong/service-host";
import { waitFor } from "@lienthong/testing";
import { captureLogger, type LogLine } from "./support/capture";

const dossierCode = "000.00.06.H56-231027-0361";
const anyone = { public: "tests of the HTTP pipeline" } as const;

function setup() {
  const slow = { started: false, finished: false };
  const { logger, lines, entries } = captureLogger("intake", "debug");
  const readiness = createReadiness({ checkTimeoutMs: 200 });
  const metrics = createMetrics({ service: "intake" });
  const http = createHttpApp({ service: "intake", logger, readiness, metrics });
  // The ops listener of a host: same metrics, served to scrapers apart from the public API.
  const ops = createHttpApp({ service: "intake", logger, readiness, metrics, serveMetrics: true });

  http.route({
    method: "get",
    path: "/applications/:dossierRef",
    access: anyone,
    handle: async (request, response) => {
      if (request.params.dossierRef !== dossierCode) throw notFound("dossier", String(request.params.dossierRef));
      response.json({ dossierCode });
    },
  });
  http.route({
    method: "post",
    path: "/applications",
    access: anyone,
    body: { json: { limitBytes: 2048 } },
    handle: async (request, response) => {
      const body = request.body as { procedureCode?: string };
      if (!body.procedureCode) throw invalidArgument([{ field: "procedureCode", reason: "required" }]);
      response.status(201).json({ dossierCode });
    },
  });
  // No body declared: JSON up to 1 MiB, the default for POST.
  http.route({
    method: "post",
    path: "/notes",
    access: anyone,
    handle: async (request, response) => {
      response.json({ length: JSON.stringify(request.body).length });
    },
  });
  http.route({
    method: "put",
    path: "/scans/:dossierRef",
    access: anyone,
    body: { raw: { type: "application/pdf", limitBytes: 4096 } },
    handle: async (request, response) => {
      response.json({ bytes: Buffer.isBuffer(request.body) ? request.body.length : null });
    },
  });
  http.route({
    method: "get",
    path: "/boom",
    access: anyone,
    handle: async () => {
      throw new Error("driver failed on citizenId 001203004567");
    },
  });
  http.route({
    method: "get",
    path: "/slow",
    access: anyone,
    handle: async (_request, response) => {
      slow.started = true;
      await new Promise((resolve) => setTimeout(resolve, 300));
      response.json({ done: true });
      slow.finished = true;
    },
  });
  http.mountErrorHandler();
  ops.mountErrorHandler();
  return { app: http.app, ops: ops.app, lines, entries, readiness, slow };
}

function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

describe("createHttpApp on a real server", () => {
  let server: HttpServerHandle;
  let opsServer: HttpServerHandle;
  let readiness: Readiness;
  let lines: string[];
  let entries: () => LogLine[];

  beforeAll(async () => {
    const built = setup();
    readiness = built.readiness;
    lines = built.lines;
    entries = built.entries;
    server = await startHttpServer(built.app, { host: "127.0.0.1", port: 0 });
    opsServer = await startHttpServer(built.ops, { host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await opsServer.close();
  });

  it("binds port 0 to a real port and reports it", () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it("answers /healthz while the process runs, on the public and the ops listener", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${opsServer.url}/healthz`)).status).toBe(200);
  });

  it("tells the truth on /readyz: starting, ready, failing dependency", async () => {
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    readiness.markReady();
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${opsServer.url}/readyz`)).status).toBe(200);

    let storeUp = true;
    readiness.addCheck("store", async () => storeUp);
    readiness.addCheck("bus", async () => {
      if (!storeUp) throw new Error("connect ECONNREFUSED mongodb://admin:pw@db");
    });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    storeUp = false;
    const down = await fetch(`${server.url}/readyz`);
    expect(down.status).toBe(503);
    const body = await down.text();
    expect(JSON.parse(body)).toMatchObject({
      ready: false,
      state: "ready",
      checks: { store: "failed", bus: "failed" },
      // The release operators see beside readiness: the platform's, as its packages carry it.
      version: (JSON.parse(readFileSync(path.join(__dirname, "../package.json"), "utf8")) as { version: string })
        .version,
    });
    expect(body).not.toContain("admin:pw");
    storeUp = true;
  });

  it("returns an x-trace-id on every response, continuing the caller's trace", async () => {
    const own = await fetch(`${server.url}/applications/${dossierCode}`);
    expect(own.headers.get("x-trace-id")).toMatch(/^[0-9a-f]{32}$/);

    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const continued = await fetch(`${server.url}/nowhere`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(continued.status).toBe(404);
    expect(continued.headers.get("x-trace-id")).toBe(traceId);
  });

  it("maps thrown PlatformErrors to problem+json", async () => {
    const res = await fetch(`${server.url}/applications/000.00.06.H56-231027-9999`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await res.json()) as Problem;
    expect(problem).toMatchObject({ code: "NOT_FOUND", status: 404, traceId: res.headers.get("x-trace-id") });

    const invalid = await postJson(`${server.url}/applications`, { applicant: { phone: "0912345678" } });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as Problem).violations).toEqual([{ field: "procedureCode", reason: "required" }]);
  });

  it("answers malformed JSON with 400 and a body over the route's limit with 413, both naming the body", async () => {
    const malformed = await fetch(`${server.url}/applications`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"procedureCode": ',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({
      code: "INVALID_ARGUMENT",
      violations: [{ field: "body", reason: "malformed JSON" }],
    });

    // 2 KiB on this route; the same body is well within another route's default.
    const body = { procedureCode: "1.000894", notes: "x".repeat(4096) };
    const oversized = await postJson(`${server.url}/applications`, body);
    expect(oversized.status).toBe(413);
    expect(oversized.headers.get("content-type")).toContain("application/problem+json");
    expect(await oversized.json()).toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      status: 413,
      violations: [{ field: "body" }],
    });
    expect((await postJson(`${server.url}/notes`, body)).status).toBe(200);
  });

  it("reads JSON up to 1 MiB on a POST route that declares no body, and answers 413 past it", async () => {
    const notes = (length: number) => ({ notes: "x".repeat(length) });
    const within = await postJson(`${server.url}/notes`, notes(1024 * 1024 - 100));
    expect(within.status).toBe(200);
    const past = await postJson(`${server.url}/notes`, notes(1024 * 1024));
    expect(past.status).toBe(413);
    expect(await past.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
  });

  it("hands a raw route its bytes of the declared media type, up to its own limit", async () => {
    const put = (bytes: number) =>
      fetch(`${server.url}/scans/${dossierCode}`, {
        method: "PUT",
        headers: { "content-type": "application/pdf" },
        body: Buffer.alloc(bytes, 0x25),
      });
    const scanned = await put(4000);
    expect(scanned.status).toBe(200);
    expect(await scanned.json()).toEqual({ bytes: 4000 });
    const tooLarge = await put(5000);
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
  });

  it("hides unknown errors behind a generic 500 and logs no personal data", async () => {
    const res = await fetch(`${server.url}/boom`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("001203004567");
    expect(lines.join("")).not.toContain("001203004567");
    expect(lines.some((l) => l.includes('"request failed"'))).toBe(true);
  });

  it("logs one line per request with route template, status, duration and trace id, never the body", async () => {
    lines.length = 0;
    const res = await postJson(`${server.url}/applications`, {
      procedureCode: "1.000894",
      applicant: { phone: "0987654321" },
    });
    expect(res.status).toBe(201);
    // Written when the server's response emits "finish", independently of the client reading the reply.
    const requestLines = () => entries().filter((l) => l.msg === "http request");
    await waitFor(() => requestLines().length > 0, { description: "the request's log line" });
    expect(requestLines()).toHaveLength(1);
    expect(requestLines()[0]).toMatchObject({
      method: "POST",
      route: "/applications",
      status: "201",
      trace_id: res.headers.get("x-trace-id"),
    });
    expect(typeof requestLines()[0]?.duration_ms).toBe("number");
    expect(lines.join("")).not.toContain("0987654321");
  });

  it("serves /metrics only on the ops listener, counting the public requests per route template, never per raw URL", async () => {
    await fetch(`${server.url}/applications/${dossierCode}`);
    const onPublic = await fetch(`${server.url}/metrics`);
    expect(onPublic.status).toBe(404);
    expect(onPublic.headers.get("content-type")).toContain("application/problem+json");

    const res = await fetch(`${opsServer.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toMatch(
      /http_requests_total\{method="GET",route="\/applications\/:dossierRef",status="200",service="intake"\} \d+/,
    );
    expect(text).toMatch(/http_requests_total\{method="GET",route="unmatched",status="404",service="intake"\} \d+/);
    expect(text).toContain("http_request_duration_seconds_bucket");
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).not.toContain(dossierCode);
  });

  it("reports shutting down on /readyz", async () => {
    readiness.markShuttingDown();
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { state: string }).state).toBe("shutting_down");
    readiness.markReady();
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
  });
});

describe("startHttpServer close", () => {
  it("stops accepting but lets in-flight requests finish", async () => {
    const { app, slow } = setup();
    const server = await startHttpServer(app, { host: "127.0.0.1", port: 0 });
    const inFlight = fetch(`${server.url}/slow`);
    // In flight means in the handler: a request still connecting when the server closes would be refused.
    await waitFor(() => slow.started, { intervalMs: 5, description: "the slow request in its handler" });

    let finishedWhenClosed: boolean | undefined;
    const closing = server.close().then(() => (finishedWhenClosed = slow.finished));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await closing;
    expect(finishedWhenClosed).toBe(true);
  });
});

// ------------------------------------------------------------ access on routes

const muongLatSystem: ClientIdentity = { clientId: "muong-lat-commune-system", unitCodes: new Set(["14845"]) };
const MUONG_LAT_KEY = "key-of-muong-lat";

/** Stands in for Identities.identify: one valid key; every official's token refused, as an expired one is. */
async function identify({ apiKey, authorization }: PresentedCredentials): Promise<Identification> {
  const caller: Caller = {};
  if (apiKey !== undefined) {
    if (apiKey !== MUONG_LAT_KEY) return { caller, refusal: unauthenticated("The API key is not valid") };
    caller.client = muongLatSystem;
  }
  if (authorization !== undefined) {
    return { caller, refusal: unauthenticated("The official's token is refused: it has expired") };
  }
  return { caller };
}

function accessSetup() {
  const { logger } = captureLogger("routing");
  const decisions: AuditEvent[] = [];
  const handled: string[] = [];
  const http = createHttpApp({
    service: "routing",
    logger,
    readiness: createReadiness(),
    metrics: createMetrics({ service: "routing", collectDefaults: false }),
    identify,
    audit: (event) => decisions.push(event),
  });
  http.route({
    method: "post",
    path: "/v1/dossiers/:dossierRef/decision",
    access: { client: true },
    body: { json: { limitBytes: 1024 } },
    handle: async (request, response) => {
      handled.push(String(request.params.dossierRef));
      response.status(204).end();
    },
  });
  http.route({
    method: "get",
    path: "/v1/queues/:agencyCode",
    access: { client: true },
    handle: async (_request, response) => {
      response.json({ items: [] });
    },
  });
  http.route({
    method: "get",
    path: "/v1/indicators/:unitCode",
    access: { official: ["leader"] },
    handle: async (_request, response) => {
      response.json({});
    },
  });
  http.route({
    method: "get",
    path: "/v1/documents/:documentId",
    access: { client: true },
    handle: async (_request, response) => {
      response.json({});
    },
  });
  http.route({
    method: "get",
    path: "/v1/procedures/:code",
    access: anyone,
    handle: async (_request, response) => {
      response.json({});
    },
  });
  http.mountErrorHandler();
  return { http, decisions, handled };
}

interface EarlyAnswer {
  status: number;
  /** Whether the client had finished sending its body when the answer came. */
  sentWholeBody: boolean;
  bytesSent: number;
}

/**
 * POSTs a body announced as `announcedBytes` but sent slowly, 64 KiB at a
 * time, and resolves with the answer as soon as it comes, noting whether the
 * client had finished sending by then.
 */
function postSlowly(url: URL, headers: Record<string, string>, announcedBytes: number): Promise<EarlyAnswer> {
  return new Promise((resolve, reject) => {
    let bytesSent = 0;
    let answered = false;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const request = httpRequest(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "content-length": String(announcedBytes) },
    });
    const sendMore = () => {
      if (answered || bytesSent >= announcedBytes) return;
      const piece = chunk.subarray(0, Math.min(chunk.length, announcedBytes - bytesSent));
      bytesSent += piece.length;
      request.write(piece);
      setTimeout(sendMore, 20);
    };
    request.on("response", (response: IncomingMessage) => {
      answered = true;
      const sentWholeBody = bytesSent >= announcedBytes;
      response.resume();
      response.on("end", () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, sentWholeBody, bytesSent });
      });
    });
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    request.flushHeaders();
    sendMore();
  });
}

describe("http.route: authenticate, authorize and audit before the body is read", () => {
  let server: HttpServerHandle;
  let decisions: AuditEvent[];
  let handled: string[];

  beforeAll(async () => {
    const built = accessSetup();
    decisions = built.decisions;
    handled = built.handled;
    server = await startHttpServer(built.http.app, { host: "127.0.0.1", port: 0 });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    decisions.length = 0;
    handled.length = 0;
  });

  it("answers 401 to a 64 MiB body without a valid key before the client has sent it", async () => {
    const url = new URL(`${server.url}/v1/dossiers/${dossierCode}/decision`);
    for (const headers of [{}, { "x-api-key": "ltk.stolen.guess" }] as Record<string, string>[]) {
      const answer = await postSlowly(url, headers, 64 * 1024 * 1024);
      expect(answer.status).toBe(401);
      expect(answer.sentWholeBody).toBe(false);
      expect(answer.bytesSent).toBeLessThan(8 * 1024 * 1024);
    }
    expect(handled).toEqual([]);
    expect(decisions.map(({ outcome, reason }) => ({ outcome, reason }))).toEqual([
      { outcome: "denied", reason: "UNAUTHENTICATED" },
      { outcome: "denied", reason: "UNAUTHENTICATED" },
    ]);
  });

  it("reads the body of an authenticated caller, with the route's limit", async () => {
    const post = (body: string) =>
      fetch(`${server.url}/v1/dossiers/${dossierCode}/decision`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": MUONG_LAT_KEY },
        body,
      });
    expect((await post(JSON.stringify({ decision: "approve" }))).status).toBe(204);
    expect((await post(JSON.stringify({ notes: "x".repeat(2048) }))).status).toBe(413);
    expect(handled).toEqual([dossierCode]);
  });

  it("names the client whose key verified when the official's token is refused", async () => {
    const res = await fetch(`${server.url}/v1/indicators/14845`, {
      headers: { "x-api-key": MUONG_LAT_KEY, authorization: "Bearer expired.token.here" },
    });
    expect(res.status).toBe(401);
    expect(decisions).toEqual([
      expect.objectContaining({
        action: "GET /v1/indicators/:unitCode",
        outcome: "denied",
        clientId: "muong-lat-commune-system",
        reason: "UNAUTHENTICATED",
      }),
    ]);
    expect(decisions[0]?.officialId).toBeUndefined();
  });

  it("records the dossier or unit a route acts on as the target of its decision, allowed or denied", async () => {
    const key = { "x-api-key": MUONG_LAT_KEY };
    const dossierId = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";
    await fetch(`${server.url}/v1/queues/38.CA`, { headers: key });
    await fetch(`${server.url}/v1/queues/14845`);
    await fetch(`${server.url}/v1/indicators/14845`, { headers: key });
    await fetch(`${server.url}/v1/dossiers/${dossierId}/decision`, {
      method: "POST",
      headers: { ...key, "content-type": "application/json" },
      body: "{}",
    });
    await fetch(`${server.url}/v1/documents/${dossierId}`, { headers: key });
    await fetch(`${server.url}/v1/procedures/1.000894`);
    expect(decisions.map(({ action, outcome, target }) => ({ action, outcome, target }))).toEqual([
      { action: "GET /v1/queues/:agencyCode", outcome: "allowed", target: "unit:38.CA" },
      { action: "GET /v1/queues/:agencyCode", outcome: "denied", target: "unit:14845" },
      { action: "GET /v1/indicators/:unitCode", outcome: "denied", target: "unit:14845" },
      { action: "POST /v1/dossiers/:dossierRef/decision", outcome: "allowed", target: dossierId },
      { action: "GET /v1/documents/:documentId", outcome: "allowed", target: dossierId },
      // A procedure code names no dossier or unit: no target.
      { action: "GET /v1/procedures/:code", outcome: "allowed", target: "" },
    ]);
    expect(decisions.every((decision) => /^[0-9a-f]{32}$/.test(decision.traceId ?? ""))).toBe(true);
  });

  it("never records as a target what is not shaped like the id it stands for (a citizen's id typed into the path)", async () => {
    const key = { "x-api-key": MUONG_LAT_KEY };
    await fetch(`${server.url}/v1/queues/001203004567`, { headers: key });
    await fetch(`${server.url}/v1/documents/001203004567`, { headers: key });
    await fetch(`${server.url}/v1/dossiers/001203004567/decision`, {
      method: "POST",
      headers: { ...key, "content-type": "application/json" },
      body: "{}",
    });
    expect(decisions.map(({ target }) => target)).toEqual(["malformed-id", "malformed-id", "malformed-id"]);
    expect(JSON.stringify(decisions)).not.toContain("001203004567");
  });
});

describe("http.route refuses a route without a declared access", () => {
  const handle = async () => undefined;
  const register = (access: unknown) => () =>
    accessSetup().http.route({ method: "get", path: "/v1/secret", access: access as Access, handle });

  it.each([
    ["no access at all", undefined, /GET \/v1\/secret: no access declared/],
    ["an empty object", {}, /exactly one of public, client, official, staff/],
    ["two kinds at once", { client: true, public: "why not" }, /exactly one of/],
    ["a public route that does not say why", { public: " " }, /must say why it is public/],
    ["an official's route naming no role", { official: [] }, /at least one role/],
    ["a staff route naming an unknown role", { staff: ["superuser"] }, /unknown role superuser/],
  ])("%s", (_what, access, message) => {
    expect(register(access)).toThrow(message);
  });

  it("registers nothing that could then be reached", async () => {
    const { http } = accessSetup();
    expect(() =>
      http.route({ method: "get", path: "/v1/secret", access: undefined as unknown as Access, handle }),
    ).toThrow();
    expect(http.routes().map((route) => route.path)).not.toContain("/v1/secret");
    const server = await startHttpServer(http.app, { host: "127.0.0.1", port: 0 });
    try {
      expect((await fetch(`${server.url}/v1/secret`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
