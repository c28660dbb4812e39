import { notFound } from "@lienthong/errors";
import { documents, type DocumentRecord } from "../store/collections";
import { isDocumentId } from "../store/document-files";
import type { SignaturePorts } from "./ports";

export async function getSignedDocument(
  ports: SignaturePorts,
  documentId: string,
): Promise<{ record: DocumentRecord; bytes: Buffer }> {
  const stored = isDocumentId(documentId) ? await ports.store.get(documents, documentId) : undefined;
  if (!stored) throw notFound("document", documentId);
  return { record: stored.data, bytes: await ports.files.read(documentId) };
}
