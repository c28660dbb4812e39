import { notFound } from "@lienthong/errors";
import {
  authorize,
  callerIds,
  dossierTarget,
  findDossier,
  type Authorized,
  type ClientIdentity,
  type OfficialIdentity,
} from "@lienthong/service-host";
import { COMMUNE_SYSTEM, OPERATOR } from "../api/access";
import { contacts, type ContactRecord } from "../store/collections";
import type { NotificationPorts } from "../use-cases/ports";

/**
 * Who may read a dossier's deliveries: notification's one place for tenancy
 * (docs/decisions.md §10), reached by REST and gRPC through the use case.
 */

/** A caller that passed COMMUNE_SYSTEM or OPERATOR at the transport. */
export type DeliveriesCaller = Authorized<typeof COMMUNE_SYSTEM> | Authorized<typeof OPERATOR>;

/** What the caller reads as: one dossier's commune system, or an operator (every dossier). */
type Reader = { tenant: ClientIdentity; operator?: undefined } | { operator: OfficialIdentity; tenant?: undefined };

/**
 * An operator's token alone, or forwarded by a client acting for one of the
 * operator's units (the province's operations console), reads as an operator.
 * Otherwise the client key decides: a token another client forwards (even an
 * operator's) does not widen what its key may read.
 */
function readerOf(caller: DeliveriesCaller): Reader {
  const { client, official } = caller;
  if (
    official?.roles.has("operator") &&
    (!client || [...official.unitCodes].some((unit) => client.unitCodes.has(unit)))
  )
    return { operator: official };
  if (client) return { tenant: client };
  // A token alone passes only OPERATOR, whose role the host checked: this states it for the types.
  return { operator: authorize(OPERATOR, caller).official };
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
  caller: DeliveriesCaller,
  dossierRef: string,
  action: string,
): Promise<ContactRecord> {
  const reader = readerOf(caller);
  const contact = (await findDossier(ports.store, contacts, dossierRef))?.data;
  const outcome = !contact ? "not_found" : reader.operator || isTenant(reader.tenant, contact) ? "allowed" : "denied";
  ports.audit({ action, outcome, target: contact?.dossierId ?? dossierTarget(dossierRef), ...callerIds(caller) });
  if (!contact || outcome !== "allowed") throw notFound("dossier", dossierRef);
  return contact;
}

/** An operator on the operators' routes (token alone). */
export type OperatorCaller = Authorized<typeof OPERATOR>;

/**
 * Operators act on deliveries and endpoints of their own province: one of the
 * units is theirs, or lies in a province that is. Anything else answers like
 * something that does not exist (decision 10).
 */
export function operatorActsFor(ports: NotificationPorts, operator: OfficialIdentity, unitCodes: readonly string[]) {
  return unitCodes.some((unit) => {
    const province = ports.provinceOf(unit);
    return operator.unitCodes.has(unit) || (province !== undefined && operator.unitCodes.has(province));
  });
}

/** The units of a dossier: its receiving unit and the competent authority routing last named. */
export function unitsOf(contact: ContactRecord): string[] {
  return [contact.receivingUnitCode, ...(contact.competentAuthorityCode ? [contact.competentAuthorityCode] : [])];
}
