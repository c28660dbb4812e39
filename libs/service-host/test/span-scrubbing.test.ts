/**
 * Spans leave a service without what can identify a citizen or carry a
 * secret (span-scrubber.ts): the processor itself on the SDK, and the
 * telemetry a service starts with (telemetry.ts) in a real process.
 */
import type { Context } from "@opentelemetry/api";
import { SpanKind, SpanStatusCode, ROOT_CONTEXT } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import type { StoredSpan } from "@lienthong/service-host";
import { SCRUBBED_ATTRIBUTES, ScrubbingSpanProcessor } from "../src/span-scrubber";
import { killFixtures, runFixture, type Child } from "./support/child";

/** What an HTTP server span of the citizen's status lookup may carry, old and new semantic conventions mixed. */
const SENSITIVE = {
  "url.full": "https://portal.thanhhoa.gov.vn/v1/status/HS-0001?phone=0912345678&code=482913",
  "url.query": "phone=0912345678&code=482913",
  "http.url": "https://portal.thanhhoa.gov.vn/v1/status/HS-0001?phone=0912345678&code=482913",
  "http.target": "/v1/status/HS-0001?phone=0912345678&code=482913",
  "client.address": "113.161.42.7",
  "network.peer.address": "113.161.42.7",
  "network.peer.port": 51234,
  "net.peer.ip": "113.161.42.7",
  "net.peer.port": 51234,
  "net.sock.peer.addr": "113.161.42.7",
  "net.sock.peer.port": 51234,
  "http.client_ip": "113.161.42.7",
  "user_agent.original": "Zalo/3.1 (Nguyễn Văn An; 0912345678)",
  "http.user_agent": "Zalo/3.1 (Nguyễn Văn An; 0912345678)",
};
const KEPT = {
  "http.request.method": "GET",
  "http.route": "/v1/status/:dossierRef",
  "url.path": "/v1/status/HS-0001",
  "url.scheme": "https",
  "server.address": "portal.thanhhoa.gov.vn",
  "server.port": 443,
  "http.response.status_code": 404,
  "lienthong.dossier_id": "d-7f3a",
};

describe("ScrubbingSpanProcessor", () => {
  let exporter: InMemorySpanExporter;
  let provider: BasicTracerProvider;

  beforeEach(() => {
    exporter = new InMemorySpanExporter();
    provider = new BasicTracerProvider({
      spanProcessors: [new ScrubbingSpanProcessor(new SimpleSpanProcessor(exporter))],
    });
  });
  afterEach(() => provider.shutdown());

  it("hands the next processor spans without query strings, full URLs, client addresses or user agents", async () => {
    const tracer = provider.getTracer("@opentelemetry/instrumentation-http");
    const span = tracer.startSpan("GET /v1/status/:dossierRef", {
      kind: SpanKind.SERVER,
      attributes: { ...KEPT, "url.query": SENSITIVE["url.query"], "client.address": SENSITIVE["client.address"] },
    });
    // Instrumentations also set attributes after the start.
    span.setAttributes(SENSITIVE);
    span.addEvent("dossier looked up", { "lienthong.found": false });
    span.setStatus({ code: SpanStatusCode.ERROR, message: "NOT_FOUND" });
    span.end();
    await provider.forceFlush();

    const [exported] = exporter.getFinishedSpans();
    expect(exported!.attributes).toEqual(KEPT);
    expect(exported).toMatchObject({
      name: "GET /v1/status/:dossierRef",
      kind: SpanKind.SERVER,
      status: { code: SpanStatusCode.ERROR, message: "NOT_FOUND" },
      events: [expect.objectContaining({ name: "dossier looked up", attributes: { "lienthong.found": false } })],
    });
    const everything = JSON.stringify({ attributes: exported!.attributes, events: exported!.events });
    for (const secret of ["0912345678", "482913", "113.161.42.7", "Zalo"]) expect(everything).not.toContain(secret);
  });

  it("removes every attribute it lists and leaves a span without any of them as it was", async () => {
    expect([...SCRUBBED_ATTRIBUTES].sort()).toEqual(Object.keys(SENSITIVE).sort());
    const tracer = provider.getTracer("dossier-flow");
    tracer.startSpan("route dossier", { attributes: { "lienthong.dossier_id": "d-7f3a" } }).end();
    tracer.startSpan("notify applicant", { attributes: SENSITIVE }).end();
    await provider.forceFlush();
    expect(exporter.getFinishedSpans().map((span) => [span.name, span.attributes])).toEqual([
      ["route dossier", { "lienthong.dossier_id": "d-7f3a" }],
      ["notify applicant", {}],
    ]);
  });

  it("passes starts, flushes and shutdowns through to the next processor", async () => {
    const calls: string[] = [];
    const next: SpanProcessor = {
      onStart: (span: Span, _context: Context) => void calls.push(`start ${span.name}`),
      onEnd: (span: ReadableSpan) => void calls.push(`end ${span.name}`),
      forceFlush: async () => void calls.push("flush"),
      shutdown: async () => void calls.push("shutdown"),
    };
    const scrubbing = new ScrubbingSpanProcessor(next);
    const local = new BasicTracerProvider({ spanProcessors: [scrubbing] });
    const span = local.getTracer("t").startSpan("decide", {}, ROOT_CONTEXT);
    span.end();
    await local.forceFlush();
    await local.shutdown();
    expect(calls).toEqual(["start decide", "end decide", "flush", "shutdown"]);
  });
});

describe("the telemetry a service starts with", () => {
  let child: Child;
  let url: string;

  beforeAll(async () => {
    child = runFixture("test/support/span-scrubbing-service.ts", {
      preload: ["src/register.ts"],
      env: { OTEL_SERVICE_NAME: "scrubbing-fixture", OTEL_EXPORTER_OTLP_ENDPOINT: "" },
    });
    url = String((await child.waitForLine((line) => line.msg === "fixture ready")).url);
  });
  afterAll(killFixtures);

  it("keeps spans of real HTTP requests without the query string, the caller's address or user agent", async () => {
    const response = await fetch(`${url}/v1/status/HS-0001?phone=0912345678&code=482913`, {
      headers: { "user-agent": "Zalo/3.1 (Nguyen Van An; 0912345678)" },
    });
    expect(response.status).toBe(200);

    const spans = (await (await fetch(`${url}/spans`)).json()) as StoredSpan[];
    const lookup = spans.find((span) => span.attributes["url.path"] === "/v1/status/HS-0001");
    expect(lookup).toBeDefined();
    expect(lookup!.attributes).toMatchObject({ "http.request.method": "GET", "http.response.status_code": 200 });
    expect(Object.keys(lookup!.attributes).filter((name) => SCRUBBED_ATTRIBUTES.has(name))).toEqual([]);
    const everything = JSON.stringify(spans);
    for (const secret of ["0912345678", "482913", "Zalo"]) expect(everything).not.toContain(secret);
  });
});
