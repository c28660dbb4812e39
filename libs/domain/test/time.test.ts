import { formatVietnamDate, toVietnamParts, vietnamDate } from "../src";

describe("Vietnam time", () => {
  it("reads an instant in UTC+7 whatever the host time zone", () => {
    // 2023-10-27T02:32Z is 09:32 on Friday in Vietnam.
    expect(toVietnamParts(new Date("2023-10-27T02:32:00Z"))).toEqual({
      year: 2023,
      month: 10,
      day: 27,
      hour: 9,
      minute: 32,
      weekday: 5,
    });
  });

  it("crosses midnight seven hours before UTC does", () => {
    const lateUtc = new Date("2025-12-31T17:30:00Z");
    expect(formatVietnamDate(lateUtc)).toBe("2026-01-01");
    expect(toVietnamParts(lateUtc).weekday).toBe(4);
  });

  it("builds an instant from Vietnam wall-clock time", () => {
    expect(vietnamDate(2023, 10, 27, 9, 32).toISOString()).toBe("2023-10-27T02:32:00.000Z");
    expect(vietnamDate(2026, 1, 1).toISOString()).toBe("2025-12-31T17:00:00.000Z");
  });

  it("rejects impossible dates", () => {
    expect(() => vietnamDate(2025, 2, 29)).toThrow(/not a valid Vietnam date/);
    expect(() => vietnamDate(2025, 13, 1)).toThrow();
    expect(() => toVietnamParts(new Date("nonsense"))).toThrow(/not a valid date/);
  });
});
