/**
 * Statutory public holidays (Labour Code 2019, art. 112, in force since 2021)
 * computed from rules. The government fixes the exact days of
 * Tết and of the second National Day each year; the rules below give the
 * usual choice and `calendar-overrides.ts` records the actual decisions.
 */
import { lunarNewYear, lunarToGregorian } from "./lunar";
import { dayNumberOfIsoDate, isoDateOfDayNumber, weekdayOfDayNumber } from "./time";

export interface Holiday {
  /** YYYY-MM-DD */
  date: string;
  name: string;
}

const SATURDAY = 6;
const SUNDAY = 0;
const isWeekend = (day: number): boolean => {
  const weekday = weekdayOfDayNumber(day);
  return weekday === SATURDAY || weekday === SUNDAY;
};

const dayOf = (year: number, month: number, day: number): number =>
  dayNumberOfIsoDate(`${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`);

/**
 * The second National Day holiday is "the day before or after" 2 Sep
 * (art. 112(1)(đ)): the side that joins the weekend where there is a choice,
 * as in the decisions of 2021–2025, so it never lands on a weekend itself.
 */
const NATIONAL_DAY_SECOND_OFFSET: Record<number, number> = { 0: +1, 1: +1, 2: -1, 3: -1, 4: +1, 5: -1, 6: -1 };

/** Statutory holidays of a Gregorian year, sorted, with the days taken in lieu. */
export function statutoryHolidays(year: number): Holiday[] {
  const names = new Map<number, string>();
  const add = (day: number, name: string): number => {
    if (!names.has(day)) names.set(day, name);
    return day;
  };

  const newYear = add(dayOf(year, 1, 1), "Tết Dương lịch");

  // Tết: five days, lunar New Year's Eve to the 4th day of the 1st month.
  const tet = lunarNewYear(year);
  const tetDay = dayOf(tet.year, tet.month, tet.day);
  const tetNames = [
    "Giao thừa Tết Nguyên đán",
    "Mùng 1 Tết Nguyên đán",
    "Mùng 2 Tết Nguyên đán",
    "Mùng 3 Tết Nguyên đán",
    "Mùng 4 Tết Nguyên đán",
  ];
  const tetDays = tetNames.map((name, i) => add(tetDay - 1 + i, name));

  const hung = lunarToGregorian(year, 3, 10);
  const hungKings = add(dayOf(hung.year, hung.month, hung.day), "Giỗ Tổ Hùng Vương");
  const reunification = add(dayOf(year, 4, 30), "Ngày Chiến thắng");
  const labour = add(dayOf(year, 5, 1), "Ngày Quốc tế Lao động");
  const nationalDay = add(dayOf(year, 9, 2), "Quốc khánh");
  add(nationalDay + (NATIONAL_DAY_SECOND_OFFSET[weekdayOfDayNumber(nationalDay)] ?? 1), "Quốc khánh");

  const isOff = (day: number): boolean => isWeekend(day) || names.has(day);
  const nextWorking = (day: number): number => {
    let d = day + 1;
    while (isOff(d)) d += 1;
    return d;
  };
  const previousWorking = (day: number): number => {
    let d = day - 1;
    while (isOff(d)) d -= 1;
    return d;
  };

  // Tết days on a weekend are given back around the holiday so the five days
  // off are five working days: a Saturday before the block, a Sunday after it.
  for (const day of tetDays) {
    const weekday = weekdayOfDayNumber(day);
    if (weekday === SATURDAY) add(previousWorking(day), "Nghỉ bù Tết Nguyên đán");
    else if (weekday === SUNDAY) add(nextWorking(day), "Nghỉ bù Tết Nguyên đán");
  }

  // A single-day holiday on a weekly rest day is taken on the next working day (art. 111(3)).
  for (const day of [newYear, hungKings, reunification, labour, nationalDay].sort((a, b) => a - b)) {
    if (isWeekend(day)) add(nextWorking(day), `Nghỉ bù ${names.get(day) ?? ""}`.trim());
  }

  return [...names].sort(([a], [b]) => a - b).map(([day, name]) => ({ date: isoDateOfDayNumber(day), name }));
}
