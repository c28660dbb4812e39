import type { CollectionSpec } from "@lienthong/storage";

/** A signed result document (collection `documents`, id = document id = the signature request id). */
export interface DocumentRecord {
  [field: string]: unknown;
  documentId: string;
  dossierId: string;
  dossierCode: string;
  sha256: string;
  signerSubject: string;
  signedAt: string;
  sizeBytes: number;
}

export const Collections = { documents: "documents" } as const;

export const signatureCollections: CollectionSpec[] = [{ name: Collections.documents, indexes: [["dossierId"]] }];
