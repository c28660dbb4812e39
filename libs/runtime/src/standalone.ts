import { ConfigError } from "@lienthong/service-kit";
import type { ServiceRuntime } from "./service-runtime";

/**
 * Runs one service as its own process (distributed mode): start, then on
 * SIGTERM/SIGINT stop gracefully and exit 0, or exit 1 when a step fails or the
 * stop overruns SHUTDOWN_TIMEOUT_MS. A bad configuration exits 1 with the
 * offending variables named.
 */
export function runStandalone(create: () => Promise<ServiceRuntime>): void {
  void boot(create);
}

async function boot(create: () => Promise<ServiceRuntime>): Promise<void> {
  let runtime: ServiceRuntime;
  try {
    runtime = await create();
    await runtime.start();
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : describe(error)}\n`);
    process.exit(1);
  }
  // SIGTERM/SIGINT: the graceful stop, bounded by SHUTDOWN_TIMEOUT_MS; exit 0, or 1 on failure or overrun.
  runtime.lifecycle.installSignalHandlers();
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
