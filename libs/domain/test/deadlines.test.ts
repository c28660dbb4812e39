import {
  appointmentWithPauses,
  classifyTimeliness,
  computeAppointment,
  createCalendar,
  deadlineState,
  formatVietnamDate,
  isDueSoon,
  isOverdue,
  resumeAppointment,
  toVietnamParts,
  vietnamDate,
} from "../src";

const calendar = createCalendar();
const at = (d: Date) =>
  `${formatVietnamDate(d)} ${String(toVietnamParts(d).hour).padStart(2, "0")}:${String(toVietnamParts(d).minute).padStart(2, "0")}`;

describe("appointments", () => {
  it("working days: the worked example", () => {
    expect(at(computeAppointment(vietnamDate(2023, 10, 27, 9, 32), { value: 5, unit: "working_days" }, calendar))).toBe(
      "2023-11-03 09:32",
    );
  });

  it("working days skip Tết 2026", () => {
    // Accepted Thu 12 Feb 2026 10:00, 3 working days: Fri 13, (16–20 Tết), Mon 23, Tue 24 10:00.
    expect(at(computeAppointment(vietnamDate(2026, 2, 12, 10, 0), { value: 3, unit: "working_days" }, calendar))).toBe(
      "2026-02-24 10:00",
    );
  });

  it("same day: due at the end of the day, or the next working day after the cut-off", () => {
    const sameDay = { value: 1, unit: "same_day", cutoffHour: 15 } as const;
    expect(at(computeAppointment(vietnamDate(2026, 3, 6, 14, 59), sameDay, calendar))).toBe("2026-03-06 17:00");
    expect(at(computeAppointment(vietnamDate(2026, 3, 6, 15, 0), sameDay, calendar))).toBe("2026-03-09 17:00");
    expect(at(computeAppointment(vietnamDate(2026, 3, 7, 9, 0), sameDay, calendar))).toBe("2026-03-09 17:00");
    expect(at(computeAppointment(vietnamDate(2026, 3, 6, 17, 30), { value: 1, unit: "same_day" }, calendar))).toBe(
      "2026-03-09 17:00",
    );
  });

  it("calendar days: end of the last day, moved off a rest day", () => {
    // Accepted Mon 2 Mar 2026 + 15 days = Tue 17 Mar; + 12 days = Sat 14 Mar → Mon 16 Mar.
    expect(at(computeAppointment(vietnamDate(2026, 3, 2, 9, 0), { value: 15, unit: "calendar_days" }, calendar))).toBe(
      "2026-03-17 17:00",
    );
    expect(at(computeAppointment(vietnamDate(2026, 3, 2, 9, 0), { value: 12, unit: "calendar_days" }, calendar))).toBe(
      "2026-03-16 17:00",
    );
  });

  it("refuses nonsense processing times", () => {
    expect(() => computeAppointment(new Date(), { value: 0, unit: "working_days" }, calendar)).toThrow(
      /processingTime.value/,
    );
    expect(() => computeAppointment(new Date(), { value: 1.5, unit: "calendar_days" }, calendar)).toThrow(/whole/);
    expect(() => computeAppointment(new Date(), { value: 1, unit: "same_day", cutoffHour: 24 }, calendar)).toThrow(
      /cutoffHour/,
    );
  });
});

