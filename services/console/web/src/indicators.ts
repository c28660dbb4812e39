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

/**
 * A province's figures and every one of its communes' for a period, in one
 * request (GET /v1/indicators/:provinceCode/communes): routing reads the
 * province's dossiers once, with the same rule as a unit's figures.
 */
export async function communeIndicatorsOf(
  provinceCode: string,
  from: string,
  to: string,
  token: string,
  signal?: AbortSignal,
): Promise<{ province: Indicators; communes: Indicators[] }> {
  const query = new URLSearchParams({ from, to });
  return callService<{ province: Indicators; communes: Indicators[] }>(
    "routing",
    `/v1/indicators/${encodeURIComponent(provinceCode)}/communes?${query}`,
    token,
    signal,
  );
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
