import i18next from "i18next";
import type { StatusLabel } from "./settings";

/** A time in the page's language, in Vietnam's time zone (the platform's calendar). */
export function dateTime(iso: string | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(i18next.language === "en" ? "en-GB" : "vi-VN", {
    timeZone: "Asia/Ho_Chi_Minh",
    dateStyle: "short",
    timeStyle: "medium",
  });
}

/** "9 — Đã xử lý xong": the status code with its label from the platform's status table. */
export function statusText(code: number, statuses: readonly StatusLabel[]): string {
  const label = statuses.find((status) => status.code === code);
  if (!label) return String(code);
  return `${code} — ${i18next.language === "en" ? label.en : label.vi}`;
}
