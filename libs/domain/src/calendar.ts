/**
 * Working-day calendar and working-time arithmetic (DOMAIN.md §3–4).
 *
 * A day is a working day unless it is a weekend day or a holiday; the yearly
 * override table wins over both (make-up Saturdays, swapped days), a
 * province's own entry winning over a national one. Time is counted in
 * working hours inside the province's working periods (default 07:00–11:30
 * and 13:30–17:00, 8 h a day), so "received after 17:00 counts from the next
 * working morning" needs no special case.
 */
import { type CalendarOverride, KNOWN_CALENDAR_OVERRIDES } from "./calendar-overrides";
import { PlatformError, invalidField } from "@lienthong/errors";
import { type Holiday, statutoryHolidays } from "./holidays";
import { dayNumberOfIsoDate, instantOfDay, isoDateOfDayNumber, vietnamDayNumber, weekdayOfDayNumber } from "./time";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export interface WorkingPeriod {
  /** "HH:MM", Vietnam time */
  start: string;
  end: string;
}

export const DEFAULT_WORKING_HOURS: readonly WorkingPeriod[] = [
  { start: "07:00", end: "11:30" },
  { start: "13:30", end: "17:00" },
];

export interface CalendarOptions {
  /** Extra holidays, YYYY-MM-DD (national). */
  holidays?: string[];
  /** Saturdays (or any days) that are working days, YYYY-MM-DD (national). */
  workingSaturdays?: string[];
  /** Compute Labour Code holidays from the rules (default true). */
  statutoryHolidays?: boolean;
  /** Yearly decisions; defaults to KNOWN_CALENDAR_OVERRIDES. Pass [] for none. */
  overrides?: readonly CalendarOverride[];
  /** Default working periods. */
  workingHours?: readonly WorkingPeriod[];
  /** Working periods of particular provinces, by 2-digit code. */
  provinceWorkingHours?: Readonly<Record<string, readonly WorkingPeriod[]>>;
}

interface Period {
  startMs: number;
  endMs: number;
}

export interface WorkingCalendar {
  isWorkingDay(date: Date, provinceCode?: string): boolean;
  /** The holiday's name when `date` is a (statutory or decided) holiday, else undefined. */
  holidayName(date: Date, provinceCode?: string): string | undefined;
  /** Holidays of a year as this calendar sees them (after overrides). */
  holidaysOf(year: number, provinceCode?: string): Holiday[];
  /** Working hours in one full working day of the province (8 by default). */
  hoursPerDay(provinceCode?: string): number;
  /** `from` plus `hours` of working time; the result is inside working hours (or `from` itself for 0). */
  addWorkingHours(from: Date, hours: number, provinceCode?: string): Date;
  /** Working hours between two instants (negative when `to` is before `from`). */
  workingHoursBetween(from: Date, to: Date, provinceCode?: string): number;
  /** `from` plus `days` working days of `hoursPerDay` hours each. */
  addWorkingDays(from: Date, days: number, provinceCode?: string): Date;
  /** The first working instant at or after `at` (the next working morning after 17:00). */
  nextWorkingInstant(at: Date, provinceCode?: string): Date;
  /** The end of the last working period of the first working day at or after `date`'s day. */
  endOfWorkingDay(date: Date, provinceCode?: string): Date;
}

function parseClock(value: string, field: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!match) throw invalidField(field, `"${value}" is not an HH:MM time`);
  return (Number(match[1]) * 60 + Number(match[2])) * MINUTE_MS;
}

/** Checks working periods as the calendar reads them; the error names the period and field, e.g. `workingHours[1].end`. */
export function assertWorkingPeriods(periods: readonly WorkingPeriod[], field: string): void {
  parsePeriods(periods, field);
}

