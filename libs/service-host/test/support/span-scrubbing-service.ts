// Started with `--require src/register.ts`, as services start: one public route
// (the citizen's status lookup, whose query string carries the second factor)
// and the process's in-memory spans, to check what telemetry keeps of a request.
import {
  createHttpApp,
  createLifecycle,
  createLogger,
  createMetrics,
  createReadiness,
  getSpanStore,
  startHttpServer,
} from "../../src";

async function main(): Promise<void> {
  const logger = createLogger({ service: "scrubbing-fixture" });
  const readiness = createReadiness();
  const lifecycle = createLifecycle({ logger, readiness, timeoutMs: 5_000 });
  const http = createHttpApp({
    service: "scrubbing-fixture",
    logger,
    readiness,
    metrics: createMetrics({ service: "scrubbing-fixture", collectDefaults: false }),
  });
  http.route({
    method: "get",
    path: "/v1/status/:dossierRef",
    access: { public: "the citizen's status lookup (the fixture's stand-in)" },
    handle: async (request, response) => {
      response.json({ dossierRef: request.params.dossierRef });
    },
  });
  http.app.get("/spans", (_request, response) => {
    response.json(getSpanStore()?.recent(100) ?? null);
  });
  http.mountErrorHandler();
  const server = await startHttpServer(http.app, { host: "127.0.0.1", port: 0 });
  lifecycle.onShutdown("stop http", () => server.close());
  lifecycle.installSignalHandlers();
  readiness.markReady();
  logger.info({ url: server.url }, "fixture ready");
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
