/**
 * `lienthong import catalog`: the province's procedure catalog, from JSON or
 * from a spreadsheet saved as CSV (the portal's export, with its texts such as
 * "30 Ngày làm việc" and "Phí: 0 Đồng"). Installed as JSON either way, with
 * the agency kinds the file added (docs/catalog/).
 */
import {
  CatalogFormatError,
  loadCatalogFile,
  parseCatalog,
  parseCatalogCsv,
  type CatalogImportOptions,
  type ProcedureCatalog,
} from "@lienthong/domain";
import { PlatformError } from "@lienthong/errors";
import { invalid, type ImportIssue, type ImportValidation } from "./import-report";
import { formatCount, table } from "./table";
import type { ProgressFactory, Progress } from "./import-progress";

/**
 * Parses with the domain's own rules, ticking a progress bar per row. Every
 * bad row is named; rules across rows (a repeated version) come from the catalog.
 */
function check(
  parse: (options: CatalogImportOptions) => ProcedureCatalog,
  progress: ProgressFactory,
  fileLevel: string,
): { catalog?: ProcedureCatalog; issues: ImportIssue[] } {
  let bar: Progress | undefined;
  const onRow: CatalogImportOptions["onRow"] = (_done, total, problems) => {
    bar ??= progress("procedures", total);
    bar.tick(problems > 0 ? `(${problems} problems so far)` : "");
  };
  try {
    return { catalog: parse({ onRow }), issues: [] };
  } catch (error) {
    if (error instanceof CatalogFormatError) {
      // File-level problems carry no row: a CSV the reader rejects, or the header / root.
      return {
        issues: error.issues.map((issue) => ({
          ...issue,
          entry: issue.entry || (issue.field === "(csv)" ? "(csv)" : fileLevel),
        })),
      };
    }
    if (error instanceof PlatformError) {
      return { issues: [{ entry: "(catalog)", field: error.violations[0]?.field ?? "(row)", reason: error.message }] };
    }
    throw error;
  } finally {
    bar?.stop();
  }
}

export function validateCatalogJson(data: unknown, progress: ProgressFactory): ImportValidation {
  return outcome(check((options) => parseCatalog(data, options), progress, "(root)"));
}

export function validateCatalogCsv(text: string, progress: ProgressFactory): ImportValidation {
  return outcome(check((options) => parseCatalogCsv(text, options), progress, "row 1 (header)"));
}

function outcome({ catalog, issues }: { catalog?: ProcedureCatalog; issues: ImportIssue[] }): ImportValidation {
  if (!catalog) return invalid(issues);
  const procedures = catalog.all();
  if (procedures.length === 0)
    return invalid([
      {
        entry: "(file)",
        field: "(rows)",
        reason: "no procedures: installing it would leave the services without a catalog",
      },
    ]);
  const summary = summarise(catalog);
  const rows = Object.entries(summary.byField).map(([field, levels]) => [
    field,
    levels.commune,
    levels.province,
    levels.commune + levels.province,
  ]);
  rows.push(["total", summary.byLevel.commune, summary.byLevel.province, summary.procedures]);
  const agencyKinds = catalog.agencyKinds.added();
  return {
    ok: true,
    issues: [],
    summary: { ...summary, agencyKindsAdded: agencyKinds },
    lines: [
      `${formatCount(summary.procedures)} procedures (${formatCount(summary.versions)} versions), ` +
        `${formatCount(summary.online.full)} fully and ${formatCount(summary.online.partial)} partly online`,
      table(["field", "commune", "province", "total"], rows, [1, 2, 3]),
      ...(agencyKinds.length === 0
        ? []
        : [
            `${formatCount(agencyKinds.length)} agency kinds added to the built-in ones:`,
            table(
              ["agency kind", "name", "level", "stand-in mark"],
              agencyKinds.map((kind) => [kind.kind, kind.name, kind.level, kind.mark]),
            ),
          ]),
    ],
    // The kinds travel with the procedures: the services read the installed file alone.
    normalised: { agencyKinds, procedures },
    verify: (file) => {
      const installed = loadCatalogFile(file).all().length;
      if (installed !== procedures.length)
        throw new Error(`catalog written to ${file} read back as ${installed} versions, not ${procedures.length}`);
    },
  };
}

/** Counted on each procedure's latest version: that is the level and field it is filed under today. */
function summarise(catalog: ProcedureCatalog) {
  const all = catalog.all();
  const latest = new Map(all.map((procedure) => [procedure.code, procedure]));
  const byLevel = { commune: 0, province: 0 };
  const online = { full: 0, partial: 0 };
  const byField: Record<string, { commune: number; province: number }> = {};
  for (const procedure of latest.values()) {
    byLevel[procedure.level] += 1;
    if (procedure.onlineService === "full" || procedure.onlineService === "partial")
      online[procedure.onlineService] += 1;
    const field = (byField[procedure.field] ??= { commune: 0, province: 0 });
    field[procedure.level] += 1;
  }
  const sortedFields = Object.fromEntries(Object.entries(byField).sort(([a], [b]) => a.localeCompare(b, "vi")));
  return { procedures: latest.size, versions: all.length, byLevel, online, byField: sortedFields };
}
