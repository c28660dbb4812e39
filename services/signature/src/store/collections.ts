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
  /** A desk slip (forms 01–04): its kind (events.SlipKind); absent on results and documents signed on request. */
  slipKind?: number;
  /** A slip's issuing official (staff id). */
  officialId?: string;
}

export const documents = defineCollection<DocumentRecord>("documents", {
  // A dossier's slips are listed by its id or its code.
  indexes: [["dossierId"], ["dossierCode"]],
});

/**
 * A decision's signature request or a desk slip parked after a failure that
 * may heal (the TSA or the signing hook out of reach; collection
 * `signature_retries`, id = request id, or the slip's document id): retried
 * by the retry worker with backoff until the horizon, then answered with
 * signatureFailed (a result) or refused (a slip) — never left to the
 * consumer's few quick retries, after which it would be dead-lettered and
 * the dossier would wait for nothing, or the slip wait for a manual replay.
 */
export interface SignatureRetryRecord {
  requestId: string;
  dossierId: string;
  /** The SignatureRequested event as protobuf, base64: the request exactly as routing sent it; empty for a slip. */
  requestBase64: string;
  /** A desk slip's request (use-cases/issue-slip.ts SlipRequest) as JSON: ids, dates, the unit, missing items. */
  slipRequest?: string;
  /** The signing code of the last failure (TIMESTAMP_FAILED, EXTERNAL_SIGNER_FAILED). */
  lastError: string;
  firstFailedAt: string;
  attempts: number;
  nextAttemptAt: string;
}

export const signatureRetries = defineCollection<SignatureRetryRecord>("signature_retries", {
  indexes: [["nextAttemptAt"]],
});

export const signatureCollections = [documents, signatureRetries];
