/**
 * ISO 8601 with Vietnam's offset, to the second: "2026-11-21T10:15:00+07:00".
 * Decree 30/2020/NĐ-CP asks for the signing time in this form on the visible signature.
 * Dates in words are libs/domain's (vietnameseDate, vietnameseDateTime).
 */
export function formatIsoVietnam(date: Date): string {
  const local = new Date(date.getTime() + 7 * 3600 * 1000).toISOString();
  return `${local.slice(0, 19)}+07:00`;
}
