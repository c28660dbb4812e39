import type { Role } from "@lienthong/domain";

/** A commune system or the portal, identified by its API key. */
export interface ClientIdentity {
  clientId: string;
  /** The units (communes, agencies) it acts for: its tenancy. */
  unitCodes: ReadonlySet<string>;
}

/** An official, identified by a verified token from the province's identity provider (never by a request body). */
export interface OfficialIdentity {
  /** The token's subject: the official's staff id, what dossiers and the audit log record. */
  subject: string;
  /** The units and agencies the official belongs to. */
  unitCodes: ReadonlySet<string>;
  roles: ReadonlySet<Role>;
}

/**
 * Who is calling: a client credential, an official's token, or both (a commune
 * system forwarding its official's token). Public endpoints see neither.
 */
export interface Caller {
  client?: ClientIdentity;
  official?: OfficialIdentity;
}

/** The ids of a caller for logs and the audit log: never a credential or personal data. */
export function callerIds(caller: Caller): { clientId?: string; officialId?: string } {
  return {
    ...(caller.client && { clientId: caller.client.clientId }),
    ...(caller.official && { officialId: caller.official.subject }),
  };
}
