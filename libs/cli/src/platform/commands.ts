/**
 * `lienthong platform sync [--check]`: rewrites the generated sections of the
 * compose file, Prometheus' targets, the Kafka topic script and the README
 * from the platform's service list; with --check it only reports staleness
 * (exit 1), which CI runs.
 */
import * as path from "node:path";
import type { Command } from "commander";
import { syncPlatformFiles } from "./sync";

/** The repository this CLI was built in (libs/cli/dist/platform → the root). */
export const repositoryRoot = path.resolve(__dirname, "..", "..", "..", "..");

export function registerPlatformCommands(program: Command): void {
  const platform = program.command("platform").description("keep the files that list the platform's services in step");
  platform
    .command("sync")
    .description(
      "regenerate the compose services, Prometheus targets, Kafka topics and README table from the service list",
    )
    .option("--check", "change nothing; exit 1 when a generated section is stale")
    .action((options: { check?: boolean }) => {
      const { stale } = syncPlatformFiles(repositoryRoot, options);
      if (options.check && stale.length > 0) {
        process.stderr.write(`stale generated sections (run npm run platform:sync): ${stale.join(", ")}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(stale.length === 0 ? "generated sections are current\n" : `updated ${stale.join(", ")}\n`);
    });
}
