import { createHash, verify as verifySignature, X509Certificate } from "node:crypto";
import forge from "node-forge";
import { commonName, formatDistinguishedName } from "../pki/distinguished-name";
import { formatVietnameseDateTime } from "./vietnamese-date";

/** Why a signature is not valid, for programs; reportVi says it for people. */
export type VerificationFailure =
  | "NOT_SIGNED"
  | "MALFORMED"
  | "UNSUPPORTED_ALGORITHM"
  | "INCOMPLETE_COVERAGE"
  | "BAD_SIGNATURE"
  | "DIGEST_MISMATCH"
  | "UNTRUSTED_CHAIN"
  | "CERTIFICATE_NOT_VALID_AT_SIGNING_TIME";

export interface VerificationReport {
  /** integrityOk and chainTrusted. */
  valid: boolean;
  /** The signature covers the whole file but itself, its digest matches and it verifies with the signer's key. */
  integrityOk: boolean;
  /** The signer certificate chains to a trusted CA and every certificate of the chain was valid at signing time. */
  chainTrusted: boolean;
  signerSubject?: string;
  issuerSubject?: string;
  /** The signingTime the signer declared (not yet a trusted timestamp). */
  signedAt?: Date;
  failure?: VerificationFailure;
  /** The verdict in Vietnamese, for officials and citizens. */
  reportVi: string;
}

const OID = {
  signedData: "1.2.840.113549.1.7.2",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  sha1: "1.3.14.3.2.26",
} as const;

const DIGESTS: Readonly<Record<string, string>> = {
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};

// PKCS#1 v1.5 RSA and ECDSA, under their key OIDs or their hash-specific OIDs.
const SIGNATURE_SCHEMES: Readonly<Record<string, "rsa" | "ecdsa">> = {
  "1.2.840.113549.1.1.1": "rsa",
  "1.2.840.113549.1.1.11": "rsa",
  "1.2.840.113549.1.1.12": "rsa",
  "1.2.840.113549.1.1.13": "rsa",
  "1.2.840.10045.2.1": "ecdsa",
  "1.2.840.10045.4.3.2": "ecdsa",
  "1.2.840.10045.4.3.3": "ecdsa",
  "1.2.840.10045.4.3.4": "ecdsa",
};

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const BYTE_RANGE = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
const MAX_CHAIN_LENGTH = 8;

/** A reason to stop, with what is known so far about the signer. */
class Verdict extends Error {
  constructor(
    readonly failure: VerificationFailure,
    readonly detailVi: string,
  ) {
    super(failure);
  }
}

interface SignedContent {
  byteRange: [number, number, number, number];
  cms: Buffer;
}

interface ParsedCms {
  certificates: X509Certificate[];
  digestAlgorithm: string;
  signatureScheme: "rsa" | "ecdsa";
  signedAttributesDer: Buffer;
  signature: Buffer;
  messageDigest: Buffer;
  signedAt?: Date;
  signerSerial?: string;
}

/**
 * Verifies the last signature of a PDF: whole-file coverage, the content
 * digest against the signed messageDigest, the signature over the signed
 * attributes with the signer certificate's key, and the chain to one of
 * `trustedCaPems` (PEM certificates or bundles) at the declared signing time.
 * Bad or unsigned input gives valid: false with the reason; only an
 * unreadable trusted-CA certificate throws.
 */
