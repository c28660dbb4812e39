// Distributed mode with OTEL_METRICS_EXPORTER=otlp: routing as its own process
// (the built service, as operators run it) pushes its registry over OTLP. With
// the default 60 s interval nothing is due within the test, so what arrives is
// the shutdown's export — sent after the store has closed, so it must carry the
// reading the host took before (its gauges read the store and the bus).
import { CLIENT_KEY_HEADER, DEVELOPMENT_CLIENTS } from "@lienthong/service-host";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedPoint } from "./support/otlp-receiver";
import { killServiceProcesses, startServiceProcess } from "./support/service-process";

describe("runStandalone with OTEL_METRICS_EXPORTER=otlp (routing as its own process)", () => {
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await killServiceProcesses();
    await receiver.close();
  });

  const matching = (points: ReceivedPoint[], name: string, attributes: Record<string, string>) =>
    points.filter(
      (point) =>
        point.name === name && Object.entries(attributes).every(([key, value]) => point.attributes[key] === value),
    );

  it("exports the host's series at SIGTERM, under the resource the operator set, and exits 0", async () => {
    const service = await startServiceProcess("routing", {
      BUS: "in-process",
      OTEL_METRICS_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: "routing-metered",
      OTEL_RESOURCE_ATTRIBUTES: "lienthong.province=38",
    });
    const response = await fetch(`${service.httpUrl}/v1/dossiers/unknown-id`, {
      headers: { [CLIENT_KEY_HEADER]: DEVELOPMENT_CLIENTS.muongLat.key },
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    expect(response.status).toBe(404);
    expect(receiver.points()).toEqual([]);

    service.child.kill("SIGTERM");
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(receiver.rejected).toEqual([]);

    const points = receiver.points();
    expect(new Set(points.map((point) => point.request))).toEqual(new Set([0]));
    expect(matching(points, "http_requests_total", { status: "404" })).toEqual([
      expect.objectContaining({
        kind: "sum",
        monotonic: true,
        value: 1,
        attributes: { method: "GET", route: "/v1/dossiers/:dossierRef", status: "404", service: "routing" },
      }),
    ]);
    // The host's own series: dead letters start at 0 for every type routing consumes, so alert rules see the first.
    const deadLetters = matching(points, "messaging_dead_letters_total", { group: "routing" });
    expect(deadLetters.length).toBeGreaterThan(0);
    expect(deadLetters.every((point) => point.kind === "sum" && point.value === 0)).toBe(true);
    // The host's gauges as its last reading saw them, before bus and store closed: readiness 0 (stopping), the outbox empty.
    expect(matching(points, "service_ready", {})).toEqual([expect.objectContaining({ kind: "gauge", value: 0 })]);
    expect(matching(points, "outbox_backlog", {})).toEqual([expect.objectContaining({ kind: "gauge", value: 0 })]);
    expect(matching(points, "outbox_oldest_age_seconds", {})).toEqual([expect.objectContaining({ value: 0 })]);
    expect(matching(points, "messaging_consumer_lag", { group: "routing" }).length).toBeGreaterThan(0);
    expect(service.lines.filter((line) => line.level === "warn" && /could not be read/.test(String(line.msg)))).toEqual(
      [],
    );
    expect(matching(points, "http_request_duration_seconds", { status: "404" })).toEqual([
      expect.objectContaining({ kind: "histogram", temporality: 2, count: 1 }),
    ]);
    // The process's default metrics come along, as on /metrics.
    expect(matching(points, "process_cpu_user_seconds_total", { service: "routing" })).toHaveLength(1);
    for (const point of points) {
      expect(point.resource).toMatchObject({ "service.name": "routing-metered", "lienthong.province": "38" });
      expect(point.attributes.service).toBe("routing");
    }
    const steps = service.lines.filter((line) => line.msg === "shutdown step done").map((line) => line.step);
    expect(steps.at(-1)).toBe("telemetry");
    expect(steps.indexOf("metrics")).toBeLessThan(steps.indexOf("bus"));
  });
});
