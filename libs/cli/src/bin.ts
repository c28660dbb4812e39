#!/usr/bin/env node
/*
 * The lienthong command. Only what a command needs is loaded, when it runs:
 * help and --version start nothing, and `start` starts telemetry before the
 * services' modules (http, grpc-js) load so their instrumentations patch them.
 */
import { Command, InvalidArgumentError } from "commander";
import { nonNegativeNumber, positiveInteger, positiveNumber } from "./bench/options";
import { registerKafkaBench } from "./bench/kafka-command";
import { registerScaleBench } from "./bench/scale-command";
import { registerDeadLetterCommands } from "./commands/dead-letters";
import { registerDeliveryCommands } from "./commands/deliveries";
import { registerImportCommands } from "./commands/import";
import { registerPlatformCommands } from "./platform/commands";
import { registerSecurityCommands } from "./commands/security";
import { registerTopicCommand } from "./commands/topics";
import { platformUrls } from "./platform-urls";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- read at run time: the version of this build
const { version } = require("../package.json") as { version: string };

const program = new Command()
  .name("lienthong")
  .description("LiênThông: run the platform in one process, try it, operate it.")
  .version(version, "-V, --version", "print the version")
  .showHelpAfterError();

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535)
    throw new InvalidArgumentError("must be a port number");
  return parsed;
}

program
  .command("start")
  .description("run every service of the platform in one process on embedded adapters")
  .option(
    "--data-dir <dir>",
    "where the embedded stores, bus journal, PKI, documents and mail live",
    process.env.DATA_DIR ?? "var/data",
  )
  .option("--host <host>", "address to listen on", process.env.HTTP_HOST ?? "127.0.0.1")
  .option("--http-port <port>", "HTTP port of the first service; the others count up in service order", port, 8081)
  .option("--grpc-port <port>", "gRPC port of the first service", port, 50051)
  .option("--ops-port <port>", "metrics and probes port of the first service (loopback)", port, 9101)
  .option("--simulator-port <port>", "where the simulated commune system receives webhooks", port, 8090)
  .option(
    "--console-port <port>",
    "where the operations console (web pages) listens (default 8080; any free port with --http-port 0)",
    port,
  )
  .option("--no-threads", "run every service on the main thread (one core) instead of each on a thread of its own")
  .action(
    async (options: {
      dataDir: string;
      host: string;
      httpPort: number;
      grpcPort: number;
      opsPort: number;
      simulatorPort: number;
      consolePort?: number;
      threads: boolean;
    }) => {
      /* eslint-disable @typescript-eslint/no-require-imports -- telemetry must start before the services load */
      const { startTelemetry } =
        require("@lienthong/service-host/telemetry") as typeof import("@lienthong/service-host/telemetry");
      const telemetry = startTelemetry({ serviceName: "lienthong" });
      const { startEmbedded } = require("./embedded") as typeof import("./embedded");
      /* eslint-enable @typescript-eslint/no-require-imports */
      const platform = await startEmbedded({
        dataDir: options.dataDir,
        host: options.host,
        httpBase: options.httpPort,
        grpcBase: options.grpcPort,
        opsBase: options.opsPort,
        simulatorPort: options.simulatorPort,
        // Whoever asks for free ports (tests) gets a free one here too.
        consolePort: options.consolePort ?? (options.httpPort === 0 ? 0 : 8080),
        env: process.env,
        threads: options.threads,
      });
      process.stdout.write("LiênThông is running (embedded mode):\n");
      for (const service of platform.services) {
        process.stdout.write(
          `  ${service.name.padEnd(13)} ${service.httpUrl}  gRPC ${options.host}:${service.grpcPort}  ops ${service.opsUrl}\n`,
        );
      }
      process.stdout.write(`  commune system simulator ${platform.communeSimulatorUrl}/webhooks\n`);
      process.stdout.write(`  operations console ${platform.consoleUrl ?? ""}\n`);
      process.stdout.write("Try it: npm run demo -- --json    Stop: Ctrl+C\n");
      const stop = () => {
        platform
          .stop()
          .then(telemetry.shutdown)
          .then(
            () => process.exit(0),
            () => process.exit(1),
          );
      };
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
    },
  );

