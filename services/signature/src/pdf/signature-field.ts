import { formatIsoVietnam } from "../documents/vietnamese-date";
import { SigningError } from "../pki/errors";
import { Canvas, FONT_RESOURCES } from "./canvas";
import { firstUndrawable, type DocumentFonts } from "./prepared-font";
import type { SignatureSlot } from "./layout";
import { num, pdfDate, pdfText } from "./writer";

/** What the signature dictionary and its visible appearance say. */
export interface SignatureFieldSpec {
  /** Unique among the document's fields, e.g. "Signature1". */
  fieldName: string;
  reason: string;
  location: string;
  /** The signer's name as readers show it (the certificate's common name). */
  signerName: string;
  /** The organisation named in the appearance. */
  organization: string;
  /** The claimed signing time (/M); a timestamp, when present, is the trusted one. */
  signedAt: Date;
  /** Visible when given; otherwise the field has a zero-size, hidden widget. */
  slot?: SignatureSlot;
  /** A line above the signer's name in the appearance, e.g. "Người kiểm tra". */
  heading?: string;
  /** Room for the CMS, in bytes. */
  containerBytes: number;
}

/** Where the signature value goes in the file: filled in after the ByteRange digest is known. */
export interface SignatureHole {
  /** Offset of the "[" of the ByteRange array and the width reserved for it. */
  byteRangeAt: number;
  byteRangeWidth: number;
  /** Offset of "<" of /Contents and the offset just after its ">". */
  contentsStart: number;
  contentsEnd: number;
}

const BYTE_RANGE_PLACEHOLDER = `[0 ${"9".repeat(10)} ${"9".repeat(10)} ${"9".repeat(10)}]`;

/**
 * The signature dictionary (/Type /Sig) with ETSI.CAdES.detached (PAdES
 * baseline, ETSI EN 319 142-1), a placeholder /ByteRange of fixed width and a
 * zero-filled /Contents; returns the body and where the placeholders sit in it.
 */
export function signatureDictionary(spec: SignatureFieldSpec): {
  body: string;
  byteRangeAt: number;
  contentsAt: number;
} {
  const head = `<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange `;
  const contents = ` /Contents <${"0".repeat(spec.containerBytes * 2)}>`;
  const rest =
    ` /M ${pdfDate(spec.signedAt)} /Name ${pdfText(spec.signerName)} /Reason ${pdfText(spec.reason)}` +
    ` /Location ${pdfText(spec.location)} >>`;
  return {
    body: head + BYTE_RANGE_PLACEHOLDER + contents + rest,
    byteRangeAt: head.length,
    contentsAt: head.length + BYTE_RANGE_PLACEHOLDER.length + " /Contents ".length,
  };
}

/** The merged field and widget annotation of a signature (PDF 32000-1 §12.7.4.5). */
export function signatureWidget(
  spec: SignatureFieldSpec,
  refs: { signature: number; page: number; appearance?: number },
): string {
  const rect = spec.slot && refs.appearance !== undefined ? spec.slot.rect : [0, 0, 0, 0];
  // Print (4) and Locked (128): the appearance is part of the signed document.
  const appearance = refs.appearance !== undefined ? ` /AP << /N ${refs.appearance} 0 R >>` : "";
  return (
    `<< /Type /Annot /Subtype /Widget /FT /Sig /T ${pdfText(spec.fieldName)} /V ${refs.signature} 0 R` +
    ` /F 132 /P ${refs.page} 0 R /Rect [${rect.map(num).join(" ")}]${appearance} >>`
  );
}

const SIGNATURE_BLUE = { r: 0.05, g: 0.2, b: 0.6 };

/**
 * The visible signature as Decree 30/2020/NĐ-CP (Appendix I) describes it for
 * an electronic document: who signed, for which organisation, and when, the
 * time in ISO 8601 with Vietnam's offset. Only the regular font, so an
 * incremental update needs to bring at most one font.
 */
export function appearanceStream(spec: SignatureFieldSpec, fonts: DocumentFonts, fontRef: number): Buffer {
  const [x1, y1, x2, y2] = spec.slot?.rect ?? [0, 0, 0, 0];
  const width = x2 - x1;
  const height = y2 - y1;
  const canvas = new Canvas(fonts);
  canvas.strokeRect(0.5, 0.5, width - 1, height - 1, 0.8, SIGNATURE_BLUE);
  // NFC, as /Name and every other text is: a name typed in decomposed Unicode ("tổ hợp" on Vietnamese
  // keyboards) has combining marks the font draws only composed.
  const lines = [
    ...(spec.heading ? [spec.heading] : []),
    `Ký bởi: ${spec.signerName}`,
    `Cơ quan: ${spec.organization}`,
    `Thời gian ký: ${formatIsoVietnam(spec.signedAt)}`,
  ].map((line) => line.normalize("NFC"));
  const font = fonts.regular;
  assertDrawable(lines, font);
  const widest = Math.max(...lines.map((line) => font.widthOf(line, 10)));
  const size = Math.min(10, (height - 8) / (lines.length * 1.25), (10 * (width - 10)) / Math.max(widest, 1));
  let y = height - 4 - size;
  for (const line of lines) {
    canvas.text("regular", size, 5, y, line, SIGNATURE_BLUE);
    y -= size * 1.25;
  }
  const content = canvas.content();
  return Buffer.concat([
    Buffer.from(
      `<< /Type /XObject /Subtype /Form /BBox [0 0 ${num(width)} ${num(height)}]` +
        ` /Resources << /Font << /${FONT_RESOURCES.regular} ${fontRef} 0 R >> >> /Length ${content.length} >>\nstream\n`,
      "latin1",
    ),
    content,
    Buffer.from("\nendstream", "latin1"),
  ]);
}

/** Writes the final ByteRange into the placeholder; the array keeps its width, padded with spaces. */
export function fillByteRange(bytes: Buffer, hole: SignatureHole): [number, number, number, number] {
  const range: [number, number, number, number] = [
    0,
    hole.contentsStart,
    hole.contentsEnd,
    bytes.length - hole.contentsEnd,
  ];
  const text = `[${range.join(" ")}]`;
  bytes.write(text.padEnd(hole.byteRangeWidth, " "), hole.byteRangeAt, "latin1");
  return range;
}

export const BYTE_RANGE_WIDTH = BYTE_RANGE_PLACEHOLDER.length;

/**
 * The visible signature shows what the certificate says or nothing: a character the font lacks (an emoji, a
 * zero-width space in a certificate's name) would be dropped from the drawing while /Name keeps it.
 */
function assertDrawable(lines: readonly string[], font: DocumentFonts["regular"]): void {
  const missing = firstUndrawable(lines.join("\n"), [font]);
  if (missing === undefined) return;
  throw new SigningError(
    "INVALID_DOCUMENT_INPUT",
    `signature appearance: the signer's certificate or the heading holds a character the font cannot print (${missing})`,
  );
}
