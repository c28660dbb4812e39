/**
 * `lienthong import unit-merges`: for each new commune, the pre-2025 units it
 * was formed from, so addresses written with old codes can be placed.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { DomainError, loadCommuneMergesFile, loadUnitsFile, parseCommuneMerges, referenceDirectory, REFERENCE_FILES, type CommuneMerges } from "@lienthong/domain";
import { formatCount, invalid, type ImportIssue, type ImportValidation } from "./import-report";
import type { ProgressFactory } from "./import-progress";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The domain parser stops at the first problem and says where (`merges data[0].level2s[0] …: reason`). */
function issueFrom(error: unknown, entry: string, locate: (where: string) => string): ImportIssue {
  if (!(error instanceof DomainError)) throw error;
  const match = /^merges (\S+)([^:]*): (.*)$/.exec(error.message);
  const where = match?.[1] ? `${locate(match[1])}${match[2] ?? ""}` : entry;
  const reason = match?.[3] ?? error.message;
  const fieldFirst = /^(\w+) (must .*)$/.exec(reason);
  return fieldFirst?.[1] && fieldFirst[2] ? { entry: where, field: fieldFirst[1], reason: fieldFirst[2] } : { entry: where, field: "(entry)", reason };
}

/**
 * Each new commune is checked on its own, so every bad entry is reported at
 * once (the domain parser would stop at the first), then the whole file.
 */
function entryIssues(data: Record<string, unknown> & { data: unknown[] }, progress: ProgressFactory): ImportIssue[] {
  const issues: ImportIssue[] = [];
  const total = data.data.reduce<number>((sum, p) => sum + (isRecord(p) && Array.isArray(p.level2s) ? p.level2s.length : 0), 0);
  const bar = progress("communes", total);
  data.data.forEach((province: unknown, i) => {
    const here = (where: string) => where.replace(/^data\[0\]/, `data[${i}]`);
    try {
      parseCommuneMerges({ data: [isRecord(province) ? { ...province, level2s: Array.isArray(province.level2s) ? [] : province.level2s } : province] });
    } catch (error) {
      issues.push(issueFrom(error, `data[${i}]`, here));
      return;
    }
    const { level1_id: provinceCode, level2s } = province as { level1_id: string; level2s: unknown[] };
    level2s.forEach((commune: unknown, j) => {
      try {
        parseCommuneMerges({ data: [{ level1_id: provinceCode, level2s: [commune] }] });
      } catch (error) {
        issues.push(issueFrom(error, `data[${i}].level2s[${j}]`, (where) => here(where).replace(/\.level2s\[0\]/, `.level2s[${j}]`)));
      }
      bar.tick(isRecord(commune) && typeof commune.level2_id === "string" ? commune.level2_id : "");
    });
  });
  bar.stop();
  return issues;
}

export function validateUnitMerges(data: unknown, dataDir: string, progress: ProgressFactory): ImportValidation {
  if (!isRecord(data) || !Array.isArray(data.data)) return invalid([{ entry: "(root)", field: "data", reason: "must be an object with a data array of provinces" }]);
  const issues = entryIssues(data as Record<string, unknown> & { data: unknown[] }, progress);
  if (issues.length > 0) return invalid(issues);
  const merges = parseCommuneMerges(data);
  const counts = merges.counts();
  if (counts.newCommunes === 0) return invalid([{ entry: "(root)", field: "data", reason: "no communes: nothing to resolve old codes to" }]);
  const crossCheck = crossCheckInstalledUnits(merges, dataDir);
  const uniquely = counts.oldUnits - counts.splitOldUnits;
  const summary = { newCommunes: counts.newCommunes, oldUnits: counts.oldUnits, resolveUniquely: uniquely, ambiguous: counts.splitOldUnits, crossCheck };
  const lines = [
    `${formatCount(counts.newCommunes)} new communes formed from ${formatCount(counts.oldUnits)} old units`,
    `  ${formatCount(uniquely)} old codes resolve to exactly one new commune`,
    `  ${formatCount(counts.splitOldUnits)} old codes are ambiguous (split between communes: candidates are listed, never guessed)`,
  ];
  if (!crossCheck) lines.push(`no units installed in ${referenceDirectory(dataDir)}: cross-check skipped (import units first)`);
  else {
    const list = (codes: string[]) => (codes.length === 0 ? "none" : `${formatCount(codes.length)} (${codes.slice(0, 10).join(", ")}${codes.length > 10 ? ", …" : ""})`);
    lines.push(`cross-check against installed units ${crossCheck.unitsFile}:`);
    lines.push(`  new codes missing from the units list: ${list(crossCheck.missingFromUnits)}`);
    lines.push(`  units no merge entry produces: ${list(crossCheck.missingFromMerges)}`);
  }
  return {
    ok: true,
    issues: [],
    summary,
    lines,
    normalised: normalise(data.data),
    verify: (file) => {
      const installed = loadCommuneMergesFile(file).counts();
      if (installed.oldUnits !== counts.oldUnits || installed.newCommunes !== counts.newCommunes) {
        throw new Error(`merges written to ${file} read back as ${installed.oldUnits} old units / ${installed.newCommunes} communes, not ${counts.oldUnits} / ${counts.newCommunes}`);
      }
    },
  };
}

/** Differences are reported, not refused: the published lists disagree on a couple of communes. */
function crossCheckInstalledUnits(merges: CommuneMerges, dataDir: string): { unitsFile: string; missingFromUnits: string[]; missingFromMerges: string[] } | null {
  const unitsFile = path.join(referenceDirectory(dataDir), REFERENCE_FILES.units);
  if (!existsSync(unitsFile)) return null;
  return { unitsFile, ...merges.crossCheck(loadUnitsFile(unitsFile)) };
}

/** Only the fields the services read, after validation has vouched for their shape. */
function normalise(provinces: unknown[]): unknown {
  type Merge = { old_id: string; name?: unknown; type: string };
  type Level2 = { level2_id: string; name: string; merges: Merge[] };
  type Level1 = { level1_id: string; name?: unknown; level2s: Level2[] };
  return {
    data: (provinces as Level1[]).map((p) => ({
      level1_id: p.level1_id,
      ...(typeof p.name === "string" ? { name: p.name } : {}),
      level2s: p.level2s.map((c) => ({
        level2_id: c.level2_id,
        name: c.name,
        merges: c.merges.map((m) => ({ old_id: m.old_id, name: typeof m.name === "string" ? m.name : "", type: m.type })),
      })),
    })),
  };
}
