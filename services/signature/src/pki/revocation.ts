import type { KeyObject } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import {
  integerFromBytes,
  signatureAlgorithmFor,
  signatureAlgorithmIdentifier,
  signWithKey,
  verifyWithAlgorithm,
} from "../cades/algorithms";
import { OID } from "../cades/oids";
import { crlUrlsOf, keyIdentifier, serialHex, toX509, type IssuerKey } from "./certificates";

export interface RevokedEntry {
  serialHex: string;
  revokedAt: Date;
}

/** A CRL (RFC 5280 §5) signed by `issuer` with node:crypto; pkijs assembles it. */
export function issueCrl(
  issuer: IssuerKey,
  revoked: readonly RevokedEntry[],
  options: { thisUpdate: Date; nextUpdate: Date; number: number },
): Buffer {
  const algorithm = signatureAlgorithmFor(issuer.key);
  const crl = new pkijs.CertificateRevocationList({
    version: 1,
    signature: signatureAlgorithmIdentifier(algorithm),
    issuer: issuer.certificate.subject,
    thisUpdate: new pkijs.Time({ type: 0, value: wholeSeconds(options.thisUpdate) }),
    nextUpdate: new pkijs.Time({ type: 0, value: wholeSeconds(options.nextUpdate) }),
    ...(revoked.length > 0
      ? {
          revokedCertificates: revoked.map(
            (entry) =>
              new pkijs.RevokedCertificate({
                userCertificate: integerFromBytes(Buffer.from(entry.serialHex, "hex")),
                revocationDate: new pkijs.Time({ type: 0, value: wholeSeconds(entry.revokedAt) }),
              }),
          ),
        }
      : {}),
    crlExtensions: new pkijs.Extensions({
      extensions: [
        new pkijs.Extension({
          extnID: OID.authorityKeyIdentifier,
          critical: false,
          extnValue: new pkijs.AuthorityKeyIdentifier({
            keyIdentifier: new asn1js.OctetString({ valueHex: keyIdentifier(issuer.certificate.subjectPublicKeyInfo) }),
          })
            .toSchema()
            .toBER(),
        }),
        new pkijs.Extension({
          extnID: OID.crlNumber,
          critical: false,
          extnValue: new asn1js.Integer({ value: options.number }).toBER(),
        }),
      ],
    }),
  });
  crl.signatureAlgorithm = signatureAlgorithmIdentifier(algorithm);
  // encodeTBS is public in pkijs's JavaScript, protected only in its typings.
  crl.tbsView = new Uint8Array((crl as unknown as { encodeTBS(): asn1js.Sequence }).encodeTBS().toBER());
  crl.signatureValue = new asn1js.BitString({ valueHex: signWithKey(issuer.key, algorithm, crl.tbsView) });
  return Buffer.from((crl.toSchema() as asn1js.Sequence).toBER());
}

export type RevocationState = "good" | "revoked" | "unknown";

export interface RevocationStatus {
  state: RevocationState;
  revokedAt?: Date;
  /** The CRL that answered, DER: validation data for PAdES B-LT. */
  evidence?: Buffer;
}

/** Answers whether a certificate was revoked, from data its issuer signed. */
export interface RevocationSource {
  status(certificate: pkijs.Certificate, issuer: pkijs.Certificate, at: Date): Promise<RevocationStatus>;
}

/**
 * Revocation from CRLs: those it is given (the local test PKI's, an operator's
 * files) and, for certificates that name an http(s) distribution point,
 * fetched and kept until their nextUpdate. A CRL counts only when its issuer's
 * key verifies it and it is current at the time asked.
 */
export class CrlRevocationSource implements RevocationSource {
  private readonly fetched = new Map<string, { crl: Buffer; until: number }>();

  constructor(
    private readonly localCrls: () => readonly Buffer[],
    private readonly options: { fetchTimeoutMs?: number; fetchDistributionPoints?: boolean } = {},
  ) {}

