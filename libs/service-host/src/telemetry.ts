import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
  getNumberFromEnv,
  getStringFromEnv,
  getStringListFromEnv,
} from "@opentelemetry/core";
import { OTLPMetricExporter as OTLPJsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as OTLPProtobufMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { GrpcInstrumentation } from "@opentelemetry/instrumentation-grpc";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { AggregationType, PeriodicExportingMetricReader, type PushMetricExporter } from "@opentelemetry/sdk-metrics";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { Registry } from "prom-client";
import { PromClientProducer } from "./otlp-metrics";
import { ScrubbingSpanProcessor } from "./span-scrubber";
import { SpanStore, SpanStoreProcessor, defaultSpanStoreLimit } from "./span-store";

// Only modules without instrumented dependencies (no http, express or grpc-js)
// may be imported above: this file runs before the application is loaded.

export interface TelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP base URL (e.g. http://collector:4318) of spans and metrics; falls back to OTEL_EXPORTER_OTLP_ENDPOINT. */
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
/** The prom-client registries pushed over OTLP, when OTEL_METRICS_EXPORTER asks for it. */
let promMetrics: PromClientProducer | undefined;

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
  promMetrics = metricsExportedOverOtlp() ? new PromClientProducer() : undefined;

  const sdk = new NodeSDK({
    // The service's own name is the default; OTEL_SERVICE_NAME and
    // OTEL_RESOURCE_ATTRIBUTES (e.g. the province) override it, as operators expect.
    resource: resourceFromAttributes({ "service.name": options.serviceName }),
    resourceDetectors: [envDetector],
    // The sampler is the SDK's from OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (parent-based, always on by default).
    spanProcessors: spanProcessors.map((processor) => new ScrubbingSpanProcessor(processor)),
    // Metrics are prom-client's, served at /metrics, and pushed over OTLP as
    // well only when OTEL_METRICS_EXPORTER says otlp; logs go through pino.
    // Without these lists the SDK would add OTLP exporters aimed at localhost:4318.
    metricReaders: promMetrics ? [otlpMetricReader(promMetrics, options.otlpEndpoint)] : [],
    // The instrumentations' own OTel metrics would duplicate http_request_duration_seconds: the registries are the one source.
    views: [{ instrumentName: "*", aggregation: { type: AggregationType.DROP } }],
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

/**
 * Pushes `registry` over OTLP with the process's other metrics, if the
 * process's telemetry exports metrics (OTEL_METRICS_EXPORTER=otlp); else does
 * nothing. `labels` are the registry's default labels, which prom-client does
 * not let a reader see. Telemetry starts before any service is made. The
 * function returned takes the registry's final reading (see PromClientProducer).
 */
export function exportRegistry(registry: Registry, labels: Record<string, string>): () => Promise<void> {
  return promMetrics?.add(registry, labels) ?? (async () => {});
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
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is the full URL, used as it is, and wins
 * over OTEL_EXPORTER_OTLP_ENDPOINT (or the caller's endpoint, which the
 * preload takes from it), a base URL that gets /v1/traces. None of them, or
 * OTEL_TRACES_EXPORTER=none: no export.
 */
function tracesEndpoint(base: string | undefined): string | undefined {
  if (nonEmpty(process.env.OTEL_TRACES_EXPORTER) === "none") return undefined;
  const signal = nonEmpty(process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (signal) return signal;
  const endpoint = base ?? nonEmpty(process.env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (!endpoint) return undefined;
  return endpoint.endsWith("/v1/traces") ? endpoint : `${endpoint.replace(/\/+$/, "")}/v1/traces`;
}

/**
 * OTEL_METRICS_EXPORTER as the OpenTelemetry specification lists its values,
 * with this platform's default: unset means no push, since every service
 * already serves /metrics to scrape ("prometheus" names that scrape). "otlp"
 * adds the push; "none" anywhere in the list turns every exporter off.
 */
function metricsExportedOverOtlp(): boolean {
  const exporters = getStringListFromEnv("OTEL_METRICS_EXPORTER") ?? [];
  const unsupported = exporters.filter((exporter) => !["otlp", "prometheus", "none"].includes(exporter));
  if (unsupported.length > 0) {
    throw new Error(`OTEL_METRICS_EXPORTER: ${unsupported.join(", ")} not supported (otlp, prometheus or none)`);
  }
  return exporters.includes("otlp") && !exporters.includes("none");
}

/**
 * Collects the registries every OTEL_METRIC_EXPORT_INTERVAL ms (60 s by
 * default) and once more at shutdown, and sends them as cumulative series.
 * Where: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT as it is, else the base URL
 * (the caller's or OTEL_EXPORTER_OTLP_ENDPOINT) + /v1/metrics, else the
 * specification's http://localhost:4318/v1/metrics; the exporter reads the
 * environment (headers, compression, timeout) when no base URL is given.
 */
function otlpMetricReader(producer: PromClientProducer, base: string | undefined): PeriodicExportingMetricReader {
  const url = getStringFromEnv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
    ? undefined
    : base && `${base.replace(/\/+$/, "")}/v1/metrics`;
  const interval = getNumberFromEnv("OTEL_METRIC_EXPORT_INTERVAL") ?? 60_000;
  return new PeriodicExportingMetricReader({
    exporter: otlpMetricExporter(url ? { url } : {}),
    metricProducers: [producer],
    exportIntervalMillis: interval,
    // The reader refuses a timeout longer than the interval.
    exportTimeoutMillis: Math.min(getNumberFromEnv("OTEL_METRIC_EXPORT_TIMEOUT") ?? 30_000, interval),
  });
}

/** OTLP/HTTP in the encoding OTEL_EXPORTER_OTLP_METRICS_PROTOCOL or OTEL_EXPORTER_OTLP_PROTOCOL names (protobuf by default). */
function otlpMetricExporter(config: { url?: string }): PushMetricExporter {
  const protocol =
    getStringFromEnv("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL") ??
    getStringFromEnv("OTEL_EXPORTER_OTLP_PROTOCOL") ??
    "http/protobuf";
  if (protocol === "http/protobuf") return new OTLPProtobufMetricExporter(config);
  if (protocol === "http/json") return new OTLPJsonMetricExporter(config);
  // grpc would load grpc-js before the instrumentation that traces it, and trace the exports themselves.
  throw new Error(`OTLP metrics protocol ${protocol} not supported (http/protobuf or http/json)`);
}

function pathOf(url: string | undefined): string {
  const path = (url ?? "/").split("?", 1)[0] ?? "/";
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}
