import { ConfigError } from "@lienthong/service-kit";
import type { ServiceRuntime } from "./service-runtime";

/**
 * Runs one service as its own process (distributed mode): start, then on
 * SIGTERM/SIGINT stop gracefully and exit 0, or exit 1 when the stop overruns
 * SHUTDOWN_TIMEOUT_MS. A bad configuration exits 1 with the offending variables named.
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
  const stop = (signal: string) => {
    runtime.logger.info({ signal }, "stopping");
    const overrun = setTimeout(() => {
      runtime.logger.error({ timeoutMs: runtime.env.SHUTDOWN_TIMEOUT_MS }, "graceful stop overran; exiting");
      process.exit(1);
    }, runtime.env.SHUTDOWN_TIMEOUT_MS);
    overrun.unref();
    runtime.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
