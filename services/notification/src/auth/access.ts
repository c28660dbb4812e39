import { notFound, unauthenticated } from "@lienthong/errors";
import {
  AUTHORIZATION_HEADER,
  CLIENT_KEY_HEADER,
  authorize,
  callerIds,
  findDossier,
  type Caller,
  type ClientIdentity,
  type OfficialIdentity,
} from "@lienthong/service-host";
import { COMMUNE_SYSTEM, OPERATOR } from "../api/access";
import { contacts, type ContactRecord } from "../store/collections";
import type { AccessDecision, NotificationPorts } from "../use-cases/ports";

/** Who reads a dossier's deliveries: one of its commune systems, or an operator. */
export type DeliveriesReader = { client: ClientIdentity; operator?: undefined } | { operator: OfficialIdentity; client?: undefined };

/**
 * COMMUNE_SYSTEM or OPERATOR: a client key makes the caller a commune system
 * (an official's token it forwards changes nothing here); a token alone must
 * carry the operator role (403 naming it); neither is 401.
 */
export function deliveriesReader(caller: Caller): DeliveriesReader {
  if (caller.client) return { client: authorize(COMMUNE_SYSTEM, caller).client };
  if (caller.official) return { operator: authorize(OPERATOR, caller).official };
  throw unauthenticated(
    `A commune system's API key (${CLIENT_KEY_HEADER} header) or an operator's token (${AUTHORIZATION_HEADER}: Bearer) is required`,
  );
}

/** A commune system sees the dossiers it received and those it is competent for (boundary-free intake). */
function isTenant(client: ClientIdentity, contact: ContactRecord): boolean {
  return (
    client.unitCodes.has(contact.receivingUnitCode) ||
    (contact.competentAuthorityCode !== undefined && client.unitCodes.has(contact.competentAuthorityCode))
  );
}

/**
 * The dossier (its contact record, by id or code) when the caller may read its
 * deliveries. Another tenant's dossier answers exactly like one notification
 * never heard of (NOT_FOUND), so a dossier code reveals nothing; the audit log
 * tells the two apart.
 */
export async function readableDossier(
  ports: NotificationPorts,
  caller: Caller,
  dossierRef: string,
  action: string,
): Promise<ContactRecord> {
  const audit = (target: string, decision: AccessDecision["decision"]) =>
    ports.audit({ action, ...callerIds(caller), target, decision });
  let reader: DeliveriesReader;
  try {
    reader = deliveriesReader(caller);
  } catch (error) {
    if (caller.client || caller.official) audit(dossierRef, "denied");
    throw error;
  }
  const contact = (await findDossier(ports.store, contacts, dossierRef))?.data;
  const decision = !contact ? "not_found" : reader.operator || isTenant(reader.client, contact) ? "allowed" : "denied";
  audit(contact?.dossierId ?? dossierRef, decision);
  if (!contact || decision !== "allowed") throw notFound("dossier", dossierRef);
  return contact;
}
