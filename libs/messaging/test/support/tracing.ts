import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";

/**
 * A real OpenTelemetry SDK for the test file: spans are kept in memory and
 * the async-hooks context manager makes "the active span" follow awaits.
 */
let exporter: InMemorySpanExporter | undefined;

export function installTracing(): InMemorySpanExporter {
  if (exporter) return exporter;
  exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return exporter;
}

/** Runs `fn` inside a fresh active span and returns its result and the span's ids. */
export async function inSpan<T>(
  name: string,
  fn: () => Promise<T>,
): Promise<{ result: T; traceId: string; spanId: string }> {
  installTracing();
  return trace.getTracer("test").startActiveSpan(name, async (span) => {
    try {
      const result = await fn();
      const { traceId, spanId } = span.spanContext();
      return { result, traceId, spanId };
    } finally {
      span.end();
    }
  });
}