export async function verifyPdf(pdf: Uint8Array, trustedCaPems: readonly string[]): Promise<VerificationReport> {
  const anchors = trustedCaPems.flatMap(pemBlocks).map((pem) => new X509Certificate(pem));
  const bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  let signer: X509Certificate | undefined;
  let signedAt: Date | undefined;
  const identity = (): Pick<VerificationReport, "signerSubject" | "issuerSubject" | "signedAt"> => ({
    ...(signer ? { signerSubject: subjectOf(signer), issuerSubject: formatDistinguishedName(signer.issuer) } : {}),
    ...(signedAt ? { signedAt } : {}),
  });
  try {
    const content = locateLastSignature(bytes);
    const cms = parseCms(content.cms);
    signedAt = cms.signedAt;
    signer = findSigner(cms);
    const digest = createHash(cms.digestAlgorithm);
    const [, firstLength, secondStart, secondLength] = content.byteRange;
    digest.update(bytes.subarray(0, firstLength));
    digest.update(bytes.subarray(secondStart, secondStart + secondLength));
    if (!digest.digest().equals(cms.messageDigest)) {
      throw new Verdict(
        "DIGEST_MISMATCH",
        `Chữ ký không hợp lệ: nội dung tài liệu đã bị thay đổi sau khi ký (giá trị băm không khớp với giá trị đã ký).`,
      );
    }
    const trust = checkChain(signer, cms.certificates, anchors, signedAt ?? new Date());
    if (trust !== undefined) {
      return {
        valid: false,
        integrityOk: true,
        chainTrusted: false,
        ...identity(),
        failure: trust.failure,
        reportVi: trust.detailVi,
      };
    }
    return {
      valid: true,
      integrityOk: true,
      chainTrusted: true,
      ...identity(),
      reportVi:
        `Chữ ký hợp lệ: tài liệu không bị thay đổi sau khi ký; chứng thư số của ${displayName(signer.subject)} ` +
        `do ${displayName(signer.issuer)} cấp, còn hiệu lực tại thời điểm ký` +
        (signedAt ? ` (${formatVietnameseDateTime(signedAt)}).` : "."),
    };
  } catch (error) {
    const verdict =
      error instanceof Verdict
        ? error
        : new Verdict("MALFORMED", "Không đọc được chữ ký số trong tài liệu: cấu trúc chữ ký bị hỏng.");
    return {
      valid: false,
      integrityOk: false,
      chainTrusted: false,
      ...identity(),
      failure: verdict.failure,
      reportVi: verdict.detailVi,
    };
  }
}

/** The last /ByteRange of the file, checked to cover everything but the hex-encoded /Contents hole. */
function locateLastSignature(bytes: Buffer): SignedContent {
  const text = bytes.toString("latin1");
  let last: RegExpExecArray | undefined;
  for (const match of text.matchAll(BYTE_RANGE)) last = match;
  if (last === undefined) {
    throw new Verdict("NOT_SIGNED", "Tài liệu không có chữ ký số.");
  }
  const [start, firstLength, secondStart, secondLength] = [last[1], last[2], last[3], last[4]].map(Number) as [
    number,
    number,
    number,
    number,
  ];
  const holeEnd = secondStart;
  const malformed = new Verdict("MALFORMED", "Chữ ký số bị hỏng: phạm vi ký (ByteRange) không hợp lệ.");
  if (start !== 0 || firstLength < 1 || holeEnd <= firstLength + 1 || secondStart + secondLength > bytes.length) {
    throw malformed;
  }
  if (text[firstLength] !== "<" || text[holeEnd - 1] !== ">") throw malformed;
  const hex = text.slice(firstLength + 1, holeEnd - 1);
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) throw malformed;
  if (secondStart + secondLength !== bytes.length) {
    throw new Verdict(
      "INCOMPLETE_COVERAGE",
      `Chữ ký không bao phủ toàn bộ tài liệu: ${bytes.length - secondStart - secondLength} byte đã được thêm vào sau khi ký.`,
    );
  }
  return { byteRange: [start, firstLength, secondStart, secondLength], cms: Buffer.from(hex, "hex") };
}

