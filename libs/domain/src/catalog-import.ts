/**
 * Importing an operator's procedure catalog from JSON or CSV. Every problem
 * is reported with its row (or index), the procedure code when known, and
 * the field, so a clerk can fix the spreadsheet without reading code.
 */
import { readFileSync } from "node:fs";
import { parse as parseCsv } from "csv-parse/sync";
import { z } from "zod";
import {
  AGENCY_KIND_PATTERN,
  AGENCY_KIND_RULE,
  AGENCY_MARK_PATTERN,
  AGENCY_MARK_RULE,
  AgencyKinds,
  agencyKindKeyOf,
  agencyKindName,
  agencyLevelNamed,
  agencyMarkOf,
  type AgencyKindEntry,
} from "./agency-kinds";
import {
  type ChannelTerms,
  type Procedure,
  type ProcessingTime,
  PROCEDURE_CODE_PATTERN,
  ProcedureCatalog,
} from "./catalog";
import { parseFeeText, parseOnlineServiceText, parseProcessingTimeText, type Parsed } from "./portal-values";
import { PlatformError, invalidArgument, type FieldViolation } from "@lienthong/errors";
import { refinePrintable } from "./printable-text";
import { dayNumberOfIsoDate } from "./time";

// Strict objects: a misspelt field ("feeOnlne") is refused by name, never dropped (a dropped online term would
// give online dossiers the in-person ones).
const formFieldSchema = z.strictObject({
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

const processingTimeObject = z
  .strictObject({
    value: z.number().positive("must be positive"),
    unit: z.enum(["working_days", "calendar_days", "same_day"]),
    cutoffHour: z.number().int().min(0).max(23).optional(),
  })
  .refine((t) => t.unit === "same_day" || t.cutoffHour === undefined, {
    message: "only same_day procedures have a cut-off hour",
    path: ["cutoffHour"],
  })
  .refine((t) => t.unit !== "calendar_days" || Number.isInteger(t.value), {
    message: "calendar days must be whole",
    path: ["value"],
  });

/** A cell as the portal writes it ("30 Ngày làm việc", "Phí: 0 Đồng") read by `parse`; other values go to the schema. */
const portalText =
  <T>(parse: (text: string) => Parsed<T>) =>
  (value: unknown, ctx: { addIssue(issue: { code: "custom"; message: string; input: unknown }): void }) => {
    if (typeof value !== "string") return value;
    const parsed = parse(value);
    if ("value" in parsed) return parsed.value;
    ctx.addIssue({ code: "custom", message: parsed.problem, input: value });
    return z.NEVER;
  };

/** `{ value, unit, cutoffHour? }`, or the portal's text. */
const processingTimeSchema = z.preprocess(portalText(parseProcessingTimeText), processingTimeObject);
/** Whole đồng, or the portal's text. */
const feeSchema = z.preprocess(portalText(parseFeeText), z.number().int("must be whole đồng").min(0));
const listSchema = z.array(z.string().normalize("NFC").trim().min(1, "must not be empty"));

/**
 * One procedure as an operator writes it. The agency is a kind's key
 * (`agencyKind`), its name as the portal writes it (`competentAgency`), or
 * both; the in-person terms are `processingTime` and `fee`, the online ones
 * `online` where they differ.
 */
const procedureInputSchema = z
  .strictObject({
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
    agencyKind: z.string().regex(AGENCY_KIND_PATTERN, AGENCY_KIND_RULE).optional(),
    // The deciding agency as the portal writes it; it names the kind (printed as "<kind's name> tỉnh X").
    competentAgency: z
      .string()
      .normalize("NFC")
      .trim()
      .min(1, "must not be empty")
      .superRefine(refinePrintable())
      .optional(),
    agencyMark: z.string().regex(AGENCY_MARK_PATTERN, AGENCY_MARK_RULE).optional(),
    processingTime: processingTimeSchema,
    /** With a portal text: the same-day cut-off hour, for whichever channel is same-day. */
    cutoffHour: z.number().int().min(0).max(23).optional(),
    fee: feeSchema,
    online: z.strictObject({ processingTime: processingTimeSchema.optional(), fee: feeSchema.optional() }).optional(),
    onlineService: z.preprocess(portalText(parseOnlineServiceText), z.enum(["full", "partial", "none"]).optional()),
    legalBasis: listSchema.optional(),
    resultType: z.string().normalize("NFC").trim().min(1, "must not be empty").optional(),
    requiredDocuments: z.array(z.string().min(1)),
    formFields: z
      .array(formFieldSchema)
      .refine((fields) => new Set(fields.map((f) => f.name)).size === fields.length, "field names must be unique"),
    allowsSuspension: z.boolean(),
    allowsExtension: z.boolean(),
  })
  .superRefine((p, ctx) => {
    // Told against the term the row gives, so a CSV row hears of the column it filled.
    const onlineTerm =
      p.online?.processingTime !== undefined ? "processingTime" : p.online?.fee !== undefined ? "fee" : undefined;
    if (onlineTerm !== undefined && (p.onlineService === undefined || p.onlineService === "none"))
      ctx.addIssue({
        code: "custom",
        path: ["online", onlineTerm],
        message: "gives online terms for a procedure not offered online: set onlineService (Toàn trình or Một phần)",
      });
    const times = [p.processingTime, p.online?.processingTime];
    if (p.cutoffHour !== undefined && !times.some((t) => t?.unit === "same_day"))
      ctx.addIssue({ code: "custom", path: ["cutoffHour"], message: "only same_day procedures have a cut-off hour" });
    else if (p.cutoffHour !== undefined && times.some((t) => t?.cutoffHour !== undefined))
      ctx.addIssue({
        code: "custom",
        path: ["cutoffHour"],
        message: "is given twice, here and in processingTime: give it once",
      });
  });
type ProcedureInput = z.output<typeof procedureInputSchema>;

/** The row as the catalog keeps it: the cut-off inside each same-day limit, online terms only where they differ. */
function procedureOf(input: ProcedureInput, agencyKind: string): Procedure {
  // The agency's name and mark live in the kind the row named or added (`agencyKind`).
  const { cutoffHour, online, agencyMark: _mark, agencyKind: _kind, competentAgency: _agency, ...rest } = input;
  const withCutoff = (time: ProcessingTime): ProcessingTime =>
    time.unit === "same_day" && cutoffHour !== undefined && time.cutoffHour === undefined
      ? { ...time, cutoffHour }
      : time;
  const processingTime = withCutoff(input.processingTime);
  const onlineTerms: ChannelTerms = {
    processingTime: online?.processingTime ? withCutoff(online.processingTime) : processingTime,
    fee: online?.fee ?? input.fee,
  };
  const differs =
    onlineTerms.fee !== input.fee || JSON.stringify(onlineTerms.processingTime) !== JSON.stringify(processingTime);
  const procedure: Procedure = { ...rest, agencyKind, processingTime, ...(differs && { online: onlineTerms }) };
  // Absent stays absent (the installed file, and the built-in sample, carry no empty keys).
  for (const key of Object.keys(procedure) as (keyof Procedure)[])
    if (procedure[key] === undefined) delete procedure[key];
  return procedure;
}

const agencyKindSchema = z.strictObject({
  kind: z.string().regex(AGENCY_KIND_PATTERN, AGENCY_KIND_RULE),
  name: z.string().normalize("NFC").trim().min(1, "must not be empty").superRefine(refinePrintable()),
  level: z.enum(["commune", "province"]),
  mark: z.string().regex(AGENCY_MARK_PATTERN, AGENCY_MARK_RULE).optional(),
});

/** A text the row may carry; anything else (absent, empty, not a string) is absent here and told by the row's schema. */
const rowText = z.string().normalize("NFC").trim().min(1).optional().catch(undefined);
/**
 * What a row says about its agency (and its code, to name the row), read
 * apart from the rest so that a row with other problems is told about its
 * agency too.
 */
const rowAgencySchema = z
  .object({
    code: rowText,
    level: z.enum(["commune", "province"]).optional().catch(undefined),
    agencyKind: rowText.pipe(z.string().regex(AGENCY_KIND_PATTERN).optional()).catch(undefined),
    competentAgency: rowText,
    agencyMark: rowText,
  })
  .catch({});
type RowAgency = z.output<typeof rowAgencySchema>;

/**
 * The agency kind a row names, added to `kinds` when the row introduces it
 * (a key or a name the catalog does not know yet, with the agency's name).
 * Checked on the row as written, so a row with other problems is told about
 * its agency too.
 */
function resolveAgencyKind(
  { level, agencyKind: key, competentAgency: agency, agencyMark: mark }: RowAgency,
  kinds: AgencyKinds,
): { kind?: string; issues: Omit<CatalogIssue, "entry">[] } {
  if (level === undefined) return { issues: [] };
  const otherLevel = level === "commune" ? "province" : "commune";
  // "Sở Tư pháp tỉnh Thanh Hóa" on a commune row, "UBND xã" on a provincial one.
  if (agency !== undefined && agencyLevelNamed(agency) === otherLevel)
    return { issues: [{ field: "competentAgency", reason: `names an agency of the ${otherLevel} level` }] };
  const known = key !== undefined ? kinds.get(key) : agency !== undefined ? kinds.named(agency, level) : undefined;
  if (known) {
    if (known.level !== level)
      return { issues: [{ field: "agencyKind", reason: "agency kind does not sit at this level" }] };
    if (agency !== undefined && !AgencyKinds.sameName(agency, known.name))
      return {
        issues: [
          {
            field: "competentAgency",
            reason: `"${agency}" is not the agency of the kind ${known.kind} ("${known.name}"): correct one of them`,
          },
        ],
      };
    if (mark !== undefined && mark !== known.mark)
      return {
        issues: [
          { field: "agencyMark", reason: `is not the mark ${known.mark} of the kind "${known.name}" (${known.kind})` },
        ],
      };
    return { kind: known.kind, issues: [] };
  }
  if (key === undefined && agency !== undefined && kinds.named(agency, otherLevel))
    return { issues: [{ field: "competentAgency", reason: `names an agency of the ${otherLevel} level` }] };
  if (agency === undefined)
    return {
      issues: [
        key === undefined
          ? { field: "agencyKind", reason: "is required, or competentAgency naming the agency as the portal does" }
          : {
              field: "agencyKind",
              reason: `"${key}" is no agency kind of the catalog: name its agency in competentAgency (e.g. Sở Khoa học và Công nghệ) to add it`,
            },
      ],
    };
  const entry: AgencyKindEntry = {
    kind: key ?? agencyKindKeyOf(agency),
    name: agencyKindName(agency),
    level,
    mark: mark ?? agencyMarkOf(agency),
  };
  const problem = kinds.problemAdding(entry);
  if (problem) return { issues: [{ field: mark === undefined ? "competentAgency" : "agencyMark", reason: problem }] };
  kinds.add(entry);
  return { kind: entry.kind, issues: [] };
}

function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
    .join("")
    .replace(/^\./, "");
}

/** One problem in an operator's catalog: the row (`procedures[3] (1.000894)`, `row 5 (2.000884)`), the field, why. */
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

/** A schema's issues as the catalog's: a misspelt field is named as its own field. */
function catalogIssues(entry: string, error: z.ZodError, fieldName: (path: string) => string): CatalogIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({
          entry,
          field: fieldName(issuePath([...issue.path, key])),
          reason: "is not a field of the catalog (misspelt?): see docs/catalog/README.md",
        }))
      : [{ entry, field: fieldName(issuePath(issue.path)) || "(row)", reason: issue.message }],
  );
}

