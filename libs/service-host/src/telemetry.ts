import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { GrpcInstrumentation } from "@opentelemetry/instrumentation-grpc";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ScrubbingSpanProcessor } from "./span-scrubber";
import { SpanStore, SpanStoreProcessor, defaultSpanStoreLimit } from "./span-store";

// Only modules without instrumented dependencies (no http, express or grpc-js)
// may be imported above: this file runs before the application is loaded.

export interface TelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP base URL (e.g. http://collector:4318); falls back to OTEL_EXPORTER_OTLP_ENDPOINT. */
  otlpEndpoint?: string;
  /** Capacity of the in-memory span store used when no endpoint is set. */
  spanStoreLimit?: number;
}

export interface Telemetry {
  /** The in-memory store of finished spans; undefined when spans go to OTLP. */
  spanStore: SpanStore | undefined;
  /** Flushes and stops the SDK; safe to call more than once. */
  shutdown: () => Promise<void>;
}

/** Probe and scrape endpoints: traced, they would drown the real traffic. */
export const untracedPaths: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"]);

let started: Telemetry | undefined;

/**
 * Starts the OpenTelemetry SDK once per process: call it before the
 * application's modules are loaded so http and grpc-js get instrumented.
 * Later calls return the first handle (embedded mode starts four services in
 * one process), whatever options they pass.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (started) return started;
  const url = tracesEndpoint(options.otlpEndpoint);
  // OTEL_TRACES_EXPORTER=none: the operator wants no spans kept anywhere, not even in memory.
  const exporting = nonEmpty(process.env.OTEL_TRACES_EXPORTER) !== "none";
  const spanStore = url || !exporting ? undefined : new SpanStore(options.spanStoreLimit ?? defaultSpanStoreLimit);
  const spanProcessors: SpanProcessor[] = [];
  if (url) spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url })));
  if (spanStore) spanProcessors.push(new SpanStoreProcessor(spanStore));

  const sdk = new NodeSDK({
    // The service's own name is the default; OTEL_SERVICE_NAME and
    // OTEL_RESOURCE_ATTRIBUTES (e.g. the province) override it, as operators expect.
    resource: resourceFromAttributes({ "service.name": options.serviceName }),
    resourceDetectors: [envDetector],
    // The sampler is the SDK's from OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (parent-based, always on by default).
    spanProcessors: spanProcessors.map((processor) => new ScrubbingSpanProcessor(processor)),
    // Metrics go through prom-client and logs through pino: without these empty
    // lists the SDK would add OTLP exporters aimed at localhost:4318 by default.
    metricReaders: [],
    logRecordProcessors: [],
    contextManager: new AsyncLocalStorageContextManager(),
    textMapPropagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => untracedPaths.has(pathOf(request.url)),
      }),
      new GrpcInstrumentation(),
    ],
  });
  sdk.start();

  let stopping: Promise<void> | undefined;
  started = {
    spanStore,
    shutdown: () => (stopping ??= sdk.shutdown()),
  };
  return started;
}

/** The process's telemetry, once started (the process owner flushes it at exit). */
export function getTelemetry(): Telemetry | undefined {
  return started;
}

/** The span store of the started SDK, if it keeps spans in memory. */
export function getSpanStore(): SpanStore | undefined {
  return started?.spanStore;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== "" ? value.trim() : undefined;
}

/**
 * Where spans go, as the OpenTelemetry specification reads the environment:
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is the full URL, used as it is;
 * OTEL_EXPORTER_OTLP_ENDPOINT (or the caller's endpoint) is a base URL that
 * gets /v1/traces. None of them, or OTEL_TRACES_EXPORTER=none: no export.
 */
function tracesEndpoint(base: string | undefined): string | undefined {
  if (nonEmpty(process.env.OTEL_TRACES_EXPORTER) === "none") return undefined;
  const signal = nonEmpty(process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (!base && signal) return signal;
  const endpoint = base ?? nonEmpty(process.env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (!endpoint) return undefined;
  return endpoint.endsWith("/v1/traces") ? endpoint : `${endpoint.replace(/\/+$/, "")}/v1/traces`;
}

function pathOf(url: string | undefined): string {
  const path = (url ?? "/").split("?", 1)[0] ?? "/";
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}