function parseCms(der: Buffer): ParsedCms {
  // The hole is zero-padded after the DER object, hence parseAllBytes: false.
  const contentInfo = fromDer(forge.util.createBuffer(der.toString("binary")), {
    parseAllBytes: false,
    decodeBitStrings: false,
  });
  const [contentType, wrapped] = children(contentInfo);
  if (contentType === undefined || oidOf(contentType) !== OID.signedData || wrapped === undefined) {
    throw new Verdict("MALFORMED", "Chữ ký số bị hỏng: không phải cấu trúc SignedData (CMS).");
  }
  const signedData = children(wrapped)[0];
  if (signedData === undefined) throw new Verdict("MALFORMED", "Chữ ký số bị hỏng: SignedData rỗng.");
  const parts = children(signedData);
  const encapsulated = parts[2];
  const signerInfos = parts[parts.length - 1];
  if (encapsulated === undefined || signerInfos === undefined) {
    throw new Verdict("MALFORMED", "Chữ ký số bị hỏng: thiếu thông tin người ký.");
  }
  const [encapsulatedType, encapsulatedContent] = children(encapsulated);
  if (encapsulatedType === undefined || encapsulatedContent !== undefined) {
    throw new Verdict(
      "UNSUPPORTED_ALGORITHM",
      "Không hỗ trợ loại chữ ký này: chỉ chấp nhận chữ ký tách rời (detached).",
    );
  }
  const certificateSet = parts.find((part) => isContext(part, 0));
  const certificates = (certificateSet ? children(certificateSet) : [])
    .filter((node) => node.tagClass === forge.asn1.Class.UNIVERSAL && node.type === forge.asn1.Type.SEQUENCE)
    .map((node) => new X509Certificate(Buffer.from(forge.asn1.toDer(node).getBytes(), "binary")));

  const signerInfo = children(signerInfos)[0];
  if (signerInfo === undefined) throw new Verdict("MALFORMED", "Chữ ký số bị hỏng: không có người ký.");
  const fields = children(signerInfo);
  const [, sid, digestAlgorithmNode] = fields;
  const signedAttributes = fields.find((node) => isContext(node, 0));
  const afterAttributes = signedAttributes ? fields.indexOf(signedAttributes) + 1 : 3;
  const signatureAlgorithmNode = fields[afterAttributes];
  const signatureNode = fields[afterAttributes + 1];
  if (sid === undefined || digestAlgorithmNode === undefined || !signatureAlgorithmNode || !signatureNode) {
    throw new Verdict("MALFORMED", "Chữ ký số bị hỏng: thông tin người ký không đầy đủ.");
  }
  if (signedAttributes === undefined) {
    throw new Verdict("UNSUPPORTED_ALGORITHM", "Không hỗ trợ chữ ký không có thuộc tính được ký (signed attributes).");
  }

  const digestOid = oidOf(firstChild(digestAlgorithmNode));
  const digestAlgorithm = DIGESTS[digestOid];
  if (digestAlgorithm === undefined) {
    throw new Verdict(
      "UNSUPPORTED_ALGORITHM",
      digestOid === OID.sha1
        ? "Chữ ký dùng hàm băm SHA-1, không còn được chấp nhận."
        : `Không hỗ trợ hàm băm của chữ ký (OID ${digestOid}).`,
    );
  }
  const signatureOid = oidOf(firstChild(signatureAlgorithmNode));
  const signatureScheme = SIGNATURE_SCHEMES[signatureOid];
  if (signatureScheme === undefined) {
    throw new Verdict("UNSUPPORTED_ALGORITHM", `Không hỗ trợ thuật toán chữ ký (OID ${signatureOid}).`);
  }

  const attributes = new Map<string, forge.asn1.Asn1>();
  for (const attribute of children(signedAttributes)) {
    const [type, values] = children(attribute);
    const value = values ? children(values)[0] : undefined;
    if (type !== undefined && value !== undefined) attributes.set(oidOf(type), value);
  }
  const messageDigest = attributes.get(OID.messageDigest);
  const declaredType = attributes.get(OID.contentType);
  if (messageDigest === undefined || declaredType === undefined || oidOf(declaredType) !== oidOf(encapsulatedType)) {
    throw new Verdict("MALFORMED", "Chữ ký số bị hỏng: thiếu giá trị băm hoặc loại nội dung trong thuộc tính được ký.");
  }
  const signingTime = attributes.get(OID.signingTime);
  // The signature covers the attributes DER-encoded as a SET, not as the [0] they are stored under.
  const signedAttributesDer = Buffer.from(
    forge.asn1
      .toDer(forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SET, true, children(signedAttributes)))
      .getBytes(),
    "binary",
  );
  const serialNode = sid.type === forge.asn1.Type.SEQUENCE ? children(sid)[1] : undefined;
  return {
    certificates,
    digestAlgorithm,
    signatureScheme,
    signedAttributesDer,
    signature: Buffer.from(primitive(signatureNode), "binary"),
    messageDigest: Buffer.from(primitive(messageDigest), "binary"),
    ...(signingTime ? { signedAt: timeOf(signingTime) } : {}),
    ...(serialNode
      ? { signerSerial: normalizeSerial(Buffer.from(primitive(serialNode), "binary").toString("hex")) }
      : {}),
  };
}

/** The embedded certificate whose key verifies the signature over the signed attributes. */
function findSigner(cms: ParsedCms): X509Certificate {
  const candidates = cms.certificates.filter(
    (cert) => cms.signerSerial === undefined || normalizeSerial(cert.serialNumber) === cms.signerSerial,
  );
  if (candidates.length === 0) {
    throw new Verdict("MALFORMED", "Chữ ký số không kèm chứng thư số của người ký.");
  }
  const signer = candidates.find((cert) => {
    try {
      const key =
        cms.signatureScheme === "ecdsa" ? { key: cert.publicKey, dsaEncoding: "der" as const } : cert.publicKey;
      return verifySignature(cms.digestAlgorithm, cms.signedAttributesDer, key, cms.signature);
    } catch {
      return false;
    }
  });
  if (signer === undefined) {
    throw new Verdict(
      "BAD_SIGNATURE",
      "Chữ ký không hợp lệ: giá trị chữ ký không khớp với khóa công khai trong chứng thư số của người ký.",
    );
  }
  return signer;
}

