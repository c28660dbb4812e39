import { toVietnamParts } from "./time";

/*
 * Dates and times as an administrative text writes them for a citizen, in
 * Vietnam time: the result document, the verification report, the mails, the
 * apology. ISO 8601 stays in machine fields (events, webhook JSON, APIs).
 */

const twoDigits = (value: number): string => String(value).padStart(2, "0");

/**
 * "ngày 02 tháng 12 năm 2026". Decree 30/2020/NĐ-CP writes a leading zero on
 * days below 10 and on months 1 and 2 ("ngày 05 tháng 02 năm 2026", but
 * "tháng 3"), so that a handwritten digit cannot be slipped in front.
 */
export function vietnameseDate(date: Date): string {
  const { year, month, day } = toVietnamParts(date);
  return `ngày ${twoDigits(day)} tháng ${month <= 2 ? twoDigits(month) : String(month)} năm ${year}`;
}

/** "17 giờ 00", "08 giờ 05". */
export function vietnameseTime(date: Date): string {
  const { hour, minute } = toVietnamParts(date);
  return `${twoDigits(hour)} giờ ${twoDigits(minute)}`;
}

/** "17 giờ 00, ngày 02 tháng 12 năm 2026": the time first, as an appointment slip (giấy hẹn) writes it. */
export function vietnameseDateTime(date: Date): string {
  return `${vietnameseTime(date)}, ${vietnameseDate(date)}`;
}
