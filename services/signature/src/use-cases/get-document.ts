import type { Caller } from "@lienthong/service-host";
import type { DocumentRecord } from "../store/collections";
import type { SignaturePorts } from "./ports";
import { readableDocument } from "./tenancy";

/** A signed document and its bytes, for one of its tenants; 404 for anyone else, as for a missing one. */
export async function getSignedDocument(
  ports: SignaturePorts,
  caller: Caller,
  documentId: string,
): Promise<{ record: DocumentRecord; bytes: Buffer }> {
  const record = await readableDocument(ports, caller, documentId);
  return { record, bytes: await ports.files.read(documentId) };
}
