import { defineCollection } from "@lienthong/storage";

/** A signed result document (collection `documents`, id = document id = the signature request id). */
export interface DocumentRecord {
  documentId: string;
  dossierId: string;
  dossierCode: string;
  sha256: string;
  signerSubject: string;
  signedAt: string;
  sizeBytes: number;
}

export const documents = defineCollection<DocumentRecord>("documents", { indexes: [["dossierId"]] });

export const signatureCollections = [documents];
