import { constants, sign as nodeSign, verify as nodeVerify, type KeyObject } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { SigningError } from "../pki/errors";
import { OID } from "./oids";

export type DigestAlgorithm = "sha256" | "sha384" | "sha512";

/**
 * The two families Circular 15/2025/TT-BKHCN allows for new signatures:
 * RSASSA-PSS with keys of 2048 bits or more, ECDSA on curves of 256 bits or
 * more, each with a SHA-2 digest. PKCS#1 v1.5 is still read when verifying.
 */
export interface SignatureAlgorithm {
  scheme: "rsa-pss" | "ecdsa";
  digest: DigestAlgorithm;
}

const DIGEST_OIDS: Record<DigestAlgorithm, string> = { sha256: OID.sha256, sha384: OID.sha384, sha512: OID.sha512 };
const DIGEST_BYTES: Record<DigestAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };
const ECDSA_OIDS: Record<DigestAlgorithm, string> = {
  sha256: OID.ecdsaWithSha256,
  sha384: OID.ecdsaWithSha384,
  sha512: OID.ecdsaWithSha512,
};
const RSA_PKCS1_OIDS: Record<string, DigestAlgorithm> = {
  [OID.sha256WithRsa]: "sha256",
  [OID.sha384WithRsa]: "sha384",
  [OID.sha512WithRsa]: "sha512",
};
const CURVE_DIGEST: Record<string, DigestAlgorithm> = {
  prime256v1: "sha256",
  secp384r1: "sha384",
  secp521r1: "sha512",
};
const MIN_RSA_BITS = 2048;

export function digestOf(oid: string): DigestAlgorithm | undefined {
  return (Object.keys(DIGEST_OIDS) as DigestAlgorithm[]).find((name) => DIGEST_OIDS[name] === oid);
}

export function digestAlgorithmIdentifier(digest: DigestAlgorithm): pkijs.AlgorithmIdentifier {
  // RFC 5754 §2: the SHA-2 identifiers go without parameters.
  return new pkijs.AlgorithmIdentifier({ algorithmId: DIGEST_OIDS[digest] });
}

/** The algorithm a key signs with, refusing keys weaker than the Circular allows. */
export function signatureAlgorithmFor(publicKey: KeyObject): SignatureAlgorithm {
  const details = publicKey.asymmetricKeyDetails ?? {};
  if (publicKey.asymmetricKeyType === "rsa" || publicKey.asymmetricKeyType === "rsa-pss") {
    if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
      throw new SigningError("WEAK_KEY", `RSA keys must have at least ${MIN_RSA_BITS} bits`);
    }
    return { scheme: "rsa-pss", digest: "sha256" };
  }
  if (publicKey.asymmetricKeyType === "ec") {
    const digest = CURVE_DIGEST[details.namedCurve ?? ""];
    if (digest === undefined) throw new SigningError("WEAK_KEY", "ECDSA keys must be on P-256, P-384 or P-521");
    return { scheme: "ecdsa", digest };
  }
  throw new SigningError("WEAK_KEY", `keys of type ${publicKey.asymmetricKeyType ?? "unknown"} cannot sign here`);
}

/** signatureAlgorithm of a SignerInfo or a certificate. */
export function signatureAlgorithmIdentifier(algorithm: SignatureAlgorithm): pkijs.AlgorithmIdentifier {
  if (algorithm.scheme === "ecdsa") return new pkijs.AlgorithmIdentifier({ algorithmId: ECDSA_OIDS[algorithm.digest] });
  const hash = digestAlgorithmIdentifier(algorithm.digest);
  const params = new pkijs.RSASSAPSSParams({
    hashAlgorithm: hash,
    maskGenAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.mgf1, algorithmParams: hash.toSchema() }),
    saltLength: DIGEST_BYTES[algorithm.digest],
  });
  return new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsassaPss, algorithmParams: params.toSchema() });
}

/** Signs with node:crypto (native): PSS with MGF1 of the same digest and a salt as long as it, or DER-encoded ECDSA. */
export function signWithKey(key: KeyObject, algorithm: SignatureAlgorithm, data: Uint8Array): Buffer {
  return algorithm.scheme === "ecdsa"
    ? nodeSign(algorithm.digest, data, { key, dsaEncoding: "der" })
    : nodeSign(algorithm.digest, data, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: DIGEST_BYTES[algorithm.digest],
      });
}