/** Undefined when trusted; otherwise the reason, in Vietnamese. */
function checkChain(
  signer: X509Certificate,
  embedded: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
  at: Date,
): Verdict | undefined {
  const chain = [signer];
  let current = signer;
  let anchored = false;
  while (!anchored && chain.length <= MAX_CHAIN_LENGTH) {
    const from = current;
    const isAnchor = anchors.some((anchor) => anchor.fingerprint256 === from.fingerprint256);
    const anchor = isAnchor ? from : anchors.find((candidate) => issuedBy(from, candidate));
    if (anchor !== undefined) {
      if (anchor !== from) chain.push(anchor);
      anchored = true;
      break;
    }
    const next = embedded.find((candidate) => candidate.ca && !chain.includes(candidate) && issuedBy(from, candidate));
    if (next === undefined) break;
    chain.push(next);
    current = next;
  }
  if (!anchored) {
    return new Verdict(
      "UNTRUSTED_CHAIN",
      `Tài liệu không bị thay đổi sau khi ký, nhưng chứng thư số của ${displayName(signer.subject)} do ` +
        `${displayName(signer.issuer)} cấp không thuộc tổ chức cung cấp dịch vụ chứng thực được tin cậy.`,
    );
  }
  const expired = chain.find((cert) => at < new Date(cert.validFrom) || at > new Date(cert.validTo));
  if (expired !== undefined) {
    return new Verdict(
      "CERTIFICATE_NOT_VALID_AT_SIGNING_TIME",
      `Tài liệu không bị thay đổi sau khi ký, nhưng chứng thư số của ${displayName(expired.subject)} không có hiệu lực ` +
        `tại thời điểm ký (${formatVietnameseDateTime(at)}); hiệu lực từ ${formatVietnameseDateTime(new Date(expired.validFrom))} ` +
        `đến ${formatVietnameseDateTime(new Date(expired.validTo))}.`,
    );
  }
  return undefined;
}

/** A CA bundle file holds several certificates; X509Certificate reads only the first. */
function pemBlocks(bundle: string): string[] {
  return bundle.match(PEM_CERTIFICATE) ?? [];
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function subjectOf(cert: X509Certificate): string {
  return formatDistinguishedName(cert.subject);
}

function displayName(name: string): string {
  return commonName(name) ?? formatDistinguishedName(name);
}

// node-forge 1.x takes an options object here; its typings still describe the older boolean.
const fromDer = forge.asn1.fromDer as unknown as (
  bytes: forge.util.ByteStringBuffer,
  options: { parseAllBytes: boolean; decodeBitStrings: boolean },
) => forge.asn1.Asn1;

function children(node: forge.asn1.Asn1): forge.asn1.Asn1[] {
  if (!Array.isArray(node.value)) throw new Verdict("MALFORMED", "Chữ ký số bị hỏng: cấu trúc ASN.1 không đúng.");
  return node.value;
}

function firstChild(node: forge.asn1.Asn1): forge.asn1.Asn1 {
  const first = children(node)[0];
  if (first === undefined) throw new Verdict("MALFORMED", "Chữ ký số bị hỏng: thiếu định danh thuật toán.");
  return first;
}

function primitive(node: forge.asn1.Asn1): string {
  if (typeof node.value !== "string") throw new Verdict("MALFORMED", "Chữ ký số bị hỏng: cấu trúc ASN.1 không đúng.");
  return node.value;
}

function oidOf(node: forge.asn1.Asn1): string {
  if (node.type !== forge.asn1.Type.OID) throw new Verdict("MALFORMED", "Chữ ký số bị hỏng: thiếu định danh (OID).");
  return forge.asn1.derToOid(primitive(node));
}

function isContext(node: forge.asn1.Asn1, tag: number): boolean {
  return node.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && (node.type as number) === tag;
}

function timeOf(node: forge.asn1.Asn1): Date {
  return node.type === forge.asn1.Type.UTCTIME
    ? forge.asn1.utcTimeToDate(primitive(node))
    : forge.asn1.generalizedTimeToDate(primitive(node));
}

function normalizeSerial(hex: string): string {
  return hex.toUpperCase().replace(/^0+(?=.)/, "");
}
