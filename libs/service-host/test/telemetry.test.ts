import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SpanKind, trace } from "@opentelemetry/api";
import { SpanStore, type StoredSpan, getSpanStore, startTelemetry } from "@lienthong/service-host";
import { killFixtures, runFixture, type Child } from "./support/child";

function storedSpan(traceId: string, spanId: string, startTime: string): StoredSpan {
  return {
    name: `span ${spanId}`,
    traceId,
    spanId,
    kind: "INTERNAL",
    startTime,
    endTime: startTime,
    durationMs: 0,
    status: { code: "UNSET" },
    attributes: {},
    scope: "test",
    service: "test",
  };
}

describe("SpanStore", () => {
  it("keeps at most `limit` spans, dropping the oldest", () => {
    const store = new SpanStore(3);
    for (let i = 1; i <= 5; i++)
      store.add(storedSpan(i % 2 ? "a".repeat(32) : "b".repeat(32), `s${i}`, `2026-01-01T00:00:0${i}.000000Z`));
    expect(store.size).toBe(3);
    expect(store.recent(10).map((s) => s.spanId)).toEqual(["s5", "s4", "s3"]);
    expect(store.recent(2).map((s) => s.spanId)).toEqual(["s5", "s4"]);
    expect(store.byTrace("a".repeat(32)).map((s) => s.spanId)).toEqual(["s3", "s5"]);
    expect(store.byTrace("c".repeat(32))).toEqual([]);
  });

  it("refuses a limit that is not a positive integer", () => {
    expect(() => new SpanStore(0)).toThrow(RangeError);
  });
});

describe("startTelemetry in embedded mode", () => {
  it("returns the same handle when called again and keeps finished spans as plain JSON", () => {
    const first = startTelemetry({ serviceName: "intake", spanStoreLimit: 50 });
    const second = startTelemetry({ serviceName: "routing" });
    expect(second).toBe(first);
    expect(getSpanStore()).toBe(first.spanStore);

    const tracer = trace.getTracer("dossier-flow");
    let traceId = "";
    tracer.startActiveSpan(
      "route dossier",
      { kind: SpanKind.CONSUMER, attributes: { "dossier.code": "000.00.06.H56-231027-0361" } },
      (parent) => {
        traceId = parent.spanContext().traceId;
        tracer.startActiveSpan("compute appointment", (child) => child.end());
        parent.end();
      },
    );

    const spans = first.spanStore!.byTrace(traceId);
    expect(spans.map((s) => s.name)).toEqual(["route dossier", "compute appointment"]);
    const [parent, child] = spans;
    expect(child!.parentSpanId).toBe(parent!.spanId);
    expect(parent).toMatchObject({
      kind: "CONSUMER",
      status: { code: "UNSET" },
      attributes: { "dossier.code": "000.00.06.H56-231027-0361" },
      scope: "dossier-flow",
      service: "intake",
    });
    expect(new Date(parent!.endTime).getTime()).toBeGreaterThanOrEqual(new Date(parent!.startTime).getTime());
    expect(JSON.parse(JSON.stringify(parent))).toEqual(parent);
    expect(first.spanStore!.limit).toBe(50);
  });
});

