import { readFileSync } from "node:fs";
import fc from "fast-check";
import {
  createCalendar,
  formatVietnamDate,
  parseCalendarOverrides,
  statutoryHolidays,
  toVietnamParts,
  vietnamDate,
} from "../src";
import { describeWithSharedData } from "./shared-data";

const calendar = createCalendar();
const fmt = (d: Date) => {
  const p = toVietnamParts(d);
  return `${formatVietnamDate(d)} ${String(p.hour).padStart(2, "0")}:${String(p.minute).padStart(2, "0")}`;
};

describe("working calendar — basics", () => {
  it("reproduces the worked example: Fri 27/10/2023 09:32 + 5 working days → Fri 03/11/2023", () => {
    const due = calendar.addWorkingDays(vietnamDate(2023, 10, 27, 9, 32), 5);
    expect(fmt(due)).toBe("2023-11-03 09:32");
    expect(toVietnamParts(due).weekday).toBe(5);
  });

  it("counts a 17:30 submission from the next working morning", () => {
    const friday1730 = vietnamDate(2023, 10, 27, 17, 30);
    expect(fmt(calendar.nextWorkingInstant(friday1730))).toBe("2023-10-30 07:00");
    expect(fmt(calendar.addWorkingHours(friday1730, 1))).toBe("2023-10-30 08:00");
    expect(fmt(calendar.addWorkingDays(friday1730, 1))).toBe("2023-10-30 17:00");
    expect(fmt(calendar.addWorkingDays(vietnamDate(2023, 10, 28, 10, 0), 2))).toBe("2023-10-31 17:00");
  });

  it("skips the lunch break", () => {
    expect(fmt(calendar.addWorkingHours(vietnamDate(2023, 11, 1, 11, 0), 1))).toBe("2023-11-01 14:00");
    expect(calendar.workingHoursBetween(vietnamDate(2023, 11, 1, 11, 0), vietnamDate(2023, 11, 1, 14, 0))).toBe(1);
  });

  it("takes extra holidays and working Saturdays as plain lists", () => {
    const plain = createCalendar({
      statutoryHolidays: false,
      overrides: [],
      holidays: ["2023-10-30"],
      workingSaturdays: ["2023-10-28"],
    });
    expect(plain.isWorkingDay(vietnamDate(2023, 10, 28))).toBe(true);
    expect(plain.isWorkingDay(vietnamDate(2023, 10, 30))).toBe(false);
    expect(fmt(plain.addWorkingDays(vietnamDate(2023, 10, 27, 9, 32), 2))).toBe("2023-10-31 09:32");
    expect(plain.isWorkingDay(vietnamDate(2026, 9, 2))).toBe(true);
  });

  it("uses a province's own working hours", () => {
    const custom = createCalendar({
      provinceWorkingHours: {
        "38": [
          { start: "07:30", end: "11:30" },
          { start: "13:00", end: "17:00" },
        ],
      },
    });
    expect(custom.hoursPerDay("38")).toBe(8);
    expect(fmt(custom.nextWorkingInstant(vietnamDate(2023, 10, 30, 7, 0), "38"))).toBe("2023-10-30 07:30");
    expect(fmt(custom.nextWorkingInstant(vietnamDate(2023, 10, 30, 7, 0), "01"))).toBe("2023-10-30 07:00");
    expect(() => createCalendar({ workingHours: [{ start: "13:00", end: "12:00" }] })).toThrow(
      /workingHours\[0\]: end must be after start/,
    );
    expect(() => createCalendar({ holidays: ["2026-02-30"] })).toThrow(/holidays\[0\]/);
  });
});

