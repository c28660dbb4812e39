import { createContext, useContext } from "react";

/** The province and period the communes pages show; shared so a commune's page keeps the ranking's choice. */
export interface Period {
  provinceCode: string | undefined;
  from: string;
  to: string;
}

export interface PeriodControl {
  period: Period;
  setPeriod: (period: Period) => void;
}

export const PeriodContext = createContext<PeriodControl | undefined>(undefined);

export function usePeriod(): PeriodControl {
  const control = useContext(PeriodContext);
  if (!control) throw new Error("usePeriod outside the period provider");
  return control;
}

/** A calendar date in Vietnam (UTC+7, no daylight saving), as the indicators count days. */
export function vietnamDate(instant: Date): string {
  return new Date(instant.getTime() + 7 * 3600 * 1000).toISOString().slice(0, 10);
}

/** From the first of January to today: the year so far, Decision 766's usual period. */
export function yearToDate(now = new Date()): Pick<Period, "from" | "to"> {
  const to = vietnamDate(now);
  return { from: `${to.slice(0, 4)}-01-01`, to };
}

/** The calendar months a period covers, each cut to the period. */
export function monthsOf(from: string, to: string): { label: string; from: string; to: string }[] {
  const months: { label: string; from: string; to: string }[] = [];
  let year = Number(from.slice(0, 4));
  let month = Number(from.slice(5, 7));
  for (;;) {
    const label = `${year}-${String(month).padStart(2, "0")}`;
    if (label > to.slice(0, 7)) break;
    const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const start = `${label}-01`;
    const end = `${label}-${String(lastDay).padStart(2, "0")}`;
    months.push({ label, from: start < from ? from : start, to: end > to ? to : end });
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return months;
}