function parsePeriods(periods: readonly WorkingPeriod[], field: string): Period[] {
  if (periods.length === 0) throw invalidField(field, "must have at least one working period");
  const parsed = periods.map((p, i) => ({
    startMs: parseClock(p.start, `${field}[${i}].start`),
    endMs: parseClock(p.end, `${field}[${i}].end`),
  }));
  parsed.forEach((p, i) => {
    if (p.endMs <= p.startMs) throw invalidField(`${field}[${i}]`, "end must be after start");
    const previous = parsed[i - 1];
    if (previous && p.startMs < previous.endMs)
      throw invalidField(`${field}[${i}]`, "periods must be in order and not overlap");
  });
  return parsed;
}

class RuleBasedCalendar implements WorkingCalendar {
  private readonly extraHolidays = new Map<number, string>();
  private readonly nationalOverrides = new Map<number, CalendarOverride>();
  private readonly provinceOverrides = new Map<string, CalendarOverride>();
  private readonly statutoryByYear = new Map<number, Map<number, string>>();
  private readonly defaultPeriods: Period[];
  private readonly provincePeriods = new Map<string, Period[]>();

  constructor(private readonly options: CalendarOptions) {
    for (const [i, date] of (options.holidays ?? []).entries())
      this.extraHolidays.set(dayNumberOfIsoDate(date, `holidays[${i}]`), "Ngày nghỉ");
    for (const [i, date] of (options.workingSaturdays ?? []).entries()) {
      this.nationalOverrides.set(dayNumberOfIsoDate(date, `workingSaturdays[${i}]`), {
        date,
        kind: "working_day",
        name: "Ngày làm việc bù",
      });
    }
    for (const [i, override] of (options.overrides ?? KNOWN_CALENDAR_OVERRIDES.overrides).entries()) {
      const day = dayNumberOfIsoDate(override.date, `overrides[${i}].date`);
      if (override.provinceCode) this.provinceOverrides.set(`${override.provinceCode}:${day}`, override);
      else if (!this.nationalOverrides.has(day)) this.nationalOverrides.set(day, override);
    }
    this.defaultPeriods = parsePeriods(options.workingHours ?? DEFAULT_WORKING_HOURS, "workingHours");
    for (const [code, periods] of Object.entries(options.provinceWorkingHours ?? {})) {
      this.provincePeriods.set(code, parsePeriods(periods, `provinceWorkingHours.${code}`));
    }
  }

  private statutory(day: number): string | undefined {
    if (this.options.statutoryHolidays === false) return undefined;
    const year = Number(isoDateOfDayNumber(day).slice(0, 4));
    let days = this.statutoryByYear.get(year);
    if (!days) {
      days = new Map(statutoryHolidays(year).map((h) => [dayNumberOfIsoDate(h.date), h.name]));
      this.statutoryByYear.set(year, days);
    }
    return days.get(day);
  }

  private override(day: number, provinceCode?: string): CalendarOverride | undefined {
    return (
      (provinceCode ? this.provinceOverrides.get(`${provinceCode}:${day}`) : undefined) ??
      this.nationalOverrides.get(day)
    );
  }

  private holidayOfDay(day: number, provinceCode?: string): string | undefined {
    const override = this.override(day, provinceCode);
    if (override) return override.kind === "holiday" ? override.name : undefined;
    return this.extraHolidays.get(day) ?? this.statutory(day);
  }

  private isWorkingDayNumber(day: number, provinceCode?: string): boolean {
    const override = this.override(day, provinceCode);
    if (override) return override.kind === "working_day";
    if (this.holidayOfDay(day, provinceCode) !== undefined) return false;
    const weekday = weekdayOfDayNumber(day);
    return weekday !== 0 && weekday !== 6;
  }

  private periods(provinceCode?: string): Period[] {
    return (provinceCode ? this.provincePeriods.get(provinceCode) : undefined) ?? this.defaultPeriods;
  }

  isWorkingDay(date: Date, provinceCode?: string): boolean {
    return this.isWorkingDayNumber(vietnamDayNumber(date), provinceCode);
  }

  holidayName(date: Date, provinceCode?: string): string | undefined {
    return this.holidayOfDay(vietnamDayNumber(date), provinceCode);
  }

