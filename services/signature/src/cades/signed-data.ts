import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import {
  digestAlgorithmIdentifier,
  signatureAlgorithmIdentifier,
  type DigestAlgorithm,
  type SignatureAlgorithm,
} from "./algorithms";
import { compareDer, derElement, reframed, TAG } from "./der";
import { OID } from "./oids";

/** The certificates a CMS signer carries: its own first, then the CAs up to (not necessarily including) the root. */
export interface SignerCertificates {
  certificate: pkijs.Certificate;
  chain: readonly pkijs.Certificate[];
}

export interface CadesSignatureRequest {
  signer: SignerCertificates;
  algorithm: SignatureAlgorithm;
  /** Digest of the signed content (the PDF's ByteRange, a file, a TSTInfo) under algorithm.digest. */
  contentDigest: Uint8Array;
  /** id-data for documents; id-ct-TSTInfo for timestamp tokens. */
  contentType?: string;
  /** The content itself when it travels inside the CMS (timestamp tokens); absent for detached signatures. */
  encapsulatedContent?: Uint8Array;
}

/**
 * A CAdES signature waiting for its signature value: the two-step flow of an
 * HSM or a remote signing service. `dataToSign` (the DER SET of the signed
 * attributes) goes out; the signature value over it comes back to
 * completeCadesSignature.
 */
export interface PreparedCadesSignature {
  readonly dataToSign: Buffer;
  readonly request: CadesSignatureRequest;
}

/**
 * CAdES-BES signed attributes as ETSI EN 319 122-1 baseline B-B asks: content
 * type, message digest and ESS signing-certificate-v2 (RFC 5035). No
 * signing-time: PAdES puts the claimed time in the signature dictionary, and a
 * trusted time comes from the timestamp.
 */
export function prepareCadesSignature(request: CadesSignatureRequest): PreparedCadesSignature {
  const parts = signerParts(request.signer, request.algorithm);
  const messageDigest = derElement(TAG.sequence, [
    MESSAGE_DIGEST_OID,
    derElement(TAG.set, [derElement(TAG.octetString, [request.contentDigest])]),
  ]);
  // OpenSSL re-encodes the signed attributes before checking the signature:
  // unsorted, they would verify here and fail there.
  const attributes = [
    contentTypeAttribute(request.contentType ?? OID.data),
    messageDigest,
    parts.signingCertificate,
  ].sort(compareDer);
  return { dataToSign: derElement(TAG.set, attributes), request };
}

const MESSAGE_DIGEST_OID = Buffer.from(new asn1js.ObjectIdentifier({ value: OID.messageDigest }).toBER());

export interface CompletionOptions {
  /** An RFC 3161 TimeStampToken over the signature value (B-T): the signature-time-stamp unsigned attribute. */
  signatureTimestamp?: Uint8Array;
  /**
   * Validation data carried in the SignedData itself (CAdES B-LT): more
   * certificates (the TSA's chain) and CRLs, DER. PDFs keep theirs in the DSS.
   */
  validationData?: { certificates: readonly Buffer[]; crls: readonly Buffer[] };
}

/**
 * The DER ContentInfo of the SignedData (RFC 5652 §5), once the signature
 * value is known. The structure is assembled from parts encoded once per
 * signer (certificates, signer identifier, algorithm identifiers): pkijs's
 * SignedData re-parses every certificate on each encoding, which cost more
 * than the RSA operation itself. What comes from outside (a timestamp token,
 * validation data) goes in as its first DER element, its header rewritten.
 */
export function completeCadesSignature(
  prepared: PreparedCadesSignature,
  signatureValue: Uint8Array,
  options: CompletionOptions = {},
): Buffer {
  const { request } = prepared;
  const parts = signerParts(request.signer, request.algorithm);
  const contentType = request.contentType ?? OID.data;
  const extraCertificates = notCarried(options.validationData?.certificates ?? [], request.signer).map((der) =>
    reframed(der),
  );
  const crls = (options.validationData?.crls ?? []).map((der) => reframed(der));
  const signerInfo = derElement(TAG.sequence, [
    CONSTANT.version1,
    parts.signerIdentifier,
    parts.digestAlgorithm,
    // The same attributes as the data signed, under their [0] IMPLICIT tag instead of SET.
    reframed(prepared.dataToSign, TAG.context0),
    parts.signatureAlgorithm,
    derElement(TAG.octetString, [signatureValue]),
    ...(options.signatureTimestamp
      ? [
          derElement(TAG.context1, [
            derElement(TAG.sequence, [
              CONSTANT.signatureTimeStampToken,
              derElement(TAG.set, [reframed(options.signatureTimestamp)]),
            ]),
          ]),
        ]
      : []),
  ]);
  const signedData = derElement(TAG.sequence, [
    // RFC 5652 §5.1: version 3 when the content is not id-data, else 1.
    contentType === OID.data ? CONSTANT.version1 : CONSTANT.version3,
    parts.digestAlgorithms,
    request.encapsulatedContent
      ? derElement(TAG.sequence, [
          contentTypeOid(contentType),
          derElement(TAG.context0, [derElement(TAG.octetString, [request.encapsulatedContent])]),
        ])
      : detachedContentInfo(contentType),
    extraCertificates.length === 0
      ? parts.certificateSet
      : derElement(TAG.context0, [...parts.certificates, ...extraCertificates]),
    ...(crls.length > 0 ? [derElement(TAG.context1, crls)] : []),
    derElement(TAG.set, [signerInfo]),
  ]);
  return derElement(TAG.sequence, [CONSTANT.signedData, derElement(TAG.context0, [signedData])]);
}