program
  .command("demo")
  .description("submit a realistic application, have it decided, and follow it to the notified citizen")
  .option("--json", "print one JSON object with the outcome")
  .option("--host <host>", "where the platform runs", "127.0.0.1")
  .option("--http-port <port>", "first HTTP port of the platform", port, 8081)
  .option("--out <dir>", "where to save the signed result PDF", "out")
  .option("--timeout <seconds>", "give up after this long", (v) => Number(v), 60)
  .option(
    "--dossiers <n>",
    "applications taken through one after another (hop latencies over all of them)",
    positiveInteger,
    1,
  )
  .option(
    "--data-dir <dir>",
    "the running platform's data directory, whose development issuer signs the officials' tokens",
    process.env.DATA_DIR ?? "var/data",
  )
  .action(
    async (options: {
      json?: boolean;
      host: string;
      httpPort: number;
      out: string;
      timeout: number;
      dossiers: number;
      dataDir: string;
    }) => {
      /* eslint-disable @typescript-eslint/no-require-imports -- loaded when the command runs */
      const { runDemo } = require("./demo") as typeof import("./demo");
      const { developmentCredentials, identityDirOf } =
        require("./dev-credentials") as typeof import("./dev-credentials");
      /* eslint-enable @typescript-eslint/no-require-imports */
      const result = await runDemo({
        urls: platformUrls(options.host, options.httpPort),
        credentials: await developmentCredentials(identityDirOf(options.dataDir)),
        outDir: options.out,
        timeoutMs: options.timeout * 1000,
        dossiers: options.dossiers,
        log: (line) => {
          if (!options.json) process.stdout.write(`${line}\n`);
        },
      });
      process.stdout.write(
        options.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : `final status ${result.finalStatus} (${result.finalStatusLabel}), trace ${result.traceId}\n`,
      );
    },
  );

program
  .command("bench")
  .description(
    "measure the platform against baselines run on this machine (bare express, raw RSA-PSS) and report issue 9's targets",
  )
  .option("--rounds <n>", "rounds of the throughput figures, each server loaded once per round", positiveInteger, 3)
  .option("--duration <seconds>", "measured seconds of each load run", positiveNumber, 4)
  .option("--warmup <seconds>", "unmeasured seconds before each load run", nonNegativeNumber, 2)
  .option("--connections <n>", "concurrent connections of the load generator", positiveInteger, 10)
  .option(
    "--rate <per-second>",
    "first arrival rate of the end-to-end search (default: the target, 0.016 × the baseline's req/s)",
    positiveNumber,
  )
  .option("--e2e-duration <seconds>", "seconds of steady arrivals in each end-to-end trial", positiveNumber, 10)
  .option("--e2e-trials <n>", "most trials of the end-to-end rate search", positiveInteger, 5)
  .option(
    "--e2e-warmup <dossiers>",
    "dossiers that warm each fresh platform of the end-to-end search, 4 at a time, untimed",
    positiveInteger,
    60,
  )
  .option("--signature-duration <seconds>", "measured seconds of the signing rounds", positiveNumber, 4)
  .option("--json", "print one JSON object with every figure, and nothing else, on stdout")
  .action(
    async (options: {
      rounds: number;
      duration: number;
      warmup: number;
      connections: number;
      rate?: number;
      e2eDuration: number;
      e2eTrials: number;
      e2eWarmup: number;
      signatureDuration: number;
      json?: boolean;
    }) => {
      /* eslint-disable @typescript-eslint/no-require-imports -- loaded when the command runs */
      const { runBench } = require("./bench/bench") as typeof import("./bench/bench");
      const { formatReport } = require("./bench/report") as typeof import("./bench/report");
      /* eslint-enable @typescript-eslint/no-require-imports */
      const report = await runBench({
        rounds: options.rounds,
        durationSeconds: options.duration,
        warmupSeconds: options.warmup,
        connections: options.connections,
        ratePerSecond: options.rate,
        e2eDurationSeconds: options.e2eDuration,
        e2eMaxTrials: options.e2eTrials,
        e2eWarmupDossiers: options.e2eWarmup,
        signatureSeconds: options.signatureDuration,
        progressBars: !options.json && process.stdout.isTTY === true,
      });
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `\n${formatReport(report)}\n`);
    },
  );

registerImportCommands(program);
registerPlatformCommands(program);
registerSecurityCommands(program);
registerDeadLetterCommands(program);
registerDeliveryCommands(program);
registerTopicCommand(program);
registerKafkaBench(program);
registerScaleBench(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`lienthong: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
