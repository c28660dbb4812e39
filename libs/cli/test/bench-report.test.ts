import { benchApplicationBody, benchReceivingUnits } from "../src/bench/applications";
import { endToEndFigures } from "../src/bench/end-to-end";
import {
  benchTargets,
  distribution,
  formatReport,
  percentile,
  summariseEndToEnd,
  throughputRatio,
  type BenchReport,
  type LoadFigures,
} from "../src/bench/report";
import type { SigningFigures } from "../src/bench/signing";

function load(okPerSecond: number, overrides: Partial<LoadFigures> = {}): LoadFigures {
  return {
    okPerSecond,
    ok: okPerSecond * 10,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    durationSeconds: 10,
    latencyMs: { p50: 4, p99: 12, mean: 5, max: 30 },
    ...overrides,
  };
}

function signing(signedPerSecond: number, rawRsaPssPerSecond: number): SigningFigures {
  return {
    level: "B-T",
    seconds: 4,
    signedPerSecond,
    rawRsaPssPerSecond,
    ratio: signedPerSecond / rawRsaPssPerSecond,
    documentBytes: 125_000,
  };
}

/** Every dossier of a run notified after the given seconds. */
function allNotified(seconds: readonly number[], ratePerSecond: number) {
  return endToEndFigures(
    seconds.map((notifiedSeconds) => ({ routedSeconds: 0.1, notifiedSeconds })),
    { ratePerSecond, planned: seconds.length, wallSeconds: 10 },
  );
}

describe("percentile (nearest rank)", () => {
  const oneToHundred = Array.from({ length: 100 }, (_, index) => 100 - index);

  it("returns observed values at the usual ranks, whatever the input order", () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 95)).toBe(95);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile(oneToHundred, 0)).toBe(1);
  });

  it("rounds the rank up on small samples instead of interpolating", () => {
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
    expect(percentile([7], 99)).toBe(7);
  });

  it("does not reorder the caller's array", () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });

  it("refuses an empty sample and a percentile outside 0..100", () => {
    expect(() => percentile([], 50)).toThrow("empty sample");
    expect(() => percentile([1], 101)).toThrow("between 0 and 100");
    expect(() => percentile([1], Number.NaN)).toThrow("between 0 and 100");
  });
});

describe("distribution", () => {
  it("summarises a sample", () => {
    expect(distribution([4, 1, 3, 2])).toEqual({ count: 4, min: 1, mean: 2.5, p50: 2, p95: 4, p99: 4, max: 4 });
  });

  it("is undefined when nothing was measured, so no run reads as instantaneous", () => {
    expect(distribution([])).toBeUndefined();
  });
});

describe("throughputRatio", () => {
  it("divides intake by the baseline and is 0 when the baseline served nothing", () => {
    expect(throughputRatio(load(250), load(1000))).toBe(0.25);
    expect(throughputRatio(load(250), load(0))).toBe(0);
  });
});

describe("endToEndFigures", () => {
  it("counts each dossier at the step it reached and times only those that got there", () => {
    const figures = endToEndFigures(
      [
        { routedSeconds: 0.2, notifiedSeconds: 1.5 },
        { routedSeconds: 0.4, notifiedSeconds: 2.5 },
        { routedSeconds: 0.3, stoppedAt: "result email (timed out)" },
        { stoppedAt: "submit (HTTP 503)" },
        { stoppedAt: "routing (timed out)" },
      ],
      { ratePerSecond: 5, planned: 5, wallSeconds: 3 },
    );
    expect(figures).toMatchObject({ planned: 5, submitted: 4, routed: 3, completed: 2 });
    expect(figures.failures).toEqual({
      "result email (timed out)": 1,
      "submit (HTTP 503)": 1,
      "routing (timed out)": 1,
    });
    expect(figures.submitToRoutedSeconds).toMatchObject({ count: 3, p50: 0.3, max: 0.4 });
    expect(figures.submitToNotifiedSeconds).toMatchObject({ count: 2, p50: 1.5, p95: 2.5, max: 2.5 });
  });
});

