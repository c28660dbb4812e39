/**
 * Receiving units (nơi tiếp nhận hồ sơ): where a dossier is handed in. Every commune-level unit's Public
 * Administration Service Centre receives. Above the commune, a province's own centre (Trung tâm Phục vụ hành
 * chính công tỉnh) and its branches receive, and so do the provincial agencies that keep a desk of their own
 * (departments, police, …): which ones do is each province's organisation, not the code's (DOMAIN.md §1, [U]),
 * so they are a deployment's data, validated against the units and the catalog's agency kinds.
 *
 * A unit above the commune is coded `<province>.<mark>`, as the provincial agencies' stand-ins already are
 * (`38.CA`, docs/decisions.md §48, §52): its province is its first group, which every service, the audit log and
 * `AdministrativeUnits.provinceOf` already read, and an agency receives under the very code it decides under, so
 * one credential covers both. The code printed in dossier codes is the official agency code when configured.
 */
import { z } from "zod";
import type { FieldViolation } from "@lienthong/errors";
import { dossierCodePrefix, type AgencyCodes } from "./agency-codes";
import { AGENCY_MARK_GROUP, AGENCY_MARK_PATTERN, AGENCY_MARK_RULE, type AgencyKinds } from "./agency-kinds";
import { communeNameInText, provincialAgencyStandIn } from "./competent-authority";
import { fieldOfPath, invalidFile } from "./file-violations";
import { refinePrintable } from "./printable-text";
import type { AdministrativeUnits } from "./units";

/**
 * A commune's code (5 digits) or a unit above the commune (`38.TTPVHCC`): the shape a submission's receiving unit
 * is checked against before it is looked up.
 */
export const RECEIVING_UNIT_CODE_PATTERN = new RegExp(`^(\\d{5}|\\d{2}\\.${AGENCY_MARK_GROUP})$`);
export const RECEIVING_UNIT_CODE_RULE =
  "must be a commune's 5-digit code or a provincial receiving unit's code such as 38.TTPVHCC";

interface Located {
  /** The platform's code, the one credentials' `unitCodes` name: a commune's 5 digits, else `<province>.<mark>`. */
  code: string;
  provinceCode: string;
  /** As an applicant reads it, e.g. "Sở Tư pháp tỉnh Thanh Hoá". */
  name: string;
}

/** A commune's, a province's centre, or a provincial agency's own desk. */
export type ReceivingUnitPlace =
  | (Located & { kind: "commune_centre" })
  | (Located & { kind: "provincial_centre" })
  /** `agencyKind`: the catalog's key (`department_of_justice`, `provincial_police`…). */
  | (Located & { kind: "provincial_agency"; agencyKind: string });

/** The units a deployment names above the commune (RECEIVING_UNITS_FILE in intake). */
export type ProvincialReceivingUnit = Exclude<ReceivingUnitPlace, { kind: "commune_centre" }>;

export type ReceivingUnit = ReceivingUnitPlace & {
  /** What its dossier codes begin with: its official agency code (Decision 20/2020/QĐ-TTg) when configured, else `code`. */
  agencyCode: string;
};

/** Every receiving unit of a deployment: each commune of the units, and those named above the commune. */
export class ReceivingUnits {
  private readonly aboveCommune = new Map<string, ProvincialReceivingUnit>();

  constructor(
    private readonly units: AdministrativeUnits,
    aboveCommune: readonly ProvincialReceivingUnit[] = [],
    private readonly agencyCodes: AgencyCodes = new Map(),
  ) {
    for (const unit of aboveCommune) this.aboveCommune.set(unit.code, unit);
  }

  /** The receiving unit of this code, or undefined when the deployment has none. */
  find(code: string): ReceivingUnit | undefined {
    const place = this.placeOf(code);
    return place && { ...place, agencyCode: dossierCodePrefix(this.agencyCodes, place.code) };
  }

  private placeOf(code: string): ReceivingUnitPlace | undefined {
    const commune = this.units.commune(code);
    if (commune)
      return {
        kind: "commune_centre",
        code,
        provinceCode: commune.provinceCode,
        name: `Trung tâm Phục vụ hành chính công ${communeNameInText(commune)}`,
      };
    return this.aboveCommune.get(code);
  }
}