/** The certificates (DER) that the signer's own certificates do not already carry. */
function notCarried(certificates: readonly Buffer[], signer: SignerCertificates): Buffer[] {
  if (certificates.length === 0) return [];
  const own = [signer.certificate, ...signer.chain].map(certificateDer);
  return certificates.filter((der) => !own.some((carried) => carried.equals(der)));
}

// Encoded once by asn1js; each signature only frames them.
const CONSTANT = {
  version1: Buffer.from(new asn1js.Integer({ value: 1 }).toBER()),
  version3: Buffer.from(new asn1js.Integer({ value: 3 }).toBER()),
  signedData: Buffer.from(new asn1js.ObjectIdentifier({ value: OID.signedData }).toBER()),
  signatureTimeStampToken: Buffer.from(new asn1js.ObjectIdentifier({ value: OID.signatureTimeStampToken }).toBER()),
};
const contentTypeOids = new Map<string, Buffer>();

function contentTypeOid(contentType: string): Buffer {
  let oid = contentTypeOids.get(contentType);
  if (oid === undefined) {
    oid = Buffer.from(new asn1js.ObjectIdentifier({ value: contentType }).toBER());
    contentTypeOids.set(contentType, oid);
  }
  return oid;
}

/** What stays the same across a signer's signatures, each in DER, encoded once. */
interface SignerParts {
  signerIdentifier: Buffer;
  digestAlgorithm: Buffer;
  signatureAlgorithm: Buffer;
  /** digestAlgorithms of the SignedData: the one digest. */
  digestAlgorithms: Buffer;
  certificates: Buffer[];
  /** The certificates field, [0] IMPLICIT SET, whole. */
  certificateSet: Buffer;
  /** The ESS signing-certificate-v2 attribute. */
  signingCertificate: Buffer;
}

const partsCache = new WeakMap<pkijs.Certificate, Map<string, SignerParts>>();

function signerParts(signer: SignerCertificates, algorithm: SignatureAlgorithm): SignerParts {
  let byAlgorithm = partsCache.get(signer.certificate);
  if (byAlgorithm === undefined) {
    byAlgorithm = new Map();
    partsCache.set(signer.certificate, byAlgorithm);
  }
  const key = `${algorithm.scheme}/${algorithm.digest}/${signer.chain.length}`;
  let parts = byAlgorithm.get(key);
  if (parts === undefined) {
    const { certificate } = signer;
    const digestAlgorithm = Buffer.from(digestAlgorithmIdentifier(algorithm.digest).toSchema().toBER());
    const certificates = [certificate, ...signer.chain].map(certificateDer);
    parts = {
      signerIdentifier: Buffer.from(
        new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber })
          .toSchema()
          .toBER(),
      ),
      digestAlgorithm,
      signatureAlgorithm: Buffer.from(signatureAlgorithmIdentifier(algorithm).toSchema().toBER()),
      digestAlgorithms: derElement(TAG.set, [digestAlgorithm]),
      certificates,
      certificateSet: derElement(TAG.context0, certificates),
      signingCertificate: attributeDer(OID.signingCertificateV2, signingCertificateV2(certificate, algorithm.digest)),
    };
    byAlgorithm.set(key, parts);
  }
  return parts;
}

/** ESS signing-certificate-v2: binds the signer certificate itself, not only its key, to the signature. */
function signingCertificateV2(certificate: pkijs.Certificate, digest: DigestAlgorithm): asn1js.Sequence {
  const certHash = createHash(digest).update(certificateDer(certificate)).digest();
  const issuerSerial = new pkijs.IssuerSerial({
    issuer: new pkijs.GeneralNames({ names: [new pkijs.GeneralName({ type: 4, value: certificate.issuer })] }),
    serialNumber: certificate.serialNumber,
  });
  const essCertId = new asn1js.Sequence({
    value: [
      // hashAlgorithm DEFAULT id-sha256: DER leaves a default out.
      ...(digest === "sha256" ? [] : [digestAlgorithmIdentifier(digest).toSchema()]),
      new asn1js.OctetString({ valueHex: certHash }),
      issuerSerial.toSchema(),
    ],
  });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertId] })] });
}

const certificateBytes = new WeakMap<pkijs.Certificate, Buffer>();

/** The certificate's DER, encoded once per certificate object. */
export function certificateDer(certificate: pkijs.Certificate): Buffer {
  let der = certificateBytes.get(certificate);
  if (der === undefined) {
    der = Buffer.from(certificate.toSchema().toBER());
    certificateBytes.set(certificate, der);
  }
  return der;
}

const detachedContentInfos = new Map<string, Buffer>();

/** encapContentInfo of a detached signature: the content type alone. */
function detachedContentInfo(contentType: string): Buffer {
  let block = detachedContentInfos.get(contentType);
  if (block === undefined) {
    block = derElement(TAG.sequence, [contentTypeOid(contentType)]);
    detachedContentInfos.set(contentType, block);
  }
  return block;
}

const contentTypeAttributes = new Map<string, Buffer>();

function contentTypeAttribute(contentType: string): Buffer {
  let der = contentTypeAttributes.get(contentType);
  if (der === undefined) {
    der = attributeDer(OID.contentType, new asn1js.ObjectIdentifier({ value: contentType }));
    contentTypeAttributes.set(contentType, der);
  }
  return der;
}

function attribute(type: string, value: asn1js.AsnType): asn1js.Sequence {
  return new pkijs.Attribute({ type, values: [value] }).toSchema();
}

function attributeDer(type: string, value: asn1js.AsnType): Buffer {
  return Buffer.from(attribute(type, value).toBER());
}
