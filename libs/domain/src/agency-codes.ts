/**
 * A deployment's official agency codes (mã định danh điện tử, Decision
 * 20/2020/QĐ-TTg) for the codes the platform uses today: a commune's 5-digit
 * unit code, or a provincial agency's stand-in such as `38.CA`. The new
 * communes' codes are not all published (DOMAIN.md §5, §9), so they are data:
 * a unit with a code here prints it in its dossier codes, any other its unit code.
 */
import { z } from "zod";
import type { FieldViolation } from "@lienthong/errors";
import { isAgencyCode } from "./dossier-code";
import { fieldOfPath, invalidFile } from "./file-violations";

/** Official agency code by the unit or stand-in code it replaces. */
export type AgencyCodes = ReadonlyMap<string, string>;

/**
 * Decision 20/2020/QĐ-TTg art. 4(1): at most 35 characters in groups — more
 * than one — of 0-9 and A-Z (upper case), separated by dots, e.g.
 * `000.00.06.H56`. A single group (a bare 5-digit unit code) is not one.
 */
export function isOfficialAgencyCode(value: string): boolean {
  return isAgencyCode(value) && value.includes(".");
}

const schema = z.strictObject({
  agencyCodes: z.record(
    z.string().refine(isAgencyCode, "must be a unit code such as 14845 or an agency code such as 38.CA"),
    z
      .string()
      .refine(
        isOfficialAgencyCode,
        "must be an agency code of Decision 20/2020/QĐ-TTg: at most 35 characters, two or more groups of 0-9 A-Z separated by dots",
      ),
  ),
});

// zod reports a refused record key as "Invalid key in record" and keeps the key's own reason inside.
const reasonOf = (issue: z.core.$ZodIssue): string =>
  (issue.code === "invalid_key" ? issue.issues[0]?.message : undefined) ?? issue.message;

/**
 * Validates a deployment's agency codes, `{ "agencyCodes": { "<unit or
 * stand-in code>": "<official code>" } }`; every error names its field, e.g.
 * `agencyCodes.14845`. `isUnitCode` says whether the units list knows a code
 * as a receiving unit or a stand-in (its province or commune exists): a key
 * must be one, and an official code must not read as one, or a dossier code
 * would name another unit. Two units may not share a code: a dossier code
 * tells its receiving unit.
 */
export function parseAgencyCodes(data: unknown, isUnitCode: (code: string) => boolean): AgencyCodes {
  const result = schema.safeParse(data);
  if (!result.success) {
    throw invalidFile(
      "agency codes",
      result.error.issues.map((issue) => ({ field: fieldOfPath(issue.path), reason: reasonOf(issue) })),
    );
  }
  const violations: FieldViolation[] = [];
  const holderOf = new Map<string, string>();
  for (const [unit, code] of Object.entries(result.data.agencyCodes)) {
    const field = `agencyCodes.${unit}`;
    if (!isUnitCode(unit)) violations.push({ field, reason: "is not a commune or provincial agency of the units" });
    if (isUnitCode(code)) violations.push({ field, reason: "reads as a unit code of the units, not an official code" });
    const holder = holderOf.get(code);
    if (holder !== undefined) violations.push({ field, reason: `is the same code as agencyCodes.${holder}` });
    else holderOf.set(code, unit);
  }
  if (violations.length > 0) throw invalidFile("agency codes", violations);
  return new Map(Object.entries(result.data.agencyCodes));
}

/** The first part of a unit's dossier codes: its official agency code when configured, its unit code otherwise. */
export function dossierCodePrefix(agencyCodes: AgencyCodes, receivingUnitCode: string): string {
  return agencyCodes.get(receivingUnitCode) ?? receivingUnitCode;
}
