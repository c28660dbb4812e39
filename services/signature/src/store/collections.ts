import { defineCollection } from "@lienthong/storage";

/** A signed document (collection `documents`, id = document id; for a result, the signature request id). */
export interface DocumentRecord {
  documentId: string;
  /** The dossier of a decision's result; empty for a document signed on an official's request. */
  dossierId: string;
  dossierCode: string;
  sha256: string;
  signerSubject: string;
  signedAt: string;
  sizeBytes: number;
  /**
   * The tenants who may read it (use-cases/tenancy.ts): the dossier's
   * receiving unit (empty for a document signed on request) and the
   * authority it was signed for (the dossier's competent authority, or the
   * unit a request signed for). Absent on documents signed before they were
   * recorded: a result's receiving unit is then read from its dossier code.
   */
  receivingUnitCode?: string;
  competentAuthorityCode?: string;
}

export const documents = defineCollection<DocumentRecord>("documents", { indexes: [["dossierId"]] });

export const signatureCollections = [documents];
