/**
 * Importing an operator's procedure catalog from JSON or CSV. Every problem
 * is reported with its row (or index), the procedure code when known, and
 * the field, so a clerk can fix the spreadsheet without reading code.
 */
import { readFileSync } from "node:fs";
import { parse as parseCsv } from "csv-parse/sync";
import { z } from "zod";
import { type Procedure, PROCEDURE_CODE_PATTERN, ProcedureCatalog } from "./catalog";
import { AGENCY_KINDS, COMMUNE_AGENCY_KINDS } from "./catalog";
import { PlatformError, invalidArgument, type FieldViolation } from "@lienthong/errors";
import { refinePrintable } from "./printable-text";
import { dayNumberOfIsoDate } from "./time";

const formFieldSchema = z.object({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, "must be an identifier"),
  label: z.string().min(1, "must not be empty"),
  required: z.boolean(),
  pattern: z
    .string()
    .refine((source) => {
      try {
        new RegExp(source);
        return true;
      } catch {
        return false;
      }
    }, "must be a valid regular expression")
    .optional(),
});

const processingTimeSchema = z
  .object({
    value: z.number().positive("must be positive"),
    unit: z.enum(["working_days", "calendar_days", "same_day"]),
    cutoffHour: z.number().int().min(0).max(23).optional(),
  })
  .refine((t) => t.unit === "same_day" || t.cutoffHour === undefined, {
    message: "only same_day procedures have a cut-off hour",
    path: ["cutoffHour"],
  });

export const procedureSchema = z
  .object({
    code: z.string().regex(PROCEDURE_CODE_PATTERN, "must look like 1.000894"),
    version: z.number().int().positive(),
    validFrom: z.string().refine((value) => {
      try {
        dayNumberOfIsoDate(value);
        return true;
      } catch {
        return false;
      }
    }, "must be a YYYY-MM-DD date"),
    // Printed on the result notice: only what the result document can print (printable-text.ts).
    name: z.string().normalize("NFC").min(1, "must not be empty").superRefine(refinePrintable()),
    field: z.string().min(1, "must not be empty"),
    level: z.enum(["commune", "province"]),
    agencyKind: z.enum(AGENCY_KINDS),
    processingTime: processingTimeSchema,
    fee: z.number().int("must be whole đồng").min(0),
    requiredDocuments: z.array(z.string().min(1)),
    formFields: z
      .array(formFieldSchema)
      .refine((fields) => new Set(fields.map((f) => f.name)).size === fields.length, "field names must be unique"),
    allowsSuspension: z.boolean(),
    allowsExtension: z.boolean(),
  })
  .refine((p) => (p.level === "commune") === COMMUNE_AGENCY_KINDS.includes(p.agencyKind), {
    message: "agency kind does not sit at this level",
    path: ["agencyKind"],
  });

function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
    .join("")
    .replace(/^\./, "");
}

/** One problem in an operator's catalog: the row (`procedures[3] (1.000894)`, `line 5 (2.000884)`), the field, why. */
export interface CatalogIssue {
  entry: string;
  field: string;
  reason: string;
}

/** A catalog file with problems; `issues` names each row and field, `violations` the same as `<entry> <field>`. */
export class CatalogFormatError extends PlatformError {
  constructor(readonly issues: CatalogIssue[]) {
    const violations: FieldViolation[] = issues.map((issue) => ({
      field: issue.entry === "" ? issue.field : `${issue.entry} ${issue.field}`,
      reason: issue.reason,
    }));
    const shown = violations.slice(0, 10).map((v) => `${v.field}: ${v.reason}`);
    super(
      "INVALID_ARGUMENT",
      `catalog: ${shown.join("; ")}${violations.length > 10 ? `; and ${violations.length - 10} more` : ""}`,
      { violations },
    );
  }
}

export interface CatalogImportOptions {
  /** Called after each row with how many rows are done, of how many, and the problems so far (progress displays). */
  onRow?: (done: number, total: number, problemsSoFar: number) => void;
}

