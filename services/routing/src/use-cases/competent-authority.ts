import { common } from "@lienthong/contracts";
import { PlatformError } from "@lienthong/errors";
import { COMMUNE_PEOPLE_COMMITTEE, resolveCompetentAuthority, type Agency, type Procedure } from "@lienthong/domain";
import type { AgencyRecord } from "../store/collections";
import type { RoutingPorts } from "./ports";

/** An agency as routing stores it on a dossier. */
export function agencyRecord(agency: Agency): AgencyRecord {
  return {
    code: agency.code,
    name: agency.name,
    level:
      agency.level === "commune" ? common.AgencyLevel.AGENCY_LEVEL_COMMUNE : common.AgencyLevel.AGENCY_LEVEL_PROVINCE,
    communeCode: agency.communeCode ?? "",
    provinceCode: agency.provinceCode,
  };
}

/** Who decides: the commune's People's Committee or the provincial agency of the procedure's kind; undefined when the commune is unknown. */
export function competentAuthorityFor(
  ports: RoutingPorts,
  procedure: Pick<Procedure, "code" | "level" | "agencyKind">,
  communeCode: string,
): AgencyRecord | undefined {
  try {
    return agencyRecord(
      resolveCompetentAuthority({
        procedure,
        applicantCommuneCode: communeCode,
        units: ports.units,
        agencyKinds: ports.catalog.agencyKinds,
      }),
    );
  } catch (error) {
    if (error instanceof PlatformError) return undefined;
    throw error;
  }
}

/**
 * The agency a code names, for transfers between agencies or tiers: a commune
 * code (its People's Committee; `<commune>.<mark>` another of its agencies,
 * `.CA` its police) or a provincial agency's code, found among the agencies
 * the competence rules produce for the catalog's agency kinds.
 */
export function agencyByCode(ports: RoutingPorts, code: string): AgencyRecord | undefined {
  const kinds = ports.catalog.agencyKinds;
  const commune = /^(\d{5})(?:\.([0-9A-Z]+))?$/.exec(code);
  if (commune?.[1]) {
    const kind = commune[2]
      ? kinds.ofLevel("commune").find((entry) => entry.kind !== COMMUNE_PEOPLE_COMMITTEE && entry.mark === commune[2])
      : kinds.get(COMMUNE_PEOPLE_COMMITTEE);
    if (!kind) return undefined;
    return competentAuthorityFor(ports, { code: "0.000000", level: "commune", agencyKind: kind.kind }, commune[1]);
  }
  for (const province of ports.units.provinces()) {
    const anyCommune = ports.units.communesOf(province.code)[0];
    if (!anyCommune) continue;
    for (const { kind } of kinds.ofLevel("province")) {
      const agency = competentAuthorityFor(
        ports,
        { code: "0.000000", level: "province", agencyKind: kind },
        anyCommune.code,
      );
      if (agency?.code === code) return agency;
    }
  }
  return undefined;
}
