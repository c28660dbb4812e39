/**
 * Appointment dates (ngày hẹn trả kết quả) and on-time judgement
 * (DOMAIN.md §3). The clock starts at acceptance; a supplement request or a
 * wait for payment pauses it and the resume pushes the appointment by the
 * time waited, in the procedure's own unit; the result is judged by the DATE
 * it was decided.
 */
import type { WorkingCalendar } from "./calendar";
import type { ProcessingTime, ProcessingTimeUnit } from "./catalog";
import { invalidField } from "@lienthong/errors";
import { formatVietnamDate, instantOfDay, toVietnamParts, vietnamDayNumber } from "./time";

function assertProcessingTime(processingTime: ProcessingTime): void {
  const { value, unit, cutoffHour } = processingTime;
  if (unit === "same_day") {
    if (cutoffHour !== undefined && (!Number.isInteger(cutoffHour) || cutoffHour < 0 || cutoffHour > 23)) {
      throw invalidField("processingTime.cutoffHour", "must be an hour from 0 to 23");
    }
    return;
  }
  if (!Number.isFinite(value) || value <= 0) throw invalidField("processingTime.value", "must be a positive number");
  if (unit === "calendar_days" && !Number.isInteger(value))
    throw invalidField("processingTime.value", "calendar days must be whole");
}

/**
 * The appointment for a dossier accepted at `acceptedAt`:
 * - working days: that many days of working hours (8 h) after acceptance,
 *   counted from the next working morning when accepted outside working hours;
 * - calendar days: the end of the last day counted from the day after
 *   acceptance, moved to the end of the next working day when that day is a
 *   rest day (Civil Code 2015 art. 147–148);
 * - same day: the end of the working day of acceptance, or of the next working
 *   day when accepted at or after the procedure's cut-off hour or outside
 *   working hours.
 */
export function computeAppointment(
  acceptedAt: Date,
  processingTime: ProcessingTime,
  calendar: WorkingCalendar,
  provinceCode?: string,
): Date {
  assertProcessingTime(processingTime);
  switch (processingTime.unit) {
    case "working_days":
      return calendar.addWorkingDays(acceptedAt, processingTime.value, provinceCode);
    case "calendar_days":
      return calendar.endOfWorkingDay(
        instantOfDay(vietnamDayNumber(acceptedAt) + processingTime.value, 12 * 60),
        provinceCode,
      );
    case "same_day": {
      const { hour } = toVietnamParts(acceptedAt);
      const afterCutoff = processingTime.cutoffHour !== undefined && hour >= processingTime.cutoffHour;
      const from = afterCutoff ? instantOfDay(vietnamDayNumber(acceptedAt) + 1) : acceptedAt;
      return calendar.endOfWorkingDay(calendar.nextWorkingInstant(from, provinceCode), provinceCode);
    }
  }
}

/**
 * The appointment after a pause from `pausedAt` to `resumedAt`, pushed by the
 * time waited in the procedure's own unit, since the wait is not counted in
 * the time limit:
 * - working days and same day: by the working hours waited (a pause over a
 *   weekend or a holiday costs nothing);
 * - calendar days: by the calendar days waited, counted like the limit itself
 *   (from the day of the pause to the day of the resume, so a pause within
 *   one day moves nothing), from the appointment as it stands (a last day it
 *   was already moved to off a rest day is not kept apart), and moved off a
 *   rest day again.
 * `waitedWorkingHours` is reported for every unit (the event's field).
 */