describe("preloaded register in a real process", () => {
  let child: Child;
  let url: string;
  let opsUrl: string;

  beforeAll(async () => {
    child = runFixture("test/fixtures/traced-service.ts", {
      preload: ["src/register.ts"],
      env: { OTEL_SERVICE_NAME: "traced-fixture", OTEL_EXPORTER_OTLP_ENDPOINT: "" },
    });
    const ready = await child.waitForLine((l) => l.msg === "fixture ready");
    url = String(ready.url);
    opsUrl = String(ready.opsUrl);
  });
  afterAll(killFixtures);

  it("joins the HTTP request and the gRPC call it makes in one trace, the caller's", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const res = await fetch(`${url}/applications/000.00.06.H56-231027-0361`, {
      headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-trace-id")).toBe(traceId);

    const spans = (await (await fetch(`${url}/spans`)).json()) as StoredSpan[];
    const ofTrace = spans.filter((s) => s.traceId === traceId);
    const summary = ofTrace.map((s) => `${s.scope} ${s.kind}`).sort();
    expect(summary).toEqual([
      "@opentelemetry/instrumentation-grpc CLIENT",
      "@opentelemetry/instrumentation-grpc SERVER",
      "@opentelemetry/instrumentation-http SERVER",
    ]);
    const httpServer = ofTrace.find((s) => s.kind === "SERVER" && s.scope.endsWith("http"))!;
    expect(httpServer.parentSpanId).toBe("b7ad6b7169203331");
    expect(ofTrace.every((s) => s.service === "traced-fixture")).toBe(true);

    const handlerLine = await child.waitForLine((l) => l.msg === "grpc handler");
    expect(handlerLine.trace_id).toBe(traceId);
  });

  it("does not trace the probes, on either listener, nor the scrapes of the ops listener", async () => {
    const probes = [
      `${url}/healthz`,
      `${url}/readyz`,
      `${url}/healthz?probe=1`,
      `${opsUrl}/healthz`,
      `${opsUrl}/metrics`,
    ];
    for (const probe of probes) expect((await fetch(probe)).status).toBe(200);
    const spans = (await (await fetch(`${url}/spans`)).json()) as StoredSpan[];
    const probed = spans.filter((s) => /healthz|readyz|metrics/.test(JSON.stringify(s.attributes)));
    expect(probed).toEqual([]);
    // The /spans request itself is traced: instrumentation is on for other paths.
    expect(spans.some((s) => JSON.stringify(s.attributes).includes("/spans"))).toBe(true);
  });

  it("flushes telemetry and exits 0 on SIGTERM, without reaching for an OTLP endpoint it was not given", async () => {
    const started = Date.now();
    child.process.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    // An SDK flushing to a default OTLP endpoint nobody runs takes ~8 s here.
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(child.lines.some((l) => l.msg === "shutdown step done" && l.step === "flush telemetry")).toBe(true);
  });
});

describe("OTLP export", () => {
  let collector: Server;
  const received: { path: string; contentType: string; body: string }[] = [];

  beforeAll(async () => {
    collector = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        received.push({ path: req.url ?? "", contentType: req.headers["content-type"] ?? "", body });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    await killFixtures();
    await new Promise<void>((resolve) => collector.close(() => resolve()));
  });

  it("sends spans to OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces and keeps none in memory", async () => {
    const { port } = collector.address() as AddressInfo;
    const child = runFixture("test/fixtures/traced-service.ts", {
      preload: ["src/register.ts"],
      env: { OTEL_SERVICE_NAME: "traced-otlp", OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
    });
    const url = String((await child.waitForLine((l) => l.msg === "fixture ready")).url);
    const res = await fetch(`${url}/applications/000.00.06.H56-231027-0361`);
    const traceId = res.headers.get("x-trace-id")!;
    expect(await (await fetch(`${url}/spans`)).json()).toBeNull();

    // The batch processor flushes on shutdown, which SIGTERM runs.
    child.process.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    const exported = received
      .filter((r) => r.path === "/v1/traces")
      .map((r) => r.body)
      .join("");
    expect(exported).toContain(traceId);
    expect(exported).toContain("traced-otlp");
  });

  /** Starts the fixture with `env`, makes one traced request, stops it with SIGTERM (which flushes), and returns its trace id. */
  async function tracedRequest(env: Record<string, string>): Promise<string> {
    const child = runFixture("test/fixtures/traced-service.ts", { preload: ["src/register.ts"], env });
    const url = String((await child.waitForLine((l) => l.msg === "fixture ready")).url);
    const res = await fetch(`${url}/applications/000.00.06.H56-231027-0361`);
    const traceId = res.headers.get("x-trace-id")!;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    child.process.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    return traceId;
  }

  it("sends spans to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, the signal's own URL", async () => {
    const { port } = collector.address() as AddressInfo;
    const traceId = await tracedRequest({
      OTEL_SERVICE_NAME: "traced-signal-url",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/collector/spans`,
    });
    const exported = received.filter((r) => r.path === "/collector/spans").map((r) => r.body);
    expect(exported.join("")).toContain(traceId);
  });

  it("prefers OTEL_EXPORTER_OTLP_TRACES_ENDPOINT to OTEL_EXPORTER_OTLP_ENDPOINT when both are set", async () => {
    const { port } = collector.address() as AddressInfo;
    const before = received.length;
    const traceId = await tracedRequest({
      OTEL_SERVICE_NAME: "traced-both-urls",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/collector/both`,
    });
    const exported = received.slice(before);
    expect(
      exported
        .filter((r) => r.path === "/collector/both")
        .map((r) => r.body)
        .join(""),
    ).toContain(traceId);
    expect(exported.filter((r) => r.path === "/v1/traces")).toEqual([]);
  });

  it("samples as OTEL_TRACES_SAMPLER says: always_off exports nothing", async () => {
    const { port } = collector.address() as AddressInfo;
    const before = received.length;
    const traceId = await tracedRequest({
      OTEL_SERVICE_NAME: "traced-sampled-off",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_TRACES_SAMPLER: "always_off",
    });
    const exported = received
      .slice(before)
      .map((r) => r.body)
      .join("");
    expect(exported).not.toContain(traceId);
    expect(exported).not.toContain("traced-sampled-off");
  });
});