  async status(certificate: pkijs.Certificate, issuer: pkijs.Certificate, at: Date): Promise<RevocationStatus> {
    const candidates = [...this.localCrls()];
    if (this.options.fetchDistributionPoints) candidates.push(...(await this.fetchFor(certificate, at)));
    for (const der of candidates) {
      const crl = verifiedCrl(der, issuer);
      if (crl === undefined) continue;
      if (crl.thisUpdate.value > at || (crl.nextUpdate !== undefined && crl.nextUpdate.value < at)) continue;
      const serial = serialHex(certificate);
      const entry = crl.revokedCertificates?.find(
        (revoked) =>
          Buffer.from(revoked.userCertificate.valueBlock.valueHexView)
            .toString("hex")
            .replace(/^(00)+(?=.)/, "") === serial,
      );
      if (entry !== undefined && entry.revocationDate.value <= at) {
        return { state: "revoked", revokedAt: entry.revocationDate.value, evidence: der };
      }
      return { state: "good", evidence: der };
    }
    return { state: "unknown" };
  }

  private async fetchFor(certificate: pkijs.Certificate, at: Date): Promise<Buffer[]> {
    const found: Buffer[] = [];
    for (const url of crlUrlsOf(certificate).filter((candidate) => /^https?:\/\//.test(candidate))) {
      const cached = this.fetched.get(url);
      if (cached !== undefined && cached.until > at.getTime()) {
        found.push(cached.crl);
        continue;
      }
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(this.options.fetchTimeoutMs ?? 5000) });
        if (!response.ok) continue;
        const crl = Buffer.from(await response.arrayBuffer());
        const until = parseCrl(crl)?.nextUpdate?.value.getTime() ?? at.getTime();
        this.fetched.set(url, { crl, until });
        found.push(crl);
      } catch {
        // An unreachable distribution point leaves the status unknown, which callers refuse.
      }
    }
    return found;
  }
}

export function parseCrl(der: Uint8Array): pkijs.CertificateRevocationList | undefined {
  try {
    return pkijs.CertificateRevocationList.fromBER(der);
  } catch {
    return undefined;
  }
}

// A CRL is parsed and its signature checked once per issuer, not at every signature it answers for.
const checkedCrls = new WeakMap<Buffer, WeakMap<pkijs.Certificate, pkijs.CertificateRevocationList | null>>();

/** The CRL when `issuer` signed it; undefined for another issuer's or a broken one. */
function verifiedCrl(der: Buffer, issuer: pkijs.Certificate): pkijs.CertificateRevocationList | undefined {
  let byIssuer = checkedCrls.get(der);
  if (byIssuer === undefined) {
    byIssuer = new WeakMap();
    checkedCrls.set(der, byIssuer);
  }
  let checked = byIssuer.get(issuer);
  if (checked === undefined) {
    const crl = parseCrl(der);
    checked =
      crl !== undefined && sameName(crl.issuer, issuer.subject) && crlVerifies(crl, toX509(issuer).publicKey)
        ? crl
        : null;
    byIssuer.set(issuer, checked);
  }
  return checked ?? undefined;
}

function crlVerifies(crl: pkijs.CertificateRevocationList, issuerKey: KeyObject): boolean {
  return (
    verifyWithAlgorithm(
      issuerKey,
      crl.signatureAlgorithm,
      undefined,
      crl.tbsView,
      crl.signatureValue.valueBlock.valueHexView,
    ) === true
  );
}

/** Whether two names are the same, compared as DER (encoded once per name object). */
export function sameName(a: pkijs.RelativeDistinguishedNames, b: pkijs.RelativeDistinguishedNames): boolean {
  return nameDer(a).equals(nameDer(b));
}

const encodedNames = new WeakMap<pkijs.RelativeDistinguishedNames, Buffer>();

function nameDer(name: pkijs.RelativeDistinguishedNames): Buffer {
  let der = encodedNames.get(name);
  if (der === undefined) {
    der = Buffer.from(name.toSchema().toBER());
    encodedNames.set(name, der);
  }
  return der;
}

function wholeSeconds(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 1000) * 1000);
}
