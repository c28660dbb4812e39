import { describe, expect, it } from "@jest/globals";
import { vietnamDate, vietnameseDate, vietnameseDateTime, vietnameseTime } from "../src";

describe("dates and times as an administrative text writes them", () => {
  it("writes the date in words, with the leading zeros of Decree 30/2020 (days below 10, months 1–2)", () => {
    expect(vietnameseDate(vietnamDate(2026, 11, 21, 10, 15))).toBe("ngày 21 tháng 11 năm 2026");
    expect(vietnameseDate(vietnamDate(2026, 2, 5))).toBe("ngày 05 tháng 02 năm 2026");
    expect(vietnameseDate(vietnamDate(2026, 3, 9, 23, 59))).toBe("ngày 09 tháng 3 năm 2026");
  });

  it("uses the calendar date and the clock in Vietnam, not in UTC", () => {
    // 17:30 UTC on 20 November is 00:30 on the 21st in Vietnam; 17:00 UTC on 31 December is New Year's Day.
    expect(vietnameseDate(new Date("2026-11-20T17:30:00Z"))).toBe("ngày 21 tháng 11 năm 2026");
    expect(vietnameseDate(new Date("2026-12-31T17:00:00Z"))).toBe("ngày 01 tháng 01 năm 2027");
    expect(vietnameseTime(new Date("2026-12-02T01:05:00Z"))).toBe("08 giờ 05");
    expect(vietnameseDateTime(new Date("2026-11-20T17:30:00Z"))).toBe("00 giờ 30, ngày 21 tháng 11 năm 2026");
  });
});
