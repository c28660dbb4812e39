// OTEL_METRICS_EXPORTER=otlp: every service's prom-client registry is also
// pushed over OTLP/HTTP, under the spans' resource, every
// OTEL_METRIC_EXPORT_INTERVAL ms and once more at shutdown. The fixture runs
// two services' registries in one process, as embedded mode does; the
// receiver is a real HTTP server decoding what the SDK's exporters send.
import { spawn } from "node:child_process";
import * as path from "node:path";
import { waitFor } from "@lienthong/testing";
import { killFixtures, runFixture, type Child } from "./support/child";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedPoint } from "./support/otlp-receiver";

/** The variables under test, emptied so the test runner's own environment cannot steer the child. */
const cleared = Object.fromEntries(
  [
    "OTEL_METRICS_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
    "OTEL_METRIC_EXPORT_INTERVAL",
    "OTEL_METRIC_EXPORT_TIMEOUT",
    "OTEL_TRACES_EXPORTER",
    "FIXTURE_OTLP_ENDPOINT",
  ].map((name) => [name, ""]),
);

const DECISION_ROUTE = "/decisions/:outcome";
const packageRoot = path.resolve(__dirname, "..");
const tsRegister = path.join(packageRoot, "test/support/ts-register.js");
const preload = path.join(packageRoot, "src/register.ts");
const fixture = path.join(packageRoot, "test/fixtures/metered-services.ts");

