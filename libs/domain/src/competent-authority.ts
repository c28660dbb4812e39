/**
 * Competent authority (cơ quan có thẩm quyền giải quyết): who decides a
 * dossier. With boundary-free intake it is independent of the receiving unit.
 * Commune-level procedures go to the People's Committee of the applicant's
 * chosen commune; province-level ones to the agency of the procedure's kind in
 * that commune's province.
 */
import { COMMUNE_PEOPLE_COMMITTEE, type AgencyKindEntry, type AgencyKinds } from "./agency-kinds";
import type { AgencyKind, Procedure } from "./catalog";
import { PlatformError } from "@lienthong/errors";
import type { AdministrativeUnits, Commune, CommuneKind, Province } from "./units";

export interface Agency {
  code: string;
  name: string;
  level: "commune" | "province";
  communeCode?: string;
  provinceCode: string;
}

/** An operator-provided provincial agency (real codes per Decision 20/2020/QĐ-TTg). */
export interface ProvinceAgency {
  provinceCode: string;
  agencyKind: AgencyKind;
  code: string;
  name: string;
}

export interface CompetentAuthorityInput {
  procedure: Pick<Procedure, "code" | "level" | "agencyKind">;
  applicantCommuneCode: string;
  units: AdministrativeUnits;
  provinceAgencies?: readonly ProvinceAgency[];
  /**
   * Agency codes of the new communes are not yet published (DOMAIN.md §5),
   * so by default a commune's agency code is its 5-digit unit code; this map
   * replaces it once real codes are known.
   */
  communeAgencyCodes?: Readonly<Record<string, string>>;
  /**
   * The catalog's agency kinds (`ProcedureCatalog.agencyKinds`): required, since
   * a catalog that adds kinds names them in its procedures, and the built-in
   * ones alone would refuse those.
   */
  agencyKinds: AgencyKinds;
}

const COMMUNE_KIND_WORD: Record<CommuneKind, string> = { phuong: "phường", xa: "xã", dac_khu: "đặc khu" };

/** "Xã Mường Lát" → "xã Mường Lát", as it reads after "Ủy ban nhân dân". */
export function communeNameInText(commune: Commune): string {
  return `${COMMUNE_KIND_WORD[commune.kind]} ${commune.name}`;
}

/** "tỉnh Thanh Hoá" / "thành phố Hà Nội". */
export function provinceNameInText(province: Province): string {
  return `${province.kind === "city" ? "thành phố" : "tỉnh"} ${province.name}`;
}

/**
 * The commune whose authorities decide a dossier, and the field that names it: the land's commune for land and
 * construction procedures, the applicant's chosen commune otherwise. Routing resolves the competent authority
 * from it; intake bounds boundary-free intake by its province.
 */
export function competenceCommuneOf(dossier: { landCommuneCode?: string | null; applicantCommuneCode: string }): {
  field: "landCommuneCode" | "applicantCommuneCode";
  code: string;
} {
  return dossier.landCommuneCode
    ? { field: "landCommuneCode", code: dossier.landCommuneCode }
    : { field: "applicantCommuneCode", code: dossier.applicantCommuneCode };
}

export function resolveCompetentAuthority(input: CompetentAuthorityInput): Agency {
  const { procedure, applicantCommuneCode, units } = input;
  const commune = units.commune(applicantCommuneCode);
  if (!commune) {
    throw new PlatformError("NOT_FOUND", `commune "${applicantCommuneCode}" is not in the administrative units list`);
  }
  const province = units.province(commune.provinceCode);
  if (!province) {
    throw new PlatformError(
      "NOT_FOUND",
      `province "${commune.provinceCode}" of commune ${commune.code} is not in the administrative units list`,
    );
  }
  const kind = input.agencyKinds.get(procedure.agencyKind);
  if (!kind)
    throw new PlatformError(
      "FAILED_PRECONDITION",
      `procedure ${procedure.code}: agency kind "${procedure.agencyKind}" is not in the catalog's agency kinds`,
    );
  if (kind.level !== procedure.level) {
    throw new PlatformError(
      "FAILED_PRECONDITION",
      `procedure ${procedure.code}: level "${procedure.level}" does not match agency kind "${procedure.agencyKind}"`,
    );
  }
  if (kind.level === "commune") {
    const isCommittee = kind.kind === COMMUNE_PEOPLE_COMMITTEE;
    const mapped = isCommittee ? input.communeAgencyCodes?.[commune.code] : undefined;
    return {
      // The commune's other agencies have no published code either; each is told apart from the committee by its mark.
      code: mapped ?? (isCommittee ? commune.code : `${commune.code}.${kind.mark}`),
      name: `${kind.name} ${communeNameInText(commune)}`,
      level: "commune",
      communeCode: commune.code,
      provinceCode: province.code,
    };
  }
  const configured = input.provinceAgencies?.find(
    (a) => a.provinceCode === province.code && a.agencyKind === kind.kind,
  );
  if (configured)
    return { code: configured.code, name: configured.name, level: "province", provinceCode: province.code };
  return { ...provincialAgencyStandIn(province, kind), level: "province", provinceCode: province.code };
}

/**
 * A provincial agency's stand-in while its official code is not configured: `38.SCT`, "Sở Công Thương tỉnh Thanh
 * Hoá". Routing decides under this code, and an agency's own desk receives under it (receiving-units.ts), so one
 * credential covers both: both take it from here.
 */
export function provincialAgencyStandIn(
  province: Province,
  kind: Pick<AgencyKindEntry, "mark" | "name">,
): { code: string; name: string } {
  return { code: `${province.code}.${kind.mark}`, name: `${kind.name} ${provinceNameInText(province)}` };
}
