import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { lienthong } from "./support/cli";

/** A tiny run: the contract is the output's shape and the data it stored, not the figures. */
const TINY = [
  "--dossiers",
  "2000",
  "--baseline-dossiers",
  "500",
  // Long enough that every probe is answered at least once on a busy machine.
  "--seconds",
  "1",
  "--intake-seconds",
  "1",
  "--concurrency",
  "2",
];

const scaleDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith("lienthong-bench-scale-"));

describe("lienthong bench-scale --json", () => {
  it("prints exactly one JSON object on stdout with the scale figures and targets, its progress on stderr", async () => {
    const before = new Set(scaleDirs());
    const run = await lienthong("bench-scale", "--json", ...TINY);
    // The exit code with the command's own error (from its first `lienthong:` line), so a failure says why.
    const why = run.stderr.slice(Math.max(run.stderr.indexOf("lienthong: "), 0)).slice(0, 4000);
    expect({ code: run.code, stderr: run.code === 0 ? "" : why }).toEqual({ code: 0, stderr: "" });

    // The whole of stdout: a phase line, a progress bar or a build log before or after the object fails here.
    const report = JSON.parse(run.stdout);
    const aNumber = expect.any(Number);
    expect(report.settings).toMatchObject({ dossiers: 2000, baselineDossiers: 500, concurrency: 2 });
    expect(report.load.storeBytes.intake).toBeGreaterThan(0);
    expect(report.load.storeBytes.routing).toBeGreaterThan(0);

    // Every probe answered: the loaded records are what the services read (a 4xx/5xx counts as failed).
    const probes = [
      report.intake.atBaseline,
      report.intake.atScale,
      ...Object.values(report.listing),
      ...Object.values(report.indicators),
    ];
    expect(Object.keys(report.listing).length).toBeGreaterThanOrEqual(4);
    expect(Object.keys(report.indicators).length).toBeGreaterThanOrEqual(2);
    for (const probe of probes) {
      expect(probe).toMatchObject({ failed: 0, latencyMs: expect.objectContaining({ p99: aNumber }) });
      expect(probe.ok).toBeGreaterThan(0);
    }
    expect(report.intake.p99Ratio).toBeCloseTo(
      report.intake.atScale.latencyMs.p99 / report.intake.atBaseline.latencyMs.p99,
    );
    expect(report.memory.peakRssBytes).toBeGreaterThan(0);

    expect(report.targets).toHaveLength(4);
    for (const target of report.targets)
      expect(target).toEqual({
        name: expect.any(String),
        condition: expect.any(String),
        measured: true,
        figure: aNumber,
        target: aNumber,
        met: expect.any(Boolean),
      });
    expect(report.targets[0]).toMatchObject({ figure: report.intake.p99Ratio, target: 1.5 });
    expect(report.targets[0].met).toBe(report.intake.p99Ratio <= 1.5);

    expect(run.stderr).toContain("loading 2000 dossiers into the intake and routing stores");
    // stdout is not a terminal here: no progress bar is drawn, not even on stderr.
    expect(run.stderr).not.toContain("\u001b[");
    // Its data directories (GBs at full size) are gone.
    expect(scaleDirs().filter((name) => !before.has(name))).toEqual([]);
  }, 240_000);
});