function validateRows(
  rows: readonly unknown[],
  kinds: AgencyKinds,
  rowLabel: (index: number) => string,
  options: CatalogImportOptions,
  fieldName: (path: string) => string = (path) => path,
  earlierIssues: readonly CatalogIssue[] = [],
): Procedure[] {
  const issues: CatalogIssue[] = [...earlierIssues];
  const procedures: Procedure[] = [];
  rows.forEach((row, index) => {
    const agencyFields = rowAgencySchema.parse(row);
    const entry = `${rowLabel(index)}${agencyFields.code === undefined ? "" : ` (${agencyFields.code})`}`;
    const result = procedureInputSchema.safeParse(row);
    if (!result.success) issues.push(...catalogIssues(entry, result.error, fieldName));
    const agency = resolveAgencyKind(agencyFields, kinds);
    for (const issue of agency.issues) issues.push({ entry, field: fieldName(issue.field), reason: issue.reason });
    if (result.success && agency.kind !== undefined) procedures.push(procedureOf(result.data, agency.kind));
    options.onRow?.(index + 1, rows.length, issues.length);
  });
  if (issues.length > 0) throw new CatalogFormatError(issues);
  return procedures;
}

/**
 * A catalog from JSON: an array of procedures, or `{ agencyKinds?: [...],
 * procedures: [...] }` where `agencyKinds` declares kinds beyond the
 * built-in ones (`{ kind, name, level, mark? }`).
 */
