/**
 * Which new commune an address written with a pre-2025 unit code belongs to.
 * Each new commune lists the old units it was formed from, wholly ("full") or
 * in part ("partial"). An old unit split between several new communes cannot
 * be placed from its code alone: the candidates are reported, never guessed.
 */
import { readFileSync } from "node:fs";
import { PlatformError } from "@lienthong/errors";
import type { AdministrativeUnits } from "./units";

export interface MergeTarget {
  /** New 5-digit commune code. */
  code: string;
  fullName: string;
  provinceCode: string;
}

export type OldCommuneResolution =
  { kind: "unique"; commune: MergeTarget } | { kind: "ambiguous"; candidates: MergeTarget[] } | { kind: "unknown" };

export interface MergeEntry {
  oldCode: string;
  oldName: string;
  type: "full" | "partial";
  target: MergeTarget;
}

export interface MergesCrossCheck {
  /** New codes in the merges file that the units list does not have. */
  missingFromUnits: string[];
  /** Communes of the units list that no merge entry produces. */
  missingFromMerges: string[];
}

export class CommuneMerges {
  private readonly byOldCode = new Map<string, MergeEntry[]>();
  private readonly targets = new Map<string, MergeTarget>();

  constructor(entries: readonly MergeEntry[]) {
    for (const entry of entries) {
      const list = this.byOldCode.get(entry.oldCode) ?? [];
      list.push(entry);
      this.byOldCode.set(entry.oldCode, list);
      this.targets.set(entry.target.code, entry.target);
    }
  }

  /** Old (pre-1 July 2025) commune code → the new commune, or the candidates when it was split. */
  resolveOldCommuneCode(oldCode: string): OldCommuneResolution {
    const entries = this.byOldCode.get(oldCode);
    if (!entries || entries.length === 0) return { kind: "unknown" };
    const full = entries.filter((e) => e.type === "full");
    if (full.length === 1 && entries.length === 1) return { kind: "unique", commune: (full[0] as MergeEntry).target };
    return { kind: "ambiguous", candidates: entries.map((e) => e.target) };
  }

  /** The old units a new commune was formed from. */
  sourcesOf(newCode: string): MergeEntry[] {
    return [...this.byOldCode.values()].flat().filter((e) => e.target.code === newCode);
  }

  counts(): { oldUnits: number; newCommunes: number; splitOldUnits: number } {
    let split = 0;
    for (const entries of this.byOldCode.values())
      if (entries.length > 1 || entries.some((e) => e.type === "partial")) split += 1;
    return { oldUnits: this.byOldCode.size, newCommunes: this.targets.size, splitOldUnits: split };
  }

  crossCheck(units: AdministrativeUnits): MergesCrossCheck {
    const missingFromUnits = [...this.targets.keys()].filter((code) => !units.commune(code)).sort();
    const missingFromMerges = units
      .provinces()
      .flatMap((p) => units.communesOf(p.code))
      .map((c) => c.code)
      .filter((code) => !this.targets.has(code))
      .sort();
    return { missingFromUnits, missingFromMerges };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One problem in a merges file: where, which field, why. */
export interface MergesImportIssue {
  /** e.g. `data[0].level2s[1].merges[0] (00008)` */
  entry: string;
  field: string;
  reason: string;
}

export interface MergesImportOptions {
  /** Called once per new commune read (its code), for progress displays. */
  onCommune?: (code: string) => void;
}

/**
 * Reads the merges format: `{ data: [{ level1_id, level2s: [{ level2_id, name,
 * merges: [{ old_id, name, type }] }] }] }`. Every problem is collected, never
 * just the first; valid entries are kept.
 */
export function importCommuneMerges(
  data: unknown,
  options: MergesImportOptions = {},
): { merges: CommuneMerges; issues: MergesImportIssue[] } {
  const issues: MergesImportIssue[] = [];
  const entries: MergeEntry[] = [];
  if (!isRecord(data) || !Array.isArray(data.data)) {
    issues.push({ entry: "(root)", field: "data", reason: "must be an object with a data array" });
    return { merges: new CommuneMerges(entries), issues };
  }
  data.data.forEach((province: unknown, i) => {
    const where = `data[${i}]`;
    if (!isRecord(province) || typeof province.level1_id !== "string" || !/^\d{2}$/.test(province.level1_id)) {
      issues.push({ entry: where, field: "level1_id", reason: "must be a 2-digit code" });
      return;
    }
    if (!Array.isArray(province.level2s)) {
      issues.push({ entry: `${where} ${province.level1_id}`, field: "level2s", reason: "must be an array" });
      return;
    }
    const provinceCode = province.level1_id;
    province.level2s.forEach((commune: unknown, j) => {
      const cwhere = `${where}.level2s[${j}]`;
      if (!isRecord(commune) || typeof commune.level2_id !== "string" || !/^\d{5}$/.test(commune.level2_id)) {
        issues.push({ entry: cwhere, field: "level2_id", reason: "must be a 5-digit code" });
        return;
      }
      const code = commune.level2_id;
      options.onCommune?.(code);
      if (typeof commune.name !== "string")
        issues.push({ entry: `${cwhere} ${code}`, field: "name", reason: "must be a string" });
      if (!Array.isArray(commune.merges))
        issues.push({ entry: `${cwhere} ${code}`, field: "merges", reason: "must be an array" });
      if (typeof commune.name !== "string" || !Array.isArray(commune.merges)) return;
      const target: MergeTarget = { code, fullName: commune.name, provinceCode };
      commune.merges.forEach((merge: unknown, k) => {
        const mwhere = `${cwhere}.merges[${k}] (${code})`;
        const before = issues.length;
        if (!isRecord(merge) || typeof merge.old_id !== "string" || !/^\d{3,5}$/.test(merge.old_id)) {
          issues.push({ entry: mwhere, field: "old_id", reason: "must be a 3- or 5-digit code" });
        }
        if (!isRecord(merge) || (merge.type !== "full" && merge.type !== "partial")) {
          issues.push({ entry: mwhere, field: "type", reason: 'must be "full" or "partial"' });
        }
        if (issues.length > before || !isRecord(merge)) return;
        entries.push({
          oldCode: merge.old_id as string,
          oldName: typeof merge.name === "string" ? merge.name : "",
          type: merge.type as MergeEntry["type"],
          target,
        });
      });
    });
  });
  return { merges: new CommuneMerges(entries), issues };
}

/** Reads and validates the merges format; throws naming every offending entry. */
export function parseCommuneMerges(data: unknown): CommuneMerges {
  const { merges, issues } = importCommuneMerges(data);
  if (issues.length > 0) {
    const shown = issues.slice(0, 5).map((issue) => `merges ${issue.entry}: ${issue.field} ${issue.reason}`);
    throw new PlatformError(
      "INVALID_ARGUMENT",
      `${shown.join("; ")}${issues.length > 5 ? `; and ${issues.length - 5} more` : ""}`,
    );
  }
  return merges;
}

export function loadCommuneMergesFile(path: string): CommuneMerges {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new PlatformError(
      "INVALID_ARGUMENT",
      `merges file ${path}: cannot be read as JSON (${(cause as Error).message})`,
      { cause },
    );
  }
  return parseCommuneMerges(data);
}
