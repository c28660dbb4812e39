import { createHash, randomBytes, type KeyObject } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { SigningError } from "../pki/errors";
import {
  digestAlgorithmIdentifier,
  integerFromBytes,
  signatureAlgorithmFor,
  signWithKey,
  type DigestAlgorithm,
  type SignatureAlgorithm,
} from "./algorithms";
import { derElement, TAG } from "./der";
import { OID } from "./oids";
import { completeCadesSignature, prepareCadesSignature, type SignerCertificates } from "./signed-data";

/** What is stamped: the digest of some bytes (for B-T, the signature value). */
export interface MessageImprint {
  digest: DigestAlgorithm;
  hash: Uint8Array;
}

/** An RFC 3161 time-stamping authority; returns the DER TimeStampToken (a CMS ContentInfo). */
export interface TimestampAuthority {
  timestamp(imprint: MessageImprint): Promise<Buffer>;
  /** The TSA's certificate and CAs when known beforehand (validation data without parsing each token). */
  readonly certificates?: readonly pkijs.Certificate[];
}

// RFC 5612 sets aside enterprise number 32473 for examples: the test TSA's policy is nobody's real one.
export const TEST_TSA_POLICY = "1.3.6.1.4.1.32473.704.1";

/**
 * The platform's own TSA (embedded mode): TSTInfo assembled by pkijs, signed
 * as a CAdES SignedData with ESS signing-certificate-v2 (RFC 5816) by a key
 * whose certificate has the critical timeStamping EKU. Each token has a fresh
 * random serial number.
 */
export class LocalTimestampAuthority implements TimestampAuthority {
  readonly certificates: readonly pkijs.Certificate[];
  private readonly algorithm: SignatureAlgorithm;
  // The parts of a TSTInfo that never change, in DER.
  private readonly constants: {
    version: Buffer;
    policy: Buffer;
    accuracy: Buffer;
    digests: Readonly<Record<DigestAlgorithm, Buffer>>;
  };

  constructor(
    private readonly signer: SignerCertificates & { key: KeyObject },
    private readonly clock: () => Date = () => new Date(),
    policy = TEST_TSA_POLICY,
  ) {
    this.algorithm = signatureAlgorithmFor(signer.key);
    this.certificates = [signer.certificate, ...signer.chain];
    const der = (element: asn1js.AsnType) => Buffer.from(element.toBER());
    const digestDer = (name: DigestAlgorithm) => der(digestAlgorithmIdentifier(name).toSchema());
    this.constants = {
      version: der(new asn1js.Integer({ value: 1 })),
      policy: der(new asn1js.ObjectIdentifier({ value: policy })),
      accuracy: der(new pkijs.Accuracy({ seconds: 1 }).toSchema()),
      digests: { sha256: digestDer("sha256"), sha384: digestDer("sha384"), sha512: digestDer("sha512") },
    };
  }

  async timestamp(imprint: MessageImprint, nonce?: Uint8Array): Promise<Buffer> {
    return this.stampNow(imprint, nonce);
  }

  /** Synchronous form for the pure render-and-sign path. */
  stampNow(imprint: MessageImprint, nonce?: Uint8Array): Buffer {
    // Whole seconds: DER forbids trailing zeros in GeneralizedTime fractions.
    const genTime = new Date(Math.floor(this.clock().getTime() / 1000) * 1000);
    const content = this.tstInfo(imprint, genTime, nonce);
    const prepared = prepareCadesSignature({
      signer: this.signer,
      algorithm: this.algorithm,
      contentType: OID.tstInfo,
      encapsulatedContent: content,
      contentDigest: createHash(this.algorithm.digest).update(content).digest(),
    });
    return completeCadesSignature(prepared, signWithKey(this.signer.key, this.algorithm, prepared.dataToSign));
  }

  /**
   * TSTInfo (RFC 3161 §2.4.2) in DER, framed around parts encoded once: pkijs's
   * TSTInfo builds every node anew, which costs more than the ECDSA signature
   * of the token.
   */
  private tstInfo(imprint: MessageImprint, genTime: Date, nonce: Uint8Array | undefined): Buffer {
    return derElement(TAG.sequence, [
      this.constants.version,
      this.constants.policy,
      derElement(TAG.sequence, [this.constants.digests[imprint.digest], derElement(TAG.octetString, [imprint.hash])]),
      Buffer.from(integerFromBytes(randomBytes(16)).toBER()),
      Buffer.from(new asn1js.GeneralizedTime({ valueDate: genTime }).toBER()),
      this.constants.accuracy,
      ...(nonce ? [Buffer.from(integerFromBytes(nonce).toBER())] : []),
    ]);
  }
}

