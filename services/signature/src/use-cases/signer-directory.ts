import type { SigningIdentity } from "../pki";

/** Which officials can sign here: the local test PKI in embedded mode, an operator PKCS#12 in production. */
export interface SignerDirectory {
  signer(officialId: string): SigningIdentity | undefined;
}
