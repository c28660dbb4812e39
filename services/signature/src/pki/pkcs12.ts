import { readFile } from "node:fs/promises";
import forge from "node-forge";
import { certificateSubject } from "./distinguished-name";
import { SigningError } from "./errors";

// PKCS#12 bag types (RFC 7292 §4.2).
const KEY_BAG = "1.2.840.113549.1.12.10.1.1";
const PKCS8_SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2";
const CERT_BAG = "1.2.840.113549.1.12.10.1.3";

/** What the PDF signer needs to sign as one official: the key, its certificate chain, who it names. */
export interface SigningIdentity {
  /** PKCS#12 holding the private key, the signer certificate and (optionally) its CA chain. */
  p12: Buffer;
  passphrase: string;
  /** The signer's own certificate (PEM). */
  certPem: string;
  /** Subject of the signer certificate, most specific part first ("CN=…, O=…, C=VN"). */
  subject: string;
}

/**
 * Opens an operator-provided PKCS#12 file (production keys). It is parsed now,
 * so a wrong passphrase or a file without a usable key fails at start-up rather
 * than at the first signature.
 */
export async function loadPkcs12Signer(path: string, passphrase: string): Promise<SigningIdentity> {
  let p12: Buffer;
  try {
    p12 = await readFile(path);
  } catch (error) {
    throw new SigningError("BAD_PKCS12", `PKCS#12 file ${path}: cannot be read`, { cause: error });
  }
  return signingIdentityFromPkcs12(p12, passphrase, `PKCS#12 file ${path}`);
}

/** Checks that the PKCS#12 opens with the passphrase and holds a key with its certificate. */
export function signingIdentityFromPkcs12(p12: Buffer, passphrase: string, label = "PKCS#12"): SigningIdentity {
  const { certificate } = openPkcs12(p12, passphrase, label);
  const certPem = forge.pki.certificateToPem(certificate);
  return { p12, passphrase, certPem, subject: certificateSubject(certPem) };
}

export interface OpenedPkcs12 {
  key: forge.pki.rsa.PrivateKey;
  /** The certificate of the key. */
  certificate: forge.pki.Certificate;
  /** Every certificate in the file, the key's own included. */
  certificates: forge.pki.Certificate[];
}

/** The key, its certificate and the rest of the chain; SigningError BAD_PKCS12 when unusable. */
export function openPkcs12(p12: Buffer, passphrase: string, label = "PKCS#12"): OpenedPkcs12 {
  let parsed: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(p12.toString("binary")));
    parsed = forge.pkcs12.pkcs12FromAsn1(asn1, false, passphrase);
  } catch (error) {
    throw new SigningError("BAD_PKCS12", `${label}: wrong passphrase or not a PKCS#12 file`, { cause: error });
  }
  const keys = [...bags(parsed, PKCS8_SHROUDED_KEY_BAG), ...bags(parsed, KEY_BAG)]
    .map((bag) => bag.key)
    .filter((key): key is forge.pki.rsa.PrivateKey => key !== undefined && key !== null);
  const key = keys[0];
  if (key === undefined) {
    // node-forge, which builds the CMS, reads RSA keys only.
    throw new SigningError("BAD_PKCS12", `${label}: holds no RSA private key`);
  }
  const certificates = bags(parsed, CERT_BAG)
    .map((bag) => bag.cert)
    .filter((cert): cert is forge.pki.Certificate => cert !== undefined && cert !== null);
  const certificate = certificates.find((cert) => {
    const publicKey = cert.publicKey as forge.pki.rsa.PublicKey;
    return publicKey.n.equals(key.n) && publicKey.e.equals(key.e);
  });
  if (certificate === undefined) {
    throw new SigningError("BAD_PKCS12", `${label}: no certificate matches its private key`);
  }
  return { key, certificate, certificates };
}

function bags(pfx: forge.pkcs12.Pkcs12Pfx, bagType: string): forge.pkcs12.Bag[] {
  return pfx.getBags({ bagType })[bagType] ?? [];
}
