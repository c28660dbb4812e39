import { benchApplicationBody, benchReceivingUnits } from "../src/bench/applications";
import { endToEndFigures } from "../src/bench/end-to-end";
import {
  assessTrial,
  benchTargets,
  distribution,
  formatReport,
  percentile,
  summariseEndToEnd,
  throughputParts,
  throughputRatio,
  type BenchParts,
  type BenchReport,
  type EndToEndFigures,
  type EndToEndTrial,
  type LoadFigures,
  type RoundFigures,
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
function allNotified(seconds: readonly number[], ratePerSecond: number): EndToEndFigures {
  return endToEndFigures(
    seconds.map((notifiedSeconds) => ({ routedSeconds: 0.1, notifiedSeconds })),
    { ratePerSecond, planned: seconds.length, wallSeconds: 10 },
  );
}

/** A trial at the given rate, every dossier notified after the given seconds. */
function trialAt(ratePerSecond: number, seconds: readonly number[] = [0.4]) {
  return assessTrial(allNotified(seconds, ratePerSecond));
}

/** A trial at the given rate where one dossier of two stopped short. */
function shortTrialAt(ratePerSecond: number, notifiedSeconds = 0.5) {
  return assessTrial(
    endToEndFigures([{ routedSeconds: 0.1, notifiedSeconds }, { stoppedAt: "routing (timed out)" }], {
      ratePerSecond,
      planned: 2,
      wallSeconds: 10,
    }),
  );
}

/** The measured parts of a run, each ratio set directly. */
function parts(
  ratios: { signature?: number; endToEnd?: number; intake?: number; grpc?: number; tracing?: number } = {},
): BenchParts {
  const baseline = load(2000);
  const endToEnd = summariseEndToEnd([trialAt(40)], baseline, 2);
  return {
    intake: { ...load(600), ratioToBaseline: ratios.intake ?? 0.3 },
    grpc: { baseline: load(3000), submitApplication: load(900), ratioToBaseline: ratios.grpc ?? 0.3 },
    tracing: { on: load(600), off: load(700), ratioOnToOff: ratios.tracing ?? 0.8 },
    signature: { ...signing(500, 2000), ratio: ratios.signature ?? 0.2 },
    endToEnd: { ...endToEnd, ratioToBaseline: ratios.endToEnd ?? 0.016 },
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

describe("assessTrial", () => {
  it("sustains a trial only when every planned dossier was notified and p99 is under 2 s", () => {
    expect(trialAt(40, [0.5, 0.8, 1.9])).toMatchObject({ ratePerSecond: 40, sustained: true, p99Seconds: 1.9 });
    expect(trialAt(40, [0.5, 2.0])).toMatchObject({ sustained: false, p99Seconds: 2 });
    expect(shortTrialAt(40)).toMatchObject({ sustained: false, p99Seconds: 0.5, completed: 1, planned: 2 });
  });

  it("counts a planned dossier that was never submitted as not notified", () => {
    const fewer = endToEndFigures([{ routedSeconds: 0.1, notifiedSeconds: 0.3 }], {
      ratePerSecond: 2,
      planned: 2,
      wallSeconds: 1,
    });
    expect(assessTrial(fewer)).toMatchObject({ sustained: false, completed: 1 });
  });

  it("has no p99 when no dossier was notified, so none reads as instantaneous", () => {
    const none = endToEndFigures([{ stoppedAt: "submit (HTTP 503)" }], {
      ratePerSecond: 5,
      planned: 1,
      wallSeconds: 1,
    });
    expect(assessTrial(none)).toMatchObject({ sustained: false, p99Seconds: null });
  });

  it("does not sustain a trial that planned no dossier: it measured nothing", () => {
    const empty = endToEndFigures([], { ratePerSecond: 0.1, planned: 0, wallSeconds: 1 });
    expect(assessTrial(empty)).toMatchObject({ sustained: false, p99Seconds: null });
  });

  it("keeps the run's figures", () => {
    const figures = allNotified([0.4, 0.6], 7);
    expect(assessTrial(figures)).toEqual({ ...figures, sustained: true, p99Seconds: 0.6 });
  });
});

describe("summariseEndToEnd", () => {
  it("takes the highest sustained rate, its p99, and its ratio to the baseline, whatever the trials' order", () => {
    const trials = [trialAt(20, [0.3]), trialAt(40, [1.9]), shortTrialAt(60), trialAt(30, [0.7]), shortTrialAt(50)];
    const summary = summariseEndToEnd(trials, load(2000), 2);
    expect(summary).toMatchObject({ sustainedPerSecond: 40, p99Seconds: 1.9, ratioToBaseline: 0.02 });
    expect(summary.trials).toEqual(trials);
  });

  it("does not credit a higher rate that was not sustained", () => {
    const summary = summariseEndToEnd([trialAt(10, [0.2]), trialAt(15, [2.5])], load(1000), 2);
    expect(summary).toMatchObject({ sustainedPerSecond: 10, p99Seconds: 0.2, ratioToBaseline: 0.01 });
  });

  it("with none sustained, reports 0 and the p99 of the lowest-rate trial", () => {
    const summary = summariseEndToEnd(
      [shortTrialAt(40, 1.2), shortTrialAt(10, 0.9), shortTrialAt(20, 1.5)],
      load(2000),
      2,
    );
    expect(summary).toMatchObject({ sustainedPerSecond: 0, p99Seconds: 0.9, ratioToBaseline: 0 });
  });

  it("has no p99 when no dossier was notified or no trial ran", () => {
    const none = assessTrial(
      endToEndFigures([{ stoppedAt: "submit (HTTP 503)" }], { ratePerSecond: 5, planned: 1, wallSeconds: 1 }),
    );
    expect(summariseEndToEnd([none], load(2000), 2).p99Seconds).toBeNull();
    expect(summariseEndToEnd([], load(2000), 2)).toEqual({
      trials: [],
      sustainedPerSecond: 0,
      p99Seconds: null,
      ratioToBaseline: 0,
    });
  });

  it("puts the platform's CPU per dossier of the trial it credits against the machine and the target", () => {
    const withCpu = (trial: EndToEndTrial, totalMs: number, mainThreadMs: number): EndToEndTrial => ({
      ...trial,
      platformCpuPerDossier: { totalMs, mainThreadMs },
    });
    const trials = [withCpu(trialAt(10), 90, 60), withCpu(trialAt(14), 85, 64), withCpu(shortTrialAt(20), 80, 70)];
    // Express at 2,500/s puts the target at 40 dossiers/s: 50 ms of 2 cores, 25 ms of one main thread.
    expect(summariseEndToEnd(trials, load(2500), 2).cpu).toEqual({
      atPerSecond: 14,
      perDossier: { totalMs: 85, mainThreadMs: 64 },
      // 2 cores ÷ 85 ms = 23.5/s; the main thread ÷ 64 ms = 15.6/s comes first.
      ceilingPerSecond: 1000 / 64,
      targetBudget: { totalMs: 50, mainThreadMs: 25 },
    });
    // With a light main thread the cores bound it: 2 cores ÷ 120 ms.
    expect(summariseEndToEnd([withCpu(trialAt(10), 120, 20)], load(2500), 2).cpu?.ceilingPerSecond).toBeCloseTo(
      2000 / 120,
    );
    // None sustained: no trial did all its dossiers' work, so none tells what one costs.
    const none = summariseEndToEnd(
      [withCpu(shortTrialAt(30), 70, 50), withCpu(shortTrialAt(20), 75, 55)],
      load(2500),
      2,
    );
    expect(none).not.toHaveProperty("cpu");
  });

  it("leaves the CPU figures out where the trial's CPU was not read", () => {
    expect(summariseEndToEnd([trialAt(40)], load(2000), 2)).not.toHaveProperty("cpu");
    const zero = { ...trialAt(40), platformCpuPerDossier: { totalMs: 0, mainThreadMs: 0 } };
    expect(summariseEndToEnd([zero], load(2000), 2)).not.toHaveProperty("cpu");
  });

  it("is 0 against a baseline that served nothing, never infinitely fast", () => {
    expect(summariseEndToEnd([trialAt(40)], load(0), 2)).toMatchObject({ sustainedPerSecond: 40, ratioToBaseline: 0 });
  });
});

describe("benchTargets", () => {
  const thresholds = [0.2, 0.016, 0.3, 0.3, 0.8];
  const judged = (ratio: (threshold: number) => number) => {
    const [signature, endToEnd, intake, grpc, tracing] = thresholds.map(ratio);
    return benchTargets(parts({ signature, endToEnd, intake, grpc, tracing }));
  };

  it("judges the five ratios of this run against their thresholds, a figure at its threshold being met", () => {
    const targets = judged((threshold) => threshold);
    expect(targets.slice(0, 5)).toEqual(
      thresholds.map((threshold) => ({
        name: expect.any(String),
        condition: expect.stringContaining(`≥ ${threshold}`),
        measured: true,
        figure: threshold,
        target: threshold,
        met: true,
      })),
    );
  });

  it("takes each figure from its own part of the run", () => {
    const targets = benchTargets(parts({ signature: 0.25, endToEnd: 0.02, intake: 0.35, grpc: 0.4, tracing: 0.9 }));
    expect(targets.slice(0, 5).map((outcome) => (outcome.measured ? outcome.figure : undefined))).toEqual([
      0.25, 0.02, 0.35, 0.4, 0.9,
    ]);
  });

  it("marks each figure below its threshold as not met", () => {
    const targets = judged((threshold) => threshold * 0.99);
    for (const outcome of targets.slice(0, 5)) expect(outcome).toMatchObject({ measured: true, met: false });
  });

  it("names the end-to-end conditions of the target", () => {
    expect(benchTargets(parts())[1]?.condition).toBe("≥ 0.016, every dossier notified, p99 < 2 s");
  });

  it("lists the scale and Kafka targets as measured by their own benchmarks, with no figure", () => {
    expect(benchTargets(parts()).slice(5)).toEqual([
      { name: expect.any(String), condition: expect.any(String), measured: false, measuredBy: "npm run bench:scale" },
      { name: expect.any(String), condition: expect.any(String), measured: false, measuredBy: "npm run bench:kafka" },
    ]);
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

function round(express: number, intakeRest: number, grpcEcho: number, intakeGrpc: number, untraced: number) {
  return {
    express: load(express),
    intakeRest: load(intakeRest),
    grpcEcho: load(grpcEcho),
    intakeGrpc: load(intakeGrpc),
    intakeUntraced: load(untraced),
  };
}

describe("throughputParts", () => {
  it("takes each ratio within its round, so a machine that speeds up between rounds moves no ratio", () => {
    // The third round ran on a machine twice as fast: every server doubled.
    const rounds = [
      round(4000, 800, 3000, 900, 1000),
      round(4200, 840, 3100, 930, 1050),
      round(8000, 1600, 6000, 1800, 2000),
    ];
    const { baseline, intake, grpc, tracing } = throughputParts(rounds);
    expect(intake.ratioToBaseline).toBeCloseTo(0.2, 10);
    expect(grpc.ratioToBaseline).toBeCloseTo(0.3, 10);
    expect(tracing.ratioOnToOff).toBeCloseTo(0.8, 10);
    // Each figure shown is the median round's, as observed.
    expect(
      [baseline, intake, grpc.baseline, grpc.submitApplication, tracing.off].map((run) => run.okPerSecond),
    ).toEqual([4200, 840, 3100, 930, 1050]);
  });

  it("takes the median of the rounds' ratios, the lower middle one of an even count, never a mean", () => {
    const rounds = [
      round(4000, 400, 3000, 300, 500),
      round(4000, 1200, 3000, 900, 1500),
      round(4000, 1000, 3000, 600, 1100),
    ];
    expect(throughputParts(rounds).intake.ratioToBaseline).toBe(0.25);
    expect(throughputParts(rounds.slice(0, 2)).intake.ratioToBaseline).toBe(0.1);
    expect(throughputParts(rounds).intake.okPerSecond).toBe(1000);
  });

  it("refuses a run without rounds instead of inventing figures", () => {
    expect(() => throughputParts([])).toThrow(RangeError);
  });
});

describe("formatReport", () => {
  // Medians: express 4000, intake 1000, echo 3000, gRPC 600, untraced 1100; ratios 0.25, 0.2 and 1000 / 1100.
  const rounds: RoundFigures[] = [
    { ...round(4000, 1000, 3000, 600, 1100), intakeRest: load(1000, { non2xx: 2, errors: 1, timeouts: 1 }) },
    round(3800, 900, 2800, 560, 1000),
    round(4400, 1200, 3300, 700, 1300),
  ];
  const { baseline, ...throughput } = throughputParts(rounds);
  const firstTrial = assessTrial(
    endToEndFigures([{ routedSeconds: 0.25, notifiedSeconds: 1.75 }, { stoppedAt: "decide (HTTP 409)" }], {
      ratePerSecond: 64,
      planned: 2,
      wallSeconds: 20,
    }),
  );
  const endToEnd = summariseEndToEnd([firstTrial, trialAt(32, [0.5, 0.9]), trialAt(48, [1.25])], baseline, 2);
  const signature = signing(900, 3000);
  const measured: BenchParts = { ...throughput, signature, endToEnd };
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
      rounds: 3,
      durationSeconds: 10,
      warmupSeconds: 3,
      connections: 10,
      pipelining: 1,
      requestBodyBytes: 420,
      e2eStartPerSecond: 64,
      e2eDurationSeconds: 20,
      e2eMaxTrials: 5,
      e2eWarmupDossiers: 60,
      signatureSeconds: 4,
      e2eTimeoutSeconds: 15,
      pollIntervalMs: 50,
      loadGenerator: "autocannon in its own child process",
      sequence: "baselines, signature, end to end, intake",
      baselineServer: "express echo",
      platform: "lienthong start",
    },
    baseline,
    rounds,
    ...measured,
    targets: benchTargets(measured),
    totalSeconds: 61.2,
  };

  it("shows machine, settings, every throughput with its ratio, and the signature figures", () => {
    const text = formatReport(report);
    expect(text).toContain("2 cores (Test CPU), 24 GiB, Node 20.20.0");
    expect(text).toContain("10 connections, pipelining 1, 3 s warm-up + 10 s measured, 420-byte JSON body");
    expect(text).toMatch(/bare express 5 echo\s+4000 req\/s\s+p50 4\.0 ms\s+p99 12\.0 ms/);
    expect(text).toMatch(/intake REST\s+1000 req\/s .*\(non-2xx 2, errors 1 of which timeouts 1\)/);
    expect(text).toMatch(/intake \/ bare\s+0\.250/);
    expect(text).toMatch(/bare grpc-js echo\s+3000 req\/s/);
    expect(text).toMatch(/intake gRPC\s+600 req\/s/);
    expect(text).toMatch(/gRPC intake \/ echo\s+0\.200/);
    expect(text).toMatch(/intake REST, no tracing\s+1100 req\/s/);
    expect(text).toMatch(/tracing on \/ off\s+0\.909/);
    expect(text).toContain("the median of 3 rounds");
    expect(text).toContain(
      "round 2: express 3800/s, intake / bare 0.237, gRPC intake / echo 0.200, tracing on / off 0.900",
    );
    expect(text).toMatch(/signed result documents\s+900\/s .*PAdES B-T, 125000 bytes/);
    expect(text).toMatch(/raw RSA-PSS-2048\s+3000\/s/);
    expect(text).toMatch(/signed \/ raw\s+0\.300/);
  });

  it("shows every trial of the search in the order run, then the highest sustained rate and its ratio", () => {
    const text = formatReport(report);
    expect(text).toContain("20 s of arrivals per trial");
    expect(text).toContain("each fresh platform warmed by 60 dossiers first, untimed");
    const trialLines = text.split("\n").filter((line) => /^\s+at \d/.test(line));
    expect(trialLines).toEqual([
      "  at 64.0/s: NOT sustained, 1/2 notified, 1 routed, 2 submitted; stopped short: decide (HTTP 409): 1",
      "  at 32.0/s: sustained, 2/2 notified, 2 routed, 2 submitted",
      "  at 48.0/s: sustained, 1/1 notified, 1 routed, 1 submitted",
    ]);
    expect(text).toMatch(/submit → routed\s+p50 0\.25 s/);
    expect(text).toMatch(/submit → result email\s+p50 1\.75 s\s+p95 1\.75 s\s+p99 1\.75 s\s+max 1\.75 s\s+\(n=1\)/);
    expect(text).toMatch(/submit → result email\s+p50 1\.25 s/);
    expect(text).toMatch(/sustained\s+48\.0\/s/);
    expect(text).toMatch(/sustained \/ bare\s+0\.0120/);
  });

  it("shows what a dossier cost the platform, the ceiling it sets and what the target leaves, when it was read", () => {
    expect(formatReport(report)).not.toContain("platform CPU");
    const trials = endToEnd.trials.map((trial) => ({
      ...trial,
      platformCpuPerDossier: { totalMs: 80, mainThreadMs: 50 },
    }));
    const text = formatReport({ ...report, endToEnd: summariseEndToEnd(trials, baseline, 2) });
    expect(text).toContain("platform CPU          80.0 ms per dossier, 50.0 ms of it on the main thread (at 48.0/s)");
    expect(text).toContain("CPU ceiling           20.0/s  (2 cores busy, or the main thread, whichever first)");
    // The target at express 4,000/s is 64 dossiers/s: 2,000 ms of 2 cores ÷ 64, 1,000 ms ÷ 64.
    expect(text).toContain("the target leaves     31.3 ms per dossier, 15.6 ms on the main thread");
  });

  function targetLines(text: string): string[] {
    return text.slice(text.indexOf("Targets")).split("\n").slice(1, 8);
  }

  it("marks each target met, NOT met or measured elsewhere", () => {
    const lines = targetLines(formatReport(report));
    expect(lines[0]).toMatch(/^\s+met\s+0\.3000\s+signed result documents\/s .*\(target: ≥ 0\.2\)$/);
    expect(lines[1]).toMatch(/^\s+NOT met\s+0\.0120\s+end to end, embedded: .*every dossier notified, p99 < 2 s\)$/);
    expect(lines[2]).toMatch(/^\s+NOT met\s+0\.2500\s+REST intake .*\(target: ≥ 0\.3\)$/);
    expect(lines[3]).toMatch(/^\s+NOT met\s+0\.2000\s+gRPC SubmitApplication .*\(target: ≥ 0\.3\)$/);
    expect(lines[4]).toMatch(/^\s+met\s+0\.9091\s+intake throughput with tracing .*\(target: ≥ 0\.8\)$/);
    expect(lines[5]).toMatch(/^\s+elsewhere\s+intake p99 at 1 M dossiers .*: npm run bench:scale$/);
    expect(lines[6]).toMatch(/^\s+elsewhere\s+Kafka mode .*: npm run bench:kafka$/);
  });

  it("shows NOT met for a signature ratio below its target", () => {
    const slow = { ...measured, signature: signing(300, 3000) };
    const text = formatReport({ ...report, ...slow, targets: benchTargets(slow) });
    expect(targetLines(text)[0]).toMatch(/^\s+NOT met\s+0\.1000\s+signed result documents\/s/);
  });

  it("warns only when other work loaded the machine before the run", () => {
    expect(formatReport(report)).not.toContain("busy");
    const busy = { ...report, machine: { ...report.machine, loadAverageAtStart: 6.8 } };
    expect(formatReport(busy)).toContain("warning: the machine was busy before the run (1-min load 6.8 on 2 cores)");
  });

  it("says so when no dossier completed, and that nothing was sustained", () => {
    const none = {
      ...report,
      endToEnd: summariseEndToEnd(
        [
          assessTrial(
            endToEndFigures([{ stoppedAt: "routing (timed out)" }], { ratePerSecond: 5, planned: 1, wallSeconds: 30 }),
          ),
        ],
        baseline,
        2,
      ),
    };
    const text = formatReport(none);
    expect(text).toMatch(/submit → result email\s+none completed/);
    expect(text).toMatch(/at 5\.0\/s: NOT sustained, 0\/1 notified/);
    expect(text).toMatch(/sustained\s+0\.0\/s/);
  });
});
