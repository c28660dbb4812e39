#!/usr/bin/env node
// The signature figure of the performance target: signed result documents per
// second (render one page and PAdES-sign it, the code path of a decision's
// result) divided by raw node:crypto RSA-PSS-2048 signatures per second, both
// measured in this run, on one thread. Target: ratio >= 0.2. The measurement
// itself is measure.js, which `lienthong bench` runs too.
//
//   npm run build && node services/signature/bench/signing.js [--level B-B|B-T|B-LT] [--seconds 3]
"use strict";
const { measureSigning } = require("./measure");

const TARGET = 0.2;

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

async function main() {
  const level = option("level", process.env.SIGNATURE_LEVEL || "B-T");
  const figures = await measureSigning({ level, seconds: Number(option("seconds", "3")) });
  const { rawRsaPssPerSecond, signedPerSecond, ratio } = figures;
  process.stdout.write(
    [
      `raw node:crypto RSA-PSS-2048 signatures/s: ${rawRsaPssPerSecond.toFixed(0)}`,
      `signed result documents/s (certificate check + render + PAdES ${level}, RSA-PSS-2048): ${signedPerSecond.toFixed(0)} ` +
        `(${(1000 / signedPerSecond).toFixed(2)} ms each, ${figures.documentBytes} bytes)`,
      `ratio: ${ratio.toFixed(3)} (target >= ${TARGET}) ${ratio >= TARGET ? "MET" : "NOT MET"}`,
      JSON.stringify(figures),
      "",
    ].join("\n"),
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
