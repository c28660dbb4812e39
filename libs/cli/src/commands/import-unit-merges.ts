/**
 * `lienthong import unit-merges`: for each new commune, the pre-2025 units it
 * was formed from, so addresses written with old codes can be placed.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import {
  importCommuneMerges,
  loadCommuneMergesFile,
  loadUnitsFile,
  referenceDirectory,
  REFERENCE_FILES,
  type CommuneMerges,
} from "@lienthong/domain";
import { invalid, type ImportValidation } from "./import-report";
import { formatCount } from "./table";
import type { ProgressFactory } from "./import-progress";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** How many new communes the file lists, for the progress bar's total. */
function communeCount(data: unknown): number {
  if (!isRecord(data) || !Array.isArray(data.data)) return 0;
  return data.data.reduce<number>(
    (sum, p) => sum + (isRecord(p) && Array.isArray(p.level2s) ? p.level2s.length : 0),
    0,
  );
}

export function validateUnitMerges(data: unknown, dataDir: string, progress: ProgressFactory): ImportValidation {
  const bar = progress("communes", communeCount(data));
  const { merges, issues } = importCommuneMerges(data, { onCommune: (code) => bar.tick(code) });
  bar.stop();
  if (issues.length > 0) return invalid(issues);
  const counts = merges.counts();
  if (counts.newCommunes === 0)
    return invalid([{ entry: "(root)", field: "data", reason: "no communes: nothing to resolve old codes to" }]);
  const crossCheck = crossCheckInstalledUnits(merges, dataDir);
  const uniquely = counts.oldUnits - counts.splitOldUnits;
  const summary = {
    newCommunes: counts.newCommunes,
    oldUnits: counts.oldUnits,
    resolveUniquely: uniquely,
    ambiguous: counts.splitOldUnits,
    crossCheck,
  };
  const lines = [
    `${formatCount(counts.newCommunes)} new communes formed from ${formatCount(counts.oldUnits)} old units`,
    `  ${formatCount(uniquely)} old codes resolve to exactly one new commune`,
    `  ${formatCount(counts.splitOldUnits)} old codes are ambiguous (split between communes: candidates are listed, never guessed)`,
  ];
  if (!crossCheck)
    lines.push(`no units installed in ${referenceDirectory(dataDir)}: cross-check skipped (import units first)`);
  else {
    const list = (codes: string[]) =>
      codes.length === 0
        ? "none"
        : `${formatCount(codes.length)} (${codes.slice(0, 10).join(", ")}${codes.length > 10 ? ", …" : ""})`;
    lines.push(`cross-check against installed units ${crossCheck.unitsFile}:`);
    lines.push(`  new codes missing from the units list: ${list(crossCheck.missingFromUnits)}`);
    lines.push(`  units no merge entry produces: ${list(crossCheck.missingFromMerges)}`);
  }
  return {
    ok: true,
    issues: [],
    summary,
    lines,
    normalised: normalise((data as { data: unknown[] }).data),
    verify: (file) => {
      const installed = loadCommuneMergesFile(file).counts();
      if (installed.oldUnits !== counts.oldUnits || installed.newCommunes !== counts.newCommunes) {
        throw new Error(
          `merges written to ${file} read back as ${installed.oldUnits} old units / ${installed.newCommunes} communes, not ${counts.oldUnits} / ${counts.newCommunes}`,
        );
      }
    },
  };
}

/** Differences are reported, not refused: the published lists disagree on a couple of communes. */
function crossCheckInstalledUnits(
  merges: CommuneMerges,
  dataDir: string,
): { unitsFile: string; missingFromUnits: string[]; missingFromMerges: string[] } | null {
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
        merges: c.merges.map((m) => ({
          old_id: m.old_id,
          name: typeof m.name === "string" ? m.name : "",
          type: m.type,
        })),
      })),
    })),
  };
}
