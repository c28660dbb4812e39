import { createHash, randomBytes, X509Certificate, type KeyObject } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import {
  integerFromBytes,
  signatureAlgorithmFor,
  signatureAlgorithmIdentifier,
  signWithKey,
} from "../cades/algorithms";
import { certificateDer } from "../cades/signed-data";
import { OID } from "../cades/oids";

/** Subject of a certificate; Vietnamese text goes as UTF8String. */
export interface NameSpec {
  commonName: string;
  organization: string;
  unit?: string;
  /** The staff id of an official (RFC 4519 uid), so a certificate names whose key it is. */
  userId?: string;
}

export type KeyUsageBit = "digitalSignature" | "nonRepudiation" | "keyCertSign" | "cRLSign";
const KEY_USAGE_BITS: Record<KeyUsageBit, number> = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyCertSign: 5,
  cRLSign: 6,
};

export interface CertificateProfile {
  subject: NameSpec;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** A CA certificate, with the number of CAs allowed below it. */
  ca?: { pathLength?: number };
  keyUsage: KeyUsageBit[];
  extendedKeyUsage?: { purposes: string[]; critical: boolean };
  /** Where relying parties fetch the issuer's CRL. */
  crlUrl?: string;
}

/** The key and certificate that sign certificates, CRLs or timestamps. */
export interface IssuerKey {
  certificate: pkijs.Certificate;
  key: KeyObject;
}

/**
 * Builds and signs an X.509 v3 certificate: pkijs assembles the structure,
 * node:crypto signs the DER of the TBSCertificate. `issuer` undefined makes a
 * self-signed root with `selfKey`.
 */
export function issueCertificate(
  profile: CertificateProfile,
  issuer: IssuerKey | { selfKey: KeyObject },
): pkijs.Certificate {
  const signingKey = "selfKey" in issuer ? issuer.selfKey : issuer.key;
  const algorithm = signatureAlgorithmFor(signingKey);
  const publicKeyInfo = pkijs.PublicKeyInfo.fromBER(profile.publicKey.export({ type: "spki", format: "der" }));
  const subject = distinguishedName(profile.subject);
  const certificate = new pkijs.Certificate({
    version: 2,
    serialNumber: integerFromBytes(serialNumber()),
    signature: signatureAlgorithmIdentifier(algorithm),
    issuer: "selfKey" in issuer ? subject : issuer.certificate.subject,
    subject,
    notBefore: certificateTime(profile.notBefore),
    notAfter: certificateTime(profile.notAfter),
    subjectPublicKeyInfo: publicKeyInfo,
    extensions: extensions(
      profile,
      publicKeyInfo,
      "selfKey" in issuer ? publicKeyInfo : issuer.certificate.subjectPublicKeyInfo,
    ),
  });
  certificate.signatureAlgorithm = signatureAlgorithmIdentifier(algorithm);
  certificate.tbsView = new Uint8Array(certificate.encodeTBS().toBER());
  certificate.signatureValue = new asn1js.BitString({
    valueHex: signWithKey(signingKey, algorithm, certificate.tbsView),
  });
  return parseCertificate(Buffer.from(certificate.toSchema().toBER()));
}

export function parseCertificate(der: Uint8Array): pkijs.Certificate {
  return pkijs.Certificate.fromBER(der);
}

export function certificateToPem(certificate: pkijs.Certificate): string {
  const base64 = certificateDer(certificate)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .trimEnd();
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate of a PEM file or bundle, in file order. */
export function certificatesFromPem(pem: string): pkijs.Certificate[] {
  return (pem.match(PEM_CERTIFICATE) ?? []).map((block) => parseCertificate(new X509Certificate(block).raw));
}

const x509s = new WeakMap<pkijs.Certificate, X509Certificate>();

/** node:crypto's view of the certificate, made once per certificate object. */
export function toX509(certificate: pkijs.Certificate): X509Certificate {
  let x509 = x509s.get(certificate);
  if (x509 === undefined) {
    x509 = new X509Certificate(certificateDer(certificate));
    x509s.set(certificate, x509);
  }
  return x509;
}

/** Key identifier of RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(publicKeyInfo: pkijs.PublicKeyInfo): Buffer {
  return createHash("sha1").update(publicKeyInfo.subjectPublicKey.valueBlock.valueHexView).digest();
}

/**
 * One attribute per RDN, root-most first. pkijs models a Name as a single
 * multi-valued RDN, so the Name is assembled with asn1js and read back.
 */
function distinguishedName(name: NameSpec): pkijs.RelativeDistinguishedNames {
  const text = (type: string, value: string) =>
    new pkijs.AttributeTypeAndValue({ type, value: new asn1js.Utf8String({ value: value.normalize("NFC") }) });
  const attributes = [
    new pkijs.AttributeTypeAndValue({ type: OID.countryName, value: new asn1js.PrintableString({ value: "VN" }) }),
    text(OID.organizationName, name.organization),
    ...(name.unit ? [text(OID.organizationalUnitName, name.unit)] : []),
    ...(name.userId ? [text(OID.userId, name.userId)] : []),
    text(OID.commonName, name.commonName),
  ];
  const sequence = new asn1js.Sequence({
    value: attributes.map((entry) => new asn1js.Set({ value: [entry.toSchema()] })),
  });
  return pkijs.RelativeDistinguishedNames.fromBER(sequence.toBER());
}

/** UTCTime to the second until 2049, as RFC 5280 §4.1.2.5 asks. */
function certificateTime(at: Date): pkijs.Time {
  const seconds = new Date(Math.floor(at.getTime() / 1000) * 1000);
  return new pkijs.Time({ type: seconds.getUTCFullYear() < 2050 ? 0 : 1, value: seconds });
}

function extensions(
  profile: CertificateProfile,
  subjectKey: pkijs.PublicKeyInfo,
  issuerKey: pkijs.PublicKeyInfo,
): pkijs.Extension[] {
  const list: pkijs.Extension[] = [
    extension(
      OID.basicConstraints,
      true,
      new pkijs.BasicConstraints({
        cA: profile.ca !== undefined,
        ...(profile.ca?.pathLength !== undefined ? { pathLenConstraint: profile.ca.pathLength } : {}),
      }).toSchema(),
    ),
    extension(OID.keyUsage, true, keyUsageBits(profile.keyUsage)),
    extension(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: keyIdentifier(subjectKey) })),
    extension(
      OID.authorityKeyIdentifier,
      false,
      new pkijs.AuthorityKeyIdentifier({
        keyIdentifier: new asn1js.OctetString({ valueHex: keyIdentifier(issuerKey) }),
      }).toSchema(),
    ),
  ];
  if (profile.extendedKeyUsage) {
    list.push(
      extension(
        OID.extKeyUsage,
        profile.extendedKeyUsage.critical,
        new pkijs.ExtKeyUsage({ keyPurposes: profile.extendedKeyUsage.purposes }).toSchema(),
      ),
    );
  }
  if (profile.crlUrl) {
    list.push(
      extension(
        OID.crlDistributionPoints,
        false,
        new pkijs.CRLDistributionPoints({
          distributionPoints: [
            new pkijs.DistributionPoint({
              distributionPoint: [new pkijs.GeneralName({ type: 6, value: profile.crlUrl })],
            }),
          ],
        }).toSchema(),
      ),
    );
  }
  return list;
}

