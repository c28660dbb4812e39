/*
 * The console as its own process (distributed mode): its environment names the
 * services' URLs (INTAKE_URL, ROUTING_URL, …) and the identity provider.
 */
import { loadConsoleConfig } from "./config";
import { startConsole } from "./server";

async function main(): Promise<void> {
  const running = await startConsole(loadConsoleConfig());
  process.stdout.write(`LiênThông console: ${running.url}\n`);
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`console: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
