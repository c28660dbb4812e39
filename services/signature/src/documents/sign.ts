import { X509Certificate } from "node:crypto";
import { pdflibAddPlaceholder } from "@signpdf/placeholder-pdf-lib";
import signpdf from "@signpdf/signpdf";
import { PDFDocument, PDFName, PDFSignature } from "pdf-lib";
import { commonName } from "../pki/distinguished-name";
import { SigningError } from "../pki/errors";
import type { SigningIdentity } from "../pki/pkcs12";
import { Pkcs12CmsSigner } from "./cms-signer";

export interface SignPdfOptions {
  /** Why the document is signed, shown by PDF readers (e.g. "Kết quả giải quyết hồ sơ …"). */
  reason: string;
  /** Where it is signed, e.g. the authority or the commune. */
  location: string;
  contactInfo?: string;
  /** Signing time written into the CMS signingTime attribute and the signature dictionary; now by default. */
  signedAt?: Date;
}

// The CMS lives in a fixed-size hole of the file. 16 KiB holds the signer
// chain (a few certificates) plus an RFC 3161 timestamp token with its TSA
// certificates, so adding a timestamp later does not change the layout.
const SIGNATURE_CONTAINER_BYTES = 16_384;
// adbe.pkcs7.detached: the CMS has no ESS signing-certificate-v2 attribute,
// which ETSI.CAdES.detached requires.
const SUB_FILTER = "adbe.pkcs7.detached";

/**
 * Signs a PDF with a detached CMS (SHA-256, RSA, signed attributes contentType,
 * signingTime and messageDigest) covering the whole file except the signature
 * itself. The document is rewritten, not appended to, so an already signed PDF
 * is refused rather than silently invalidated.
 */
export async function signPdf(pdf: Uint8Array, signer: SigningIdentity, options: SignPdfOptions): Promise<Buffer> {
  const signedAt = options.signedAt ?? new Date();
  const prepared = await withSignaturePlaceholder(pdf, signer, options, signedAt);
  return signpdf.sign(prepared, new Pkcs12CmsSigner(signer), signedAt);
}

async function withSignaturePlaceholder(
  pdf: Uint8Array,
  signer: SigningIdentity,
  options: SignPdfOptions,
  signedAt: Date,
): Promise<Buffer> {
  let document: PDFDocument;
  try {
    document = await PDFDocument.load(pdf, { updateMetadata: false });
  } catch (error) {
    throw new SigningError("INVALID_PDF", "pdf: not a readable, unencrypted PDF file", { cause: error });
  }
  if (document.getPageCount() === 0) {
    throw new SigningError("INVALID_PDF", "pdf: has no page to attach the signature to");
  }
  if (hasSignature(document)) {
    throw new SigningError(
      "ALREADY_SIGNED",
      "pdf: is already signed; signing it again would invalidate that signature",
    );
  }
  const signerName = commonName(new X509Certificate(signer.certPem).subject) ?? signer.subject;
  pdflibAddPlaceholder({
    pdfDoc: document,
    reason: pdfTextLiteral(options.reason),
    location: pdfTextLiteral(options.location),
    contactInfo: pdfTextLiteral(options.contactInfo ?? ""),
    name: pdfTextLiteral(signerName),
    signingTime: signedAt,
    signatureLength: SIGNATURE_CONTAINER_BYTES,
    subFilter: SUB_FILTER,
  });
  // @signpdf finds the placeholder in the raw bytes: no compressed object streams.
  return Buffer.from(await document.save({ useObjectStreams: false }));
}

function hasSignature(document: PDFDocument): boolean {
  return document
    .getForm()
    .getFields()
    .some((field) => field instanceof PDFSignature && field.acroField.dict.has(PDFName.of("V")));
}

/**
 * @signpdf writes these strings with pdf-lib's PDFString, which emits each
 * character as one byte without escaping. A PDF text string outside ASCII must
 * be UTF-16BE with a byte-order mark, and the delimiters "(", ")", "\" and line
 * ends inside a literal string must be escaped; this returns that byte string.
 */
export function pdfTextLiteral(value: string): string {
  const text = value.normalize("NFC");
  const bytes = /^[\x20-\x7e]*$/.test(text)
    ? Buffer.from(text, "latin1")
    : Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, "utf16le").swap16()]);
  let literal = "";
  for (const byte of bytes) {
    literal +=
      byte === 0x28 || byte === 0x29 || byte === 0x5c || byte === 0x0a || byte === 0x0d
        ? `\\${byte.toString(8).padStart(3, "0")}`
        : String.fromCharCode(byte);
  }
  return literal;
}