describe("metrics over OTLP (OTEL_METRICS_EXPORTER)", () => {
  let receiver: OtlpReceiver;

  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    await killFixtures();
    await receiver.close();
  });

  async function startFixture(
    env: Record<string, string>,
    { preloaded = true } = {},
  ): Promise<{ child: Child; url: string; opsUrl: string }> {
    const child = runFixture("test/fixtures/metered-services.ts", {
      preload: preloaded ? ["src/register.ts"] : [],
      env: { ...cleared, OTEL_RESOURCE_ATTRIBUTES: "lienthong.province=38", ...env },
    });
    const ready = await child.waitForLine((line) => line.msg === "fixture ready");
    return { child, url: String(ready.url), opsUrl: String(ready.opsUrl) };
  }

  async function decide(url: string, ...outcomes: string[]): Promise<void> {
    for (const outcome of outcomes) {
      const response = await fetch(`${url}/decisions/${outcome}`, {
        method: "POST",
        signal: AbortSignal.timeout(10_000),
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
  }

  async function stop(child: Child): Promise<void> {
    child.process.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  }

  const pointOf = (points: ReceivedPoint[], name: string, attributes: Record<string, string>) =>
    points.filter(
      (point) =>
        point.name === name && Object.entries(attributes).every(([key, value]) => point.attributes[key] === value),
    );

  it("pushes every registry's counters, gauges and histograms at the interval, under the spans' resource", async () => {
    const { child, url, opsUrl } = await startFixture({
      OTEL_SERVICE_NAME: "lienthong-metered",
      OTEL_METRICS_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRIC_EXPORT_INTERVAL: "300",
    });
    await decide(url, "approved", "approved", "returned");

    // Cumulative series: a later export still holds them; wait for one made after the requests, then another.
    let last: ReceivedPoint[] = [];
    await waitFor(
      () => {
        const points = receiver.points();
        const latest = points.at(-1)?.request ?? -1;
        last = points.filter((point) => point.request === latest);
        return pointOf(last, "http_requests_total", { route: DECISION_ROUTE }).some((point) => point.value === 3);
      },
      { description: "an export holding the three requests", timeoutMs: 20_000 },
    );
    const first = last[0]!.request;
    await waitFor(() => (receiver.points().at(-1)?.request ?? -1) > first, {
      description: "the next periodic export",
      timeoutMs: 20_000,
    });
    expect(receiver.rejected).toEqual([]);
    expect(receiver.points().every((point) => point.path === "/v1/metrics")).toBe(true);

    // Counters: monotonic cumulative sums (OTLP temporality 2), with their labels and the service's.
    expect(pointOf(last, "routing_decisions_total", { outcome: "approved" })).toEqual([
      expect.objectContaining({
        kind: "sum",
        monotonic: true,
        temporality: 2,
        value: 2,
        attributes: { outcome: "approved", service: "routing" },
      }),
    ]);
    expect(pointOf(last, "routing_decisions_total", { outcome: "returned" })).toEqual([
      expect.objectContaining({ value: 1 }),
    ]);
    const requests = { method: "POST", route: DECISION_ROUTE, status: "200", service: "intake" };
    expect(pointOf(last, "http_requests_total", requests)).toEqual([
      expect.objectContaining({ kind: "sum", monotonic: true, value: 3, attributes: requests }),
    ]);

    // Histograms: cumulative, prom-client's bounds, each bucket's own count (the +Inf one last).
    const [duration] = pointOf(last, "http_request_duration_seconds", requests);
    expect(duration).toMatchObject({
      kind: "histogram",
      temporality: 2,
      count: 3,
      explicitBounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    expect(duration!.bucketCounts).toHaveLength(12);
    expect(duration!.bucketCounts!.reduce((a, b) => a + b, 0)).toBe(3);
    expect(duration!.sum).toBeGreaterThan(0);

    // Gauges stay gauges; a summary is skipped; a gauge whose collect fails costs only itself.
    expect(pointOf(last, "dossiers_due_soon", {})).toEqual([
      expect.objectContaining({ kind: "gauge", value: 3, attributes: { province: "38", service: "routing" } }),
    ]);
    const names = new Set(last.map((point) => point.name));
    expect(names.has("routing_wait_seconds")).toBe(false);
    expect(names.has("broken_gauge")).toBe(false);
    expect(last.every((point) => point.kind !== "other")).toBe(true);

    // Both services in one process share the process's resource (the spans'); `service` tells them apart.
    for (const point of last) {
      expect(point.resource).toMatchObject({ "service.name": "lienthong-metered", "lienthong.province": "38" });
      expect(point.scope).toBe("@lienthong/service-host/prom-client");
      expect(["intake", "routing"]).toContain(point.attributes.service);
    }
    // Only the registries' series: the instrumentations' own OTel metrics would duplicate them.
    expect([...names].filter((name) => name.startsWith("http.") || name.startsWith("rpc."))).toEqual([]);

    // /metrics is scraped as before, with the same value.
    const scraped = await (await fetch(`${opsUrl}/metrics`)).text();
    expect(scraped).toContain(
      `http_requests_total{method="POST",route="${DECISION_ROUTE}",status="200",service="intake"} 3`,
    );
    await stop(child);
  });

  it("exports a stopped service's final reading as it is, once per export, beside the live registries", async () => {
    const { child, url } = await startFixture({
      OTEL_SERVICE_NAME: "lienthong-final",
      OTEL_METRICS_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRIC_EXPORT_INTERVAL: "300",
    });
    await decide(url, "approved");
    const final = await fetch(`${url}/routing/final-reading`, { method: "POST", signal: AbortSignal.timeout(10_000) });
    expect(final.status).toBe(200);
    // After the reading: routing's counter moves, intake's requests are counted live.
    await decide(url, "approved", "approved");

    const latest = () => {
      const points = receiver.points();
      const request = points.at(-1)?.request ?? -1;
      return points.filter((point) => point.request === request);
    };
    let firstAfter = -1;
    await waitFor(
      () => {
        const last = latest();
        if (!pointOf(last, "http_requests_total", { route: DECISION_ROUTE }).some((point) => point.value === 3)) {
          return false;
        }
        firstAfter = last[0]!.request;
        return true;
      },
      { description: "an export after the three decisions", timeoutMs: 20_000 },
    );
    await waitFor(() => (receiver.points().at(-1)?.request ?? -1) > firstAfter + 1, {
      description: "two more periodic exports",
      timeoutMs: 20_000,
    });
    const last = latest();
    expect(pointOf(last, "routing_decisions_total", { outcome: "approved" })).toEqual([
      expect.objectContaining({ value: 1 }),
    ]);
    expect(pointOf(last, "dossiers_due_soon", {})).toHaveLength(1);
    // A name both registries have: one point per service, however many exports the final reading went into.
    expect(pointOf(last, "fixture_starts_total", {}).map((point) => point.attributes.service)).toEqual([
      "routing",
      "intake",
    ]);
    expect(pointOf(last, "http_requests_total", { route: DECISION_ROUTE })).toEqual([
      expect.objectContaining({ value: 3 }),
    ]);
    await stop(child);
  });

  it("sends the last values at shutdown, to OTEL_EXPORTER_OTLP_METRICS_ENDPOINT as it is", async () => {
    const { child, url } = await startFixture({
      OTEL_SERVICE_NAME: "lienthong-flushed",
      OTEL_METRICS_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      // The signal's own URL wins over the base URL, which spans use.
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${receiver.url}/collector/metrics`,
      // The default interval, 60 s: only the shutdown exports within this test.
    });
    await decide(url, "approved");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(receiver.points()).toEqual([]);

    await stop(child);
    expect(receiver.rejected).toEqual([]);
    const points = receiver.points();
    expect(points.length).toBeGreaterThan(0);
    expect(points.every((point) => point.path === "/collector/metrics")).toBe(true);
    expect(pointOf(points, "routing_decisions_total", { outcome: "approved" })).toEqual([
      expect.objectContaining({ value: 1, resource: expect.objectContaining({ "service.name": "lienthong-flushed" }) }),
    ]);
  });

  it("speaks OTLP/protobuf unless told otherwise, and reads a list of exporters", async () => {
    const { child, url } = await startFixture({
      OTEL_SERVICE_NAME: "lienthong-protobuf",
      OTEL_METRICS_EXPORTER: "prometheus,otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    });
    await decide(url, "approved");
    await stop(child);

    expect(receiver.rejected).toEqual([]);
    expect(receiver.points()).toEqual([]);
    const exports = receiver.protobufMetrics();
    expect(exports.map((e) => e.path)).toEqual(["/v1/metrics"]);
    // Protobuf keeps strings as they are: the series, its labels and the resource are in the message.
    const body = exports[0]!.body.toString("latin1");
    for (const text of ["routing_decisions_total", "approved", "lienthong-protobuf", "lienthong.province"]) {
      expect(body).toContain(text);
    }
  });

  it.each([
    ["unset", ""],
    ["prometheus (the scrape only)", "prometheus"],
    ["none, even listed with otlp", "otlp,none"],
  ])("pushes no metrics when OTEL_METRICS_EXPORTER is %s, though spans go to the endpoint", async (_, exporter) => {
    const { child, url } = await startFixture({
      OTEL_SERVICE_NAME: "lienthong-unpushed",
      OTEL_METRICS_EXPORTER: exporter,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRIC_EXPORT_INTERVAL: "200",
    });
    await decide(url, "approved");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await stop(child);

    // The endpoint was reachable and used: the request's span arrived at the shutdown flush.
    expect(receiver.spans().some((span) => span.resource["service.name"] === "lienthong-unpushed")).toBe(true);
    expect(receiver.rejected).toEqual([]);
    expect(receiver.points()).toEqual([]);
    expect(receiver.protobufMetrics()).toEqual([]);
  });

  it("takes an endpoint given in code as the base URL of metrics too", async () => {
    const { child, url } = await startFixture(
      {
        OTEL_SERVICE_NAME: "lienthong-in-code",
        OTEL_METRICS_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/json",
        // Read by the fixture, which then starts telemetry itself with { otlpEndpoint } (no preload).
        FIXTURE_OTLP_ENDPOINT: `${receiver.url}/`,
      },
      { preloaded: false },
    );
    await decide(url, "approved");
    await stop(child);

    expect(receiver.rejected).toEqual([]);
    const points = receiver.points();
    expect(points.map((point) => point.path)).toContain("/v1/metrics");
    expect(pointOf(points, "routing_decisions_total", { outcome: "approved" })).toEqual([
      expect.objectContaining({ value: 1 }),
    ]);
  });

  it.each([
    [{ OTEL_METRICS_EXPORTER: "console" }, "OTEL_METRICS_EXPORTER: console not supported"],
    [
      { OTEL_METRICS_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "grpc" },
      "OTLP metrics protocol grpc not supported",
    ],
  ])("refuses to start with %j, which it cannot honour, rather than send nothing", async (env, message) => {
    const child = spawn(process.execPath, ["--require", tsRegister, "--require", preload, fixture], {
      env: { ...process.env, ...cleared, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    // Should it start after all, it is killed rather than left running.
    const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    clearTimeout(killer);
    expect(stderr).toContain(message);
    expect(code).toBe(1);
    expect(stdout).not.toContain("fixture ready");
  });
});
