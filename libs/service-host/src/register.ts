/**
 * Preload entry: `node --require @lienthong/service-host/register main.js`
 * starts telemetry from the environment before anything else is loaded, so
 * http and grpc-js are instrumented. The service's own later startTelemetry()
 * call gets this same handle (to register its shutdown).
 */
import { startTelemetry } from "./telemetry";

startTelemetry({
  serviceName: process.env.OTEL_SERVICE_NAME?.trim() || "lienthong",
  ...(process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() && {
    otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT.trim(),
  }),
});
