import { notFound } from "@lienthong/service-kit";
import { Collections, type DocumentRecord } from "../store/collections";
import type { SignaturePorts } from "./ports";

export async function getSignedDocument(ports: SignaturePorts, documentId: string): Promise<{ record: DocumentRecord; bytes: Buffer }> {
  const stored = /^[0-9a-f-]{36}$/.test(documentId) ? await ports.store.get<DocumentRecord>(Collections.documents, documentId) : undefined;
  if (!stored) throw notFound("document", documentId);
  return { record: stored.data, bytes: await ports.files.read(documentId) };
}