export function resumeAppointment(
  appointmentAt: Date,
  pausedAt: Date,
  resumedAt: Date,
  unit: ProcessingTimeUnit,
  calendar: WorkingCalendar,
  provinceCode?: string,
): { appointmentAt: Date; waitedWorkingHours: number; waitedCalendarDays: number } {
  if (resumedAt.getTime() < pausedAt.getTime()) throw invalidField("resumedAt", "must not be before pausedAt");
  const waitedWorkingHours = calendar.workingHoursBetween(pausedAt, resumedAt, provinceCode);
  const waitedCalendarDays = vietnamDayNumber(resumedAt) - vietnamDayNumber(pausedAt);
  if (unit !== "calendar_days") {
    return {
      appointmentAt: calendar.addWorkingHours(appointmentAt, waitedWorkingHours, provinceCode),
      waitedWorkingHours,
      waitedCalendarDays,
    };
  }
  const lastDay = instantOfDay(vietnamDayNumber(appointmentAt) + waitedCalendarDays, 12 * 60);
  return {
    appointmentAt: waitedCalendarDays === 0 ? appointmentAt : calendar.endOfWorkingDay(lastDay, provinceCode),
    waitedWorkingHours,
    waitedCalendarDays,
  };
}

export interface ClockPause {
  pausedAt: Date;
  /** Absent while still paused. */
  resumedAt?: Date;
}

/**
 * The appointment of a dossier given its acceptance and every pause so far.
 * An open pause counts up to `now`, so an overdue check during a pause sees
 * the date the dossier would have if it were resumed now.
 */
export function appointmentWithPauses(
  acceptedAt: Date,
  processingTime: ProcessingTime,
  pauses: readonly ClockPause[],
  calendar: WorkingCalendar,
  options: { provinceCode?: string; now?: Date } = {},
): Date {
  let appointment = computeAppointment(acceptedAt, processingTime, calendar, options.provinceCode);
  for (const [i, pause] of pauses.entries()) {
    const resumedAt = pause.resumedAt ?? options.now;
    if (!resumedAt) throw invalidField(`pauses[${i}].resumedAt`, "is required unless now is given");
    appointment = resumeAppointment(
      appointment,
      pause.pausedAt,
      resumedAt,
      processingTime.unit,
      calendar,
      options.provinceCode,
    ).appointmentAt;
  }
  return appointment;
}

export type Timeliness = "early" | "on_time" | "late";

/** trước hạn / đúng hạn / quá hạn: the Vietnam date of the decision against the appointment date. */
export function classifyTimeliness(decidedAt: Date, appointmentAt: Date): Timeliness {
  const decided = formatVietnamDate(decidedAt);
  const due = formatVietnamDate(appointmentAt);
  if (decided < due) return "early";
  return decided === due ? "on_time" : "late";
}

/** An open dossier is overdue once its appointment date has passed (judged by date, like classifyTimeliness). */
export function isOverdue(now: Date, appointmentAt: Date): boolean {
  return formatVietnamDate(now) > formatVietnamDate(appointmentAt);
}

export type DeadlineState = "within_deadline" | "due_soon" | "overdue";

/** Working hours left before the appointment (negative once past it). */
export function remainingWorkingHours(
  now: Date,
  appointmentAt: Date,
  calendar: WorkingCalendar,
  provinceCode?: string,
): number {
  return calendar.workingHoursBetween(now, appointmentAt, provinceCode);
}

/** Not overdue, and at most `withinWorkingHours` (default one working day) of working time left. */
export function isDueSoon(
  now: Date,
  appointmentAt: Date,
  calendar: WorkingCalendar,
  withinWorkingHours = 8,
  provinceCode?: string,
): boolean {
  if (isOverdue(now, appointmentAt)) return false;
  return remainingWorkingHours(now, appointmentAt, calendar, provinceCode) <= withinWorkingHours;
}

export function deadlineState(
  now: Date,
  appointmentAt: Date,
  calendar: WorkingCalendar,
  options: { dueSoonWorkingHours?: number; provinceCode?: string } = {},
): DeadlineState {
  if (isOverdue(now, appointmentAt)) return "overdue";
  return isDueSoon(now, appointmentAt, calendar, options.dueSoonWorkingHours ?? 8, options.provinceCode)
    ? "due_soon"
    : "within_deadline";
}
