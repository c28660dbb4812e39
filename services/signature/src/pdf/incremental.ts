import {
  EncryptedPDFError,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRef,
  PDFString,
  type PDFObject,
} from "pdf-lib";
import { SigningError } from "../pki/errors";
import { documentFonts, stream, type DocumentFonts } from "./prepared-font";
import {
  appearanceStream,
  BYTE_RANGE_WIDTH,
  signatureDictionary,
  signatureWidget,
  type SignatureFieldSpec,
  type SignatureHole,
} from "./signature-field";
import type { ValidationData } from "../cades/validation-data";
import type { WrittenLayout } from "./document";
import { PdfWriter } from "./writer";

/** An existing PDF opened to append one revision (PDF 32000-1 §7.5.6). */
interface UpdateTarget {
  document: PDFDocument;
  original: Buffer;
  writer: PdfWriter;
  nextNumber: number;
  previousXref: number;
  xrefIsStream: boolean;
}

async function openForUpdate(pdf: Uint8Array): Promise<UpdateTarget> {
  const original = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  let document: PDFDocument;
  try {
    document = await PDFDocument.load(original, { updateMetadata: false });
  } catch (error) {
    const reason = error instanceof EncryptedPDFError ? "is encrypted" : "is not a readable PDF file";
    throw new SigningError("INVALID_PDF", `pdf: ${reason}`, { cause: error });
  }
  let pageCount: number;
  try {
    pageCount = document.getPageCount();
  } catch (error) {
    // pdf-lib loads files whose catalog or page tree is missing or broken, and fails on first use.
    throw new SigningError("INVALID_PDF", "pdf: has no readable catalog or page tree", { cause: error });
  }
  if (pageCount === 0) throw new SigningError("INVALID_PDF", "pdf: has no page to attach the signature to");
  const tail = original.subarray(Math.max(0, original.length - 1024)).toString("latin1");
  const startxref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  if (startxref?.[1] === undefined) throw new SigningError("INVALID_PDF", "pdf: has no cross-reference to append to");
  const previousXref = Number(startxref[1]);
  const writer = new PdfWriter(original.length);
  // The update starts on a new line, whatever the last byte of the file was.
  if (original[original.length - 1] !== 0x0a) writer.raw("\n");
  const xrefIsStream = !original.toString("latin1", previousXref, previousXref + 4).startsWith("xref");
  return {
    document,
    original,
    writer,
    // pdf-lib drops object streams and cross-reference streams once read, so
    // its largest number can be below the trailer's /Size: new objects start above both.
    nextNumber: Math.max(document.context.largestObjectNumber + 1, trailerSize(original, previousXref, xrefIsStream)),
    previousXref,
    xrefIsStream,
  };
}

/** /Size of the last trailer (or cross-reference stream dictionary); 0 when unreadable. */
function trailerSize(original: Buffer, xrefAt: number, xrefIsStream: boolean): number {
  const text = original.toString("latin1", xrefAt);
  const dictionaryAt = xrefIsStream ? 0 : text.indexOf("trailer");
  const size = /\/Size\s+(\d+)/.exec(text.slice(Math.max(dictionaryAt, 0), Math.max(dictionaryAt, 0) + 4096));
  return size?.[1] === undefined ? 0 : Number(size[1]);
}

function finishUpdate(target: UpdateTarget): Buffer {
  const { document, writer } = target;
  const info = document.context.trailerInfo;
  const refs = [
    info.Root ? `/Root ${String(info.Root)}` : "",
    info.Info ? `/Info ${String(info.Info)}` : "",
    info.ID ? `/ID ${String(info.ID)}` : "",
    `/Prev ${target.previousXref}`,
  ]
    .filter((entry) => entry !== "")
    .join(" ");
  if (target.xrefIsStream) {
    const xrefNumber = target.nextNumber;
    writer.xrefStreamAndTrailer(xrefNumber, `/Size ${xrefNumber + 1} ${refs}`);
  } else {
    writer.xrefTableAndTrailer(`/Size ${target.nextNumber} ${refs}`, false);
  }
  return Buffer.concat([target.original, writer.bytes()]);
}

function allocate(target: UpdateTarget): number {
  const number = target.nextNumber;
  target.nextNumber += 1;
  return number;
}

/** Rewrites an existing object (same number) with new content in the update. */
function rewrite(target: UpdateTarget, ref: PDFRef, object: PDFObject): void {
  target.writer.object(ref.objectNumber, object.toString());
}

/**
 * Appends a signature field with its placeholder, a widget on the page of the
 * slot (hidden without one) and, when visible, its appearance. Returns the
 * whole file and where the signature goes.
 */
