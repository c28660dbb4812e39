import { isAgencyCode, parseDossierCode } from "@lienthong/domain";
import { PlatformError, invalidArgument, notFound } from "@lienthong/errors";
import {
  callerIds,
  documentTarget,
  type Caller,
  type ClientIdentity,
  type OfficialIdentity,
} from "@lienthong/service-host";
import { documents, type DocumentRecord } from "../store/collections";
import { isDocumentId } from "../store/document-files";
import type { CompetentAuthority } from "./authorize-signer";
import type { SignaturePorts } from "./ports";

/**
 * Who may reach which signed document, and for which authority an official
 * may sign: signature's one place for tenancy (docs/decisions.md §10),
 * reached by REST and gRPC alike through the use cases. The transports only
 * ask for a caller of the right kind (api/access.ts); every decision here is
 * one audit entry with ids only.
 *
 * A caller may present two identities, the commune system (client) and the
 * official it forwards: each one presented must reach the resource.
 */

/** An official's token forwarded by a commune system: who signs documents on request. */
export interface SigningCaller extends Caller {
  client: ClientIdentity;
  official: OfficialIdentity;
}

type Identity = ClientIdentity | OfficialIdentity;

function identitiesOf(caller: Caller): Identity[] {
  return [caller.client, caller.official].filter((identity): identity is Identity => identity !== undefined);
}

/** Whether every identity the caller presented belongs to one of `units`. */
export function everyIdentityIn(caller: Caller, units: readonly string[]): boolean {
  const identities = identitiesOf(caller);
  return identities.length > 0 && identities.every((identity) => units.some((unit) => identity.unitCodes.has(unit)));
}

/**
 * The receiving unit of a dossier whose record does not say it: the first part of its code
 * (`<receiving unit>-<yyMMdd>-<sequence>`), as every code was before a unit could print its agency code (§48).
 */
export function receivingUnitOf(dossierCode: string): string {
  return parseDossierCode(dossierCode)?.agencyCode ?? "";
}

/** A document's tenants: the dossier's receiving unit and the authority the document was signed for. */
export function tenantsOf(record: DocumentRecord): string[] {
  const receiving = record.receivingUnitCode ?? receivingUnitOf(record.dossierCode);
  return [receiving, record.competentAuthorityCode ?? ""].filter((code) => code !== "");
}

/**
 * A signed document the caller may read: a commune system (and the official
 * it forwards) of the dossier's receiving unit or of the authority the
 * document was signed for. Any other document answers exactly like a missing one.
 */
export async function readableDocument(
  ports: SignaturePorts,
  caller: Caller,
  documentId: string,
): Promise<DocumentRecord> {
  const found = isDocumentId(documentId) ? await ports.store.get(documents, documentId) : undefined;
  const outcome = !found ? "not_found" : everyIdentityIn(caller, tenantsOf(found.data)) ? "allowed" : "denied";
  ports.audit.decided({
    action: "read_document",
    outcome,
    target: documentTarget(documentId),
    ...callerIds(caller),
    ...(outcome === "denied" && { reason: "NOT_A_TENANT" }),
  });
  if (!found || outcome !== "allowed") throw notFound("document", documentId);
  return found.data;
}

/**
 * The authority an official signs a document for, on their own request: one
 * of their units, which the system forwarding them acts for too. Unnamed, it
 * is the one unit they share; a signer who belongs to several must name it.
 * Authority codes are published reference data, so a refusal names the code
 * (403), as for any unit the caller does not act for.
 */
export function signingAuthority(
  ports: SignaturePorts,
  caller: SigningCaller,
  action: "sign_document" | "sign_file",
  requestedCode: string,
): CompetentAuthority {
  const { client, official } = caller;
  let code = requestedCode.trim();
  if (code === "") {
    const shared = [...official.unitCodes].filter((unit) => client.unitCodes.has(unit));
    if (shared.length !== 1 || shared[0] === undefined) {
      throw invalidArgument([
        {
          field: "competentAuthorityCode",
          reason: "is required when the official belongs to several units the calling system acts for",
        },
      ]);
    }
    code = shared[0];
  } else if (!isAgencyCode(code)) {
    throw invalidArgument([{ field: "competentAuthorityCode", reason: "is not a unit or agency code" }]);
  }
  const allowed = everyIdentityIn(caller, [code]);
  ports.audit.decided({
    action,
    outcome: allowed ? "allowed" : "denied",
    target: `unit:${code}`,
    ...callerIds(caller),
    ...(!allowed && { reason: "NOT_ACTING_FOR_UNIT" }),
  });
  if (!allowed) {
    throw new PlatformError(
      "PERMISSION_DENIED",
      `The official signs only for their own units, and ${code} is not one of them or not one the calling system acts for`,
      { reason: "NOT_ACTING_FOR_UNIT", details: { unitCode: code } },
    );
  }
  return { code, name: "" };
}