const catalogFileSchema = z.union([
  z.array(z.unknown()),
  z.strictObject({ agencyKinds: z.array(z.unknown()).optional(), procedures: z.array(z.unknown()) }),
]);

export function parseCatalog(data: unknown, options: CatalogImportOptions = {}): ProcedureCatalog {
  const file = catalogFileSchema.safeParse(data);
  if (!file.success)
    throw new CatalogFormatError([
      {
        entry: "",
        field: "(root)",
        reason: "must be an array of procedures or { agencyKinds?: [...], procedures: [...] } and nothing else",
      },
    ]);
  const { agencyKinds: declared, procedures: rows } = Array.isArray(file.data)
    ? { agencyKinds: undefined, procedures: file.data }
    : file.data;
  const kinds = new AgencyKinds();
  // A bad declared kind is told with the rows' problems, not instead of them.
  const issues = declareKinds(declared ?? [], kinds);
  return new ProcedureCatalog(
    validateRows(rows, kinds, (i) => `procedures[${i}]`, options, undefined, issues),
    kinds,
  );
}

/** Adds the kinds a JSON catalog declares to `kinds`; the problems, one per declared kind. */
function declareKinds(declared: readonly unknown[], kinds: AgencyKinds): CatalogIssue[] {
  const issues: CatalogIssue[] = [];
  declared.forEach((row, index) => {
    const entry = `agencyKinds[${index}]`;
    const result = agencyKindSchema.safeParse(row);
    if (!result.success) {
      issues.push(...catalogIssues(entry, result.error, (path) => path));
      return;
    }
    const kind: AgencyKindEntry = { ...result.data, mark: result.data.mark ?? agencyMarkOf(result.data.name) };
    const problem = kinds.problemAdding(kind);
    if (problem) issues.push({ entry, field: result.data.mark === undefined ? "name" : "mark", reason: problem });
    else kinds.add(kind);
  });
  return issues;
}

