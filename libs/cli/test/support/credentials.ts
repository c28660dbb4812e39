import { actorOf, isDossierAction } from "@lienthong/domain";
import {
  AUTHORIZATION_HEADER,
  CLIENT_KEY_HEADER,
  DEVELOPMENT_CLIENTS,
  DEVELOPMENT_OFFICIALS,
  openDevelopmentIssuer,
  type Access,
  type DevelopmentClient,
  type DevelopmentOfficial,
} from "@lienthong/service-host";

type Headers = Record<string, string>;

/** A dossier as routing shows it: who received it and who decides it. */
export interface DossierUnits {
  receivingUnitCode: string;
  competentAuthority?: { code: string } | null;
}

/**
 * The credentials a commune system presents for an official's action: the
 * sample official whose role and unit the workflow asks for, forwarded by the
 * development client acting for that unit (the portal where no commune
 * system does).
 */
export async function officialCredentials(identityDir: string) {
  const issuer = await openDevelopmentIssuer(identityDir);
  const officials: readonly DevelopmentOfficial[] = Object.values(DEVELOPMENT_OFFICIALS);
  const tokens = new Map(
    await Promise.all(officials.map(async (official) => [official.subject, await issuer.sign(official)] as const)),
  );
  const clients: readonly DevelopmentClient[] = Object.values(DEVELOPMENT_CLIENTS);
  const clientFor = (unit: string): DevelopmentClient =>
    clients.find((client) => client.unitCodes !== "*" && client.unitCodes.includes(unit)) ?? DEVELOPMENT_CLIENTS.portal;
  return {
    /** Headers for `action` on the dossier. */
    forAction(action: string, dossier: DossierUnits): Headers {
      if (!isDossierAction(action)) throw new Error(`${action} is not a workflow action`);
      const actor = actorOf(action);
      // Before acceptance a dossier has no competent authority: its receiving unit holds it (and hears 409).
      const unit =
        actor.at === "receiving_unit"
          ? dossier.receivingUnitCode
          : (dossier.competentAuthority?.code ?? dossier.receivingUnitCode);
      const official = officials.find(
        (candidate) => candidate.unitCodes.includes(unit) && actor.roles.some((role) => candidate.roles.includes(role)),
      );
      if (!official) throw new Error(`no sample official may ${action} at unit ${unit}`);
      return {
        [CLIENT_KEY_HEADER]: clientFor(unit).key,
        [AUTHORIZATION_HEADER]: `Bearer ${tokens.get(official.subject)}`,
      };
    },
  };
}

/**
 * Headers that meet an endpoint's declared access, as Mường Lát's: its commune
 * system's key, with the token of one of its sample officials holding one of
 * the endpoint's roles; for staff access, the token alone of a province
 * official with the role. Throws when no sample identity meets it.
 */
export async function accessCredentials(identityDir: string, unitCode = "14845"): Promise<(access: Access) => Headers> {
  const issuer = await openDevelopmentIssuer(identityDir);
  const officials: readonly DevelopmentOfficial[] = Object.values(DEVELOPMENT_OFFICIALS);
  const client = Object.values(DEVELOPMENT_CLIENTS).find(
    (candidate: DevelopmentClient) => candidate.unitCodes !== "*" && candidate.unitCodes.includes(unitCode),
  );
  if (!client) throw new Error(`no development client acts for ${unitCode}`);
  const tokens = new Map(
    await Promise.all(officials.map(async (official) => [official.subject, await issuer.sign(official)] as const)),
  );
  const bearer = (roles: readonly string[], unitCodes: (official: DevelopmentOfficial) => boolean): Headers => {
    const official = officials.find(
      (candidate) => unitCodes(candidate) && candidate.roles.some((role) => roles.includes(role)),
    );
    if (!official) throw new Error(`no sample official has one of ${roles.join(", ")}`);
    return { [AUTHORIZATION_HEADER]: `Bearer ${tokens.get(official.subject)}` };
  };
  return (access) => {
    if ("public" in access) return {};
    const key = { [CLIENT_KEY_HEADER]: client.key };
    if ("official" in access) return { ...key, ...bearer(access.official, (o) => o.unitCodes.includes(unitCode)) };
    if ("staff" in access) return bearer(access.staff, () => true);
    return key;
  };
}
