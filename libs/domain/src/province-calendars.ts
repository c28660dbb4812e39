/**
 * A deployment's own calendar settings per province (DOMAIN.md §3–4): the
 * working hours each province keeps (Thanh Hóa 07:00–11:30 and 13:30–17:00,
 * others 07:30 or 08:00 starts) and the province's own dated days off or
 * working days (a provincial decision, an office closed for a storm). They
 * are layered on the yearly decision table in force (built-in or imported),
 * so a province sets what is its own without copying the national decisions.
 */
import { z } from "zod";
import { PlatformError, type FieldViolation } from "@lienthong/errors";
import { assertWorkingPeriods, createCalendar, type WorkingCalendar, type WorkingPeriod } from "./calendar";
import type { CalendarOverride, CalendarOverrideTable } from "./calendar-overrides";
import { fieldOfPath, invalidFile } from "./file-violations";
import { dayNumberOfIsoDate } from "./time";

export interface ProvinceCalendarSettings {
  /** Morning and afternoon sessions, "HH:MM" Vietnam time, in order; absent: the deployment's default. */
  workingHours?: WorkingPeriod[];
  /** The province's own days off and working days; they win over the decision table for this province. */
  overrides: Omit<CalendarOverride, "provinceCode">[];
}

export interface ProvinceCalendars {
  /** Working hours of provinces that set none; absent: 07:00–11:30 and 13:30–17:00. */
  workingHours?: WorkingPeriod[];
  /** By 2-digit province code. */
  provinces: Record<string, ProvinceCalendarSettings>;
}

const periodSchema = z.strictObject({ start: z.string(), end: z.string() });
const overrideSchema = z.strictObject({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD"),
  kind: z.enum(["holiday", "working_day"]),
  name: z.string().min(1),
  source: z.string().optional(),
});
const schema = z.strictObject({
  workingHours: z.array(periodSchema).optional(),
  provinces: z.record(
    z.string().regex(/^\d{2}$/, "must be a 2-digit province code"),
    z.strictObject({
      workingHours: z.array(periodSchema).optional(),
      overrides: z.array(overrideSchema).default([]),
    }),
  ),
});

/**
 * Validates a deployment's province calendars; every error names its field,
 * e.g. `provinces.38.workingHours[1].end` or `provinces.38.overrides[0].date`.
 * `provinceExists`, when given, refuses a code the units do not know (a
 * pre-2025 province code is a likely slip).
 */
export function parseProvinceCalendars(data: unknown, provinceExists?: (code: string) => boolean): ProvinceCalendars {
  const result = schema.safeParse(data);
  if (!result.success) {
    throw invalidFile(
      "province calendars",
      result.error.issues.map((issue) => ({ field: fieldOfPath(issue.path, "brackets"), reason: issue.message })),
    );
  }
  const violations: FieldViolation[] = [];
  const checkPeriods = (periods: WorkingPeriod[] | undefined, field: string) => {
    if (!periods) return;
    try {
      assertWorkingPeriods(periods, field);
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      violations.push(...error.violations);
    }
  };
  checkPeriods(result.data.workingHours, "workingHours");
  for (const [code, settings] of Object.entries(result.data.provinces)) {
    const field = `provinces.${code}`;
    if (provinceExists && !provinceExists(code)) violations.push({ field, reason: "is not a province of the units" });
    checkPeriods(settings.workingHours, `${field}.workingHours`);
    const seen = new Set<string>();
    settings.overrides.forEach((override, i) => {
      try {
        dayNumberOfIsoDate(override.date, `${field}.overrides[${i}].date`);
      } catch {
        violations.push({
          field: `${field}.overrides[${i}].date`,
          reason: `"${override.date}" is not a calendar date`,
        });
      }
      if (seen.has(override.date))
        violations.push({ field: `${field}.overrides[${i}]`, reason: `second entry for ${override.date}` });
      seen.add(override.date);
    });
  }
  if (violations.length > 0) throw invalidFile("province calendars", violations);
  return result.data;
}

/** The working calendar of the decision table in force with the deployment's province settings on top. */
export function calendarWithProvinces(table: CalendarOverrideTable, settings: ProvinceCalendars): WorkingCalendar {
  const provinces = Object.entries(settings.provinces);
  return createCalendar({
    // The calendar lets the later of two entries for one province and day win: the province's own comes last.
    overrides: [
      ...table.overrides,
      ...provinces.flatMap(([provinceCode, province]) =>
        province.overrides.map((override): CalendarOverride => ({ ...override, provinceCode })),
      ),
    ],
    workingHours: settings.workingHours,
    provinceWorkingHours: Object.fromEntries(
      provinces.flatMap(([code, province]) => (province.workingHours ? [[code, province.workingHours]] : [])),
    ),
  });
}
