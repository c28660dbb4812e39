// Distributed mode: a service in its own process sends spans to an OTLP
// endpoint through a batch processor (5 s delay by default). Whatever is still
// buffered when the operator stops it must be exported by the last shutdown
// step, or the traces of the final seconds before a deploy are lost.
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "./support/otlp-receiver";
import { killServiceProcesses, startServiceProcess, type ServiceProcess } from "./support/service-process";

const MUONG_LAT = "14845";

describe("runStandalone with OTEL_EXPORTER_OTLP_ENDPOINT (routing as its own process)", () => {
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await killServiceProcesses();
    await receiver.close();
  });

  const startRouting = (serviceName: string): Promise<ServiceProcess> =>
    startServiceProcess("routing", {
      BUS: "in-process",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: serviceName,
      OTEL_RESOURCE_ATTRIBUTES: "lienthong.province=38",
    });

  /** Two traced requests (a 404 and a 200) and an untraced probe; returns the traced ones' trace ids by status. */
  async function makeRequests(service: ServiceProcess): Promise<{ notFound: string; indicators: string }> {
    const traceIdOf = async (path: string, status: number) => {
      const response = await fetch(`${service.httpUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
      await response.arrayBuffer();
      expect(response.status).toBe(status);
      return response.headers.get("x-trace-id") ?? "";
    };
    const notFound = await traceIdOf("/v1/dossiers/unknown-id", 404);
    const indicators = await traceIdOf(`/v1/indicators/${MUONG_LAT}?from=2026-01-01&to=2026-01-31`, 200);
    await traceIdOf("/healthz", 200);
    return { notFound, indicators };
  }

  const spansOfTraces = (traceIds: string[]): ReceivedSpan[] =>
    receiver.spans().filter((span) => traceIds.includes(span.traceId));

  it("exports the spans still buffered on SIGTERM, as the last shutdown step, and exits 0", async () => {
    const service = await startRouting("routing-under-test");
    const { notFound, indicators } = await makeRequests(service);
    // Well within the batch delay: nothing has been exported yet.
    expect(spansOfTraces([notFound, indicators])).toEqual([]);

    service.child.kill("SIGTERM");
    expect(await service.exited).toEqual({ code: 0, signal: null });

    expect(receiver.rejected).toEqual([]);
    const exported = spansOfTraces([notFound, indicators]);
    const serverSpan = (traceId: string) =>
      exported.find((span) => span.traceId === traceId && span.scope === "@opentelemetry/instrumentation-http");
    expect(serverSpan(notFound)?.attributes).toMatchObject({
      "url.path": "/v1/dossiers/unknown-id",
      "http.response.status_code": 404,
    });
    expect(serverSpan(indicators)?.attributes).toMatchObject({
      "url.path": `/v1/indicators/${MUONG_LAT}`,
      "http.response.status_code": 200,
    });
    // OTEL_SERVICE_NAME replaces the service's own name; OTEL_RESOURCE_ATTRIBUTES adds to the resource.
    for (const span of exported) {
      expect(span.resource).toMatchObject({ "service.name": "routing-under-test", "lienthong.province": "38" });
    }
    // Probes stay untraced in distributed mode too.
    expect(receiver.spans().filter((span) => span.attributes["url.path"] === "/healthz")).toEqual([]);

    const steps = service.lines.filter((line) => line.msg === "shutdown step done").map((line) => line.step);
    expect(steps.at(-1)).toBe("telemetry");
    expect(steps).toEqual(expect.arrayContaining(["http server", "store"]));
  });

  it("loses the same spans when killed with SIGKILL: the flush at SIGTERM is what delivers them", async () => {
    const service = await startRouting("routing-killed");
    const { notFound, indicators } = await makeRequests(service);

    service.child.kill("SIGKILL");
    expect(await service.exited).toEqual({ code: null, signal: "SIGKILL" });
    // Time for an export already on the wire to land, had there been one.
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(spansOfTraces([notFound, indicators])).toEqual([]);
    expect(receiver.spans().filter((span) => span.resource["service.name"] === "routing-killed")).toEqual([]);
  });
});