/**
 * A signing device that returns ECDSA as r‖s (PKCS#11, most remote signing
 * services) gives CMS the DER SEQUENCE of two INTEGERs instead.
 */
export function ecdsaSignatureToDer(signature: Uint8Array): Buffer {
  if (signature[0] === 0x30) return Buffer.from(signature);
  return Buffer.from(pkijs.createCMSECDSASignature(new Uint8Array(signature).buffer));
}

/**
 * Verifies a signature by the algorithm identifier found in a CMS or a
 * certificate: RSASSA-PSS with its parameters, PKCS#1 v1.5, ECDSA. Undefined
 * for an algorithm it does not know (the verdict is then "unsupported").
 */
export function verifyWithAlgorithm(
  publicKey: KeyObject,
  algorithm: pkijs.AlgorithmIdentifier,
  digestHint: DigestAlgorithm | undefined,
  data: Uint8Array,
  signature: Uint8Array,
): boolean | undefined {
  const oid = algorithm.algorithmId;
  try {
    if (oid === OID.rsassaPss) {
      const params = new pkijs.RSASSAPSSParams({ schema: algorithm.algorithmParams });
      const digest = digestOf(params.hashAlgorithm.algorithmId);
      if (digest === undefined) return undefined;
      return nodeVerify(
        digest,
        data,
        { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: params.saltLength },
        signature,
      );
    }
    const pkcs1 = RSA_PKCS1_OIDS[oid] ?? (oid === OID.rsaEncryption ? digestHint : undefined);
    if (pkcs1 !== undefined) return nodeVerify(pkcs1, data, publicKey, signature);
    const ecdsa = (Object.keys(ECDSA_OIDS) as DigestAlgorithm[]).find((digest) => ECDSA_OIDS[digest] === oid);
    const ecdsaDigest = ecdsa ?? (oid === OID.ecPublicKey ? digestHint : undefined);
    if (ecdsaDigest !== undefined)
      return nodeVerify(ecdsaDigest, data, { key: publicKey, dsaEncoding: "der" }, signature);
    return undefined;
  } catch {
    // A key of the wrong type for the algorithm, or garbled parameters.
    return false;
  }
}

/** A readable name of a signature algorithm identifier for reports, e.g. "RSASSA-PSS SHA-256". */
export function algorithmName(algorithm: pkijs.AlgorithmIdentifier): string {
  const oid = algorithm.algorithmId;
  if (oid === OID.rsassaPss) {
    try {
      const params = new pkijs.RSASSAPSSParams({ schema: algorithm.algorithmParams });
      return `RSASSA-PSS ${digestLabel(digestOf(params.hashAlgorithm.algorithmId))}`;
    } catch {
      return "RSASSA-PSS";
    }
  }
  if (RSA_PKCS1_OIDS[oid] !== undefined) return `RSA PKCS#1 v1.5 ${digestLabel(RSA_PKCS1_OIDS[oid])}`;
  if (oid === OID.rsaEncryption) return "RSA PKCS#1 v1.5";
  const ecdsa = (Object.keys(ECDSA_OIDS) as DigestAlgorithm[]).find((digest) => ECDSA_OIDS[digest] === oid);
  if (ecdsa !== undefined) return `ECDSA ${digestLabel(ecdsa)}`;
  return oid;
}

function digestLabel(digest: DigestAlgorithm | undefined): string {
  return digest === undefined ? "" : `SHA-${digest.slice(3)}`;
}

/** The scheme of a signature algorithm identifier, for checks of what Circular 15 allows. */
export function isApprovedScheme(algorithm: pkijs.AlgorithmIdentifier): boolean {
  const oid = algorithm.algorithmId;
  return oid === OID.rsassaPss || Object.values(ECDSA_OIDS).includes(oid);
}

export function integerFromBytes(bytes: Uint8Array): asn1js.Integer {
  // DER wants the shortest form: leading zero bytes go (OpenSSL refuses a
  // token whose random serial starts with one), and one comes back only when
  // the top bit would otherwise make the INTEGER negative.
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  const magnitude = Buffer.from(bytes.subarray(start));
  const positive = (magnitude[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude;
  return new asn1js.Integer({ valueHex: positive.length > 0 ? positive : Buffer.from([0]) });
}
