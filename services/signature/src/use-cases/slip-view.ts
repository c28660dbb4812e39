import type { SlipKind } from "../pdf/slip-document";
import type { DocumentRecord } from "../store/collections";
import { SLIP_KINDS } from "./issue-slip";
import { downloadPathOf } from "./sign-result";

const KIND_NAMES = new Map((Object.keys(SLIP_KINDS) as SlipKind[]).map((name) => [SLIP_KINDS[name] as number, name]));

/** A stored kind the renderer does not know is a defect (a newer writer, a corrupt record): never shown as another form. */
function kindName(kind: number): SlipKind {
  const name = KIND_NAMES.get(kind);
  if (name === undefined) throw new Error(`a stored slip has an unknown kind ${kind}`);
  return name;
}

/** A stored slip as the APIs show it: ids, kind, issuer and hash; never its content. */
export function slipView(record: DocumentRecord & { slipKind: number }) {
  return {
    documentId: record.documentId,
    dossierId: record.dossierId,
    dossierCode: record.dossierCode,
    kind: kindName(record.slipKind),
    issuedAt: record.signedAt,
    officialId: record.officialId ?? "",
    signerSubject: record.signerSubject,
    sha256: record.sha256,
    sizeBytes: record.sizeBytes,
    downloadPath: downloadPathOf(record.documentId),
  };
}
