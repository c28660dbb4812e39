import type { KeyObject } from "node:crypto";
import type * as pkijs from "pkijs";
import { LocalTimestampAuthority } from "../cades/timestamp";
import { parseCertificate } from "../pki/certificates";
import { CrlRevocationSource } from "../pki/revocation";
import { LocalSigningKey } from "../pki/signing-key";
import { renderAndSignResult, type PadesOptions } from "./pades";
import type { ResultDocumentInput } from "./result-document";

/**
 * A result to render and sign, as plain data that survives the structured
 * clone of `postMessage` (KeyObjects do): what a worker thread receives. Keys
 * held by a signing hook stay on the main thread; this is for local keys.
 */
export interface SigningJob {
  input: ResultDocumentInput;
  /** The signer's certificate, then its CAs (DER), and its private key. */
  signer: { certificates: Uint8Array[]; privateKey: KeyObject };
  options: Omit<PadesOptions, "timestampAuthority" | "revocation">;
  /** The platform's TSA, for B-T and B-LT. */
  timestampAuthority?: { certificate: Uint8Array; privateKey: KeyObject };
  /** Current CRLs of the chains (DER), for B-LT. */
  crls?: Uint8Array[];
}

/** Renders and signs one result in the thread it runs on: bytes and options in, bytes out. */
export async function runSigningJob(job: SigningJob): Promise<Buffer> {
  const [certificate, ...chain] = job.signer.certificates.map(certificateOf);
  if (certificate === undefined) throw new Error("a signing job needs the signer's certificate");
  const tsa = job.timestampAuthority;
  const crls = (job.crls ?? []).map((crl) => Buffer.from(crl));
  return renderAndSignResult(
    job.input,
    { certificate, chain, key: keyOf(job.signer.privateKey) },
    {
      ...job.options,
      ...(tsa
        ? {
            timestampAuthority: new LocalTimestampAuthority({
              certificate: certificateOf(tsa.certificate),
              chain: [],
              key: tsa.privateKey,
            }),
          }
        : {}),
      ...(crls.length > 0 ? { revocation: new CrlRevocationSource(() => crls) } : {}),
    },
  );
}

// A worker signs for a handful of officials: their certificates are parsed once
// (and with them the CMS parts cached per certificate object), not per job.
const certificates = new Map<string, pkijs.Certificate>();
const keys = new WeakMap<KeyObject, LocalSigningKey>();
const CERTIFICATE_MEMO_LIMIT = 256;

function certificateOf(der: Uint8Array): pkijs.Certificate {
  const key = Buffer.from(der).toString("base64");
  let certificate = certificates.get(key);
  if (certificate === undefined) {
    certificate = parseCertificate(der);
    if (certificates.size >= CERTIFICATE_MEMO_LIMIT) certificates.clear();
    certificates.set(key, certificate);
  }
  return certificate;
}

function keyOf(privateKey: KeyObject): LocalSigningKey {
  let key = keys.get(privateKey);
  if (key === undefined) {
    key = new LocalSigningKey(privateKey);
    keys.set(privateKey, key);
  }
  return key;
}
