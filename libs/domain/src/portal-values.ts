/**
 * Values as the national and provincial portals publish them (Cổng Dịch vụ
 * công), read into the catalog's own: "30 Ngày làm việc", "15 ngày", "Trong
 * ngày", "Lệ phí: 50.000 Đồng", "Toàn trình". A value that names no single
 * number the platform can act on is refused with the reason, never guessed.
 */
import type { ProcessingTime } from "./catalog";

export type Parsed<T> = { value: T } | { problem: string };

const normalised = (text: string): string => text.normalize("NFC").trim().replace(/\s+/g, " ").toLocaleLowerCase("vi");

// \b knows ASCII letters only ("có", "giờ" end in letters it does not): a word ends at a space, a stop or the end.
const WORD_END = "(?=$|[\\s,;.:)])";
const NO_RULE = new RegExp(`^(không quy định|theo quy định|chưa quy định|không có)${WORD_END}`);
const SAME_DAY = /^(ngay )?trong (ngày|ngày làm việc|buổi)$/;
const DURATION = new RegExp(
  `(\\d+(?:[.,]\\d+)*) ?(ngày làm việc|ngày|giờ làm việc|giờ|tuần|tháng|năm)${WORD_END}`,
  "g",
);
/** Words around the number that do not change it ("Trong thời hạn 05 ngày làm việc kể từ ngày nhận đủ hồ sơ"). */
const LEAD = /^(trong thời hạn|trong vòng|trong|không quá|tối đa|chậm nhất)\s/;
/** Where the limit counts from; any second limit in the cell was counted before this is cut. */
const TAIL = /\s?(,|;|\.)?\s?(kể từ|tính từ).*$/;

/** "1.000" is a thousand (Vietnamese groups thousands with a dot), "0,5" and "0.5" a half. */
function numberOf(text: string): number {
  return Number(/^\d{1,3}(\.\d{3})+$/.test(text) ? text.replace(/\./g, "") : text.replace(",", "."));
}

/**
 * A time limit as the portal writes it. "Ngày làm việc" is working days;
 * "ngày" alone is calendar days (the Civil Code counts a limit in days as
 * days, art. 146–148, and the catalog's texts say "làm việc" when they mean
 * it); "Trong ngày" is the same day. Refused: no limit ("Không quy định": every
 * accepted dossier is given an appointment, so the catalog needs one), hours
 * (the platform counts in days), weeks and months, and two limits in one cell.
 */
export function parseProcessingTimeText(text: string): Parsed<ProcessingTime> {
  const value = normalised(text);
  if (value === "") return { problem: "is empty: give the time limit, e.g. 30 ngày làm việc, 15 ngày or Trong ngày" };
  if (NO_RULE.test(value))
    return {
      problem: `"${text.trim()}" sets no time limit; every accepted dossier gets an appointment, so give one (e.g. 30 ngày làm việc)`,
    };
  // Counted on the whole cell: a second limit may follow the first one's "kể từ …".
  const limits = [...value.matchAll(DURATION)].length;
  if (limits > 1)
    return {
      problem: `"${text.trim()}" gives ${limits} time limits: give the one for a complete dossier (a case that takes longer is an extension)`,
    };
  // A full stop ending the cell ends the sentence, not the limit.
  const limit = value.replace(TAIL, "").replace(/\.$/, "");
  if (SAME_DAY.test(limit)) return { value: { value: 1, unit: "same_day" } };
  const body = limit.replace(LEAD, "");
  const durations = [...body.matchAll(DURATION)];
  if (durations.length === 0)
    return {
      problem: `"${text.trim()}" is not a time limit the platform reads: write e.g. 30 ngày làm việc, 15 ngày or Trong ngày`,
    };
  const [match, number, unit] = durations[0]!;
  if (body !== match)
    return {
      problem: `"${text.trim()}" says more than a time limit: write only the limit, e.g. 30 ngày làm việc`,
    };
  if (unit !== "ngày làm việc" && unit !== "ngày")
    return {
      problem: `"${text.trim()}" counts in ${unit}: the platform counts time limits in days; write ngày làm việc (8 working hours a day), ngày or Trong ngày`,
    };
  const amount = numberOf(number!);
  if (!(amount > 0)) return { problem: `"${text.trim()}" must be more than 0 days` };
  if (unit === "ngày" && !Number.isInteger(amount))
    return { problem: `"${text.trim()}": calendar days must be whole; half days are counted in ngày làm việc` };
  return { value: { value: amount, unit: unit === "ngày" ? "calendar_days" : "working_days" } };
}

