import { actorOf, isDossierAction } from "@lienthong/domain";
import {
  AUTHORIZATION_HEADER,
  CLIENT_KEY_HEADER,
  DEVELOPMENT_CLIENTS,
  DEVELOPMENT_OFFICIALS,
  openDevelopmentIssuer,
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
