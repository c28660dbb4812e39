import fc from "fast-check";
import { searchHighestRate, type RateSearchPlan, type Trial } from "../src/bench/rate-search";

const plan: RateSearchPlan = { startPerSecond: 10, maxTrials: 20, resolution: 1.15, floorPerSecond: 0.5 };

/** A platform that sustains every rate up to its capacity and no more; records the rates it was asked for. */
function platform(capacity: number) {
  const asked: number[] = [];
  const runTrial = async (ratePerSecond: number): Promise<Trial> => {
    asked.push(ratePerSecond);
    return { ratePerSecond, sustained: ratePerSecond <= capacity };
  };
  return { asked, runTrial };
}

async function search(capacity: number, overrides: Partial<RateSearchPlan> = {}) {
  const { asked, runTrial } = platform(capacity);
  const result = await searchHighestRate({ ...plan, ...overrides }, runTrial);
  return { ...result, asked, rates: result.trials.map((trial) => trial.ratePerSecond) };
}

/** The search's rates: whole dossiers per second from 2/s up, tenths below. */
function onGrid(rate: number): boolean {
  return rate === toGrid(rate);
}

function toGrid(rate: number): number {
  return rate >= 2 ? Math.round(rate) : Math.round(rate * 10) / 10;
}

describe("searchHighestRate", () => {
  it("starts at the start rate and grows by half while trials pass", async () => {
    const { rates } = await search(1000, { startPerSecond: 10, maxTrials: 5 });
    expect(rates).toEqual([10, 15, 23, 35, 53]);
  });

  it("halves while no trial has passed, down to the floor, and then reports nothing sustained", async () => {
    const { rates, highest } = await search(0, { startPerSecond: 10, floorPerSecond: 1 });
    expect(rates).toEqual([10, 5, 3, 1.5]);
    expect(highest).toBeUndefined();
  });

  it("does not run a trial when the start rate is below the floor", async () => {
    const { trials, highest } = await search(100, { startPerSecond: 0.4, floorPerSecond: 0.5 });
    expect(trials).toEqual([]);
    expect(highest).toBeUndefined();
  });

  it("bisects between the highest pass and the lowest failure, and stops once they are within the resolution", async () => {
    // 10, 15, 23 pass; 35 fails; then (23 + 35) / 2 = 29 fails, 26 passes: 29 / 26 ≤ 1.15.
    const { rates, highest } = await search(27);
    expect(rates).toEqual([10, 15, 23, 35, 29, 26]);
    expect(highest).toEqual({ ratePerSecond: 26, sustained: true });
  });

  it("bisects after halving once a lower rate passes", async () => {
    // 40 and 20 fail, 10 passes: then 15 passes, 18 fails, 17 passes (18 / 17 ≤ 1.15).
    const { rates, highest } = await search(17, { startPerSecond: 40 });
    expect(rates).toEqual([40, 20, 10, 15, 18, 17]);
    expect(highest?.ratePerSecond).toBe(17);
  });

  it("stops rather than repeat a rate the grid cannot split", async () => {
    // 2 passes, 3 fails: the midpoint 2.5 rounds to 3, already tried.
    const { rates, highest } = await search(2.5, { startPerSecond: 2 });
    expect(rates).toEqual([2, 3]);
    expect(highest?.ratePerSecond).toBe(2);
  });

  it("runs at most maxTrials trials", async () => {
    const { rates, highest } = await search(1000, { startPerSecond: 10, maxTrials: 2 });
    expect(rates).toEqual([10, 15]);
    expect(highest?.ratePerSecond).toBe(15);
  });

  it("returns the runner's own trials, every one, in the order run", async () => {
    const made: (Trial & { id: number })[] = [];
    const result = await searchHighestRate(plan, async (ratePerSecond) => {
      const trial = { ratePerSecond, sustained: ratePerSecond <= 27, id: made.length };
      made.push(trial);
      return trial;
    });
    expect(result.trials).toHaveLength(made.length);
    result.trials.forEach((trial, index) => expect(trial).toBe(made[index]));
    expect(made).toContain(result.highest);
  });

  const capacities = fc.oneof(
    fc.double({ min: 0, max: 2000, noNaN: true }),
    fc.integer({ min: 0, max: 2000 }),
    fc.integer({ min: 0, max: 100 }).map((tenths) => tenths / 10),
  );
  const starts = fc.oneof(fc.double({ min: 0.5, max: 500, noNaN: true }), fc.integer({ min: 1, max: 500 }));
  const plans = fc.record({
    startPerSecond: starts,
    maxTrials: fc.integer({ min: 1, max: 40 }),
    resolution: fc.constantFrom(1.05, 1.1, 1.15, 1.3, 2),
    floorPerSecond: fc.constantFrom(0.1, 0.5, 1),
  });

  it("keeps the rules on any capacity: grid rates, each once, every step by the rule, within maxTrials", async () => {
    await fc.assert(
      fc.asyncProperty(capacities, plans, async (capacity, searchPlan) => {
        const { rates, asked, trials, highest } = await search(capacity, searchPlan);
        expect(rates).toEqual(asked);
        expect(trials.length).toBeLessThanOrEqual(searchPlan.maxTrials);
        expect(new Set(rates).size).toBe(rates.length);
        for (const rate of rates) {
          expect(onGrid(rate)).toBe(true);
          expect(rate).toBeGreaterThanOrEqual(searchPlan.floorPerSecond);
        }
        if (rates.length > 0)
          expect(Math.abs((rates[0] as number) - searchPlan.startPerSecond)).toBeLessThanOrEqual(0.5);

        // Replay the search: each next rate follows from the trials so far.
        let pass: number | undefined;
        let fail: number | undefined;
        trials.forEach((trial, index) => {
          if (trial.sustained) pass = Math.max(pass ?? 0, trial.ratePerSecond);
          else fail = Math.min(fail ?? Infinity, trial.ratePerSecond);
          const next = rates[index + 1];
          if (next === undefined) return;
          if (fail === undefined)
            expect(next).toBe(toGrid(trial.ratePerSecond * 1.5)); // up by half, rounded
          else if (pass === undefined)
            expect(next).toBe(toGrid(trial.ratePerSecond / 2)); // down by half, rounded
          else {
            expect(fail / pass).toBeGreaterThan(searchPlan.resolution); // not yet within the resolution
            expect(next).toBe(toGrid((pass + fail) / 2));
            expect(next).toBeGreaterThan(pass);
            expect(next).toBeLessThan(fail);
          }
        });
        expect(highest?.ratePerSecond).toBe(pass);
      }),
      { numRuns: 300 },
    );
  });

  it("finds the capacity within the resolution when trials suffice", async () => {
    const resolution = 1.15;
    await fc.assert(
      fc.asyncProperty(
        // From 7/s up the whole-number grid is finer than the resolution; from 1/s to 2/s the tenths are. (Halving
        // stops below the 0.5/s floor, so it only reaches a capacity of at least twice the floor for sure.)
        fc.oneof(fc.double({ min: 7, max: 2000, noNaN: true }), fc.double({ min: 1, max: 1.99, noNaN: true })),
        starts,
        async (capacity, startPerSecond) => {
          const { highest, trials } = await search(capacity, { startPerSecond, maxTrials: 40, resolution });
          expect(trials.length).toBeLessThan(40);
          const lowestFailure = Math.min(
            ...trials.filter((trial) => !trial.sustained).map((trial) => trial.ratePerSecond),
          );
          expect(highest).toBeDefined();
          const found = highest?.ratePerSecond ?? 0;
          expect(found).toBeLessThanOrEqual(capacity);
          expect(lowestFailure).toBeGreaterThan(capacity);
          expect(lowestFailure / found).toBeLessThanOrEqual(resolution);
          expect(capacity / found).toBeLessThanOrEqual(resolution);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("within any capacity, the rates it cannot split are neighbours on the grid", async () => {
    await fc.assert(
      fc.asyncProperty(fc.double({ min: 1, max: 2000, noNaN: true }), starts, async (capacity, startPerSecond) => {
        const { highest, trials } = await search(capacity, { startPerSecond, maxTrials: 40 });
        const found = highest?.ratePerSecond ?? 0;
        const lowestFailure = Math.min(
          ...trials.filter((trial) => !trial.sustained).map((trial) => trial.ratePerSecond),
        );
        expect(found).toBeLessThanOrEqual(capacity);
        expect(lowestFailure).toBeGreaterThan(capacity);
        const step = found >= 2 ? 1 : 0.1;
        expect(lowestFailure / found <= plan.resolution || lowestFailure - found <= step + 1e-9).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