describe("summariseEndToEnd", () => {
  it("credits the configured rate as sustained when every dossier was notified with p99 under 2 s", () => {
    const summary = summariseEndToEnd(allNotified([0.5, 0.8, 1.9], 40), load(2000));
    expect(summary).toMatchObject({ sustainedPerSecond: 40, p99Seconds: 1.9, ratioToBaseline: 0.02 });
  });

  it("credits no rate when a dossier stopped short or p99 reached 2 s", () => {
    const oneShort = endToEndFigures(
      [{ routedSeconds: 0.1, notifiedSeconds: 0.5 }, { stoppedAt: "routing (timed out)" }],
      {
        ratePerSecond: 40,
        planned: 2,
        wallSeconds: 10,
      },
    );
    expect(summariseEndToEnd(oneShort, load(2000))).toMatchObject({ sustainedPerSecond: 0, ratioToBaseline: 0 });
    expect(summariseEndToEnd(allNotified([0.5, 2.0], 40), load(2000))).toMatchObject({
      sustainedPerSecond: 0,
      p99Seconds: 2,
    });
  });

  it("has no p99 when no dossier was notified, so none reads as instantaneous", () => {
    const none = endToEndFigures([{ stoppedAt: "submit (HTTP 503)" }], {
      ratePerSecond: 5,
      planned: 1,
      wallSeconds: 1,
    });
    expect(summariseEndToEnd(none, load(2000)).p99Seconds).toBeNull();
  });
});

describe("benchTargets", () => {
  it("judges the signature and end-to-end targets on this run's ratios and lists the others as not measured", () => {
    const targets = benchTargets(signing(500, 2000), summariseEndToEnd(allNotified([0.4], 40), load(2000)));
    expect(targets.slice(0, 2)).toEqual([
      expect.objectContaining({ measured: true, figure: 0.25, target: 0.2, met: true }),
      expect.objectContaining({ measured: true, figure: 0.02, target: 0.016, met: true }),
    ]);
    expect(targets.slice(2).map((outcome) => outcome.measured)).toEqual([false, false, false, false, false]);
    expect(targets.slice(2).some((outcome) => "figure" in outcome || "met" in outcome)).toBe(false);
  });

  it("marks a figure below its target as not met", () => {
    const [signature, endToEnd] = benchTargets(
      signing(300, 2000),
      summariseEndToEnd(allNotified([0.4], 5), load(2000)),
    );
    expect(signature).toMatchObject({ figure: 0.15, met: false });
    expect(endToEnd).toMatchObject({ figure: 0.0025, met: false });
  });
});

describe("benchmark applications", () => {
  it("rotate the receiving units and keep one body size, so both servers get the same bytes", () => {
    const bodies = Array.from({ length: benchReceivingUnits.length + 1 }, (_, sequence) =>
      benchApplicationBody(sequence),
    );
    const units = bodies.map((body) => (JSON.parse(body) as { receivingUnitCode: string }).receivingUnitCode);
    expect(units).toEqual([...benchReceivingUnits, benchReceivingUnits[0]]);
    expect(new Set(bodies.map((body) => Buffer.byteLength(body))).size).toBe(1);
  });
});

