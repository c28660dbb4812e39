import type { Command } from "commander";
import { positiveInteger, positiveNumber } from "./options";

/** `lienthong bench-scale` (npm run bench:scale): the scale figures of issue 9. */
export function registerScaleBench(program: Command): void {
  program
    .command("bench-scale")
    .description(
      "load a year of dossiers into the embedded stores and time submissions, listings and indicators against a small data set",
    )
    .option("--dossiers <n>", "dossiers in the large data set", positiveInteger, 1_000_000)
    .option(
      "--baseline-dossiers <n>",
      "dossiers in the small data set the submissions are compared with",
      positiveInteger,
      10_000,
    )
    .option("--concurrency <n>", "concurrent clients of each probe", positiveInteger, 4)
    .option("--seconds <seconds>", "measured seconds of each listing and indicator probe", positiveNumber, 5)
    .option("--intake-seconds <seconds>", "measured seconds of submissions at each data size", positiveNumber, 10)
    .option("--json", "print one JSON object with every figure, and nothing else, on stdout")
    .action(
      async (options: {
        dossiers: number;
        baselineDossiers: number;
        concurrency: number;
        seconds: number;
        intakeSeconds: number;
        json?: boolean;
      }) => {
        /* eslint-disable @typescript-eslint/no-require-imports -- loaded when the command runs */
        const { runScaleBench } = require("./scale") as typeof import("./scale");
        const { formatScaleReport } = require("./scale-report") as typeof import("./scale-report");
        /* eslint-enable @typescript-eslint/no-require-imports */
        const report = await runScaleBench({
          dossiers: options.dossiers,
          baselineDossiers: options.baselineDossiers,
          concurrency: options.concurrency,
          secondsPerProbe: options.seconds,
          intakeSeconds: options.intakeSeconds,
          progressBars: !options.json && process.stdout.isTTY === true,
        });
        process.stdout.write(
          options.json ? `${JSON.stringify(report, null, 2)}\n` : `\n${formatScaleReport(report)}\n`,
        );
      },
    );
}
