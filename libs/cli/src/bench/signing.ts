import * as path from "node:path";

/** The signature figures of one run, as services/signature/bench/measure.js measures them. */
export interface SigningFigures {
  /** PAdES level of the signed documents (B-T: with a timestamp from the test TSA). */
  level: string;
  seconds: number;
  /** Certificate check + render one page + PAdES-sign it, per second on one thread. */
  signedPerSecond: number;
  /** Raw node:crypto RSA-PSS-2048 signatures per second on the same thread, same run. */
  rawRsaPssPerSecond: number;
  /** signedPerSecond ÷ rawRsaPssPerSecond. */
  ratio: number;
  documentBytes: number;
}

type MeasureSigning = (options: {
  level: "B-T";
  seconds: number;
  onRound?: (done: number, rounds: number) => void;
}) => Promise<SigningFigures>;

/**
 * Runs the signature service's own measurement (one module serves
 * `signing.js` and this benchmark, so both report the same figure). It lives
 * beside the service's build, which it needs, and is found through the package.
 */
export async function measureSigning(
  seconds: number,
  onRound: (done: number, rounds: number) => void,
): Promise<SigningFigures> {
  const servicePackage = path.dirname(require.resolve("@lienthong/signature/package.json"));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain CommonJS module outside this package
  const { measureSigning: measure } = require(path.join(servicePackage, "bench", "measure.js")) as {
    measureSigning: MeasureSigning;
  };
  const figures = await measure({ level: "B-T", seconds, onRound });
  for (const key of ["signedPerSecond", "rawRsaPssPerSecond", "ratio"] as const) {
    if (!Number.isFinite(figures[key])) throw new TypeError(`the signing measurement returned no number for ${key}`);
  }
  return figures;
}
