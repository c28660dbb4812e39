import { benchApplicationBody, benchReceivingUnits } from "../src/bench/applications";
import { endToEndFigures } from "../src/bench/end-to-end";
import {
  distribution,
  formatReport,
  percentile,
  throughputRatio,
  type BenchReport,
  type LoadFigures,
} from "../src/bench/report";

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
      e2eTimeoutSeconds: 30,
      pollIntervalMs: 100,
      loadGenerator: "autocannon in its own child process",
      sequence: "baseline, end to end, intake",
      baselineServer: "express echo",
      platform: "lienthong start",
    },
    baseline: load(4000),
    intake: { ...load(300, { non2xx: 2, errors: 1, timeouts: 1 }), ratioToBaseline: 0.075 },
    endToEnd: endToEndFigures([{ routedSeconds: 0.25, notifiedSeconds: 1.75 }, { stoppedAt: "decide (HTTP 409)" }], {
      ratePerSecond: 5,
      planned: 2,
      wallSeconds: 20,
    }),
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
    expect(text).toMatch(/submit → result email\s+p50 1\.75 s\s+p95 1\.75 s\s+max 1\.75 s\s+\(n=1\)/);
  });

  it("warns only when other work loaded the machine before the run", () => {
    expect(formatReport(report)).not.toContain("busy");
    const busy = { ...report, machine: { ...report.machine, loadAverageAtStart: 6.8 } };
    expect(formatReport(busy)).toContain("warning: the machine was busy before the run (1-min load 6.8 on 2 cores)");
  });

  it("says so when no dossier completed", () => {
    const none = {
      ...report,
      endToEnd: endToEndFigures([{ stoppedAt: "routing (timed out)" }], {
        ratePerSecond: 5,
        planned: 1,
        wallSeconds: 30,
      }),
    };
    expect(formatReport(none)).toMatch(/submit → result email\s+none completed/);
  });
});
