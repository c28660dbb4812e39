import { Router } from "express";
import { invalidArgument, notFound } from "@lienthong/errors";
import {
  type HttpServerHandle,
  type Problem,
  type Readiness,
  createHttpApp,
  createMetrics,
  createReadiness,
  startHttpServer,
} from "@lienthong/service-host";
import { captureLogger, type LogLine } from "./support/capture";

const dossierCode = "000.00.06.H56-231027-0361";

function setup() {
  const slow = { finished: false };
  const { logger, lines, entries } = captureLogger("intake", "debug");
  const readiness = createReadiness({ checkTimeoutMs: 200 });
  const metrics = createMetrics({ service: "intake" });
  const http = createHttpApp({ service: "intake", logger, readiness, metrics, bodyLimit: "2kb" });
  const { app } = http;

  const applications = Router();
  applications.get("/:ref", (req, res) => {
    if (req.params.ref !== dossierCode) throw notFound("dossier", req.params.ref);
    res.json({ dossierCode });
  });
  applications.post("/", (req, res) => {
    const body = req.body as { procedureCode?: string };
    if (!body.procedureCode) throw invalidArgument([{ field: "procedureCode", reason: "required" }]);
    res.status(201).json({ dossierCode });
  });
  app.use("/applications", applications);
  app.get("/boom", () => {
    throw new Error("driver failed on citizenId 001203004567");
  });
  app.get("/slow", async (_req, res) => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    res.json({ done: true });
    slow.finished = true;
  });
  http.mountErrorHandler();
  return { app, lines, entries, readiness, metrics, slow };
}

describe("createHttpApp on a real server", () => {
  let server: HttpServerHandle;
  let readiness: Readiness;
  let lines: string[];
  let entries: () => LogLine[];

  beforeAll(async () => {
    const built = setup();
    readiness = built.readiness;
    lines = built.lines;
    entries = built.entries;
    server = await startHttpServer(built.app, { host: "127.0.0.1", port: 0 });
  });
  afterAll(() => server.close());

  it("binds port 0 to a real port and reports it", () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it("answers /healthz while the process runs", async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it("tells the truth on /readyz: starting, ready, failing dependency", async () => {
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    readiness.markReady();
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

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

  it("maps thrown ServiceErrors to problem+json", async () => {
    const res = await fetch(`${server.url}/applications/000.00.06.H56-231027-9999`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await res.json()) as Problem;
    expect(problem).toMatchObject({ code: "NOT_FOUND", status: 404, traceId: res.headers.get("x-trace-id") });

    const invalid = await fetch(`${server.url}/applications`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ applicant: { phone: "0912345678" } }),
    });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as Problem).violations).toEqual([{ field: "procedureCode", reason: "required" }]);
  });

  it("answers malformed JSON with 400 and an oversized body with 413, both naming the body", async () => {
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

    const oversized = await fetch(`${server.url}/applications`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ procedureCode: "1.000894", notes: "x".repeat(4096) }),
    });
    expect(oversized.status).toBe(413);
    expect(await oversized.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE", violations: [{ field: "body" }] });
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
    const res = await fetch(`${server.url}/applications`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ procedureCode: "1.000894", applicant: { phone: "0987654321" } }),
    });
    expect(res.status).toBe(201);
    const requestLines = entries().filter((l) => l.msg === "http request");
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({
      method: "POST",
      route: "/applications",
      status: "201",
      trace_id: res.headers.get("x-trace-id"),
    });
    expect(typeof requestLines[0]?.duration_ms).toBe("number");
    expect(lines.join("")).not.toContain("0987654321");
  });

  it("counts requests per route template on /metrics, never per raw URL", async () => {
    await fetch(`${server.url}/applications/${dossierCode}`);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toMatch(
      /http_requests_total\{method="GET",route="\/applications\/:ref",status="200",service="intake"\} \d+/,
    );
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
    await new Promise((resolve) => setTimeout(resolve, 50));

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