describe("working calendar — Vietnamese holidays", () => {
  const off = (y: number, m: number, d: number, province?: string) =>
    !calendar.isWorkingDay(vietnamDate(y, m, d, 9), province);

  it("Tết 2025: Mon 27 – Fri 31 Jan off, Mon 3 Feb back", () => {
    for (let d = 27; d <= 31; d += 1) expect(off(2025, 1, d)).toBe(true);
    expect(off(2025, 1, 24)).toBe(false);
    expect(off(2025, 2, 3)).toBe(false);
    expect(fmt(calendar.addWorkingDays(vietnamDate(2025, 1, 24, 9, 0), 1))).toBe("2025-02-03 09:00");
  });

  it("Tết 2026: Mon 16 – Fri 20 Feb off", () => {
    for (let d = 16; d <= 20; d += 1) expect(off(2026, 2, d)).toBe(true);
    expect(off(2026, 2, 13)).toBe(false);
    expect(off(2026, 2, 23)).toBe(false);
    expect(calendar.holidayName(vietnamDate(2026, 2, 17))).toMatch(/Tết/);
  });

  it("National Day 2026: Mon 31 Aug – Wed 2 Sep off and Sat 22 Aug worked", () => {
    expect([off(2026, 8, 31), off(2026, 9, 1), off(2026, 9, 2), off(2026, 9, 3)]).toEqual([true, true, true, false]);
    expect(off(2026, 8, 22)).toBe(false);
    expect(off(2026, 8, 29)).toBe(true);
    expect(fmt(calendar.addWorkingDays(vietnamDate(2026, 8, 21, 17, 0), 1))).toBe("2026-08-22 17:00");
  });

  it("Hùng Kings 2026 falls on Sunday 26 Apr and gives Monday 27 Apr off", () => {
    expect(statutoryHolidays(2026).filter((h) => h.date.startsWith("2026-04-2"))).toEqual([
      { date: "2026-04-26", name: "Giỗ Tổ Hùng Vương" },
      { date: "2026-04-27", name: "Nghỉ bù Giỗ Tổ Hùng Vương" },
    ]);
    expect(off(2026, 4, 27)).toBe(true);
    expect(off(2026, 4, 28)).toBe(false);
  });

  it("applies the 2024 swap: Mon 29 Apr off, Sat 4 May worked", () => {
    expect(off(2024, 4, 29)).toBe(true);
    expect(off(2024, 5, 4)).toBe(false);
    expect(createCalendar({ overrides: [] }).isWorkingDay(vietnamDate(2024, 4, 29, 9))).toBe(true);
  });

  it("applies the 2025 swap: Fri 2 May off, Sat 26 Apr worked, and deadlines across it count so", () => {
    expect(off(2025, 5, 2)).toBe(true);
    expect(off(2025, 4, 26)).toBe(false);
    expect(calendar.holidayName(vietnamDate(2025, 5, 2))).toMatch(/hoán đổi/);
    // Fri 25 Apr 09:00 + 3 working days: Fri, Sat 26, Mon 28 → Tue 29 09:00 (without the swap, Fri 2 May).
    expect(fmt(calendar.addWorkingDays(vietnamDate(2025, 4, 25, 9, 0), 3))).toBe("2025-04-29 09:00");
    // Tue 29 Apr 09:00 + 1 working day: 30 Apr – 4 May off → Mon 5 May 09:00 (without the swap, Fri 2 May).
    expect(fmt(calendar.addWorkingDays(vietnamDate(2025, 4, 29, 9, 0), 1))).toBe("2025-05-05 09:00");
  });

  it("applies a province-only decision in that province alone", () => {
    const table = parseCalendarOverrides({
      version: "t1",
      overrides: [{ date: "2026-03-10", kind: "holiday", name: "Ngày lễ địa phương", provinceCode: "38" }],
    });
    const local = createCalendar({ overrides: table.overrides });
    expect(local.isWorkingDay(vietnamDate(2026, 3, 10), "38")).toBe(false);
    expect(local.isWorkingDay(vietnamDate(2026, 3, 10), "33")).toBe(true);
    expect(local.isWorkingDay(vietnamDate(2026, 3, 10))).toBe(true);
  });

  it("validates the override table naming entry and field", () => {
    expect(() =>
      parseCalendarOverrides({ version: "x", overrides: [{ date: "2026-02-30", kind: "holiday", name: "a" }] }),
    ).toThrow(/overrides\[0\]\.date/);
    expect(() =>
      parseCalendarOverrides({ version: "x", overrides: [{ date: "2026-02-03", kind: "off", name: "a" }] }),
    ).toThrow(/overrides\[0\]\.kind/);
    expect(() =>
      parseCalendarOverrides({
        version: "x",
        overrides: [
          { date: "2026-02-03", kind: "holiday", name: "a" },
          { date: "2026-02-03", kind: "working_day", name: "b" },
        ],
      }),
    ).toThrow(/overrides\[1\] second entry for 2026-02-03/);
  });
});

describeWithSharedData("vn-holidays-1950-2050.json", "statutory holidays agree with the reference file", (path) => {
  const reference = JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
  for (let year = 2025; year <= 2030; year += 1) {
    it(`${year}: the same days, and none of them a working day`, () => {
      const expected = Object.keys(reference)
        .filter((d) => d.startsWith(`${year}-`))
        .sort();
      expect(statutoryHolidays(year).map((h) => h.date)).toEqual(expected);
      for (const date of expected) {
        const [y, m, d] = date.split("-").map(Number) as [number, number, number];
        expect(calendar.isWorkingDay(vietnamDate(y, m, d, 9))).toBe(false);
      }
    });
  }
});

describe("working-time arithmetic — properties", () => {
  // Instants from 2024 to 2031, to the minute, and durations up to 40 working days.
  const instant = fc
    .integer({ min: 0, max: 8 * 365 * 24 * 60 })
    .map((m) => new Date(vietnamDate(2024, 1, 1).getTime() + m * 60_000));
  const hours = fc.integer({ min: 0, max: 320 * 4 }).map((quarter) => quarter / 4);

  it("adding n then m equals adding n + m", () => {
    fc.assert(
      fc.property(instant, hours, hours, (t, n, m) => {
        expect(calendar.addWorkingHours(calendar.addWorkingHours(t, n), m).getTime()).toBe(
          calendar.addWorkingHours(t, n + m).getTime(),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("is monotonic and measured back exactly by workingHoursBetween", () => {
    fc.assert(
      fc.property(instant, hours, hours, (t, n, extra) => {
        const a = calendar.addWorkingHours(t, n);
        const b = calendar.addWorkingHours(t, n + extra);
        expect(b.getTime()).toBeGreaterThanOrEqual(a.getTime());
        expect(calendar.workingHoursBetween(t, a)).toBeCloseTo(n, 9);
      }),
      { numRuns: 300 },
    );
  });

  it("always lands inside working hours of a working day", () => {
    fc.assert(
      fc.property(
        instant,
        hours.filter((h) => h > 0),
        (t, n) => {
          const due = calendar.addWorkingHours(t, n);
          expect(calendar.isWorkingDay(due)).toBe(true);
          const { hour, minute } = toVietnamParts(due);
          const minuteOfDay = hour * 60 + minute;
          expect(
            (minuteOfDay > 7 * 60 && minuteOfDay <= 11 * 60 + 30) ||
              (minuteOfDay > 13 * 60 + 30 && minuteOfDay <= 17 * 60),
          ).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
