import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { GrpcInstrumentation } from "@opentelemetry/instrumentation-grpc";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
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
  const endpoint = options.otlpEndpoint ?? nonEmpty(process.env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const spanStore = endpoint ? undefined : new SpanStore(options.spanStoreLimit ?? defaultSpanStoreLimit);
  const spanProcessor: SpanProcessor = endpoint
    ? new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(endpoint) }))
    : new SpanStoreProcessor(spanStore as SpanStore);

  const sdk = new NodeSDK({
    // The service's own name is the default; OTEL_SERVICE_NAME and
    // OTEL_RESOURCE_ATTRIBUTES (e.g. the province) override it, as operators expect.
    resource: resourceFromAttributes({ "service.name": options.serviceName }),
    resourceDetectors: [envDetector],
    spanProcessors: [spanProcessor],
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

/** Like the SDK does for the environment variable: the base URL gets /v1/traces. */
function tracesUrl(endpoint: string): string {
  return endpoint.endsWith("/v1/traces") ? endpoint : `${endpoint.replace(/\/+$/, "")}/v1/traces`;
}

function pathOf(url: string | undefined): string {
  const path = (url ?? "/").split("?", 1)[0] ?? "/";
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}
