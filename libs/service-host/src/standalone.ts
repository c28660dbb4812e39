import type { ServiceHost } from "./host";
import { getTelemetry } from "./telemetry";

/**
 * Runs one service as its own process (distributed mode): start, then on
 * SIGTERM/SIGINT stop gracefully and exit 0, or exit 1 when a step fails or the
 * stop overruns SHUTDOWN_TIMEOUT_MS. The process owns its telemetry, so the
 * last step of the stop exports the spans still buffered. A service that
 * cannot start exits 1 saying why, with the cause (a path, a variable).
 */
export function runStandalone(create: () => Promise<ServiceHost>): void {
  void boot(create);
}

async function boot(create: () => Promise<ServiceHost>): Promise<void> {
  let host: ServiceHost;
  try {
    host = await create();
    const telemetry = getTelemetry();
    if (telemetry) host.lifecycle.onShutdown("telemetry", telemetry.shutdown, { final: true });
    await host.start();
  } catch (error) {
    process.stderr.write(`${describeStartupFailure(error)}\n`);
    await getTelemetry()?.shutdown();
    process.exit(1);
  }
  host.lifecycle.installSignalHandlers();
}

/** Start-up failures carry no request data: the whole cause chain helps the operator (a path, a permission). */
function describeStartupFailure(error: unknown): string {
  const lines: string[] = [];
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 4; depth += 1) {
    lines.push(
      `${depth > 0 ? "caused by " : ""}${current instanceof Error ? current.message : JSON.stringify(current)}`,
    );
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines.join("\n  ");
}
