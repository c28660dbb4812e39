/**
 * `lienthong import calendar`: the yearly civil-service schedule on top of the
 * statutory holidays (swapped days off, make-up working Saturdays).
 */
import { readFileSync } from "node:fs";
import { parseCalendarOverrides, type CalendarOverrideTable } from "@lienthong/domain";
import { PlatformError } from "@lienthong/errors";
import { invalid, splitIndexedPath, type ImportValidation } from "./import-report";
import { formatCount, table } from "./table";

export function validateCalendar(data: unknown): ImportValidation {
  let overrides: CalendarOverrideTable;
  try {
    overrides = parseCalendarOverrides(data);
  } catch (error) {
    if (!(error instanceof PlatformError && error.code === "INVALID_ARGUMENT")) throw error;
    return invalid(
      error.violations.map((violation) => ({ ...splitIndexedPath(violation.field), reason: violation.reason })),
    );
  }
  const perYear: Record<string, { holidays: number; workingDays: number; provincial: number }> = {};
  for (const override of overrides.overrides) {
    const year = (perYear[override.date.slice(0, 4)] ??= { holidays: 0, workingDays: 0, provincial: 0 });
    if (override.kind === "holiday") year.holidays += 1;
    else year.workingDays += 1;
    if (override.provinceCode) year.provincial += 1;
  }
  const years = Object.keys(perYear).sort();
  const sorted = Object.fromEntries(years.map((year) => [year, perYear[year]]));
  const rows = years.map((year) => {
    const counts = perYear[year] ?? { holidays: 0, workingDays: 0, provincial: 0 };
    return [year, counts.holidays, counts.workingDays, counts.provincial];
  });
  return {
    ok: true,
    issues: [],
    summary: { version: overrides.version, overrides: overrides.overrides.length, perYear: sorted },
    lines: [
      `version ${overrides.version}: ${formatCount(overrides.overrides.length)} overrides`,
      table(["year", "days off", "working days", "of them one province only"], rows, [1, 2, 3]),
    ],
    normalised: overrides,
    verify: (file) => {
      const installed = parseCalendarOverrides(JSON.parse(readFileSync(file, "utf8")));
      if (installed.overrides.length !== overrides.overrides.length)
        throw new Error(
          `calendar written to ${file} read back as ${installed.overrides.length} overrides, not ${overrides.overrides.length}`,
        );
    },
  };
}