function extension(extnID: string, critical: boolean, value: asn1js.AsnType): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER() });
}

/** KeyUsage as a DER BIT STRING: named bits, trailing zero bits dropped. */
function keyUsageBits(bits: KeyUsageBit[]): asn1js.BitString {
  const positions = bits.map((bit) => KEY_USAGE_BITS[bit]);
  const highest = Math.max(...positions);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const position of positions) bytes[position >> 3] = (bytes[position >> 3] ?? 0) | (0x80 >> (position & 7));
  return new asn1js.BitString({ valueHex: bytes, unusedBits: 7 - (highest & 7) });
}

function serialNumber(): Buffer {
  const serial = randomBytes(16);
  // Positive and without a leading zero octet to strip: RFC 5280 wants at most 20 octets.
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  return serial;
}

/** What a certificate's usage extensions allow; each is undefined where the certificate has no such extension. */
interface Usages {
  keyUsage: ReadonlySet<KeyUsageBit> | undefined;
  purposes: readonly string[] | undefined;
}

// A signer's certificate is checked before every signature (Circular 15): its extensions are parsed once.
const usagesOf = new WeakMap<pkijs.Certificate, Usages>();

function usages(certificate: pkijs.Certificate): Usages {
  let parsed = usagesOf.get(certificate);
  if (parsed === undefined) {
    parsed = { keyUsage: parseKeyUsage(certificate), purposes: parseExtendedKeyUsage(certificate) };
    usagesOf.set(certificate, parsed);
  }
  return parsed;
}

/** The named key-usage bits a certificate asserts; undefined without the extension. */
export function keyUsageOf(certificate: pkijs.Certificate): ReadonlySet<KeyUsageBit> | undefined {
  return usages(certificate).keyUsage;
}

/** Extended key usage purposes; undefined without the extension. */
export function extendedKeyUsageOf(certificate: pkijs.Certificate): readonly string[] | undefined {
  return usages(certificate).purposes;
}

function parseKeyUsage(certificate: pkijs.Certificate): Set<KeyUsageBit> | undefined {
  const found = certificate.extensions?.find((ext) => ext.extnID === OID.keyUsage);
  if (found === undefined) return undefined;
  const bitString = asn1js.fromBER(found.extnValue.valueBlock.valueHexView).result as asn1js.BitString;
  const bytes = bitString.valueBlock.valueHexView;
  const set = new Set<KeyUsageBit>();
  for (const [name, position] of Object.entries(KEY_USAGE_BITS) as [KeyUsageBit, number][]) {
    if (((bytes[position >> 3] ?? 0) & (0x80 >> (position & 7))) !== 0) set.add(name);
  }
  return set;
}

function parseExtendedKeyUsage(certificate: pkijs.Certificate): string[] | undefined {
  const found = certificate.extensions?.find((ext) => ext.extnID === OID.extKeyUsage);
  if (found === undefined) return undefined;
  return new pkijs.ExtKeyUsage({ schema: asn1js.fromBER(found.extnValue.valueBlock.valueHexView).result }).keyPurposes;
}

/** CRL distribution point URLs named by a certificate. */
export function crlUrlsOf(certificate: pkijs.Certificate): string[] {
  const found = certificate.extensions?.find((ext) => ext.extnID === OID.crlDistributionPoints);
  if (found === undefined) return [];
  const points = new pkijs.CRLDistributionPoints({
    schema: asn1js.fromBER(found.extnValue.valueBlock.valueHexView).result,
  });
  return points.distributionPoints.flatMap((point) =>
    Array.isArray(point.distributionPoint)
      ? point.distributionPoint.filter((name) => name.type === 6).map((name) => String(name.value))
      : [],
  );
}

export function serialHex(certificate: pkijs.Certificate): string {
  return Buffer.from(certificate.serialNumber.valueBlock.valueHexView)
    .toString("hex")
    .replace(/^(00)+(?=.)/, "");
}
