import {
  KNOWN_CALENDAR_OVERRIDES,
  calendarWithProvinces,
  formatVietnamDate,
  parseProvinceCalendars,
  toVietnamParts,
  vietnamDate,
} from "../src";

const fmt = (d: Date) => {
  const p = toVietnamParts(d);
  return `${formatVietnamDate(d)} ${String(p.hour).padStart(2, "0")}:${String(p.minute).padStart(2, "0")}`;
};

const settings = {
  provinces: {
    "01": {
      workingHours: [
        { start: "08:00", end: "12:00" },
        { start: "13:00", end: "17:00" },
      ],
      overrides: [
        { date: "2026-03-10", kind: "holiday", name: "Nghỉ do bão", source: "Công điện của UBND tỉnh" },
        { date: "2026-03-14", kind: "working_day", name: "Làm bù cho ngày 10/3/2026" },
      ],
    },
    "38": { overrides: [] },
  },
};

describe("province calendars from a deployment's settings", () => {
  const calendar = calendarWithProvinces(KNOWN_CALENDAR_OVERRIDES, parseProvinceCalendars(settings));

  it("counts a province's own working hours, and the default elsewhere", () => {
    expect(calendar.hoursPerDay("01")).toBe(8);
    expect(fmt(calendar.nextWorkingInstant(vietnamDate(2026, 3, 9, 7, 0), "01"))).toBe("2026-03-09 08:00");
    expect(fmt(calendar.addWorkingHours(vietnamDate(2026, 3, 9, 11, 30), 1, "01"))).toBe("2026-03-09 13:30");
    expect(fmt(calendar.nextWorkingInstant(vietnamDate(2026, 3, 9, 7, 0), "38"))).toBe("2026-03-09 07:00");
  });

  it("applies the province's own days off and working days there only, over the national decisions", () => {
    expect(calendar.isWorkingDay(vietnamDate(2026, 3, 10, 9), "01")).toBe(false);
    expect(calendar.isWorkingDay(vietnamDate(2026, 3, 14, 9), "01")).toBe(true);
    expect(calendar.isWorkingDay(vietnamDate(2026, 3, 10, 9), "38")).toBe(true);
    expect(calendar.isWorkingDay(vietnamDate(2026, 3, 14, 9), "38")).toBe(false);
    // Mon 9 Mar 16:00 + 1 working day in Hà Nội: 1 h Mon, Tue off, 7 h on Wed 11 → 16:00 (Sat 14 not reached).
    expect(fmt(calendar.addWorkingDays(vietnamDate(2026, 3, 9, 16, 0), 1, "01"))).toBe("2026-03-11 16:00");
    // The national decisions still hold in the province: Tết 2026.
    expect(calendar.isWorkingDay(vietnamDate(2026, 2, 16, 9), "01")).toBe(false);
  });

  it("lets the province's entry win over the decision table's for the same day", () => {
    const swapped = calendarWithProvinces(
      KNOWN_CALENDAR_OVERRIDES,
      parseProvinceCalendars({
        provinces: { "38": { overrides: [{ date: "2026-08-22", kind: "holiday", name: "Không làm bù" }] } },
      }),
    );
    expect(swapped.isWorkingDay(vietnamDate(2026, 8, 22, 9), "38")).toBe(false);
    expect(swapped.isWorkingDay(vietnamDate(2026, 8, 22, 9), "01")).toBe(true);
    // Also over an entry the table itself has for the province.
    const table = {
      version: "t1",
      overrides: [{ date: "2026-03-10", kind: "working_day" as const, name: "Ngày làm việc", provinceCode: "38" }],
    };
    const closed = calendarWithProvinces(
      table,
      parseProvinceCalendars({
        provinces: { "38": { overrides: [{ date: "2026-03-10", kind: "holiday", name: "Bão" }] } },
      }),
    );
    expect(closed.isWorkingDay(vietnamDate(2026, 3, 10, 9), "38")).toBe(false);
  });

  it("sets the default working hours of provinces that set none", () => {
    const late = calendarWithProvinces(
      KNOWN_CALENDAR_OVERRIDES,
      parseProvinceCalendars({ workingHours: [{ start: "07:30", end: "16:30" }], provinces: {} }),
    );
    expect(late.hoursPerDay("38")).toBe(9);
  });

  it("refuses a wrong file, naming each field", () => {
    const refusal = (data: unknown, known?: (code: string) => boolean): string => {
      try {
        parseProvinceCalendars(data, known);
      } catch (error) {
        return (error as Error).message;
      }
      return "accepted";
    };
    expect(refusal({ provinces: { "38": { workingHours: [{ start: "13:30", end: "11:30" }] } } })).toMatch(
      /provinces\.38\.workingHours\[0\] end must be after start/,
    );
    expect(
      refusal({
        provinces: {
          "38": {
            workingHours: [
              { start: "07:00", end: "11:30" },
              { start: "11:00", end: "17:00" },
            ],
          },
        },
      }),
    ).toMatch(/provinces\.38\.workingHours\[1\] periods must be in order and not overlap/);
    expect(refusal({ provinces: { "38": { workingHours: [{ start: "7:00", end: "11:30" }] } } })).toMatch(
      /provinces\.38\.workingHours\[0\]\.start "7:00" is not an HH:MM time/,
    );
    expect(refusal({ provinces: { "38": { workingHours: [] } } })).toMatch(
      /provinces\.38\.workingHours must have at least one working period/,
    );
    expect(
      refusal({ provinces: { "38": { overrides: [{ date: "2026-02-30", kind: "holiday", name: "a" }] } } }),
    ).toMatch(/provinces\.38\.overrides\[0\]\.date "2026-02-30" is not a calendar date/);
    expect(refusal({ provinces: { "38": { overrides: [{ date: "2026-02-03", kind: "off", name: "a" }] } } })).toMatch(
      /provinces\.38\.overrides\[0\]\.kind/,
    );
    expect(
      refusal({
        provinces: {
          "38": {
            overrides: [
              { date: "2026-02-03", kind: "holiday", name: "a" },
              { date: "2026-02-03", kind: "working_day", name: "b" },
            ],
          },
        },
      }),
    ).toMatch(/provinces\.38\.overrides\[1\] second entry for 2026-02-03/);
    expect(refusal({ provinces: { "038": {} } })).toMatch(/provinces\.038/);
    expect(refusal({ provinces: { "38": { workingHour: [] } } })).toMatch(/provinces\.38/);
    expect(refusal({ provinces: { "99": {} } }, (code) => code === "38")).toMatch(
      /provinces\.99 is not a province of the units/,
    );
    expect(refusal({})).toMatch(/provinces/);
  });
});
