import type { SignerCredential } from "../pki/signing-key";

/** Which officials can sign here: the local test PKI in embedded mode, operators' keys or a signing hook in production. */
export interface SignerDirectory {
  readonly officialIds: readonly string[];
  credential(officialId: string): SignerCredential | undefined;
}
