import i18next from "i18next";
import type { StatusLabel } from "./settings";

const locale = () => (i18next.language === "en" ? "en-GB" : "vi-VN");

/** A time in the page's language, in Vietnam's time zone (the platform's calendar). */
export function dateTime(iso: string | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(locale(), {
    timeZone: "Asia/Ho_Chi_Minh",
    dateStyle: "short",
    timeStyle: "medium",
  });
}

/** The time of day alone, in Vietnam's time zone like every other time the console shows. */
export function timeOfDay(at: Date): string {
  return at.toLocaleTimeString(locale(), { timeZone: "Asia/Ho_Chi_Minh" });
}

/** "9 — Đã xử lý xong": the status code with its label from the platform's status table. */
export function statusText(code: number, statuses: readonly StatusLabel[]): string {
  const label = statuses.find((status) => status.code === code);
  if (!label) return String(code);
  return `${code} — ${i18next.language === "en" ? label.en : label.vi}`;
}
