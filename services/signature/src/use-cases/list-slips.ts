import { notFound } from "@lienthong/errors";
import { callerIds, type Caller } from "@lienthong/service-host";
import { documents, type DocumentRecord } from "../store/collections";
import { isDocumentId } from "../store/document-files";
import type { SignaturePorts } from "./ports";
import { everyIdentityIn, tenantsOf } from "./tenancy";

/** A slip as the store keeps it: a document with its kind. */
export type SlipRecord = DocumentRecord & { slipKind: number };

/**
 * A dossier's desk slips the caller may read, oldest first: each slip is a
 * document of its own tenants (the dossier's receiving unit, the unit it was
 * issued for), so after a transfer the desk and each authority see theirs
 * and not the others'. A dossier with no slip the caller may read answers
 * 404, as a missing one does, so another tenant learns nothing; the decision
 * is one audit entry.
 */
export async function listSlips(ports: SignaturePorts, caller: Caller, dossierRef: string): Promise<SlipRecord[]> {
  const ref = dossierRef.trim();
  const found = await ports.store.find(documents, {
    where: isDocumentId(ref) ? { dossierId: ref } : { dossierCode: ref },
    orderBy: { field: "signedAt" },
    limit: 100,
  });
  const slips = found.map(({ data }) => data).filter(isSlip);
  const readable = slips.filter((record) => everyIdentityIn(caller, tenantsOf(record)));
  ports.audit.decided({
    action: "list_slips",
    outcome: slips.length === 0 ? "not_found" : readable.length > 0 ? "allowed" : "denied",
    target: `dossier:${slips[0]?.dossierId ?? "unknown"}`,
    ...callerIds(caller),
    ...(slips.length > 0 && readable.length === 0 && { reason: "NOT_A_TENANT" }),
  });
  if (readable.length === 0) throw notFound("dossier slips", ref);
  return readable;
}

/** Whether a signed document is a desk slip (and so has its kind). */
export function isSlip(record: DocumentRecord): record is SlipRecord {
  return record.slipKind !== undefined;
}