export async function appendSignatureField(
  pdf: Uint8Array,
  specFor: (fieldName: string) => SignatureFieldSpec,
  fonts: DocumentFonts = documentFonts(),
): Promise<{ bytes: Buffer; hole: SignatureHole }> {
  const target = await openForUpdate(pdf);
  try {
    return addSignatureField(target, specFor, fonts);
  } catch (error) {
    if (error instanceof SigningError) throw error;
    // pdf-lib reads objects lazily: a malformed form, page or catalog entry fails here, not at load.
    throw new SigningError("INVALID_PDF", "pdf: its form, pages or catalog cannot be read", { cause: error });
  }
}

function addSignatureField(
  target: UpdateTarget,
  specFor: (fieldName: string) => SignatureFieldSpec,
  fonts: DocumentFonts,
): { bytes: Buffer; hole: SignatureHole } {
  const { document } = target;
  assertChangesAllowed(document);
  const names = fieldNames(document);
  let index = names.size + 1;
  while (names.has(`Signature${index}`)) index += 1;
  const spec = specFor(`Signature${index}`);

  const pageIndex = spec.slot?.pageIndex ?? 0;
  const page = document.getPages()[pageIndex];
  if (page === undefined) throw new SigningError("INVALID_PDF", `pdf: has no page ${pageIndex + 1} for the signature`);
  const widget = allocate(target);
  const signature = allocate(target);
  const appearance = spec.slot ? allocate(target) : undefined;
  const fontRef = spec.slot ? existingFont(document, fonts.regular.baseFont) : undefined;
  const embeddedFont = spec.slot && fontRef === undefined ? target.nextNumber : undefined;
  if (embeddedFont !== undefined) target.nextNumber += 5;

  const { writer } = target;
  writer.object(
    widget,
    signatureWidget(spec, { signature, page: page.ref.objectNumber, ...(appearance ? { appearance } : {}) }),
  );
  const dictionary = signatureDictionary(spec);
  const at = writer.object(signature, dictionary.body) + `${signature} 0 obj\n`.length;
  const hole: SignatureHole = {
    byteRangeAt: at + dictionary.byteRangeAt,
    byteRangeWidth: BYTE_RANGE_WIDTH,
    contentsStart: at + dictionary.contentsAt,
    contentsEnd: at + dictionary.contentsAt + spec.containerBytes * 2 + 2,
  };
  if (appearance !== undefined) {
    writer.object(appearance, appearanceStream(spec, fonts, fontRef?.objectNumber ?? embeddedFont ?? 0));
  }
  if (embeddedFont !== undefined) {
    fonts.regular.objects(embeddedFont).forEach((body, offset) => writer.object(embeddedFont + offset, body));
  }

  addToArray(target, page.node, "Annots", PDFRef.of(widget), () => rewrite(target, page.ref, page.node));
  const catalog = document.catalog;
  const catalogRef = rootRef(document);
  const acroFormEntry = catalog.get(PDFName.of("AcroForm"));
  const acroForm =
    catalog.lookupMaybe(PDFName.of("AcroForm"), PDFDict)?.clone(document.context) ?? document.context.obj({});
  acroForm.set(PDFName.of("SigFlags"), document.context.obj(3));
  const fields = acroForm.lookupMaybe(PDFName.of("Fields"), PDFArray);
  acroForm.set(PDFName.of("Fields"), document.context.obj([...(fields?.asArray() ?? []), PDFRef.of(widget)]));
  if (acroFormEntry instanceof PDFRef) {
    rewrite(target, acroFormEntry, acroForm);
  } else {
    const acroFormNumber = allocate(target);
    writer.object(acroFormNumber, acroForm.toString());
    const updated = catalog.clone(document.context);
    updated.set(PDFName.of("AcroForm"), PDFRef.of(acroFormNumber));
    rewrite(target, catalogRef, updated);
  }
  return { bytes: finishUpdate(target), hole };
}

/**
 * Appends the document security store (PAdES B-LT): certificates and CRLs as
 * streams, merged with those of an earlier store.
 */
export async function appendValidationData(pdf: Uint8Array, data: ValidationData): Promise<Buffer> {
  const target = await openForUpdate(pdf);
  const { document } = target;
  const catalog = document.catalog;
  const previous = catalog.lookupMaybe(PDFName.of("DSS"), PDFDict);
  const earlier = (key: string) => previous?.lookupMaybe(PDFName.of(key), PDFArray)?.asArray().map(String) ?? [];
  const dss = writeDss(target.writer, () => allocate(target), data, { certs: earlier("Certs"), crls: earlier("CRLs") });
  const updated = catalog.clone(document.context);
  updated.set(PDFName.of("DSS"), PDFRef.of(dss));
  rewrite(target, rootRef(document), updated);
  return finishUpdate(target);
}

/**
 * The same update for a document this module's writer made and that was
 * signed since: its layout is known, so nothing is parsed (a PDF library's
 * load costs ten times the signature).
 */
