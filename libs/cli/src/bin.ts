#!/usr/bin/env node
// Telemetry first, so the instrumentations patch http and grpc before they load.
import { startTelemetry } from "@lienthong/service-host/telemetry";
startTelemetry({ serviceName: "lienthong" });

import { Command, InvalidArgumentError } from "commander";
import { runDemo, type PlatformUrls } from "./demo";
import { startEmbedded } from "./embedded";
import { runBench } from "./bench/bench";
import { nonNegativeNumber, positiveInteger, positiveNumber } from "./bench/options";
import { formatReport } from "./bench/report";
import { registerImportCommands } from "./commands/import";
import { registerPlatformCommands } from "./platform/commands";

const program = new Command()
  .name("lienthong")
  .description("LiênThông: run the platform in one process, try it, operate it.")
  .showHelpAfterError();

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535)
    throw new InvalidArgumentError("must be a port number");
  return parsed;
}

program
  .command("start")
  .description("run intake, routing, signature and notification in one process on embedded adapters")
  .option(
    "--data-dir <dir>",
    "where the embedded stores, bus journal, PKI, documents and mail live",
    process.env.DATA_DIR ?? "var/data",
  )
  .option("--host <host>", "address to listen on", process.env.HTTP_HOST ?? "127.0.0.1")
  .option("--http-port <port>", "first HTTP port (intake; then routing, signature, notification)", port, 8081)
  .option("--grpc-port <port>", "first gRPC port", port, 50051)
  .action(async (options: { dataDir: string; host: string; httpPort: number; grpcPort: number }) => {
    const platform = await startEmbedded({
      dataDir: options.dataDir,
      host: options.host,
      httpBase: options.httpPort,
      grpcBase: options.grpcPort,
      env: process.env,
    });
    process.stdout.write("LiênThông is running (embedded mode):\n");
    for (const service of platform.services) {
      process.stdout.write(
        `  ${service.name.padEnd(13)} ${service.httpUrl}  gRPC ${options.host}:${service.grpcPort}\n`,
      );
    }
    process.stdout.write(`  commune system simulator ${platform.communeSimulatorUrl}/webhooks\n`);
    process.stdout.write("Try it: npm run demo -- --json    Stop: Ctrl+C\n");
    const stop = () => {
      platform.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });

program
  .command("demo")
  .description("submit a realistic application, have it decided, and follow it to the notified citizen")
  .option("--json", "print one JSON object with the outcome")
  .option("--host <host>", "where the platform runs", "127.0.0.1")
  .option("--http-port <port>", "first HTTP port of the platform", port, 8081)
  .option("--out <dir>", "where to save the signed result PDF", "out")
  .option("--timeout <seconds>", "give up after this long", (v) => Number(v), 60)
  .action(async (options: { json?: boolean; host: string; httpPort: number; out: string; timeout: number }) => {
    const base = (offset: number) => `http://${options.host}:${options.httpPort + offset}`;
    const urls: PlatformUrls = { intake: base(0), routing: base(1), signature: base(2), notification: base(3) };
    const result = await runDemo({
      urls,
      outDir: options.out,
      timeoutMs: options.timeout * 1000,
      log: (line) => {
        if (!options.json) process.stdout.write(`${line}\n`);
      },
    });
    process.stdout.write(
      options.json
        ? `${JSON.stringify(result, null, 2)}\n`
        : `final status ${result.finalStatus} (${result.finalStatusLabel}), trace ${result.traceId}\n`,
    );
  });

program
  .command("bench")
  .description(
    "measure intake throughput against a bare express baseline, and submit-to-notified latency, on this machine",
  )
  .option("--duration <seconds>", "measured seconds of each load run", positiveNumber, 10)
  .option("--warmup <seconds>", "unmeasured seconds before each load run", nonNegativeNumber, 3)
  .option("--connections <n>", "concurrent connections of the load generator", positiveInteger, 10)
  .option("--rate <per-second>", "dossiers submitted per second in the end-to-end run", positiveNumber, 5)
  .option("--e2e-duration <seconds>", "seconds of steady submissions in the end-to-end run", positiveNumber, 20)
  .option("--json", "print one JSON object with every figure")
  .action(
    async (options: {
      duration: number;
      warmup: number;
      connections: number;
      rate: number;
      e2eDuration: number;
      json?: boolean;
    }) => {
      const report = await runBench({
        durationSeconds: options.duration,
        warmupSeconds: options.warmup,
        connections: options.connections,
        ratePerSecond: options.rate,
        e2eDurationSeconds: options.e2eDuration,
        interactive: !options.json,
      });
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `\n${formatReport(report)}\n`);
    },
  );

registerImportCommands(program);
registerPlatformCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`lienthong: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
