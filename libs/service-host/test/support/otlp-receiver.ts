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
  /** Requests that were not OTLP/JSON trace exports (wrong path, content type or body), to fail on. */
  rejected: string[];
  close(): Promise<void>;
}

/**
 * A stand-in OpenTelemetry collector: a plain HTTP server accepting OTLP/HTTP
 * trace exports on POST /v1/traces. `@opentelemetry/exporter-trace-otlp-http`
 * sends `application/json` (OTLP/JSON); anything else is recorded as rejected
 * and answered 415, so a change of encoding shows in the test rather than as
 * "no spans".
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const rejected: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const contentType = request.headers["content-type"] ?? "";
      if (request.method !== "POST" || request.url !== "/v1/traces" || !contentType.startsWith("application/json")) {
        rejected.push(`${request.method} ${request.url} (${contentType || "no content type"})`);
        response.writeHead(415).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      try {
        const body = request.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
        spans.push(...spansOf(JSON.parse(body.toString("utf8")) as OtlpTraceRequest));
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
