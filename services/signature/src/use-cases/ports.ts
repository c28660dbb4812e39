import type { DocumentStore, WriteOp } from "@lienthong/storage";
import type { DocumentFiles } from "../store/document-files";
import type { SignerDirectory } from "./signer-directory";

export interface SignaturePorts {
  store: DocumentStore;
  commit(ops: readonly WriteOp[]): Promise<void>;
  files: DocumentFiles;
  signers: SignerDirectory;
  /** CA certificates whose signatures we accept when verifying. */
  trustedCaPems: string[];
  now(): Date;
}
