import { createHash } from "node:crypto";
import type * as pkijs from "pkijs";
import type { DigestAlgorithm, SignatureAlgorithm } from "../cades/algorithms";
import {
  completeCadesSignature,
  prepareCadesSignature,
  type PreparedCadesSignature,
  type SignerCertificates,
} from "../cades/signed-data";
import type { TimestampAuthority } from "../cades/timestamp";
import { collectValidationData } from "../cades/validation-data";
import { toX509 } from "../pki/certificates";
import { commonName } from "../pki/distinguished-name";
import { SigningError } from "../pki/errors";
import type { RevocationSource } from "../pki/revocation";
import type { SigningKey } from "../pki/signing-key";
import { writeDocument, type WrittenLayout } from "./document";
import { appendSignatureField, appendValidationData, appendValidationDataAfter } from "./incremental";
import type { PageDraft, SignatureSlot } from "./layout";
import { draftResultDocument, type ResultDocumentInput } from "./result-document";
import { draftSlipDocument, type SlipInput } from "./slip-document";
import { fillByteRange, type SignatureFieldSpec, type SignatureHole } from "./signature-field";

/**
 * PAdES baseline levels (ETSI EN 319 142-1): B-B the CAdES signature itself,
 * B-T with an RFC 3161 timestamp over the signature value, B-LT with the
 * certificates and revocation data a verifier needs later in the document
 * security store.
 */
export type PadesLevel = "B-B" | "B-T" | "B-LT";
export const PADES_LEVELS: readonly PadesLevel[] = ["B-B", "B-T", "B-LT"];

// Room for the CMS: the signer's chain (a few certificates) and a timestamp
// token with its TSA chain, with margin for RSA-4096 CA certificates.
const SIGNATURE_CONTAINER_BYTES = 16_384;

/** Who signs: certificate, CA chain and the means to sign. */
export interface PadesSigner extends SignerCertificates {
  key: SigningKey;
}

export interface PadesOptions {
  level: PadesLevel;
  reason: string;
  location: string;
  /** The claimed signing time, written as /M and on the visible signature. */
  signedAt: Date;
  /** The visible signature's place; invisible without it. */
  slot?: SignatureSlot;
  heading?: string;
  /** Required from B-T on. */
  timestampAuthority?: TimestampAuthority;
  /** Required for B-LT: where the CRLs that go into the document come from. */
  revocation?: RevocationSource;
}

/** A PDF waiting for its signature value: the two-step flow of HSMs and remote signing services. */
export interface PreparedPdfSignature {
  /** What the key signs: the DER of the CMS signed attributes. */
  readonly dataToSign: Buffer;
  readonly pdf: Buffer;
  readonly hole: SignatureHole;
  readonly cades: PreparedCadesSignature;
}

/** Fixes the ByteRange and digests what it covers (the whole file but the /Contents hole). */
export function preparePdfSignature(
  pdf: Buffer,
  hole: SignatureHole,
  signer: SignerCertificates,
  algorithm: SignatureAlgorithm,
): PreparedPdfSignature {
  const [, firstLength, secondStart, secondLength] = fillByteRange(pdf, hole);
  const contentDigest = createHash(algorithm.digest)
    .update(pdf.subarray(0, firstLength))
    .update(pdf.subarray(secondStart, secondStart + secondLength))
    .digest();
  const cades = prepareCadesSignature({ signer, algorithm, contentDigest });
  return { dataToSign: cades.dataToSign, pdf, hole, cades };
}

/** Puts the CMS into the hole; the PDF is then complete and signed. */
export function completePdfSignature(
  prepared: PreparedPdfSignature,
  signatureValue: Uint8Array,
  timestampToken?: Uint8Array,
): Buffer {
  const cms = completeCadesSignature(
    prepared.cades,
    signatureValue,
    timestampToken ? { signatureTimestamp: timestampToken } : {},
  );
  const room = (prepared.hole.contentsEnd - prepared.hole.contentsStart - 2) / 2;
  if (cms.length > room) {
    throw new SigningError(
      "SIGNATURE_TOO_LARGE",
      `the signature (${cms.length} bytes) does not fit the ${room} bytes reserved for it`,
    );
  }
  prepared.pdf.write(cms.toString("hex"), prepared.hole.contentsStart + 1, "latin1");
  return prepared.pdf;
}

