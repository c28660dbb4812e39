import type { Command } from "commander";
import { positiveNumber } from "./options";

/** `lienthong bench-kafka`: issue 9's Kafka-mode figure (`npm run bench:kafka`). */
export function registerKafkaBench(program: Command): void {
  program
    .command("bench-kafka")
    .description(
      "run the services as separate processes on librdkafka's mock cluster (needs kcat) and report issue 9's Kafka-mode target: every dossier completes at 10/s, p99 < 3 s",
    )
    .option("--rate <per-second>", "dossiers submitted per second", positiveNumber, 10)
    .option("--duration <seconds>", "seconds of steady submissions", positiveNumber, 20)
    .option("--json", "print one JSON object with every figure, and nothing else, on stdout")
    .action(async (options: { rate: number; duration: number; json?: boolean }) => {
      /* eslint-disable @typescript-eslint/no-require-imports -- loaded when the command runs */
      const { runKafkaBench } = require("./kafka-bench") as typeof import("./kafka-bench");
      const { formatKafkaReport } = require("./kafka-report") as typeof import("./kafka-report");
      /* eslint-enable @typescript-eslint/no-require-imports */
      const report = await runKafkaBench({
        ratePerSecond: options.rate,
        durationSeconds: options.duration,
        progressBars: !options.json && process.stdout.isTTY === true,
      });
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `\n${formatKafkaReport(report)}\n`);
    });
}
