import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

/** The parts of an OTLP/JSON ExportTraceServiceRequest the tests read (ids are hex strings in OTLP/JSON). */
interface OtlpAnyValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
interface OtlpTraceRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: { traceId: string; spanId: string; name: string; kind?: number; attributes?: OtlpKeyValue[] }[];
    }[];
  }[];
}

/** The parts of an OTLP/JSON ExportMetricsServiceRequest the tests read (64-bit integers may come as strings). */
interface OtlpNumberPoint {
  attributes?: OtlpKeyValue[];
  asDouble?: number;
  asInt?: number | string;
}
interface OtlpHistogramPoint {
  attributes?: OtlpKeyValue[];
  count?: number | string;
  sum?: number;
  bucketCounts?: (number | string)[];
  explicitBounds?: number[];
}
interface OtlpMetricsRequest {
  resourceMetrics?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeMetrics?: {
      scope?: { name?: string };
      metrics?: {
        name: string;
        sum?: { dataPoints?: OtlpNumberPoint[]; aggregationTemporality?: number; isMonotonic?: boolean };
        gauge?: { dataPoints?: OtlpNumberPoint[] };
        histogram?: { dataPoints?: OtlpHistogramPoint[]; aggregationTemporality?: number };
        summary?: unknown;
      }[];
    }[];
  }[];
}

/** One exported metric data point, flattened, with the export it came in. */
export interface ReceivedPoint {
  /** Which export request (0, 1, ...) brought it: the latest one holds the latest cumulative values. */
  request: number;
  path: string;
  name: string;
  kind: "sum" | "gauge" | "histogram" | "other";
  /** Sums: whether monotonic; sums and histograms: 1 delta, 2 cumulative (OTLP's AggregationTemporality). */
  monotonic?: boolean;
  temporality?: number;
  value?: number;
  count?: number;
  sum?: number;
  explicitBounds?: number[];
  bucketCounts?: number[];
  attributes: Record<string, string | number | boolean>;
  scope: string;
  resource: Record<string, string | number | boolean>;
}

/** An OTLP/HTTP metrics export in protobuf, kept as it came (the tests look for strings in it). */
export interface RawExport {
  path: string;
  body: Buffer;
}

/** One exported span with the resource it was exported under. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  name: string;
  scope: string;
  attributes: Record<string, string | number | boolean>;
  /** The resource attributes: service.name, and whatever OTEL_RESOURCE_ATTRIBUTES added. */
  resource: Record<string, string | number | boolean>;
}

export interface OtlpReceiver {
  /** The base URL to give as OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  url: string;
  /** Every span received so far. */
  spans(): ReceivedSpan[];
  /** Every metric data point received so far in OTLP/JSON (a path ending in "metrics"). */
  points(): ReceivedPoint[];
  /** Every metrics export received in OTLP/protobuf (application/x-protobuf). */
  protobufMetrics(): RawExport[];
  /** Requests that were not OTLP/JSON trace or OTLP metric exports (wrong path, content type or body), to fail on. */
  rejected: string[];
  close(): Promise<void>;
}

/**
 * A stand-in OpenTelemetry collector: a plain HTTP server accepting OTLP/HTTP
 * trace exports on POST /v1/traces and metric exports on POST to any path
 * ending in "metrics" (/v1/metrics, or the full URL a test gives).
 * `@opentelemetry/exporter-trace-otlp-http` sends `application/json`
 * (OTLP/JSON); metrics come as JSON (read) or protobuf (kept raw). Anything
 * else is recorded as rejected and answered 415, so a change of encoding
 * shows in the test rather than as "no spans".
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const points: ReceivedPoint[] = [];
  const protobufMetrics: RawExport[] = [];
  let metricRequests = 0;
  const rejected: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const contentType = request.headers["content-type"] ?? "";
      const path = request.url ?? "";
      const json = contentType.startsWith("application/json");
      const metrics = path.endsWith("metrics");
      const accepted =
        request.method === "POST" &&
        ((path === "/v1/traces" && json) || (metrics && (json || contentType === "application/x-protobuf")));
      if (!accepted) {
        rejected.push(`${request.method} ${request.url} (${contentType || "no content type"})`);
        response.writeHead(415).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      try {
        const body = request.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
        if (metrics && !json) {
          protobufMetrics.push({ path, body });
        } else if (metrics) {
          points.push(...pointsOf(JSON.parse(body.toString("utf8")) as OtlpMetricsRequest, metricRequests++, path));
        } else {
          spans.push(...spansOf(JSON.parse(body.toString("utf8")) as OtlpTraceRequest));
        }
      } catch (error) {
        rejected.push(`unreadable OTLP/JSON body: ${error instanceof Error ? error.message : String(error)}`);
        response.writeHead(400).end();
        return;
      }
      // An empty ExportTraceServiceResponse: everything accepted.
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...spans],
    points: () => [...points],
    protobufMetrics: () => [...protobufMetrics],
    rejected,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function spansOf(request: OtlpTraceRequest): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) =>
      (scopeSpans.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        name: span.name,
        scope: scopeSpans.scope?.name ?? "",
        attributes: attributesOf(span.attributes),
        resource,
      })),
    );
  });
}

function pointsOf(request: OtlpMetricsRequest, index: number, path: string): ReceivedPoint[] {
  return (request.resourceMetrics ?? []).flatMap((resourceMetrics) => {
    const resource = attributesOf(resourceMetrics.resource?.attributes);
    return (resourceMetrics.scopeMetrics ?? []).flatMap((scopeMetrics) =>
      (scopeMetrics.metrics ?? []).flatMap((metric): ReceivedPoint[] => {
        const common = { request: index, path, name: metric.name, scope: scopeMetrics.scope?.name ?? "", resource };
        if (metric.sum) {
          const { isMonotonic = false, aggregationTemporality } = metric.sum;
          return (metric.sum.dataPoints ?? []).map((point) => ({
            ...common,
            kind: "sum",
            monotonic: isMonotonic,
            ...(aggregationTemporality !== undefined && { temporality: aggregationTemporality }),
            value: Number(point.asDouble ?? point.asInt),
            attributes: attributesOf(point.attributes),
          }));
        }
        if (metric.gauge) {
          return (metric.gauge.dataPoints ?? []).map((point) => ({
            ...common,
            kind: "gauge",
            value: Number(point.asDouble ?? point.asInt),
            attributes: attributesOf(point.attributes),
          }));
        }
        if (metric.histogram) {
          const { aggregationTemporality } = metric.histogram;
          return (metric.histogram.dataPoints ?? []).map((point) => ({
            ...common,
            kind: "histogram",
            ...(aggregationTemporality !== undefined && { temporality: aggregationTemporality }),
            count: Number(point.count),
            ...(point.sum !== undefined && { sum: point.sum }),
            explicitBounds: point.explicitBounds ?? [],
            bucketCounts: (point.bucketCounts ?? []).map(Number),
            attributes: attributesOf(point.attributes),
          }));
        }
        return [{ ...common, kind: "other", attributes: {} }];
      }),
    );
  });
}

function attributesOf(list: OtlpKeyValue[] | undefined): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    // OTLP/JSON writes 64-bit integers as numbers or as decimal strings.
    const scalar =
      value?.intValue !== undefined
        ? Number(value.intValue)
        : (value?.stringValue ?? value?.boolValue ?? value?.doubleValue);
    if (scalar !== undefined) attributes[key] = scalar;
  }
  return attributes;
}
