import type { routing } from "@lienthong/contracts";
import { callService } from "./api";

/** Routing's Decision 766 figures of a unit for a period (GET /v1/indicators/:unitCode), as its contract has them. */
export type Indicators = routing.Indicators;

export async function indicatorsOf(
  unitCode: string,
  from: string,
  to: string,
  token: string,
  signal?: AbortSignal,
): Promise<Indicators> {
  const query = new URLSearchParams({ from, to });
  const answer = await callService<{ indicators: Indicators }>(
    "routing",
    `/v1/indicators/${encodeURIComponent(unitCode)}?${query}`,
    token,
    signal,
  );
  return answer.indicators;
}

/** Whether the period has any dossier its on-time rate judges: finished in it, or open now. */
export function judged(figures: Indicators): boolean {
  return (
    figures.finishedEarly +
      figures.finishedOnTime +
      figures.finishedLate +
      figures.currentlyOverdue +
      figures.openWithinDeadline >
    0
  );
}

/** A rate as a percentage; "—" where there is nothing to judge. */
export function percent(rate: number, counted = true): string {
  return counted ? `${(rate * 100).toFixed(1)} %` : "—";
}
