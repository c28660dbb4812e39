import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { extendedKeyUsageOf, toX509 } from "../pki/certificates";
import { sameName } from "../pki/revocation";
import { algorithmName, digestOf, isApprovedScheme, verifyWithAlgorithm, type DigestAlgorithm } from "./algorithms";
import { firstElement } from "./der";
import { OID } from "./oids";
import { certificateDer } from "./signed-data";
import { octets } from "./timestamp";

/** What a CMS signature says about itself, checked against the content it covers. */
export interface CmsInspection {
  certificates: pkijs.Certificate[];
  /** CRLs carried inside the CMS (DER). */
  crls: Buffer[];
  signer?: pkijs.Certificate;
  digest?: DigestAlgorithm;
  /** The message-digest attribute equals the digest of the content. */
  digestMatches: boolean;
  /** The signature value verifies over the signed attributes with the signer's key. */
  signatureValid: boolean;
  algorithm: string;
  /** RSASSA-PSS or ECDSA (Circular 15/2025/TT-BKHCN). */
  approvedAlgorithm: boolean;
  /** ESS signing-certificate(-v2) names the signer certificate ("absent" when there is none). */
  signingCertificate: "match" | "mismatch" | "absent";
  hasSigningCertificateV2: boolean;
  /** The signing-time signed attribute (legacy signatures; PAdES baseline has none). */
  signingTimeAttribute?: Date;
  timestampToken?: Buffer;
  contentType: string;
  /** The encapsulated content (timestamp tokens). */
  content?: Buffer;
  signatureValue: Buffer;
}

export class MalformedSignature extends Error {}

/**
 * Parses a CMS SignedData with pkijs and checks its first signer with
 * node:crypto: `contentOf` gives the signed bytes (detached content, or the
 * encapsulated content when undefined is returned).
 */
export function inspectCms(der: Uint8Array, detachedContent?: (digest: DigestAlgorithm) => Buffer): CmsInspection {
  let signedData: pkijs.SignedData;
  try {
    const contentInfo = pkijs.ContentInfo.fromBER(firstElement(der));
    if (contentInfo.contentType !== OID.signedData) throw new Error("not SignedData");
    signedData = new pkijs.SignedData({ schema: contentInfo.content });
  } catch (error) {
    throw new MalformedSignature("the signature is not a CMS SignedData", { cause: error });
  }
  const signerInfo = signedData.signerInfos[0];
  if (signerInfo === undefined) throw new MalformedSignature("the SignedData has no signer");
  const certificates = (signedData.certificates ?? []).filter(
    (entry): entry is pkijs.Certificate => entry instanceof pkijs.Certificate,
  );
  const crls = (signedData.crls ?? [])
    .filter((entry): entry is pkijs.CertificateRevocationList => entry instanceof pkijs.CertificateRevocationList)
    .map((crl) => Buffer.from((crl.toSchema() as asn1js.Sequence).toBER()));
  const digest = digestOf(signerInfo.digestAlgorithm.algorithmId);
  const signatureValue = Buffer.from(signerInfo.signature.valueBlock.valueHexView);
  const contentType = signedData.encapContentInfo.eContentType;
  const content = signedData.encapContentInfo.eContent ? octets(signedData.encapContentInfo.eContent) : undefined;
  const base = {
    certificates,
    crls,
    algorithm: algorithmName(signerInfo.signatureAlgorithm),
    approvedAlgorithm: isApprovedScheme(signerInfo.signatureAlgorithm),
    contentType,
    signatureValue,
    ...(content ? { content } : {}),
    ...(timestampTokenOf(signerInfo) ? { timestampToken: timestampTokenOf(signerInfo) } : {}),
  };
  const signedAttributes = signerInfo.signedAttrs;
  if (digest === undefined || signedAttributes === undefined) {
    // SHA-1, unknown digests and signatures without signed attributes are not accepted.
    return {
      ...base,
      digestMatches: false,
      signatureValid: false,
      signingCertificate: "absent",
      hasSigningCertificateV2: false,
    };
  }
  // pkijs types attribute values as any: each is an asn1js block.
  const attribute = (type: string): asn1js.AsnType | undefined =>
    signedAttributes.attributes.find((entry) => entry.type === type)?.values[0] as asn1js.AsnType | undefined;
  const declaredDigest = attribute(OID.messageDigest);
  const signedBytes = content ?? detachedContent?.(digest);
  const digestMatches =
    declaredDigest instanceof asn1js.OctetString &&
    signedBytes !== undefined &&
    createHash(digest).update(signedBytes).digest().equals(Buffer.from(declaredDigest.valueBlock.valueHexView));

  // The signature covers the attributes as a DER SET, not as the [0] they are stored under.
  const signedAttributesDer = Buffer.from(signedAttributes.encodedValue);
  const candidates = certificates.filter((certificate) => identifies(signerInfo.sid, certificate));
  const signer = candidates.find(
    (certificate) =>
      verifyWithAlgorithm(
        toX509(certificate).publicKey,
        signerInfo.signatureAlgorithm,
        digest,
        signedAttributesDer,
        signatureValue,
      ) === true,
  );
  const signingTime = attribute(OID.signingTime);
  return {
    ...base,
    digest,
    digestMatches,
    signatureValid: signer !== undefined,
    ...((signer ?? candidates[0]) ? { signer: signer ?? candidates[0] } : {}),
    signingCertificate: essMatch(attribute, signer ?? candidates[0]),
    hasSigningCertificateV2: attribute(OID.signingCertificateV2) !== undefined,
    ...(signingTime instanceof asn1js.UTCTime || signingTime instanceof asn1js.GeneralizedTime
      ? { signingTimeAttribute: signingTime.toDate() }
      : {}),
  };
}

