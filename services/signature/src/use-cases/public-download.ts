import { notFound, toPlatformError } from "@lienthong/errors";
import { documentTarget, verifyPublicDocumentLink, type PresentedLink } from "@lienthong/service-host";
import { documents, type DocumentRecord } from "../store/collections";
import type { SignaturePorts } from "./ports";

/**
 * A decision's signed result, for whoever holds the link intake handed its
 * applicant once the status lookup's second factor matched (service-host's
 * public-links.ts; docs/decisions.md §23). The link is the credential: it is
 * checked before anything is looked up, so a refused one (400 malformed,
 * 403 `LINK_SIGNATURE_INVALID` or `LINK_EXPIRED`) never tells whether the
 * document exists. Only a decision's result is served this way; a document
 * an official had signed on request has no applicant and answers 404.
 * Each attempt is one audit entry: the document id, the outcome and, when
 * refused, why — never the link's signature.
 */
export async function downloadByPublicLink(
  ports: SignaturePorts,
  link: PresentedLink,
): Promise<{ record: DocumentRecord; bytes: Buffer }> {
  const action = "download_result";
  let documentId: string;
  try {
    documentId = verifyPublicDocumentLink(ports.publicLinks, link, ports.now());
  } catch (error) {
    const refusal = toPlatformError(error);
    const reason = refusal.code === "INVALID_ARGUMENT" ? "MALFORMED_LINK" : refusal.reason;
    ports.audit.decided({ action, outcome: "denied", target: documentTarget(link.documentId), reason });
    throw refusal;
  }
  const found = await ports.store.get(documents, documentId);
  const result = found && found.data.dossierId !== "" ? found.data : undefined;
  ports.audit.decided({ action, outcome: result ? "allowed" : "not_found", target: documentId });
  if (!result) throw notFound("document", documentId);
  return { record: result, bytes: await ports.files.read(documentId) };
}
