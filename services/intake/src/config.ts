import { platformService } from "@lienthong/contracts";
import {
  ReceivingUnits,
  parseAgencyCodes,
  parseReceivingUnits,
  type AdministrativeUnits,
  type AgencyCodes,
  type AgencyKinds,
} from "@lienthong/domain";
import {
  envBoolean,
  envInteger,
  envOptionalString,
  publicLinkEnv,
  readConfiguredJson,
  serviceEnv,
  type Logger,
} from "@lienthong/service-host";

const MIB = 1024 * 1024;

/** intake's environment: the common variables (clients, identity provider, reference data), the link secret and intake's own limits. */
export const intakeEnv = serviceEnv(platformService("intake"), {
  /** The secret the applicant's download links are signed with, shared with signature (README, "Configuration"). */
  ...publicLinkEnv,
  /** Largest attachment content accepted inline (decoded bytes). */
  ATTACHMENT_MAX_BYTES: envInteger(10 * MIB, 1, 512 * MIB),
  /** Public status lookups allowed per dossier code per minute, and per client IP per minute. */
  PUBLIC_LOOKUP_PER_CODE_PER_MINUTE: envInteger(5, 1, 10_000),
  PUBLIC_LOOKUP_PER_IP_PER_MINUTE: envInteger(30, 1, 1_000_000),
  /** Express "trust proxy" setting (e.g. "loopback" or "10.0.0.0/8"), so rate limits see the client's IP behind a proxy. */
  TRUST_PROXY: envOptionalString(),
  /** Official agency codes (Decision 20/2020/QĐ-TTg) the dossier codes print instead of unit codes (JSON, README "Dossier codes"). */
  AGENCY_CODES_FILE: envOptionalString(),
  /**
   * The receiving units above the commune: each province's centres and the agencies whose own desks receive (JSON,
   * README "Receiving units"). Without it only the communes' centres receive.
   */
  RECEIVING_UNITS_FILE: envOptionalString(),
  /**
   * Whether a centre may receive a dossier decided in another province. Boundary-free intake stays within the
   * province (DOMAIN.md §1, Decree 118/2025): off unless provinces have agreed otherwise.
   */
  INTAKE_ACROSS_PROVINCES: envBoolean(false),
});

/**
 * The agency codes dossier codes begin with, from AGENCY_CODES_FILE: by the
 * unit code or stand-in (38.CA) they replace. A file that cannot be read or
 * is wrong refuses the start, each issue naming the variable and the field
 * in the file; without the variable every unit prints its unit code.
 */
export function intakeAgencyCodes(env: { AGENCY_CODES_FILE?: string }, units: AdministrativeUnits): AgencyCodes {
  if (!env.AGENCY_CODES_FILE) return new Map();
  return readConfiguredJson(
    "AGENCY_CODES_FILE",
    env.AGENCY_CODES_FILE,
    '{ "agencyCodes": { "<unit code>": "<agency code>" } }',
    // A commune's code or a stand-in agency code: its first group names a commune (14845, 14845.CA) or a province (38.CA).
    (data) => parseAgencyCodes(data, (code) => units.provinceOf(code.split(".")[0] ?? "") !== undefined),
  );
}

/**
 * Where dossiers may be received: every commune of the units, and the units above the commune RECEIVING_UNITS_FILE
 * names, validated against the units and the catalog's agency kinds. A file that cannot be read or is wrong refuses
 * the start, each issue naming the variable and the field in the file.
 *
 * An AGENCY_CODES_FILE key that is no receiving unit prints in no dossier code. It stays allowed, as a unit's code
 * configured ahead of its desk (docs/decisions.md §48), but a typo (`38.TTPVHC`) would look the same, so the start
 * warns naming the keys (unit codes, no personal data).
 */
export function intakeReceivingUnits(
  env: { RECEIVING_UNITS_FILE?: string },
  reference: { units: AdministrativeUnits; agencyKinds: AgencyKinds },
  agencyCodes: AgencyCodes,
  logger: Pick<Logger, "warn">,
): ReceivingUnits {
  const aboveCommune = env.RECEIVING_UNITS_FILE
    ? readConfiguredJson(
        "RECEIVING_UNITS_FILE",
        env.RECEIVING_UNITS_FILE,
        '{ "provinces": { "<province code>": { "centres": [{ "code", "name" }], "agencies": ["<agency kind>"] } } }',
        (data) => parseReceivingUnits(data, reference),
      )
    : [];
  const receivingUnits = new ReceivingUnits(reference.units, aboveCommune, agencyCodes);
  const receivingNothing = [...agencyCodes.keys()].filter((code) => receivingUnits.find(code) === undefined);
  if (receivingNothing.length > 0)
    logger.warn(
      { variable: "AGENCY_CODES_FILE", codes: receivingNothing },
      `AGENCY_CODES_FILE names ${receivingNothing.join(", ")}, which no receiving unit has: no dossier code ` +
        "prints their agency codes (a unit configured ahead of its desk, or a typo)",
    );
  return receivingUnits;
}