/** The signature-time-stamp unsigned attribute (B-T), DER. */
function timestampTokenOf(signerInfo: pkijs.SignerInfo): Buffer | undefined {
  const value = signerInfo.unsignedAttrs?.attributes.find((entry) => entry.type === OID.signatureTimeStampToken)
    ?.values[0] as asn1js.AsnType | undefined;
  return value ? Buffer.from(value.toBER()) : undefined;
}

function identifies(sid: pkijs.SignerInfo["sid"], certificate: pkijs.Certificate): boolean {
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return sid.serialNumber.isEqual(certificate.serialNumber) && sameName(sid.issuer, certificate.issuer);
  }
  // subjectKeyIdentifier: every embedded certificate is a candidate; the signature decides.
  return true;
}

/** ESS signing-certificate-v2 (or v1, SHA-1) against the signer certificate's hash. */
function essMatch(
  attribute: (type: string) => asn1js.AsnType | undefined,
  signer: pkijs.Certificate | undefined,
): CmsInspection["signingCertificate"] {
  const v2 = attribute(OID.signingCertificateV2);
  const v1 = attribute(OID.signingCertificate);
  const value = v2 ?? v1;
  if (value === undefined) return "absent";
  if (signer === undefined) return "mismatch";
  try {
    const certs = (value as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
    const first = certs.valueBlock.value[0] as asn1js.Sequence;
    const fields = first.valueBlock.value;
    let digest: DigestAlgorithm | undefined = v2 ? "sha256" : undefined;
    let hashField = fields[0];
    if (v2 && fields[0] instanceof asn1js.Sequence) {
      digest = digestOf(new pkijs.AlgorithmIdentifier({ schema: fields[0] }).algorithmId);
      hashField = fields[1];
    }
    const expected = createHash(digest ?? "sha1")
      .update(certificateDer(signer))
      .digest();
    return hashField instanceof asn1js.OctetString && expected.equals(Buffer.from(hashField.valueBlock.valueHexView))
      ? "match"
      : "mismatch";
  } catch {
    return "mismatch";
  }
}

/** An RFC 3161 token checked against the bytes it says it stamped. */
export interface TimestampCheck {
  valid: boolean;
  genTime?: Date;
  tsa?: pkijs.Certificate;
  certificates: pkijs.Certificate[];
  crls: Buffer[];
}

/**
 * A timestamp token is valid when its CMS verifies, its TSTInfo's imprint is
 * the digest of `stamped`, and its signer certificate has the timeStamping
 * purpose. Whether the TSA is trusted is the chain check's business.
 */
export function checkTimestamp(token: Uint8Array, stamped: Uint8Array): TimestampCheck {
  let inspection: CmsInspection;
  try {
    inspection = inspectCms(token);
  } catch {
    return { valid: false, certificates: [], crls: [] };
  }
  const common = {
    certificates: inspection.certificates,
    crls: inspection.crls,
    ...(inspection.signer ? { tsa: inspection.signer } : {}),
  };
  if (inspection.contentType !== OID.tstInfo || inspection.content === undefined) return { ...common, valid: false };
  let info: pkijs.TSTInfo;
  try {
    info = pkijs.TSTInfo.fromBER(inspection.content);
  } catch {
    return { ...common, valid: false };
  }
  const digest = digestOf(info.messageImprint.hashAlgorithm.algorithmId);
  const imprintMatches =
    digest !== undefined &&
    createHash(digest)
      .update(stamped)
      .digest()
      .equals(Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView));
  const purposes = inspection.signer ? (extendedKeyUsageOf(inspection.signer) ?? []) : [];
  return {
    ...common,
    genTime: info.genTime,
    valid:
      imprintMatches &&
      inspection.digestMatches &&
      inspection.signatureValid &&
      inspection.signingCertificate === "match" &&
      purposes.includes(OID.timeStamping),
  };
}
