/** Vietnam keeps one offset all year (UTC+7); documents show the local calendar date. */
export const VIETNAM_TIME_ZONE = "Asia/Ho_Chi_Minh";

/**
 * "ngày 21 tháng 11 năm 2026". Decree 30/2020/NĐ-CP asks for a leading zero on
 * days below 10 and on months 1 and 2 ("ngày 05 tháng 02 năm 2026"), so that a
 * handwritten digit cannot be slipped in front.
 */
export function formatVietnameseDate(date: Date, timeZone = VIETNAM_TIME_ZONE): string {
  const { day, month, year } = calendarDate(date, timeZone);
  const dayText = day < 10 ? `0${day}` : String(day);
  const monthText = month <= 2 ? `0${month}` : String(month);
  return `ngày ${dayText} tháng ${monthText} năm ${year}`;
}

/** "10:15 ngày 21 tháng 11 năm 2026", for signing times in reports. */
export function formatVietnameseDateTime(date: Date, timeZone = VIETNAM_TIME_ZONE): string {
  const time = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hour12: false }).format(
    date,
  );
  return `${time} ${formatVietnameseDate(date, timeZone)}`;
}

// Building a DateTimeFormat costs far more than formatting with one: one per time zone.
const calendarFormats = new Map<string, Intl.DateTimeFormat>();

function calendarDate(date: Date, timeZone: string): { day: number; month: number; year: number } {
  if (timeZone === VIETNAM_TIME_ZONE) {
    // One offset all year, no daylight saving: the local date is UTC+7's, without Intl.
    const local = new Date(date.getTime() + 7 * 3600 * 1000);
    return { day: local.getUTCDate(), month: local.getUTCMonth() + 1, year: local.getUTCFullYear() };
  }
  let format = calendarFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "numeric", day: "numeric" });
    calendarFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(date).reduce<Record<string, number>>((found, part) => {
    if (part.type !== "literal") found[part.type] = Number(part.value);
    return found;
  }, {});
  return { day: parts.day ?? 0, month: parts.month ?? 0, year: parts.year ?? 0 };
}

/**
 * ISO 8601 with Vietnam's offset, to the second: "2026-11-21T10:15:00+07:00".
 * Decree 30/2020/NĐ-CP asks for the signing time in this form on the visible signature.
 */
export function formatIsoVietnam(date: Date): string {
  const local = new Date(date.getTime() + 7 * 3600 * 1000).toISOString();
  return `${local.slice(0, 19)}+07:00`;
}