export function appendValidationDataAfter(pdf: Buffer, data: ValidationData, layout: WrittenLayout): Buffer {
  const writer = new PdfWriter(pdf.length);
  let next = layout.size;
  const dss = writeDss(writer, () => next++, data, { certs: [], crls: [] });
  writer.object(layout.catalog.number, `<< ${layout.catalog.entries} /DSS ${dss} 0 R >>`);
  writer.xrefTableAndTrailer(`/Size ${next} ${layout.trailer} /Prev ${layout.xrefAt}`, false);
  return Buffer.concat([pdf, writer.bytes()]);
}

/** The DSS dictionary and its streams; returns the dictionary's number. */
function writeDss(
  writer: PdfWriter,
  allocateNumber: () => number,
  data: ValidationData,
  earlier: { certs: string[]; crls: string[] },
): number {
  const refs = (items: Buffer[]) =>
    items.map((item) => {
      const number = allocateNumber();
      writer.object(number, stream(item));
      return `${number} 0 R`;
    });
  const certs = [...earlier.certs, ...refs(data.certificates)].join(" ");
  const crls = [...earlier.crls, ...refs(data.crls)].join(" ");
  const dss = allocateNumber();
  writer.object(dss, `<< /Type /DSS /Certs [${certs}] /CRLs [${crls}] >>`);
  return dss;
}

/**
 * A document certified with "no changes allowed" (DocMDP, PDF 32000-1
 * §12.8.2.2, /P 1) is final: a signature appended to it would make the
 * author's certification fail. /P 2 and 3 allow signatures.
 */
function assertChangesAllowed(document: PDFDocument): void {
  const certification = document.catalog
    .lookupMaybe(PDFName.of("Perms"), PDFDict)
    ?.lookupMaybe(PDFName.of("DocMDP"), PDFDict);
  const references = certification?.lookupMaybe(PDFName.of("Reference"), PDFArray)?.asArray() ?? [];
  for (const entry of references) {
    const reference = entry instanceof PDFRef ? document.context.lookup(entry) : entry;
    if (!(reference instanceof PDFDict) || reference.get(PDFName.of("TransformMethod")) !== PDFName.of("DocMDP")) {
      continue;
    }
    const permission = reference.lookupMaybe(PDFName.of("TransformParams"), PDFDict)?.lookup(PDFName.of("P"));
    if (permission instanceof PDFNumber && permission.asNumber() === 1) {
      throw new SigningError(
        "INVALID_PDF",
        "pdf: is certified by its author with no changes allowed (DocMDP P=1): another signature would break that certification",
      );
    }
  }
}

/**
 * Names of the form's top-level fields, read from the catalog. Not through
 * pdf-lib's getForm(): it creates a missing AcroForm as a new object, which
 * would take the number the update is about to use.
 */
function fieldNames(document: PDFDocument): Set<string> {
  const fields = document.catalog
    .lookupMaybe(PDFName.of("AcroForm"), PDFDict)
    ?.lookupMaybe(PDFName.of("Fields"), PDFArray);
  const names = new Set<string>();
  for (const entry of fields?.asArray() ?? []) {
    const field = entry instanceof PDFRef ? document.context.lookup(entry) : entry;
    const name = field instanceof PDFDict ? field.lookup(PDFName.of("T")) : undefined;
    if (name instanceof PDFString || name instanceof PDFHexString) names.add(name.decodeText());
  }
  return names;
}

function rootRef(document: PDFDocument): PDFRef {
  const root = document.context.trailerInfo.Root;
  if (!(root instanceof PDFRef)) throw new SigningError("INVALID_PDF", "pdf: its catalog is not an indirect object");
  return root;
}

/** Appends to an array entry, rewriting the array object when it is indirect or the owner otherwise. */
function addToArray(target: UpdateTarget, owner: PDFDict, key: string, item: PDFRef, rewriteOwner: () => void): void {
  const context = target.document.context;
  const entry = owner.get(PDFName.of(key));
  const existing = owner.lookupMaybe(PDFName.of(key), PDFArray);
  const array = context.obj([...(existing?.asArray() ?? []), item]);
  if (entry instanceof PDFRef) {
    rewrite(target, entry, array);
    return;
  }
  owner.set(PDFName.of(key), array);
  rewriteOwner();
}

/** The document's own copy of our prepared font, when an earlier signature or the renderer embedded it. */
function existingFont(document: PDFDocument, baseFont: string): PDFRef | undefined {
  for (const [ref, object] of document.context.enumerateIndirectObjects()) {
    if (
      object instanceof PDFDict &&
      object.get(PDFName.of("Subtype")) === PDFName.of("Type0") &&
      object.get(PDFName.of("BaseFont")) === PDFName.of(baseFont)
    ) {
      return ref;
    }
  }
  return undefined;
}
