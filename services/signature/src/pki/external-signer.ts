import { createHash } from "node:crypto";
import type * as pkijs from "pkijs";
import {
  ecdsaSignatureToDer,
  verifyWithAlgorithm,
  signatureAlgorithmIdentifier,
  type SignatureAlgorithm,
} from "../cades/algorithms";
import { toX509 } from "./certificates";
import { SigningError } from "./errors";
import type { SigningKey } from "./signing-key";

/**
 * The request a signing hook (an HSM gateway, a remote signing service)
 * receives: JSON over HTTP POST. `dataToSign` is the DER of the CMS signed
 * attributes; `digest` is its hash, for devices that sign a hash (CSC
 * signHash, PKCS#11 on a digest).
 */
export interface ExternalSignRequest {
  keyId: string;
  /** "RSASSA-PSS" (MGF1 with the same digest, salt as long as the digest) or "ECDSA". */
  signatureAlgorithm: "RSASSA-PSS" | "ECDSA";
  digestAlgorithm: "SHA-256" | "SHA-384" | "SHA-512";
  dataToSign: string;
  digest: string;
}

/** The answer: the signature value, base64; ECDSA as DER (default) or r‖s ("p1363"). */
export interface ExternalSignResponse {
  signature: string;
  encoding?: "der" | "p1363";
}

/**
 * A key held elsewhere: data to sign goes out, the signature value comes back
 * and is checked against the official's certificate before it is used, so a
 * wrong key or a corrupted answer never reaches a document.
 */
export class ExternalSigningKey implements SigningKey {
  readonly algorithm: SignatureAlgorithm;

  constructor(
    private readonly endpoint: string,
    private readonly keyId: string,
    private readonly certificate: pkijs.Certificate,
    algorithm: SignatureAlgorithm,
    private readonly timeoutMs = 10_000,
  ) {
    this.algorithm = algorithm;
  }

  async sign(dataToSign: Buffer): Promise<Buffer> {
    const request: ExternalSignRequest = {
      keyId: this.keyId,
      signatureAlgorithm: this.algorithm.scheme === "ecdsa" ? "ECDSA" : "RSASSA-PSS",
      digestAlgorithm: `SHA-${this.algorithm.digest.slice(3)}` as ExternalSignRequest["digestAlgorithm"],
      dataToSign: dataToSign.toString("base64"),
      digest: createHash(this.algorithm.digest).update(dataToSign).digest("base64"),
    };
    let answer: ExternalSignResponse;
    try {
      const response = await fetch(this.endpoint, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      answer = (await response.json()) as ExternalSignResponse;
    } catch (error) {
      throw new SigningError("EXTERNAL_SIGNER_FAILED", "the external signing service did not answer", { cause: error });
    }
    const raw = Buffer.from(typeof answer.signature === "string" ? answer.signature : "", "base64");
    const value = this.algorithm.scheme === "ecdsa" && answer.encoding === "p1363" ? ecdsaSignatureToDer(raw) : raw;
    const verifies = verifyWithAlgorithm(
      toX509(this.certificate).publicKey,
      signatureAlgorithmIdentifier(this.algorithm),
      this.algorithm.digest,
      dataToSign,
      value,
    );
    if (verifies !== true) {
      throw new SigningError(
        "EXTERNAL_SIGNER_FAILED",
        "the external signing service returned a signature that does not verify with the official's certificate",
      );
    }
    return value;
  }
}