  holidaysOf(year: number, provinceCode?: string): Holiday[] {
    const first = dayNumberOfIsoDate(`${year}-01-01`);
    const last = dayNumberOfIsoDate(`${year}-12-31`);
    const result: Holiday[] = [];
    for (let day = first; day <= last; day += 1) {
      const name = this.holidayOfDay(day, provinceCode);
      if (name !== undefined) result.push({ date: isoDateOfDayNumber(day), name });
    }
    return result;
  }

  hoursPerDay(provinceCode?: string): number {
    return this.periods(provinceCode).reduce((sum, p) => sum + p.endMs - p.startMs, 0) / HOUR_MS;
  }

  addWorkingHours(from: Date, hours: number, provinceCode?: string): Date {
    if (!Number.isFinite(hours) || hours < 0) throw invalidField("hours", "must be a finite number ≥ 0");
    let remaining = Math.round(hours * HOUR_MS);
    if (remaining === 0) return new Date(from.getTime());
    const periods = this.periods(provinceCode);
    let day = vietnamDayNumber(from);
    let msOfDay = from.getTime() - instantOfDay(day).getTime();
    // A multi-year loop means a wrong unit upstream, not a real deadline.
    for (let guard = 0; guard < 366 * 50; guard += 1) {
      if (this.isWorkingDayNumber(day, provinceCode)) {
        for (const period of periods) {
          if (msOfDay >= period.endMs) continue;
          const start = Math.max(msOfDay, period.startMs);
          const available = period.endMs - start;
          if (remaining <= available) return new Date(instantOfDay(day).getTime() + start + remaining);
          remaining -= available;
          msOfDay = period.endMs;
        }
      }
      day += 1;
      msOfDay = 0;
    }
    throw invalidField("hours", "working time does not fit in 50 years");
  }

  workingHoursBetween(from: Date, to: Date, provinceCode?: string): number {
    if (to.getTime() < from.getTime()) return -this.workingHoursBetween(to, from, provinceCode);
    const periods = this.periods(provinceCode);
    const firstDay = vietnamDayNumber(from);
    const lastDay = vietnamDayNumber(to);
    let total = 0;
    for (let day = firstDay; day <= lastDay; day += 1) {
      if (!this.isWorkingDayNumber(day, provinceCode)) continue;
      const dayStart = instantOfDay(day).getTime();
      for (const period of periods) {
        const start = Math.max(dayStart + period.startMs, from.getTime());
        const end = Math.min(dayStart + period.endMs, to.getTime());
        if (end > start) total += end - start;
      }
    }
    return total / HOUR_MS;
  }

  addWorkingDays(from: Date, days: number, provinceCode?: string): Date {
    if (!Number.isFinite(days) || days < 0) throw invalidField("days", "must be a finite number ≥ 0");
    return this.addWorkingHours(from, days * this.hoursPerDay(provinceCode), provinceCode);
  }

  nextWorkingInstant(at: Date, provinceCode?: string): Date {
    const periods = this.periods(provinceCode);
    let day = vietnamDayNumber(at);
    let msOfDay = at.getTime() - instantOfDay(day).getTime();
    for (let guard = 0; guard < 366 * 50; guard += 1) {
      if (this.isWorkingDayNumber(day, provinceCode)) {
        for (const period of periods) {
          if (msOfDay < period.endMs) return new Date(instantOfDay(day).getTime() + Math.max(msOfDay, period.startMs));
        }
      }
      day += 1;
      msOfDay = 0;
    }
    throw new PlatformError("FAILED_PRECONDITION", "no working day within 50 years");
  }

  endOfWorkingDay(date: Date, provinceCode?: string): Date {
    const periods = this.periods(provinceCode);
    const first = vietnamDayNumber(date);
    let day = first;
    while (!this.isWorkingDayNumber(day, provinceCode)) {
      day += 1;
      if (day - first > 366 * 50) throw new PlatformError("FAILED_PRECONDITION", "no working day within 50 years");
    }
    return new Date(instantOfDay(day).getTime() + (periods[periods.length - 1] as Period).endMs);
  }
}

export function createCalendar(options: CalendarOptions = {}): WorkingCalendar {
  return new RuleBasedCalendar(options);
}