const fileSchema = z.strictObject({
  provinces: z.record(
    z.string(),
    z.strictObject({
      /** The province's centre and its branches (chi nhánh), each with its own code. */
      centres: z
        .array(
          z.strictObject({
            code: z.string(),
            // Served by the public GetUnit and printed as the receiving unit: only what a document can print.
            name: z
              .string()
              .normalize("NFC")
              .trim()
              .min(1, "is required")
              .max(200, "must be at most 200 characters")
              .superRefine(refinePrintable()),
          }),
        )
        .default([]),
      /** The catalog's province-level agency kinds whose own desks receive. */
      agencies: z.array(z.string()).default([]),
    }),
  ),
});

const NOT_A_PROVINCE = "is not a province of the units";

/**
 * zod's record skips a "__proto__" key (assigning it would set the result's prototype), so a province keyed so
 * would vanish unsaid: it is told from the data as read, like any other unknown province.
 */
function prototypeKeyViolations(data: unknown): FieldViolation[] {
  const provinces = typeof data === "object" && data !== null ? (data as { provinces?: unknown }).provinces : undefined;
  return typeof provinces === "object" && provinces !== null && Object.hasOwn(provinces, "__proto__")
    ? [{ field: "provinces.__proto__", reason: NOT_A_PROVINCE }]
    : [];
}

/**
 * Reads a deployment's receiving units above the commune:
 * `{ "provinces": { "38": { "centres": [{ "code": "38.TTPVHCC", "name": "…" }], "agencies": ["provincial_police"] } } }`.
 * A province must be one of the units; a centre's code is the province's, a dot and a mark of its own (one a
 * province-level agency kind of the catalog has would be that agency's code); an agency is a province-level kind
 * of the catalog and gets its stand-in code, the code routing decides under. INVALID_ARGUMENT with every problem,
 * each naming its field (`provinces.38.centres.0.code`).
 */
export function parseReceivingUnits(
  data: unknown,
  reference: { units: AdministrativeUnits; agencyKinds: AgencyKinds },
): ProvincialReceivingUnit[] {
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success)
    throw invalidFile("receiving units", [
      ...parsed.error.issues.map((issue) => ({ field: fieldOfPath(issue.path), reason: issue.message })),
      ...prototypeKeyViolations(data),
    ]);
  const violations: FieldViolation[] = prototypeKeyViolations(data);
  const found: ProvincialReceivingUnit[] = [];
  const fieldByCode = new Map<string, string>();
  const claim = (code: string, field: string): boolean => {
    const holder = fieldByCode.get(code);
    if (holder !== undefined) violations.push({ field, reason: `${code} is already ${holder}` });
    else fieldByCode.set(code, field);
    return holder === undefined;
  };
  for (const [provinceCode, entry] of Object.entries(parsed.data.provinces)) {
    const province = reference.units.province(provinceCode);
    if (!province) {
      violations.push({ field: `provinces.${provinceCode}`, reason: NOT_A_PROVINCE });
      continue;
    }
    const provincial = reference.agencyKinds.ofLevel("province");
    entry.centres.forEach((centre, index) => {
      const field = `provinces.${provinceCode}.centres.${index}.code`;
      const mark = centre.code.startsWith(`${provinceCode}.`) ? centre.code.slice(provinceCode.length + 1) : undefined;
      if (mark === undefined || !AGENCY_MARK_PATTERN.test(mark)) {
        violations.push({
          field,
          reason: `must be ${provinceCode}.<mark>, e.g. ${provinceCode}.TTPVHCC: the mark ${AGENCY_MARK_RULE}`,
        });
        return;
      }
      const agency = provincial.find((kind) => kind.mark === mark);
      if (agency) {
        violations.push({
          field,
          reason: `is the code of ${agency.name} (${agency.kind}): name the agency under agencies, or give the centre its own mark`,
        });
        return;
      }
      if (claim(centre.code, field))
        found.push({ kind: "provincial_centre", code: centre.code, provinceCode, name: centre.name });
    });
    entry.agencies.forEach((agencyKind, index) => {
      const field = `provinces.${provinceCode}.agencies.${index}`;
      const kind = reference.agencyKinds.get(agencyKind);
      if (kind?.level !== "province") {
        violations.push({ field, reason: `"${agencyKind}" is not a province-level agency kind of the catalog` });
        return;
      }
      // The stand-in code routing resolves the competent authority to.
      const { code, name } = provincialAgencyStandIn(province, kind);
      if (claim(code, field)) found.push({ kind: "provincial_agency", agencyKind, code, provinceCode, name });
    });
  }
  if (violations.length > 0) throw invalidFile("receiving units", violations);
  return found;
}
