import { lienthong } from "./support/cli";

/** Short settings: the contract is the output's shape, not the figures. */
const SHORT = ["--duration", "1", "--warmup", "0", "--rate", "2", "--e2e-duration", "1", "--signature-duration", "0.5"];

describe("lienthong bench --json", () => {
  it("prints exactly one JSON object on stdout, with every figure and target of issue 9, and its progress on stderr", async () => {
    const run = await lienthong("bench", "--json", ...SHORT);
    expect(run).toMatchObject({ code: 0 });

    // The whole of stdout: a phase line, a progress bar or a build log before or after the object fails here.
    const report = JSON.parse(run.stdout);
    expect(report).toEqual(expect.objectContaining({ baseline: expect.any(Object), targets: expect.any(Array) }));

    const aNumber = expect.any(Number);
    expect(report.baseline.okPerSecond).toBeGreaterThan(0);
    expect(report.signature).toMatchObject({
      signedPerSecond: aNumber,
      rawRsaPssPerSecond: aNumber,
      ratio: aNumber,
    });
    expect(report.signature.signedPerSecond).toBeGreaterThan(0);
    expect(report.signature.ratio).toBeCloseTo(report.signature.signedPerSecond / report.signature.rawRsaPssPerSecond);
    expect(report.endToEnd).toMatchObject({ sustainedPerSecond: aNumber, ratioToBaseline: aNumber });
    expect(report.endToEnd).toHaveProperty("p99Seconds");
    expect([report.endToEnd.ratePerSecond, 0]).toContain(report.endToEnd.sustainedPerSecond);

    const [signature, endToEnd, ...others] = report.targets;
    expect(signature).toMatchObject({ measured: true, figure: report.signature.ratio, target: 0.2 });
    expect(signature.met).toBe(report.signature.ratio >= 0.2);
    expect(endToEnd).toMatchObject({ measured: true, figure: report.endToEnd.ratioToBaseline, target: 0.016 });
    expect(typeof endToEnd.met).toBe("boolean");
    expect(others.length).toBeGreaterThan(0);
    for (const outcome of others)
      expect(outcome).toEqual({ name: expect.any(String), condition: expect.any(String), measured: false });

    expect(run.stderr).toContain("signature: render + PAdES-sign");
    // stdout is not a terminal here: no progress bar is drawn, not even on stderr.
    expect(run.stderr).not.toContain("\u001b[");
  }, 240_000);
});
