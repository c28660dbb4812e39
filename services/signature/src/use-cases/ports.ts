import type { DocumentStore, WriteOp } from "@lienthong/storage";
import type * as pkijs from "pkijs";
import type { TimestampAuthority } from "../cades/timestamp";
import type { PadesLevel } from "../pdf/pades";
import type { RevocationSource } from "../pki/revocation";
import type { DocumentFiles } from "../store/document-files";
import type { SigningAuthorization } from "./authorize-signer";
import type { SignerDirectory } from "./signer-directory";

export interface SignaturePorts {
  store: DocumentStore;
  commit(ops: readonly WriteOp[]): Promise<void>;
  files: DocumentFiles;
  signers: SignerDirectory;
  authorization: SigningAuthorization;
  /** Trust anchors (the national root) and where revocation is asked, for signing and verifying. */
  trust: { anchors: readonly pkijs.Certificate[]; revocation: RevocationSource };
  timestampAuthority?: TimestampAuthority;
  /** The level of a request that names none. */
  defaultLevel: PadesLevel;
  /** The public tracking page of a dossier (printed as a QR code). */
  trackingUrl(dossierCode: string): string;
  now(): Date;
}
