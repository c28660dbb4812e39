import { createHash } from "node:crypto";
import {
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFRawStream,
  PDFRef,
  PDFStream,
  type PDFObject,
} from "pdf-lib";
import type * as pkijs from "pkijs";
import { parseCertificate } from "../pki/certificates";
import { evaluateSignature, type TrustContext } from "../verification/evaluate";
import { documentReport, messages, type SignatureReport, type VerificationReport } from "../verification/report";

const BYTE_RANGE = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;

interface LocatedSignature {
  byteRange: [number, number, number, number];
  /** The signature dictionary's text around the ByteRange, for /SubFilter and /M. */
  dictionary: string;
}

/**
 * Verifies every signature of a PDF, oldest first, against the trust context;
 * bad or unsigned input gives a report with the reason, never an exception.
 */
export async function verifyPdf(pdf: Uint8Array, context: TrustContext): Promise<VerificationReport> {
  const bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  const located = locateSignatures(bytes);
  if (located.length === 0) return documentReport([]);
  const final = await load(bytes);
  const validation = final ? validationData(final) : { certificates: [], crls: [] };
  const reports: SignatureReport[] = [];
  for (const [position, signature] of located.entries()) {
    reports.push(await verifyOne(bytes, final, signature, position + 1, validation, context));
  }
  return documentReport(reports);
}

async function verifyOne(
  bytes: Buffer,
  final: PDFDocument | undefined,
  signature: LocatedSignature,
  index: number,
  validation: { certificates: pkijs.Certificate[]; crls: Buffer[] },
  context: TrustContext,
): Promise<SignatureReport> {
  const [start, firstLength, secondStart, secondLength] = signature.byteRange;
  const revisionEnd = secondStart + secondLength;
  const hex = bytes.toString("latin1", firstLength + 1, secondStart - 1);
  const wellFormed =
    start === 0 &&
    revisionEnd <= bytes.length &&
    secondStart > firstLength + 1 &&
    bytes[firstLength] === 0x3c &&
    bytes[secondStart - 1] === 0x3e &&
    /^[0-9a-fA-F]*$/.test(hex) &&
    hex.length % 2 === 0;
  const subFilter = /\/SubFilter\s*\/([A-Za-z0-9.]+)/.exec(signature.dictionary)?.[1] ?? "unknown";
  if (!wellFormed) return malformed(index, subFilter);
  const claimedTime = pdfDate(/\/M\s*\((D:[^)]*)\)/.exec(signature.dictionary)?.[1]);
  return evaluateSignature(
    {
      index,
      format: subFilter,
      cms: Buffer.from(hex, "hex"),
      content: () => Buffer.concat([bytes.subarray(0, firstLength), bytes.subarray(secondStart, revisionEnd)]),
      ...(claimedTime ? { claimedTime } : {}),
      coversWholeDocument: revisionEnd === bytes.length,
      changedAfterSigning: revisionEnd < bytes.length && (await pagesChanged(bytes.subarray(0, revisionEnd), final)),
      documentCertificates: validation.certificates,
      documentCrls: validation.crls,
    },
    context,
  );
}

function malformed(index: number, format: string): SignatureReport {
  const text = messages("FORMAT_FAILURE", { signer: "", issuer: "" });
  return {
    index,
    format,
    indication: "INDETERMINATE",
    reason: "FORMAT_FAILURE",
    signingTimeSource: "none",
    integrity: { intact: false },
    chain: { trusted: false, path: [] },
    revocation: { status: "unknown" },
    messageVi: text.vi,
    messageEn: text.en,
  };
}

/** Every distinct ByteRange of the file, in the order the signatures were made (by where their revision ends). */
function locateSignatures(bytes: Buffer): LocatedSignature[] {
  const text = bytes.toString("latin1");
  const found = new Map<string, LocatedSignature>();
  for (const match of text.matchAll(BYTE_RANGE)) {
    const range = [match[1], match[2], match[3], match[4]].map(Number) as [number, number, number, number];
    const at = match.index;
    const objectStart = text.lastIndexOf(" obj", at);
    const objectEnd = text.indexOf("endobj", at);
    // The dictionary without the hex of /Contents, which can be tens of kilobytes.
    const dictionary =
      text.slice(objectStart, range[1]) + text.slice(range[2], objectEnd === -1 ? undefined : objectEnd);
    found.set(range.join(" "), { byteRange: range, dictionary });
  }
  return [...found.values()].sort((a, b) => a.byteRange[2] + a.byteRange[3] - (b.byteRange[2] + b.byteRange[3]));
}