/**
 * CSV columns, in any order. Lists use "|" between items (legal bases also a
 * line break, as the portal lists them); formFields is a JSON array. The
 * terms are the portal's per-channel columns (`processingTimeInPerson`,
 * `feeInPerson`, and optionally `processingTimeOnline`, `feeOnline`) with
 * its texts ("30 Ngày làm việc", "Phí: 0 Đồng"), or a file of the first
 * format's single values (`processingValue`, `processingUnit`, `fee`).
 */
export const CATALOG_CSV_COLUMNS = [
  "code",
  "version",
  "validFrom",
  "name",
  "field",
  "level",
  "agencyKind",
  "competentAgency",
  "agencyMark",
  "processingTimeInPerson",
  "processingTimeOnline",
  "cutoffHour",
  "feeInPerson",
  "feeOnline",
  "onlineService",
  "legalBasis",
  "resultType",
  "requiredDocuments",
  "formFields",
  "allowsSuspension",
  "allowsExtension",
] as const;

/** The first format's columns, still read: one time limit and one fee for every channel. */
const SINGLE_VALUE_COLUMNS = ["processingValue", "processingUnit", "fee"] as const;

const REQUIRED_CSV_COLUMNS = [
  "code",
  "version",
  "validFrom",
  "name",
  "field",
  "level",
  "requiredDocuments",
  "formFields",
  "allowsSuspension",
  "allowsExtension",
] as const;

type CsvRow = Partial<Record<(typeof CATALOG_CSV_COLUMNS)[number] | (typeof SINGLE_VALUE_COLUMNS)[number], string>>;

/** A whole-number cell (version, cutoffHour); a fee cell is the portal's text, read by parseFeeText ("50.000" is 50,000 đồng). */
const toNumber = (value: string): number | string =>
  value.trim() === "" || Number.isNaN(Number(value)) ? value : Number(value);
const toBoolean = (value: string): boolean | string =>
  ({ true: true, false: false, "1": true, "0": false, có: true, không: false })[value.trim().toLowerCase()] ?? value;
/** An empty optional cell is an absent value. */
const cell = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value.trim();
const list = (value: string | undefined, separator: RegExp): string[] | undefined => {
  const items = (value ?? "")
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== "");
  return items.length > 0 ? items : undefined;
};