describe("pauses", () => {
  it("a supplement request pushes the appointment by the working time waited", () => {
    const appointment = vietnamDate(2023, 11, 3, 9, 32);
    // Paused Tue 31 Oct 10:00, resumed Thu 2 Nov 10:00: 16 working hours.
    const { appointmentAt, waitedWorkingHours } = resumeAppointment(
      appointment,
      vietnamDate(2023, 10, 31, 10, 0),
      vietnamDate(2023, 11, 2, 10, 0),
      "working_days",
      calendar,
    );
    expect(waitedWorkingHours).toBe(16);
    expect(at(appointmentAt)).toBe("2023-11-07 09:32");
  });

  it("a pause over a weekend counts only working time", () => {
    const { waitedWorkingHours } = resumeAppointment(
      vietnamDate(2023, 11, 10, 17, 0),
      vietnamDate(2023, 11, 3, 16, 0),
      vietnamDate(2023, 11, 6, 8, 0),
      "working_days",
      calendar,
    );
    expect(waitedWorkingHours).toBe(2);
  });

  it("folds every pause, an open one up to now", () => {
    const accepted = vietnamDate(2023, 10, 27, 9, 32);
    const pauses = [
      { pausedAt: vietnamDate(2023, 10, 30, 7, 0), resumedAt: vietnamDate(2023, 10, 30, 17, 0) },
      { pausedAt: vietnamDate(2023, 11, 1, 13, 30) },
    ];
    const result = appointmentWithPauses(accepted, { value: 5, unit: "working_days" }, pauses, calendar, {
      now: vietnamDate(2023, 11, 1, 17, 0),
    });
    // 8 h + 3.5 h waited, added to Fri 3 Nov 09:32 → Mon 6 Nov 15:02.
    expect(at(result)).toBe("2023-11-06 15:02");
    expect(() => appointmentWithPauses(accepted, { value: 5, unit: "working_days" }, pauses, calendar)).toThrow(
      /pauses\[1\]\.resumedAt/,
    );
    expect(() =>
      resumeAppointment(accepted, vietnamDate(2023, 11, 2), vietnamDate(2023, 11, 1), "working_days", calendar),
    ).toThrow(/resumedAt/);
  });

  // Tết 2026: Mon 16 – Fri 20 Feb off; a pause from Fri 13 Feb 09:00 to Mon 23 Feb 09:00 spans two weekends and Tết.
  const pausedAt = vietnamDate(2026, 2, 13, 9, 0);
  const resumedAt = vietnamDate(2026, 2, 23, 9, 0);

  it("a pause on a calendar-day procedure moves the appointment by the calendar days waited", () => {
    const days30 = { value: 30, unit: "calendar_days" } as const;
    const accepted = vietnamDate(2026, 2, 2, 9, 0);
    expect(at(computeAppointment(accepted, days30, calendar))).toBe("2026-03-04 17:00");
    const resumed = resumeAppointment(vietnamDate(2026, 3, 4, 17, 0), pausedAt, resumedAt, "calendar_days", calendar);
    // 10 calendar days: Wed 4 Mar + 10 = Sat 14 Mar, moved off the weekend to Mon 16 Mar. In working time it
    // would be 8 hours (6 on Fri 13, 2 on Mon 23) and Thu 5 Mar.
    expect(resumed).toMatchObject({ waitedCalendarDays: 10, waitedWorkingHours: 8 });
    expect(at(resumed.appointmentAt)).toBe("2026-03-16 17:00");
    expect(at(appointmentWithPauses(accepted, days30, [{ pausedAt, resumedAt }], calendar))).toBe("2026-03-16 17:00");
    // A pause begun and ended on one day does not move a limit counted in days.
    const sameDay = resumeAppointment(
      vietnamDate(2026, 3, 4, 17, 0),
      vietnamDate(2026, 2, 24, 8, 0),
      vietnamDate(2026, 2, 24, 16, 0),
      "calendar_days",
      calendar,
    );
    expect(at(sameDay.appointmentAt)).toBe("2026-03-04 17:00");
    // Over a weekend alone: Fri 6 → Mon 9 Mar is 3 days, Tue 17 Mar → Fri 20 Mar (1 working day would give Wed 18).
    const weekend = resumeAppointment(
      vietnamDate(2026, 3, 17, 17, 0),
      vietnamDate(2026, 3, 6, 10, 0),
      vietnamDate(2026, 3, 9, 10, 0),
      "calendar_days",
      calendar,
    );
    expect(at(weekend.appointmentAt)).toBe("2026-03-20 17:00");
  });

  it("a pause on a working-day procedure over a weekend and Tết moves it by the working hours waited", () => {
    const days5 = { value: 5, unit: "working_days" } as const;
    const accepted = vietnamDate(2026, 2, 11, 9, 0);
    // Wed 11, Thu 12, Fri 13, (Tết), Mon 23, Tue 24: 5 working days end Wed 25 09:00.
    expect(at(computeAppointment(accepted, days5, calendar))).toBe("2026-02-25 09:00");
    const resumed = resumeAppointment(vietnamDate(2026, 2, 25, 9, 0), pausedAt, resumedAt, "working_days", calendar);
    expect(resumed).toMatchObject({ waitedCalendarDays: 10, waitedWorkingHours: 8 });
    expect(at(resumed.appointmentAt)).toBe("2026-02-26 09:00");
    expect(at(appointmentWithPauses(accepted, days5, [{ pausedAt, resumedAt }], calendar))).toBe("2026-02-26 09:00");
  });
});

describe("timeliness", () => {
  const appointment = vietnamDate(2023, 11, 3, 9, 32);

  it("judges by date: earlier day early, same day on time even after the hour, later late", () => {
    expect(classifyTimeliness(vietnamDate(2023, 11, 2, 16, 59), appointment)).toBe("early");
    expect(classifyTimeliness(vietnamDate(2023, 11, 3, 16, 30), appointment)).toBe("on_time");
    expect(classifyTimeliness(vietnamDate(2023, 11, 4, 0, 0), appointment)).toBe("late");
    // 23:30 UTC on 2 Nov is 06:30 on 3 Nov in Vietnam: on time.
    expect(classifyTimeliness(new Date("2023-11-02T23:30:00Z"), appointment)).toBe("on_time");
  });

  it("an open dossier is overdue only from the day after the appointment", () => {
    expect(isOverdue(vietnamDate(2023, 11, 3, 16, 0), appointment)).toBe(false);
    expect(isOverdue(vietnamDate(2023, 11, 4, 0, 1), appointment)).toBe(true);
    expect(deadlineState(vietnamDate(2023, 11, 6, 9, 0), appointment, calendar)).toBe("overdue");
  });

  it("is due soon within one working day of the appointment", () => {
    // 7 h 32 min of working time left at Thu 10:00, 8 h 32 min at Thu 09:00.
    expect(isDueSoon(vietnamDate(2023, 11, 2, 10, 0), appointment, calendar)).toBe(true);
    expect(isDueSoon(vietnamDate(2023, 11, 2, 9, 0), appointment, calendar)).toBe(false);
    expect(isDueSoon(vietnamDate(2023, 11, 1, 9, 0), appointment, calendar)).toBe(false);
    // Friday 17:00 before a Monday 09:32 appointment: 2.5 working hours left.
    expect(deadlineState(vietnamDate(2023, 11, 3, 17, 0), vietnamDate(2023, 11, 6, 9, 32), calendar)).toBe("due_soon");
    expect(deadlineState(vietnamDate(2023, 10, 30, 9, 0), appointment, calendar)).toBe("within_deadline");
    expect(deadlineState(vietnamDate(2023, 10, 30, 9, 0), appointment, calendar, { dueSoonWorkingHours: 40 })).toBe(
      "due_soon",
    );
  });
});
