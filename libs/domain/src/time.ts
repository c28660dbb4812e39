/**
 * Vietnam civil time. Asia/Ho_Chi_Minh has been UTC+7 without daylight saving
 * since 1975, so a fixed offset is exact and avoids depending on the host's
 * time-zone database.
 */
import { invalidField } from "@lienthong/errors";
import { z } from "zod";

export const VIETNAM_UTC_OFFSET_MINUTES = 7 * 60;
const OFFSET_MS = VIETNAM_UTC_OFFSET_MINUTES * 60_000;
const DAY_MS = 86_400_000;

export interface VietnamParts {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday (as Date#getDay) */
  weekday: number;
}

function assertValidDate(date: Date, field: string): void {
  if (Number.isNaN(date.getTime())) throw invalidField(field, "is not a valid date");
}

export function toVietnamParts(date: Date): VietnamParts {
  assertValidDate(date, "date");
  const shifted = new Date(date.getTime() + OFFSET_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    weekday: shifted.getUTCDay(),
  };
}

/** The instant of a Vietnam wall-clock time; rejects impossible dates such as 31 Feb. */
export function vietnamDate(year: number, month: number, day: number, hour = 0, minute = 0): Date {
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute) - OFFSET_MS);
  const parts = toVietnamParts(date);
  if (
    parts.year !== year ||
    parts.month !== month ||
    parts.day !== day ||
    parts.hour !== hour ||
    parts.minute !== minute
  ) {
    throw invalidField("date", `${year}-${month}-${day} ${hour}:${minute} is not a valid Vietnam date and time`);
  }
  return date;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, "0");

/** "YYYY-MM-DD" of the Vietnam calendar day containing `date`. */
export function formatVietnamDate(date: Date): string {
  const { year, month, day } = toVietnamParts(date);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/**
 * Days since 1970-01-01 of the Vietnam calendar day containing `date`: the
 * calendar works on these integers so day arithmetic never meets time zones.
 */
export function vietnamDayNumber(date: Date): number {
  assertValidDate(date, "date");
  return Math.floor((date.getTime() + OFFSET_MS) / DAY_MS);
}

/** The instant at `minuteOfDay` (Vietnam time) of a day number. */
export function instantOfDay(dayNumber: number, minuteOfDay = 0): Date {
  return new Date(dayNumber * DAY_MS + minuteOfDay * 60_000 - OFFSET_MS);
}

/** Minutes since Vietnam midnight of `date` (seconds included as a fraction). */
export function vietnamMinuteOfDay(date: Date): number {
  return ((((date.getTime() + OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS) / 60_000;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number of a "YYYY-MM-DD" string, or undefined when it is not a real calendar day (2026-02-31). */
function calendarDayNumber(value: string): number | undefined {
  const match = ISO_DATE.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  const real = check.getUTCFullYear() === year && check.getUTCMonth() + 1 === month && check.getUTCDate() === day;
  return real ? ms / DAY_MS : undefined;
}

/** Day number of a "YYYY-MM-DD" string; `field` names the input in the error (which never repeats the value). */
export function dayNumberOfIsoDate(value: string, field = "date"): number {
  if (!ISO_DATE.test(value)) throw invalidField(field, "is not a YYYY-MM-DD date");
  const dayNumber = calendarDayNumber(value);
  if (dayNumber === undefined) throw invalidField(field, "is not a calendar date");
  return dayNumber;
}

/** A request field holding a calendar date "YYYY-MM-DD": the format first, then a day that exists. */
export const isoCalendarDate = z
  .string()
  .regex(ISO_DATE, { message: "must be a date YYYY-MM-DD", abort: true })
  .refine((value) => calendarDayNumber(value) !== undefined, "is not a calendar date");

/** "YYYY-MM-DD" of a day number. */
export function isoDateOfDayNumber(dayNumber: number): string {
  const d = new Date(dayNumber * DAY_MS);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** 0 = Sunday … 6 = Saturday of a day number (1970-01-01 was a Thursday). */
export function weekdayOfDayNumber(dayNumber: number): number {
  return (((dayNumber + 4) % 7) + 7) % 7;
}
