import * as path from "node:path";
import {
  AUTHORIZATION_HEADER,
  CLIENT_KEY_HEADER,
  DEVELOPMENT_CLIENTS,
  DEVELOPMENT_OFFICIALS,
  openDevelopmentIssuer,
  type DevelopmentClient,
  type DevelopmentOfficial,
} from "@lienthong/service-host";
import type { Role } from "@lienthong/domain";

type Headers = Record<string, string>;

/** The officials of one commune who take a dossier through its life there, each forwarded by the client. */
export interface CommuneOfficials {
  receivingOfficer: Headers;
  leader: Headers;
}

/**
 * What the demo and the benchmarks present, as a commune system would: a
 * development client's API key, and the sample officials' tokens from the
 * development issuer of the platform's data directory.
 */
export interface DemoCredentials {
  /** Headers of the client alone (submissions, listings, downloads). */
  client: Headers;
  /** Province IT, for the operations endpoints (traces). */
  operator: Headers;
  /** The receiving officer and the leader of a commune; throws for a commune without sample officials. */
  officialsOf(unitCode: string): CommuneOfficials;
}

/** The development issuer keeps its key in IDENTITY_DIR, by default `<data dir>/identity`. */
export function identityDirOf(dataDir: string, identityDir = process.env.IDENTITY_DIR): string {
  return path.resolve(identityDir ?? path.join(dataDir, "identity"));
}

export async function developmentCredentials(
  identityDir: string,
  client: DevelopmentClient = DEVELOPMENT_CLIENTS.muongLat,
): Promise<DemoCredentials> {
  const issuer = await openDevelopmentIssuer(identityDir);
  const officials: readonly DevelopmentOfficial[] = Object.values(DEVELOPMENT_OFFICIALS);
  const tokens = new Map(
    await Promise.all(officials.map(async (official) => [official.subject, await issuer.sign(official)] as const)),
  );
  const clientHeaders = { [CLIENT_KEY_HEADER]: client.key };
  const bearer = (official: DevelopmentOfficial) => ({
    [AUTHORIZATION_HEADER]: `Bearer ${tokens.get(official.subject)}`,
  });
  const find = (unitCode: string, role: Role) => {
    const official = officials.find(
      (candidate) => candidate.unitCodes.includes(unitCode) && candidate.roles.includes(role),
    );
    if (!official) throw new Error(`no sample official is a ${role} of unit ${unitCode}`);
    return { ...clientHeaders, ...bearer(official) };
  };
  return {
    client: clientHeaders,
    operator: bearer(DEVELOPMENT_OFFICIALS.operator),
    officialsOf: (unitCode) => ({
      receivingOfficer: find(unitCode, "receiving_officer"),
      leader: find(unitCode, "leader"),
    }),
  };
}
