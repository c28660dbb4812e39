import { createHash } from "node:crypto";
import { FONT_RESOURCES } from "./canvas";
import { documentFonts, stream, type DocumentFonts } from "./prepared-font";
import type { PageDraft } from "./layout";
import {
  appearanceStream,
  BYTE_RANGE_WIDTH,
  signatureDictionary,
  signatureWidget,
  type SignatureFieldSpec,
  type SignatureHole,
} from "./signature-field";
import { num, pdfDate, PdfWriter, pdfText } from "./writer";

// Object numbers of a document written here; the fonts follow, five objects per style.
const OBJ = { catalog: 1, pages: 2, page: 3, content: 4, info: 5, acroForm: 6, widget: 7, signature: 8, appearance: 9 };
const STYLES = ["regular", "bold", "italic"] as const;

/** What a later incremental update of a document written here needs, without parsing it again. */
export interface WrittenLayout {
  /** The catalog's number and its entries (the dictionary without << >>). */
  catalog: { number: number; entries: string };
  /** The next free object number. */
  size: number;
  /** Trailer entries to repeat (/Root, /Info, /ID). */
  trailer: string;
  /** Where the cross-reference section starts (/Prev of the next one). */
  xrefAt: number;
}

/**
 * Writes a draft (one page, or more with continuation pages) as a complete PDF 1.7 file. With `signature`, the
 * first revision already holds the signature field and its placeholder, so
 * a new result document is signed without an incremental update.
 */
export function writeDocument(
  draft: PageDraft,
  signature?: SignatureFieldSpec,
  fonts: DocumentFonts = documentFonts(),
): { bytes: Buffer; hole?: SignatureHole; layout: WrittenLayout } {
  const writer = new PdfWriter();
  // The binary comment marks the file as binary for transfer tools (PDF 32000-1 §7.5.2).
  writer.raw("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n");
  // Numbered without gaps: a first revision's cross-reference is one subsection.
  const firstFont = signature === undefined ? OBJ.acroForm : signature.slot ? OBJ.appearance + 1 : OBJ.appearance;
  const fontRef = (index: number) => firstFont + index * 5;
  const fontResources = STYLES.map((style, index) => `/${FONT_RESOURCES[style]} ${fontRef(index)} 0 R`).join(" ");

  const catalog = `/Type /Catalog /Pages ${OBJ.pages} 0 R /Lang (vi-VN)${signature ? ` /AcroForm ${OBJ.acroForm} 0 R` : ""}`;
  // Continuation pages (page and content objects) follow the fonts, so the numbers stay without gaps.
  const afterFonts = firstFont + STYLES.length * 5;
  const contents = [draft.content, ...(draft.continuation ?? [])];
  const pageRefs = contents.map((_, index) => (index === 0 ? OBJ.page : afterFonts + (index - 1) * 2));
  const signedPage = pageRefs[signature?.slot?.pageIndex ?? 0];
  if (signedPage === undefined) throw new Error("the signature's slot names a page the draft does not have");
  const pageObject = (index: number, contentRef: number) =>
    `<< /Type /Page /Parent ${OBJ.pages} 0 R /MediaBox [0 0 ${draft.size.map(num).join(" ")}]` +
    ` /Resources << /Font << ${fontResources} >> >> /Contents ${contentRef} 0 R` +
    `${signature && pageRefs[index] === signedPage ? ` /Annots [${OBJ.widget} 0 R]` : ""} >>`;
  writer.object(OBJ.catalog, `<< ${catalog} >>`);
  writer.object(
    OBJ.pages,
    `<< /Type /Pages /Kids [${pageRefs.map((ref) => `${ref} 0 R`).join(" ")}] /Count ${pageRefs.length} >>`,
  );
  writer.object(OBJ.page, pageObject(0, OBJ.content));
  writer.object(OBJ.content, stream(draft.content));
  writer.object(
    OBJ.info,
    `<< /Title ${pdfText(draft.info.title)} /Subject ${pdfText(draft.info.subject)} /Author ${pdfText(draft.info.author)}` +
      ` /Creator ${pdfText("LiênThông")} /Producer (LienThong signature service)` +
      ` /CreationDate ${pdfDate(draft.info.createdAt)} /ModDate ${pdfDate(draft.info.createdAt)} >>`,
  );

  let hole: SignatureHole | undefined;
  if (signature) {
    writer.object(OBJ.acroForm, `<< /Fields [${OBJ.widget} 0 R] /SigFlags 3 >>`);
    const visible = signature.slot !== undefined;
    writer.object(
      OBJ.widget,
      signatureWidget(signature, {
        signature: OBJ.signature,
        page: signedPage,
        ...(visible ? { appearance: OBJ.appearance } : {}),
      }),
    );
    const dictionary = signatureDictionary(signature);
    const at = writer.object(OBJ.signature, dictionary.body) + `${OBJ.signature} 0 obj\n`.length;
    hole = {
      byteRangeAt: at + dictionary.byteRangeAt,
      byteRangeWidth: BYTE_RANGE_WIDTH,
      contentsStart: at + dictionary.contentsAt,
      contentsEnd: at + dictionary.contentsAt + signature.containerBytes * 2 + 2,
    };
    if (visible) writer.object(OBJ.appearance, appearanceStream(signature, fonts, fontRef(0)));
  }
  STYLES.forEach((style, index) => {
    fonts[style].objects(fontRef(index)).forEach((body, offset) => writer.object(fontRef(index) + offset, body));
  });
  contents.slice(1).forEach((content, offset) => {
    const pageRef = afterFonts + offset * 2;
    writer.object(pageRef, pageObject(offset + 1, pageRef + 1));
    writer.object(pageRef + 1, stream(content));
  });

  const size = afterFonts + (contents.length - 1) * 2;
  // A file identifier from the page content and time: stable for the same input.
  const id = createHash("sha256")
    .update(Buffer.concat(contents))
    .update(draft.info.createdAt.toISOString())
    .digest("hex")
    .slice(0, 32);
  const trailer = `/Root ${OBJ.catalog} 0 R /Info ${OBJ.info} 0 R /ID [<${id}> <${id}>]`;
  const xrefAt = writer.offset;
  writer.xrefTableAndTrailer(`/Size ${size} ${trailer}`, true);
  return {
    bytes: writer.bytes(),
    ...(hole ? { hole } : {}),
    layout: { catalog: { number: OBJ.catalog, entries: catalog }, size, trailer, xrefAt },
  };
}
