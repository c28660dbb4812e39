/**
 * Operator commands for reference data: `lienthong import <kind> <file>`
 * validates a file and installs it where the services load it at start, and
 * `lienthong units resolve-old <code>` answers from what is installed.
 */
import { readFileSync } from "node:fs";
import { Argument, type Command } from "commander";
import { REFERENCE_FILES } from "@lienthong/domain";
import { validateCalendar } from "./import-calendar";
import { validateCatalogCsv, validateCatalogJson } from "./import-catalog";
import { progressBars, type ProgressFactory } from "./import-progress";
import { type ImportIssue, type ImportValidation } from "./import-report";
import { formatCount } from "./table";
import { validateUnitMerges } from "./import-unit-merges";
import { validateUnits } from "./import-units";
import { installReference } from "./install-reference";
import { registerUnitsCommands } from "./units";

const KINDS = {
  units: { referenceFile: REFERENCE_FILES.units, what: "administrative units" },
  "unit-merges": { referenceFile: REFERENCE_FILES.merges, what: "pre-2025 → new commune mapping" },
  catalog: { referenceFile: REFERENCE_FILES.catalog, what: "procedure catalog" },
  calendar: { referenceFile: REFERENCE_FILES.calendarOverrides, what: "working-day calendar overrides" },
} as const;
type ImportKind = keyof typeof KINDS;

/** Exit codes: 0 valid (and installed unless --dry-run), 2 the file is invalid (nothing installed), 1 anything else. */
const EXIT_INVALID = 2;
const ISSUES_SHOWN = 50;

interface ImportOptions {
  dataDir: string;
  dryRun?: boolean;
  json?: boolean;
}

/** The file's content is the operator's to fix (exit 2); a file that cannot be read at all is an ordinary error (exit 1). */
function readInput(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (cause) {
    throw new Error(`cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, {
      cause,
    });
  }
}

function parseJson(text: string): { data?: unknown; issue?: ImportIssue } {
  try {
    return { data: JSON.parse(text) };
  } catch (error) {
    return { issue: { entry: "(file)", field: "(json)", reason: `not valid JSON: ${(error as Error).message}` } };
  }
}

function validate(kind: ImportKind, file: string, dataDir: string, progress: ProgressFactory): ImportValidation {
  const text = readInput(file);
  if (kind === "catalog" && file.toLowerCase().endsWith(".csv")) return validateCatalogCsv(text, progress);
  const { data, issue } = parseJson(text);
  if (issue) return { ok: false, issues: [issue], summary: {}, lines: [], verify: () => undefined };
  switch (kind) {
    case "units":
      return validateUnits(data, progress);
    case "unit-merges":
      return validateUnitMerges(data, dataDir, progress);
    case "catalog":
      return validateCatalogJson(data, progress);
    case "calendar":
      return validateCalendar(data);
  }
}

function runImport(kind: ImportKind, file: string, options: ImportOptions): void {
  const progress = progressBars(Boolean(process.stderr.isTTY) && !options.json);
  const validation = validate(kind, file, options.dataDir, progress);
  const installed =
    validation.ok && !options.dryRun
      ? installReference(options.dataDir, KINDS[kind].referenceFile, validation.normalised, validation.verify)
      : null;
  if (!validation.ok) process.exitCode = EXIT_INVALID;
  if (options.json) {
    const result = {
      kind,
      file,
      ok: validation.ok,
      issues: validation.issues,
      summary: validation.summary,
      dryRun: Boolean(options.dryRun),
      installed,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const out: string[] = [`${KINDS[kind].what} from ${file}`];
  if (!validation.ok) {
    out.push(`INVALID: ${formatCount(validation.issues.length)} problem${validation.issues.length === 1 ? "" : "s"}`);
    for (const issue of validation.issues.slice(0, ISSUES_SHOWN))
      out.push(`  ${issue.entry}: ${issue.field}: ${issue.reason}`);
    if (validation.issues.length > ISSUES_SHOWN)
      out.push(`  … and ${formatCount(validation.issues.length - ISSUES_SHOWN)} more (--json lists them all)`);
    out.push("Nothing was installed.");
  } else {
    out.push("valid", ...validation.lines);
    out.push(
      installed
        ? `Installed ${installed}. Running services pick it up on restart.`
        : `Dry run: nothing installed (would install ${KINDS[kind].referenceFile} into ${options.dataDir}/reference).`,
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

export function registerImportCommands(program: Command): void {
  program
    .command("import")
    .description("validate a reference data file and install it where the services load it at start")
    .addArgument(new Argument("<kind>", "what the file holds").choices(Object.keys(KINDS)))
    .argument("<file>", "the operator's file (catalog: .csv or JSON; the others JSON)")
    .option(
      "--data-dir <dir>",
      "the platform's data directory (installs into <dir>/reference/)",
      process.env.DATA_DIR ?? "var/data",
    )
    .option("--dry-run", "validate and report only; install nothing")
    .option("--json", "print one JSON object with the report")
    .addHelpText("after", "\nExit codes: 0 valid, 2 invalid file (nothing installed), 1 other errors.")
    .action((kind: ImportKind, file: string, options: ImportOptions) => runImport(kind, file, options));
  registerUnitsCommands(program);
}