/**
 * An external TSA over HTTP (RFC 3161 §3.4): POST application/timestamp-query,
 * answer application/timestamp-reply. Whatever it answers other than a token
 * for this very request — unreachable, slow, an HTTP error, garbage, a
 * rejection, another imprint or nonce — is TIMESTAMP_FAILED, which may heal:
 * a decision's result is parked and tried again (docs/decisions.md §26).
 */
export class HttpTimestampAuthority implements TimestampAuthority {
  constructor(
    private readonly url: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async timestamp(imprint: MessageImprint): Promise<Buffer> {
    // 64 random bits: the reply must carry them back (RFC 3161 §2.4.2), so a stale or misrouted answer is refused.
    const nonce = integerFromBytes(randomBytes(8));
    const request = new pkijs.TimeStampReq({
      version: 1,
      messageImprint: new pkijs.MessageImprint({
        hashAlgorithm: digestAlgorithmIdentifier(imprint.digest),
        hashedMessage: new asn1js.OctetString({ valueHex: imprint.hash }),
      }),
      nonce,
      certReq: true,
    });
    let response: Response;
    let reply: Buffer;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/timestamp-query" },
        body: Buffer.from(request.toSchema().toBER()),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // The timeout covers the body too: a TSA that sends its headers and stalls does not hold the signing.
      reply = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      throw new SigningError("TIMESTAMP_FAILED", "the time-stamping authority could not be reached in time", {
        cause: error,
      });
    }
    if (!response.ok) {
      throw new SigningError("TIMESTAMP_FAILED", `the time-stamping authority answered HTTP ${response.status}`);
    }
    return tokenFromReply(reply, imprint, nonce);
  }
}

/**
 * The token of a TimeStampResp, checked as RFC 3161 §2.4.2 asks of a
 * requester: the status is granted (or granted with modifications), and the
 * TSTInfo stamps the hash algorithm and digest that were sent and carries back
 * the request's nonce. Anything else is refused. Whether the token's signature
 * and its TSA are trusted is the verifier's business, as for any token.
 */
export function tokenFromReply(reply: Uint8Array, imprint: MessageImprint, nonce: asn1js.Integer): Buffer {
  let response: pkijs.TimeStampResp;
  try {
    response = pkijs.TimeStampResp.fromBER(reply);
  } catch (error) {
    throw new SigningError(
      "TIMESTAMP_FAILED",
      "the time-stamping authority answered something else than a TimeStampResp",
      { cause: error },
    );
  }
  // PKIStatus 0 granted, 1 grantedWithMods (RFC 3161 §2.4.2).
  const granted = [pkijs.PKIStatus.granted, pkijs.PKIStatus.grantedWithMods].includes(response.status.status);
  if (!granted || response.timeStampToken === undefined) {
    throw new SigningError(
      "TIMESTAMP_FAILED",
      `the time-stamping authority refused the request (status ${response.status.status})`,
    );
  }
  const token = Buffer.from(response.timeStampToken.toSchema().toBER());
  const info = timestampInfo(token);
  if (info === undefined) {
    throw new SigningError("TIMESTAMP_FAILED", "the time-stamping authority's token holds no TSTInfo");
  }
  const stamped = info.messageImprint;
  if (
    stamped.hashAlgorithm.algorithmId !== digestAlgorithmIdentifier(imprint.digest).algorithmId ||
    !Buffer.from(stamped.hashedMessage.valueBlock.valueHexView).equals(Buffer.from(imprint.hash))
  ) {
    throw new SigningError("TIMESTAMP_FAILED", "the time-stamping authority stamped another value than asked");
  }
  if (info.nonce === undefined || info.nonce.toBigInt() !== nonce.toBigInt()) {
    throw new SigningError(
      "TIMESTAMP_FAILED",
      "the time-stamping authority's token does not carry the request's nonce",
    );
  }
  return token;
}

/** The TSTInfo inside a timestamp token, undefined when it holds none. */
export function timestampInfo(token: Uint8Array): pkijs.TSTInfo | undefined {
  try {
    const contentInfo = pkijs.ContentInfo.fromBER(token);
    const signedData = new pkijs.SignedData({ schema: contentInfo.content });
    const content = signedData.encapContentInfo.eContent;
    if (signedData.encapContentInfo.eContentType !== OID.tstInfo || content === undefined) return undefined;
    return pkijs.TSTInfo.fromBER(octets(content));
  } catch {
    return undefined;
  }
}

/** The bytes of an OCTET STRING, whether DER-primitive or BER-constructed (pkijs reads both). */
export function octets(value: asn1js.OctetString): Buffer {
  if (!value.idBlock.isConstructed) return Buffer.from(value.valueBlock.valueHexView);
  return Buffer.concat(value.valueBlock.value.map((part) => octets(part as asn1js.OctetString)));
}