const FREE = /^(0|miễn phí|miễn thu|miễn|không thu|không thu phí|không thu phí, lệ phí|không mất phí|không|không có)$/;
/**
 * One amount: 50.000 and 50,000 (groups of three) or 50000 ("50,5" is a
 * decimal and refused), the currency after it or against it ("50.000đ"), and
 * "per dossier" ("/hồ sơ", "/bộ hồ sơ", "/lần"), which is the fixed amount the payment asks.
 */
const AMOUNT = /^(\d{1,3}(?:[.,]\d{3})+|\d+) ?(đồng|đ|vnđ|vnd)?(?: ?\/ ?(?:(?:01|1|một|mỗi) )?(?:bộ )?(?:hồ sơ|lần))?$/;
/** Parts of a fee the applicant pays together: one per line, or after ";", "và", "+", or a comma before a word. */
const PARTS = /;| và | \+ |,(?= ?[^\d\s])/;
/** "Phí:", "Lệ phí thẩm định:": the part's label. */
const LABEL = /^[^:\d]*:\s*/;

/**
 * A fee as the portal writes it: "Phí: 0 Đồng", "Lệ phí: 50.000 Đồng",
 * "100.000 đồng", "50.000đ", "100.000 đồng/hồ sơ", "Miễn phí", or several
 * parts ("Phí: 10.000 Đồng; Lệ phí: 20.000 Đồng", one per line, or after a
 * comma), which the applicant pays together, so they are added up; a part may
 * be free ("Lệ phí: Miễn phí", "Phí: Không"). The payment request asks for this
 * amount, so refused: no amount ("Không quy định", "Theo quy định"), a share
 * ("0,5%") or a rate per unit ("2.000 đồng/trang"), which depend on the case,
 * decimals of a đồng and other currencies.
 */
export function parseFeeText(text: string): Parsed<number> {
  const value = normalised(text);
  if (value === "") return { problem: "is empty: give the fee in đồng, 0 (or Miễn phí) when free" };
  if (FREE.test(value)) return { value: 0 };
  if (NO_RULE.test(value))
    return {
      problem: `"${text.trim()}" names no amount; the payment request needs one: give the amount in đồng, 0 (Miễn phí) when free`,
    };
  if (value.includes("%"))
    return {
      problem: `"${text.trim()}" is a share of a value, which depends on the case: give a fixed amount in đồng per dossier`,
    };
  let total = 0;
  const parts = text.split(/\r?\n/).flatMap((line) => normalised(line).split(PARTS));
  for (const part of parts) {
    const cell = part.trim().replace(LABEL, "");
    if (cell === "" || FREE.test(cell)) continue;
    const amount = AMOUNT.exec(cell);
    if (!amount) {
      if (cell.includes("/") || cell.includes(" mỗi ") || cell.includes(" một "))
        return {
          problem: `"${text.trim()}" is a rate per unit, which depends on the case: give a fixed amount in đồng per dossier`,
        };
      return {
        problem: `"${text.trim()}" is not an amount the platform reads: write e.g. Phí: 0 Đồng, Lệ phí: 50.000 Đồng or 50000 (whole đồng)`,
      };
    }
    total += Number(amount[1]!.replace(/[.,]/g, ""));
  }
  if (!Number.isSafeInteger(total)) return { problem: `"${text.trim()}" is not a whole number of đồng` };
  return { value: total };
}

/** Offered fully or partly online, or not offered online (information only); absent in a catalog that does not say. */
export type OnlineService = "full" | "partial" | "none";

/**
 * The online-service level (mức độ dịch vụ công trực tuyến, Decree 42/2022):
 * "toàn trình" (full) or "một phần" (partial); "không" or "cung cấp thông tin"
 * (information only) mean not offered online (none), and intake refuses an
 * online dossier for it; empty means the catalog does not say (undefined).
 * Catalogs still written in the levels before Decree 42/2022 say "Mức độ 4"
 * (full), "Mức độ 3" (partial) or "Mức độ 1"/"2" (information and forms only: none).
 */
export function parseOnlineServiceText(text: string): Parsed<OnlineService | undefined> {
  const value = normalised(text);
  if (value === "") return { value: undefined };
  const level = /^(?:mức độ|mức) ?([1-4])$/.exec(value)?.[1];
  if (value === "none" || value === "không" || value.includes("cung cấp thông tin") || level === "1" || level === "2")
    return { value: "none" };
  if (value === "full" || value.includes("toàn trình") || level === "4") return { value: "full" };
  if (value === "partial" || value.includes("một phần") || level === "3") return { value: "partial" };
  return {
    problem: `"${text.trim()}" is not an online-service level: write Toàn trình, Một phần, Cung cấp thông tin (not online) or leave it empty`,
  };
}