function rowToProcedure(row: CsvRow, singleValue: boolean): unknown {
  const raw = (column: keyof CsvRow): string => row[column] ?? "";
  let formFields: unknown = raw("formFields");
  try {
    formFields = raw("formFields").trim() === "" ? [] : JSON.parse(raw("formFields"));
  } catch {
    // left as the raw string so the schema reports it against the formFields column
  }
  const cutoffHour = cell(row.cutoffHour);
  const processingTimeOnline = cell(row.processingTimeOnline);
  const feeOnline = cell(row.feeOnline);
  return {
    code: raw("code").trim(),
    version: toNumber(raw("version")),
    validFrom: raw("validFrom").trim(),
    name: raw("name").trim(),
    field: raw("field").trim(),
    level: raw("level").trim(),
    agencyKind: cell(row.agencyKind),
    competentAgency: cell(row.competentAgency),
    agencyMark: cell(row.agencyMark),
    ...(singleValue
      ? {
          processingTime: {
            value: toNumber(raw("processingValue")),
            unit: raw("processingUnit").trim(),
            ...(cutoffHour === undefined ? {} : { cutoffHour: toNumber(cutoffHour) }),
          },
          fee: raw("fee"),
        }
      : {
          processingTime: raw("processingTimeInPerson"),
          ...(cutoffHour === undefined ? {} : { cutoffHour: toNumber(cutoffHour) }),
          fee: raw("feeInPerson"),
        }),
    ...((processingTimeOnline ?? feeOnline) !== undefined && {
      online: {
        processingTime: processingTimeOnline,
        fee: feeOnline,
      },
    }),
    onlineService: raw("onlineService"),
    legalBasis: list(row.legalBasis, /\||\r?\n/),
    resultType: cell(row.resultType),
    requiredDocuments: list(row.requiredDocuments, /\|/) ?? [],
    formFields,
    allowsSuspension: toBoolean(raw("allowsSuspension")),
    allowsExtension: toBoolean(raw("allowsExtension")),
  };
}

/** A problem's field as the CSV's column names it, where the column is not the JSON field. */
function csvColumnOf(singleValue: boolean): (path: string) => string {
  const columns: (readonly [prefix: string, column: string])[] = [
    ["online.processingTime", "processingTimeOnline"],
    ["online.fee", "feeOnline"],
    ...(singleValue
      ? []
      : ([
          ["processingTime", "processingTimeInPerson"],
          ["fee", "feeInPerson"],
        ] as const)),
  ];
  return (path) => {
    const found = columns.find(([prefix]) => path === prefix || path.startsWith(`${prefix}.`));
    return found ? found[1] : path;
  };
}

/**
 * A catalog from CSV text with a header row; errors name the row as a
 * spreadsheet numbers it (header = row 1; a cell with line breaks, as legal
 * bases have, is still one row) and the column.
 */
export function parseCatalogCsv(text: string, options: CatalogImportOptions = {}): ProcedureCatalog {
  let records: CsvRow[];
  try {
    records = parseCsv<CsvRow>(text, { columns: true, skip_empty_lines: true, bom: true, trim: false });
  } catch (cause) {
    throw new CatalogFormatError([{ entry: "", field: "(csv)", reason: (cause as Error).message }]);
  }
  const header = new Set(Object.keys(records[0] ?? {}));
  const singleValue = !header.has("processingTimeInPerson") && header.has("processingValue");
  const known = new Set<string>([...CATALOG_CSV_COLUMNS, ...SINGLE_VALUE_COLUMNS]);
  const unknown: CatalogIssue[] = [...header]
    .filter((column) => !known.has(column))
    .map((column) => ({
      entry: "",
      field: column,
      reason: "is not a column of the catalog (misspelt?): see docs/catalog/README.md",
    }));
  // Both sets of terms: one would be silently ignored.
  if (!singleValue && header.has("processingTimeInPerson"))
    for (const column of SINGLE_VALUE_COLUMNS)
      if (header.has(column))
        unknown.push({
          entry: "",
          field: column,
          reason: "is a column of the first format, in a file with processingTimeInPerson: keep one set of terms",
        });
  const missing: CatalogIssue[] = REQUIRED_CSV_COLUMNS.filter((column) => !header.has(column)).map((column) => ({
    entry: "",
    field: column,
    reason: "column is missing",
  }));
  if (!header.has("agencyKind") && !header.has("competentAgency"))
    missing.push({ entry: "", field: "competentAgency", reason: "column is missing (or agencyKind)" });
  if (singleValue)
    for (const column of SINGLE_VALUE_COLUMNS)
      if (!header.has(column))
        missing.push({ entry: "", field: column, reason: "column is missing (a file with processingValue has them)" });
  if (!singleValue)
    for (const column of ["processingTimeInPerson", "feeInPerson"])
      if (!header.has(column))
        missing.push({
          entry: "",
          field: column,
          reason: `column is missing (a file of the first format has ${column === "feeInPerson" ? "fee" : "processingValue and processingUnit"})`,
        });
  if (records.length > 0 && unknown.length + missing.length > 0) throw new CatalogFormatError([...unknown, ...missing]);
  const kinds = new AgencyKinds();
  const procedures = validateRows(
    records.map((record) => rowToProcedure(record, singleValue)),
    kinds,
    (i) => `row ${i + 2}`,
    options,
    csvColumnOf(singleValue),
  );
  return new ProcedureCatalog(procedures, kinds);
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