function validateRows(
  rows: readonly unknown[],
  rowLabel: (index: number) => string,
  options: CatalogImportOptions,
): Procedure[] {
  const issues: CatalogIssue[] = [];
  const procedures: Procedure[] = [];
  rows.forEach((row, index) => {
    const result = procedureSchema.safeParse(row);
    if (result.success) procedures.push(result.data);
    else {
      const code =
        typeof (row as { code?: unknown } | null)?.code === "string" ? ` (${(row as { code: string }).code})` : "";
      for (const issue of result.error.issues)
        issues.push({
          entry: `${rowLabel(index)}${code}`,
          field: issuePath(issue.path) || "(row)",
          reason: issue.message,
        });
    }
    options.onRow?.(index + 1, rows.length, issues.length);
  });
  if (issues.length > 0) throw new CatalogFormatError(issues);
  return procedures;
}

/** A catalog from JSON: an array of procedures or `{ procedures: [...] }`. */
export function parseCatalog(data: unknown, options: CatalogImportOptions = {}): ProcedureCatalog {
  const rows = Array.isArray(data) ? data : (data as { procedures?: unknown } | null)?.procedures;
  if (!Array.isArray(rows)) throw new CatalogFormatError([{ entry: "", field: "(root)", reason: "must be an array" }]);
  return new ProcedureCatalog(validateRows(rows, (i) => `procedures[${i}]`, options));
}

/** CSV columns, in any order. Lists use "|" between items; formFields is a JSON array. */
export const CATALOG_CSV_COLUMNS = [
  "code",
  "version",
  "validFrom",
  "name",
  "field",
  "level",
  "agencyKind",
  "processingValue",
  "processingUnit",
  "cutoffHour",
  "fee",
  "requiredDocuments",
  "formFields",
  "allowsSuspension",
  "allowsExtension",
] as const;

type CsvRow = Record<(typeof CATALOG_CSV_COLUMNS)[number], string>;

const toNumber = (value: string): number | string =>
  value.trim() === "" || Number.isNaN(Number(value)) ? value : Number(value);
const toBoolean = (value: string): boolean | string =>
  ({ true: true, false: false, "1": true, "0": false, có: true, không: false })[value.trim().toLowerCase()] ?? value;

function rowToProcedure(row: CsvRow): unknown {
  let formFields: unknown = row.formFields;
  try {
    formFields = row.formFields.trim() === "" ? [] : JSON.parse(row.formFields);
  } catch {
    // left as the raw string so the schema reports it against the formFields column
  }
  return {
    code: row.code.trim(),
    version: toNumber(row.version),
    validFrom: row.validFrom.trim(),
    name: row.name.trim(),
    field: row.field.trim(),
    level: row.level.trim(),
    agencyKind: row.agencyKind.trim(),
    processingTime: {
      value: toNumber(row.processingValue),
      unit: row.processingUnit.trim(),
      ...(row.cutoffHour.trim() === "" ? {} : { cutoffHour: toNumber(row.cutoffHour) }),
    },
    fee: toNumber(row.fee),
    requiredDocuments: row.requiredDocuments
      .split("|")
      .map((d) => d.trim())
      .filter((d) => d !== ""),
    formFields,
    allowsSuspension: toBoolean(row.allowsSuspension),
    allowsExtension: toBoolean(row.allowsExtension),
  };
}

/** A catalog from CSV text with a header row; errors name the CSV line (header = line 1). */
export function parseCatalogCsv(text: string, options: CatalogImportOptions = {}): ProcedureCatalog {
  let records: CsvRow[];
  try {
    records = parseCsv<CsvRow>(text, { columns: true, skip_empty_lines: true, bom: true, trim: false });
  } catch (cause) {
    throw new CatalogFormatError([{ entry: "", field: "(csv)", reason: (cause as Error).message }]);
  }
  const header = Object.keys(records[0] ?? {});
  const missing = CATALOG_CSV_COLUMNS.filter((column) => records.length > 0 && !header.includes(column));
  if (missing.length > 0)
    throw new CatalogFormatError(missing.map((column) => ({ entry: "", field: column, reason: "column is missing" })));
  return new ProcedureCatalog(validateRows(records.map(rowToProcedure), (i) => `line ${i + 2}`, options));
}

/** Reads a catalog file: `.csv` as CSV, anything else as JSON. */
export function loadCatalogFile(path: string): ProcedureCatalog {
  const text = readFileSync(path, "utf8");
  if (path.toLowerCase().endsWith(".csv")) return parseCatalogCsv(text);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw invalidArgument(
      [{ field: "(file)", reason: "not JSON" }],
      `catalog file ${path}: not JSON (${(cause as Error).message})`,
    );
  }
  return parseCatalog(data);
}