async function load(bytes: Uint8Array): Promise<PDFDocument | undefined> {
  try {
    return await PDFDocument.load(bytes, { updateMetadata: false, ignoreEncryption: true });
  } catch {
    return undefined;
  }
}

/**
 * Whether a later revision changed what the signed revision shows: the page
 * count, a page's content streams or its resources. Revisions that only add
 * signatures (annotations, form fields) or validation data (DSS) pass.
 */
async function pagesChanged(signedRevision: Uint8Array, final: PDFDocument | undefined): Promise<boolean> {
  const before = await load(signedRevision);
  if (before === undefined || final === undefined) return true;
  const beforePages = before.getPages();
  const afterPages = final.getPages();
  if (beforePages.length !== afterPages.length) return true;
  return beforePages.some((page, index) => {
    const after = afterPages[index];
    if (after === undefined) return true;
    return (
      !pageContent(before, page.node).equals(pageContent(final, after.node)) ||
      resolved(before, page.node.get(PDFName.of("Resources"))) !==
        resolved(final, after.node.get(PDFName.of("Resources"))) ||
      resolved(before, page.node.get(PDFName.of("MediaBox"))) !==
        resolved(final, after.node.get(PDFName.of("MediaBox")))
    );
  });
}

function pageContent(document: PDFDocument, page: PDFDict): Buffer {
  const contents = page.get(PDFName.of("Contents"));
  const streams =
    contents instanceof PDFRef || contents instanceof PDFStream
      ? [contents]
      : contents instanceof PDFArray
        ? contents.asArray()
        : [];
  return Buffer.concat(
    streams.map((entry) => {
      const stream = entry instanceof PDFRef ? document.context.lookup(entry) : entry;
      if (stream instanceof PDFRawStream) return Buffer.from(decodePDFRawStream(stream).decode());
      return Buffer.alloc(0);
    }),
  );
}

/** An object as text with its indirect references followed (two levels: resources name fonts and images). */
function resolved(document: PDFDocument, object: PDFObject | undefined, depth = 2): string {
  if (object === undefined) return "";
  const value = object instanceof PDFRef ? document.context.lookup(object) : object;
  if (value === undefined) return "";
  if (value instanceof PDFRawStream)
    return createHash("sha256").update(value.getContents()).digest("hex") + value.dict.toString();
  if (depth > 0 && value instanceof PDFDict) {
    return [...value.entries()]
      .map(([key, entry]) => `${key.toString()}=${resolved(document, entry, depth - 1)}`)
      .join(";");
  }
  if (depth > 0 && value instanceof PDFArray)
    return value
      .asArray()
      .map((entry) => resolved(document, entry, depth - 1))
      .join(",");
  return value.toString();
}

/** Certificates and CRLs of the document security store (PAdES B-LT). */
function validationData(document: PDFDocument): { certificates: pkijs.Certificate[]; crls: Buffer[] } {
  const dss = document.catalog.lookupMaybe(PDFName.of("DSS"), PDFDict);
  const streams = (key: string): Buffer[] =>
    (dss?.lookupMaybe(PDFName.of(key), PDFArray)?.asArray() ?? []).flatMap((entry) => {
      const stream = entry instanceof PDFRef ? document.context.lookup(entry) : entry;
      return stream instanceof PDFRawStream ? [Buffer.from(decodePDFRawStream(stream).decode())] : [];
    });
  const certificates = streams("Certs").flatMap((der) => {
    try {
      return [parseCertificate(der)];
    } catch {
      return [];
    }
  });
  return { certificates, crls: streams("CRLs") };
}

/** A PDF date (D:YYYYMMDDHHmmSS+HH'mm') as an instant; undefined when absent or unreadable. */
function pdfDate(value: string | undefined): Date | undefined {
  const parts = value && /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Z+-])?(\d{2})?'?(\d{2})?/.exec(value);
  if (!parts) return undefined;
  const [
    ,
    year,
    month = "01",
    day = "01",
    hour = "00",
    minute = "00",
    second = "00",
    sign,
    offsetHours = "00",
    offsetMinutes = "00",
  ] = parts;
  const utc = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  const offset =
    (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000 * (sign === "-" ? -1 : sign === "+" ? 1 : 0);
  return new Date(utc - offset);
}
