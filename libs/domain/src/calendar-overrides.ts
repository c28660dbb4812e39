/**
 * The yearly civil-service schedule (lịch nghỉ của cán bộ, công chức, viên
 * chức) decided by the government on top of the statutory rules: swapped
 * days off and make-up working Saturdays. Operators edit this table (JSON) as
 * decisions are published; each version is kept so that a past appointment
 * can be recomputed with the table that was in force.
 */
import { z } from "zod";
import { fieldOfPath, invalidFile } from "./file-violations";
import { dayNumberOfIsoDate } from "./time";

export type CalendarOverrideKind = "holiday" | "working_day";

export interface CalendarOverride {
  /** YYYY-MM-DD */
  date: string;
  kind: CalendarOverrideKind;
  name: string;
  /** Only this province; national when absent. */
  provinceCode?: string;
  /** The decision or announcement it comes from. */
  source?: string;
}

export interface CalendarOverrideTable {
  /** Operator-chosen version label, e.g. the date of the last edit. */
  version: string;
  overrides: CalendarOverride[];
}

/** Decisions known at release (2024 and 2025 swaps [S]; 2025–2026 from DOMAIN.md §4, [C]). */
export const KNOWN_CALENDAR_OVERRIDES: CalendarOverrideTable = {
  version: "2026-12-05",
  overrides: [
    // [S] Official Dispatch 2450/VPCP-KGVX: Mon 29 Apr 2024 off, made up on Sat 4 May 2024.
    { date: "2024-04-29", kind: "holiday", name: "Nghỉ hoán đổi 30/4–1/5/2024", source: "2450/VPCP-KGVX (2024)" },
    { date: "2024-05-04", kind: "working_day", name: "Làm bù cho ngày 29/4/2024", source: "2450/VPCP-KGVX (2024)" },
    // [S] The Prime Minister's agreement for civil servants, reported by TTXVN/VietnamPlus (post1033115): Fri 2 May
    // 2025 off (30/4–4/5 in one block), made up on Sat 26 Apr 2025. The dispatch's own number is not confirmed here.
    { date: "2025-04-26", kind: "working_day", name: "Làm bù cho ngày 2/5/2025", source: "civil-service swap 2025" },
    { date: "2025-05-02", kind: "holiday", name: "Nghỉ hoán đổi 30/4–1/5/2025", source: "civil-service swap 2025" },
    ...["2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31"].map((date): CalendarOverride => ({
      date,
      kind: "holiday",
      name: "Nghỉ Tết Ất Tỵ 2025",
      source: "civil-service schedule 2025",
    })),
    ...["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"].map((date): CalendarOverride => ({
      date,
      kind: "holiday",
      name: "Nghỉ Tết Bính Ngọ 2026",
      source: "civil-service schedule 2026",
    })),
    {
      date: "2026-08-31",
      kind: "holiday",
      name: "Nghỉ Quốc khánh 2026 (hoán đổi)",
      source: "civil-service schedule 2026",
    },
    { date: "2026-09-01", kind: "holiday", name: "Nghỉ Quốc khánh 2026", source: "civil-service schedule 2026" },
    { date: "2026-09-02", kind: "holiday", name: "Quốc khánh 2026", source: "civil-service schedule 2026" },
    {
      date: "2026-08-22",
      kind: "working_day",
      name: "Làm bù cho ngày 31/8/2026",
      source: "civil-service schedule 2026",
    },
  ],
};

const overrideSchema = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD"),
  kind: z.enum(["holiday", "working_day"]),
  name: z.string().min(1),
  provinceCode: z
    .string()
    .regex(/^\d{2}$/, "must be a 2-digit province code")
    .optional(),
  source: z.string().optional(),
});

const tableSchema = z.object({ version: z.string().min(1), overrides: z.array(overrideSchema) });

/** Validates an operator-edited table; errors name the entry and field, e.g. `overrides[3].date`. */
export function parseCalendarOverrides(data: unknown): CalendarOverrideTable {
  const result = tableSchema.safeParse(data);
  const violations = result.success
    ? []
    : result.error.issues.map((issue) => ({
        field: fieldOfPath(issue.path, "brackets"),
        reason: issue.message,
      }));
  if (result.success) {
    const seen = new Set<string>();
    result.data.overrides.forEach((o, i) => {
      try {
        dayNumberOfIsoDate(o.date, `overrides[${i}].date`);
      } catch {
        violations.push({ field: `overrides[${i}].date`, reason: `"${o.date}" is not a calendar date` });
      }
      const key = `${o.date}/${o.provinceCode ?? "*"}`;
      if (seen.has(key))
        violations.push({
          field: `overrides[${i}]`,
          reason: `second entry for ${o.date}${o.provinceCode ? ` in province ${o.provinceCode}` : ""}`,
        });
      seen.add(key);
    });
  }
  if (violations.length > 0 || !result.success) {
    throw invalidFile("calendar overrides", violations);
  }
  return result.data;
}
