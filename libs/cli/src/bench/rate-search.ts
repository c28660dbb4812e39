/** One run at one arrival rate, and whether the platform sustained it. */
export interface Trial {
  ratePerSecond: number;
  sustained: boolean;
}

export interface RateSearchPlan {
  /** The first rate tried (the bench starts at its target, so the verdict on the target never depends on the search). */
  startPerSecond: number;
  maxTrials: number;
  /** Stop once the lowest failing rate is within this factor of the highest sustained one. */
  resolution: number;
  /** Below this the search gives up: nothing sustained. */
  floorPerSecond: number;
}

const GROWTH = 1.5;

/** Rates are whole dossiers per second above 2/s, tenths below, so trials read plainly. */
function rounded(rate: number): number {
  return rate >= 2 ? Math.round(rate) : Math.round(rate * 10) / 10;
}

/**
 * The highest arrival rate the platform sustains, in an open model: each trial
 * submits on schedule at one rate. Up by half while trials pass, down by half
 * while none has, then bisecting between the highest pass and the lowest
 * failure. Every trial is kept, so the report shows how the figure was found.
 */
export async function searchHighestRate<T extends Trial>(
  plan: RateSearchPlan,
  runTrial: (ratePerSecond: number) => Promise<T>,
): Promise<{ trials: T[]; highest: T | undefined }> {
  const trials: T[] = [];
  let highest: T | undefined;
  let lowestFailure: number | undefined;
  let rate = rounded(plan.startPerSecond);
  while (trials.length < plan.maxTrials && rate >= plan.floorPerSecond) {
    const trial = await runTrial(rate);
    trials.push(trial);
    if (trial.sustained) {
      if (!highest || trial.ratePerSecond > highest.ratePerSecond) highest = trial;
    } else if (lowestFailure === undefined || trial.ratePerSecond < lowestFailure) {
      lowestFailure = trial.ratePerSecond;
    }
    let next: number;
    if (lowestFailure === undefined) next = rate * GROWTH;
    else if (!highest) next = rate / 2;
    else if (lowestFailure / highest.ratePerSecond <= plan.resolution) break;
    else next = (highest.ratePerSecond + lowestFailure) / 2;
    next = rounded(next);
    if (trials.some((done) => done.ratePerSecond === next)) break;
    rate = next;
  }
  return { trials, highest };
}