/**
 * Renders a result notice and signs it in the same revision (the leader's
 * place on the page). Bytes and options in, bytes out: no I/O of its own but
 * what the key and the TSA do, so it can run in a worker thread.
 */
export async function renderAndSignResult(
  input: ResultDocumentInput,
  signer: PadesSigner,
  options: PadesOptions,
): Promise<Buffer> {
  return signDraft(draftResultDocument(input), signer, options);
}

/** A desk slip (forms 01–04), rendered and signed in one revision like a result notice. */
export async function renderAndSignSlip(input: SlipInput, signer: PadesSigner, options: PadesOptions): Promise<Buffer> {
  return signDraft(draftSlipDocument(input), signer, options);
}

/** Writes a drafted page with its signature field at the leader's place (unless another is given) and signs it. */
async function signDraft(draft: PageDraft, signer: PadesSigner, options: PadesOptions): Promise<Buffer> {
  const spec = fieldSpec(signer, { ...options, slot: options.slot ?? draft.leaderSlot }, "Signature1");
  const { bytes, hole, layout } = writeDocument(draft, spec);
  if (hole === undefined) throw new Error("a signature field was asked for");
  return finish(preparePdfSignature(bytes, hole, signer, signer.key.algorithm), signer, options, layout);
}

/**
 * Signs any PDF by an incremental update: earlier revisions, and the
 * signatures over them, stay byte for byte as they were.
 */
export async function signPdf(pdf: Uint8Array, signer: PadesSigner, options: PadesOptions): Promise<Buffer> {
  const { bytes, hole } = await appendSignatureField(pdf, (fieldName) => fieldSpec(signer, options, fieldName));
  return finish(preparePdfSignature(bytes, hole, signer, signer.key.algorithm), signer, options);
}

/** Signs, timestamps, and for B-LT appends the validation data (without parsing again when `layout` is known). */
async function finish(
  prepared: PreparedPdfSignature,
  signer: PadesSigner,
  options: PadesOptions,
  layout?: WrittenLayout,
): Promise<Buffer> {
  const signatureValue = await signer.key.sign(prepared.dataToSign);
  if (options.level === "B-B") return completePdfSignature(prepared, signatureValue);
  const authority = options.timestampAuthority;
  if (authority === undefined) {
    throw new SigningError("TIMESTAMP_FAILED", `level ${options.level} needs a time-stamping authority`);
  }
  const token = await authority.timestamp(imprintOf(signatureValue, signer.key.algorithm.digest));
  const signed = completePdfSignature(prepared, signatureValue, token);
  if (options.level !== "B-LT") return signed;
  if (options.revocation === undefined)
    throw new SigningError("REVOCATION_UNKNOWN", "level B-LT needs a revocation source");
  const data = await collectValidationData(signer, { token, authority }, options.revocation, options.signedAt);
  return layout ? appendValidationDataAfter(signed, data, layout) : appendValidationData(signed, data);
}

function imprintOf(signatureValue: Uint8Array, digest: DigestAlgorithm) {
  return { digest, hash: createHash(digest).update(signatureValue).digest() };
}

function fieldSpec(signer: SignerCertificates, options: PadesOptions, fieldName: string): SignatureFieldSpec {
  const subject = toX509(signer.certificate).subject;
  return {
    fieldName,
    reason: options.reason,
    location: options.location,
    signerName: commonName(subject) ?? subject,
    organization: organizationOf(signer.certificate),
    signedAt: options.signedAt,
    ...(options.slot ? { slot: options.slot } : {}),
    ...(options.heading ? { heading: options.heading } : {}),
    containerBytes: SIGNATURE_CONTAINER_BYTES,
  };
}

function organizationOf(certificate: pkijs.Certificate): string {
  const lines = toX509(certificate).subject.split("\n");
  const value = (prefix: string) => lines.find((line) => line.startsWith(prefix))?.slice(prefix.length);
  return value("OU=") ?? value("O=") ?? "";
}