describe("formatReport", () => {
  const endToEnd = summariseEndToEnd(
    endToEndFigures([{ routedSeconds: 0.25, notifiedSeconds: 1.75 }, { stoppedAt: "decide (HTTP 409)" }], {
      ratePerSecond: 5,
      planned: 2,
      wallSeconds: 20,
    }),
    load(4000),
  );
  const signature = signing(900, 3000);
  const report: BenchReport = {
    machine: {
      cores: 2,
      cpuModel: "Test CPU",
      node: "20.20.0",
      os: "linux 6.1",
      memoryGiB: 24,
      loadAverageAtStart: 0.2,
    },
    settings: {
      durationSeconds: 10,
      warmupSeconds: 3,
      connections: 10,
      pipelining: 1,
      requestBodyBytes: 420,
      ratePerSecond: 5,
      e2eDurationSeconds: 20,
      signatureSeconds: 4,
      e2eTimeoutSeconds: 30,
      pollIntervalMs: 100,
      loadGenerator: "autocannon in its own child process",
      sequence: "baseline, end to end, intake",
      baselineServer: "express echo",
      platform: "lienthong start",
    },
    baseline: load(4000),
    intake: { ...load(300, { non2xx: 2, errors: 1, timeouts: 1 }), ratioToBaseline: 0.075 },
    signature,
    endToEnd,
    targets: benchTargets(signature, endToEnd),
    totalSeconds: 61.2,
  };

  it("shows machine, settings, both throughputs with their ratio, and the end-to-end seconds", () => {
    const text = formatReport(report);
    expect(text).toContain("2 cores (Test CPU), 24 GiB, Node 20.20.0");
    expect(text).toContain("10 connections, pipelining 1, 3 s warm-up + 10 s measured, 420-byte JSON body");
    expect(text).toMatch(/bare express 5 echo\s+4000 req\/s\s+p50 4\.0 ms\s+p99 12\.0 ms/);
    expect(text).toMatch(/intake submissions\s+300 req\/s .*\(non-2xx 2, errors 1 of which timeouts 1\)/);
    expect(text).toMatch(/intake \/ bare\s+0\.075/);
    expect(text).toContain("1/2 notified, 1 routed, 2 submitted; stopped short: decide (HTTP 409): 1");
    expect(text).toMatch(/submit → routed\s+p50 0\.25 s/);
    expect(text).toMatch(/submit → result email\s+p50 1\.75 s\s+p95 1\.75 s\s+p99 1\.75 s\s+max 1\.75 s\s+\(n=1\)/);
    expect(text).toMatch(/signed result documents\s+900\/s .*PAdES B-T, 125000 bytes/);
    expect(text).toMatch(/raw RSA-PSS-2048\s+3000\/s/);
    expect(text).toMatch(/signed \/ raw\s+0\.300/);
    expect(text).toMatch(/sustained\s+0\.0\/s/);
  });

  function targetLines(text: string): string[] {
    return text.slice(text.indexOf("Targets")).split("\n").slice(1, 8);
  }

  it("marks each target met, NOT met or not measured yet", () => {
    const lines = targetLines(formatReport(report));
    expect(lines[0]).toMatch(/^\s+met\s+0\.3000\s+signed result documents\/s .*\(target: ≥ 0\.2\)$/);
    // One of the two dossiers stopped short: no rate was sustained.
    expect(lines[1]).toMatch(/^\s+NOT met\s+0\.0000\s+end to end, embedded: .*every dossier notified, p99 < 2 s\)$/);
    expect(lines.slice(2)).toHaveLength(5);
    for (const line of lines.slice(2)) expect(line).toMatch(/^\s+not measured yet\s+\S/);
  });

  it("shows NOT met for a signature ratio below its target", () => {
    const slow = signing(300, 3000);
    const text = formatReport({ ...report, signature: slow, targets: benchTargets(slow, endToEnd) });
    expect(targetLines(text)[0]).toMatch(/^\s+NOT met\s+0\.1000\s+signed result documents\/s/);
  });

  it("warns only when other work loaded the machine before the run", () => {
    expect(formatReport(report)).not.toContain("busy");
    const busy = { ...report, machine: { ...report.machine, loadAverageAtStart: 6.8 } };
    expect(formatReport(busy)).toContain("warning: the machine was busy before the run (1-min load 6.8 on 2 cores)");
  });

  it("says so when no dossier completed", () => {
    const none = {
      ...report,
      endToEnd: summariseEndToEnd(
        endToEndFigures([{ stoppedAt: "routing (timed out)" }], { ratePerSecond: 5, planned: 1, wallSeconds: 30 }),
        load(4000),
      ),
    };
    expect(formatReport(none)).toMatch(/submit → result email\s+none completed/);
  });
});
