import type { PublicLinkSecrets } from "@lienthong/service-host";
import type { DocumentStore, WriteOp } from "@lienthong/storage";
import type * as pkijs from "pkijs";
import type { TimestampAuthority } from "../cades/timestamp";
import type { PadesLevel } from "../pdf/pades";
import type { SlipKind } from "../pdf/slip-document";
import type { RevocationSource } from "../pki/revocation";
import type { DocumentFiles } from "../store/document-files";
import type { SigningAuthorization } from "./authorize-signer";
import type { SignerDirectory } from "./signer-directory";

/** One entry of the service's audit log: ids only, never a credential, a document's content or personal data. */
export interface AuditEntry {
  /** "read_document", "list_slips", "download_result", "sign_document", "sign_file", "sign_result" or "issue_slip". */
  action: string;
  outcome: "allowed" | "denied" | "not_found" | "done" | "refused";
  /** A document id, `unit:<code>`, or for a signing the ids of what was signed (see signingTarget). */
  target: string;
  clientId?: string;
  /** The official's staff id: a token's subject, or the deciding official a signature request names. */
  officialId?: string;
  /** Why, when denied or refused: a stable code, never a submitted value. */
  reason?: string;
}

/** The service's audit log (the host's hash-chained one). */
export interface SignatureAudit {
  /** Records an access decision on its own (committed within the host's flush interval). */
  decided(entry: AuditEntry): void;
  /** The write that records a signing; commit it with what it records. */
  record(entry: AuditEntry): WriteOp;
}

export interface SignaturePorts {
  store: DocumentStore;
  commit(ops: readonly WriteOp[]): Promise<void>;
  files: DocumentFiles;
  signers: SignerDirectory;
  /** Who signs a decision's result for which authority (the signer directory's leaders in service.ts). */
  authorization: SigningAuthorization;
  /** Trust anchors (the national root) and where revocation is asked, for signing and verifying. */
  trust: { anchors: readonly pkijs.Certificate[]; revocation: RevocationSource };
  timestampAuthority?: TimestampAuthority;
  /** The level of a request that names none. */
  defaultLevel: PadesLevel;
  /** How long a decision's signature is retried after a failure that may heal before signatureFailed answers it. */
  retryHorizonMs: number;
  /** The place a unit's documents are dated at (Decree 30/2020/NĐ-CP): its commune's or province's name, if known. */
  placeOf(unitCode: string): string | undefined;
  /** The public tracking page of a dossier (printed as a QR code). */
  trackingUrl(dossierCode: string): string;
  audit: SignatureAudit;
  /** What the applicant's download links are checked with (intake signs them; docs/decisions.md §23). */
  publicLinks: PublicLinkSecrets;
  /**
   * Told when a signature request was answered with signatureFailed for a
   * defect (an error no rule foresaw) or after the retry horizon.
   */
  logger: { error(details: object, message: string): void };
  /** Counts a desk slip refused for good (signature_slips_not_issued_total): its kind and the stable code only. */
  slipsNotIssued(kind: SlipKind, reason: string): void;
  now(): Date;
}
