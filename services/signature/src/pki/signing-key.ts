import { createPublicKey, type KeyObject } from "node:crypto";
import type * as pkijs from "pkijs";
import { signatureAlgorithmFor, signWithKey, type SignatureAlgorithm } from "../cades/algorithms";

/**
 * What signs for an official: a key in this process, an HSM or a remote
 * signing service. The core hands out the data to sign (the DER of the CMS
 * signed attributes) and takes back the signature value.
 */
export interface SigningKey {
  readonly algorithm: SignatureAlgorithm;
  sign(dataToSign: Buffer): Promise<Buffer>;
}

/** A private key held by this process (decrypted at start from an encrypted file). */
export class LocalSigningKey implements SigningKey {
  readonly algorithm: SignatureAlgorithm;

  constructor(readonly privateKey: KeyObject) {
    this.algorithm = signatureAlgorithmFor(createPublicKey(privateKey));
  }

  signNow(dataToSign: Uint8Array): Buffer {
    return signWithKey(this.privateKey, this.algorithm, dataToSign);
  }

  async sign(dataToSign: Buffer): Promise<Buffer> {
    return this.signNow(dataToSign);
  }

  /** Never print key material, whatever logs the object. */
  toJSON(): object {
    return { algorithm: this.algorithm, key: "[local private key]" };
  }
}

/** One official's means to sign: the certificate, its CA chain and the key. */
export interface SignerCredential {
  /** Staff id of the official the certificate was issued to. */
  officialId: string;
  certificate: pkijs.Certificate;
  /** CA certificates above the signer's, nearest first; they travel in every signature. */
  chain: readonly pkijs.Certificate[];
  key: SigningKey;
  /**
   * Codes of the competent authorities this certificate signs for, when the
   * key source declares them; undefined leaves the decision to the
   * authorization rules alone.
   */
  authorityCodes?: readonly string[];
  /**
   * Codes of the units the official works for (a desk officer's receiving unit), when the key source
   * declares them: with authorityCodes, the units whose desk slips the key signs (authorize-signer.ts).
   */
  unitCodes?: readonly string[];
  /** Subject of the certificate, most specific part first ("CN=…, O=…, C=VN"). */
  subject: string;
}
