/**
 * `lienthong import catalog`: the province's procedure catalog, from JSON or
 * from a spreadsheet saved as CSV. Installed as JSON either way.
 */
import { parse as parseCsv } from "csv-parse/sync";
import { CATALOG_CSV_COLUMNS, DomainError, loadCatalogFile, parseCatalog, parseCatalogCsv, ValidationError, type ProcedureCatalog } from "@lienthong/domain";
import { formatCount, invalid, table, type ImportIssue, type ImportValidation } from "./import-report";
import type { ProgressFactory } from "./import-progress";

/**
 * Domain violations name the row first (`procedures[3] (1.000894) fee`,
 * `line 5 fee`); `relabel` turns the row of a one-row check into the row of the file.
 */
function issuesFrom(error: unknown, relabel: (text: string) => string): ImportIssue[] {
  if (error instanceof ValidationError) {
    return error.violations.map((violation) => {
      const match = /^(.*) (\S+)$/.exec(violation.field);
      if (match?.[1] && match[2]) return { entry: relabel(match[1]), field: match[2], reason: violation.reason };
      // A row the CSV reader itself rejects (e.g. a wrong number of columns): its message names the line.
      return { entry: relabel("(row)"), field: violation.field, reason: relabel(violation.reason) };
    });
  }
  // Rules across rows (a repeated version) come from the catalog itself.
  if (error instanceof DomainError) return [{ entry: "(catalog)", field: error.field ?? "(row)", reason: error.message }];
  throw error;
}

function attempt(parse: () => ProcedureCatalog, relabel: (text: string) => string = (text) => (text === "(row)" ? "(file)" : text)): { catalog?: ProcedureCatalog; issues: ImportIssue[] } {
  try {
    return { catalog: parse(), issues: [] };
  } catch (error) {
    return { issues: issuesFrom(error, relabel) };
  }
}

/** Row by row (for the progress bar and to see every bad row), then the whole file for rules across rows. */
function checkRows(rows: readonly unknown[], checkRow: (row: unknown, index: number) => ImportIssue[], checkAll: () => ProcedureCatalog, progress: ProgressFactory): { catalog?: ProcedureCatalog; issues: ImportIssue[] } {
  const bar = progress("procedures", rows.length);
  const issues: ImportIssue[] = [];
  rows.forEach((row, index) => {
    issues.push(...checkRow(row, index));
    bar.tick(issues.length > 0 ? `(${issues.length} problems so far)` : "");
  });
  bar.stop();
  if (issues.length > 0) return { issues };
  return attempt(checkAll);
}

export function validateCatalogJson(data: unknown, progress: ProgressFactory): ImportValidation {
  const rows = Array.isArray(data) ? data : (data as { procedures?: unknown } | null)?.procedures;
  if (!Array.isArray(rows)) return invalid([{ entry: "(root)", field: "procedures", reason: "must be an array of procedures or { procedures: [...] }" }]);
  const result = checkRows(
    rows,
    (row, index) => attempt(() => parseCatalog([row]), (text) => (text === "(row)" ? `procedures[${index}]` : text.replace(/^procedures\[0\]/, `procedures[${index}]`))).issues,
    () => parseCatalog(rows),
    progress,
  );
  return outcome(result);
}

interface CsvRecord {
  record: string[];
  raw: string;
}

export function validateCatalogCsv(text: string, progress: ProgressFactory): ImportValidation {
  let records: CsvRecord[];
  try {
    // With `raw`, each record comes with its source text (the declared types do not model it).
    records = parseCsv(text, { bom: true, skip_empty_lines: true, raw: true, relax_column_count: true }) as unknown as CsvRecord[];
  } catch (error) {
    return invalid([{ entry: "(csv)", field: "(csv)", reason: (error as Error).message }]);
  }
  const [header, ...rows] = records;
  if (!header) return invalid([{ entry: "(file)", field: "(header)", reason: "empty: needs a header row and one row per procedure" }]);
  const missing = CATALOG_CSV_COLUMNS.filter((column) => !header.record.map((name) => name.trim()).includes(column));
  if (missing.length > 0) return invalid(missing.map((column) => ({ entry: "line 1 (header)", field: column, reason: "column is missing" })));
  const headerLine = header.raw.endsWith("\n") ? header.raw : `${header.raw}\n`;
  const result = checkRows(
    rows,
    // The domain numbers rows as lines from the header (line 1); a one-row check is always "line 2".
    (row, index) => attempt(() => parseCatalogCsv(headerLine + (row as CsvRecord).raw), (text) => (text === "(row)" ? `line ${index + 2}` : text.replace(/\bline 2\b/, `line ${index + 2}`))).issues,
    () => parseCatalogCsv(text),
    progress,
  );
  return outcome(result);
}

function outcome({ catalog, issues }: { catalog?: ProcedureCatalog; issues: ImportIssue[] }): ImportValidation {
  if (!catalog) return invalid(issues);
  const procedures = catalog.all();
  if (procedures.length === 0) return invalid([{ entry: "(file)", field: "(rows)", reason: "no procedures: installing it would leave the services without a catalog" }]);
  const summary = summarise(catalog);
  const rows = Object.entries(summary.byField).map(([field, levels]) => [field, levels.commune, levels.province, levels.commune + levels.province]);
  rows.push(["total", summary.byLevel.commune, summary.byLevel.province, summary.procedures]);
  return {
    ok: true,
    issues: [],
    summary: { ...summary },
    lines: [`${formatCount(summary.procedures)} procedures (${formatCount(summary.versions)} versions)`, table(["field", "commune", "province", "total"], rows, [1, 2, 3])],
    normalised: { procedures },
    verify: (file) => {
      const installed = loadCatalogFile(file).all().length;
      if (installed !== procedures.length) throw new Error(`catalog written to ${file} read back as ${installed} versions, not ${procedures.length}`);
    },
  };
}

/** Counted on each procedure's latest version: that is the level and field it is filed under today. */
function summarise(catalog: ProcedureCatalog) {
  const all = catalog.all();
  const latest = new Map(all.map((procedure) => [procedure.code, procedure]));
  const byLevel = { commune: 0, province: 0 };
  const byField: Record<string, { commune: number; province: number }> = {};
  for (const procedure of latest.values()) {
    byLevel[procedure.level] += 1;
    const field = (byField[procedure.field] ??= { commune: 0, province: 0 });
    field[procedure.level] += 1;
  }
  const sortedFields = Object.fromEntries(Object.entries(byField).sort(([a], [b]) => a.localeCompare(b, "vi")));
  return { procedures: latest.size, versions: all.length, byLevel, byField: sortedFields };
}
