/**
 * Competent authority (cơ quan có thẩm quyền giải quyết): who decides a
 * dossier. With boundary-free intake it is independent of the receiving unit.
 * Commune-level procedures go to the People's Committee of the applicant's
 * chosen commune; province-level ones to the agency of the procedure's kind in
 * that commune's province.
 */
import { type AgencyKind, COMMUNE_AGENCY_KINDS, type Procedure } from "./catalog";
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
}

type ProvinceAgencyKind = Exclude<AgencyKind, "commune_people_committee" | "commune_police">;

const COMMUNE_AGENCY_NAME: Record<"commune_people_committee" | "commune_police", string> = {
  commune_people_committee: "Ủy ban nhân dân",
  commune_police: "Công an",
};

const COMMUNE_KIND_WORD: Record<CommuneKind, string> = { phuong: "phường", xa: "xã", dac_khu: "đặc khu" };

/** Name prefixes of provincial agencies, followed by "tỉnh X" / "thành phố X". */
const PROVINCE_AGENCY_NAME: Record<ProvinceAgencyKind, string> = {
  provincial_people_committee: "Ủy ban nhân dân",
  provincial_police: "Công an",
  department_of_justice: "Sở Tư pháp",
  department_of_finance: "Sở Tài chính",
  department_of_agriculture_and_environment: "Sở Nông nghiệp và Môi trường",
  department_of_construction: "Sở Xây dựng",
  department_of_industry_and_trade: "Sở Công Thương",
  department_of_health: "Sở Y tế",
  department_of_education_and_training: "Sở Giáo dục và Đào tạo",
  department_of_home_affairs: "Sở Nội vụ",
  department_of_culture_sports_and_tourism: "Sở Văn hóa, Thể thao và Du lịch",
  land_registration_office: "Văn phòng đăng ký đất đai",
};

/** Short marks used to build a placeholder code until the operator supplies the real one. */
const PROVINCE_AGENCY_MARK: Record<ProvinceAgencyKind, string> = {
  provincial_people_committee: "UBND",
  provincial_police: "CA",
  department_of_justice: "STP",
  department_of_finance: "STC",
  department_of_agriculture_and_environment: "SNNMT",
  department_of_construction: "SXD",
  department_of_industry_and_trade: "SCT",
  department_of_health: "SYT",
  department_of_education_and_training: "SGDDT",
  department_of_home_affairs: "SNV",
  department_of_culture_sports_and_tourism: "SVHTTDL",
  land_registration_office: "VPDKDD",
};

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
  const communeKind = COMMUNE_AGENCY_KINDS.includes(procedure.agencyKind);
  if ((procedure.level === "commune") !== communeKind) {
    throw new PlatformError(
      "FAILED_PRECONDITION",
      `procedure ${procedure.code}: level "${procedure.level}" does not match agency kind "${procedure.agencyKind}"`,
    );
  }
  if (procedure.agencyKind === "commune_people_committee" || procedure.agencyKind === "commune_police") {
    const isCommittee = procedure.agencyKind === "commune_people_committee";
    const mapped = isCommittee ? input.communeAgencyCodes?.[commune.code] : undefined;
    return {
      // The commune police has no published code either; it is told apart from the committee by a suffix.
      code: mapped ?? (isCommittee ? commune.code : `${commune.code}.CA`),
      name: `${COMMUNE_AGENCY_NAME[procedure.agencyKind]} ${communeNameInText(commune)}`,
      level: "commune",
      communeCode: commune.code,
      provinceCode: province.code,
    };
  }
  const kind = procedure.agencyKind;
  const configured = input.provinceAgencies?.find((a) => a.provinceCode === province.code && a.agencyKind === kind);
  if (configured)
    return { code: configured.code, name: configured.name, level: "province", provinceCode: province.code };
  return {
    code: `${province.code}.${PROVINCE_AGENCY_MARK[kind]}`,
    name: `${PROVINCE_AGENCY_NAME[kind]} ${provinceNameInText(province)}`,
    level: "province",
    provinceCode: province.code,
  };
}
