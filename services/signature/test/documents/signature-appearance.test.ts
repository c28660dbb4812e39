import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as asn1js from "asn1js";
import {
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRawStream,
  PDFRef,
  PDFString,
} from "pdf-lib";
import * as pkijs from "pkijs";
import { draftResultDocument, renderAndSignResult, renderResultDocument, signPdf } from "../../src/pdf";
import { sampleResult } from "../support/fixtures";
import { describeWithPeers, run } from "../support/peers";
import { fail, pkiFixture, type PkiFixture } from "../support/pki";

/*
 * The visible signature of item 4 of issue 11 (Decree 30/2020/NĐ-CP, Appendix I):
 * who signed, for which authority, and when, in ISO 8601 with Vietnam's offset.
 *
 * Read three ways, none of them the code that wrote it:
 * - pdf-lib follows the field's /V and its widget's /AP /N and decodes the
 *   appearance's text through the font's own /ToUnicode map: exactly which
 *   stream draws which line, tied to the signature whose CMS names the signer;
 * - poppler's pdftotext, cropped to the widget's /Rect, shows what a reader
 *   extracts at that place, and pdfsig names the signer of each field;
 * - pdftoppm renders the page with and without annotations: the ink the
 *   appearance adds must fall inside the widget's rectangle.
 * No OCR is installed (nor mutool or qpdf), so the glyphs on paper are not read
 * back; result-document.test.ts compares the embedded glyphs with Noto Serif's.
 * The expected signer comes from the certificate in the signature (pkijs), the
 * expected time from the configured signing time formatted with Intl, not with
 * the service's formatter.
 */

// Widget annotation flags (PDF 32000-1 §12.5.3).
const FLAG = { invisible: 1, hidden: 2, print: 4, noView: 32 };
const OID = {
  commonName: "2.5.4.3",
  organizationalUnit: "2.5.4.11",
  timeStampToken: "1.2.840.113549.1.9.16.2.14",
};
const LEADER = "Chủ tịch Ủy ban nhân dân xã Mường Lát";
const OFFICER = "Công chức Tư pháp - Hộ tịch";
const AUTHORITY = "Ủy ban nhân dân xã Mường Lát";

describeWithPeers(["pdftotext", "pdftoppm", "pdfsig"], "visible signature appearance (Decree 30/2020)", () => {
  let fixture: PkiFixture;
  let dir: string;
  // With milliseconds: the appearance shows whole seconds, truncated.
  let signedAt: Date;
  let single: Buffer;
  let officerOnly: Buffer;
  let two: Buffer;

  beforeAll(async () => {
    fixture = await pkiFixture();
    dir = await mkdtemp(path.join(tmpdir(), "lienthong-appearance-"));
    signedAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 789);
    single = await renderAndSignResult(
      sampleResult(),
      fixture.signer("official-demo"),
      fixture.options("B-T", { signedAt }),
    );
    const draft = draftResultDocument(sampleResult());
    officerOnly = await renderAndSignResult(
      sampleResult(),
      fixture.signer("officer-demo"),
      fixture.options("B-T", { signedAt, slot: draft.officerSlot, heading: "Người kiểm tra" }),
    );
    two = await signPdf(
      officerOnly,
      fixture.signer("official-demo"),
      fixture.options("B-LT", { signedAt: new Date(signedAt.getTime() + 61_000), slot: draft.leaderSlot }),
    );
  }, 120_000);

  afterAll(async () => {
    await fixture.remove();
    await rm(dir, { recursive: true, force: true });
  });

  async function saved(pdf: Buffer): Promise<string> {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.pdf`);
    await writeFile(file, pdf);
    return file;
  }

  it("draws, in the signature's own widget, the signer, the authority and the signing time in ISO 8601 with +07:00", async () => {
    const [field, ...others] = await visibleSignatures(single);
    expect(others).toEqual([]);
    if (field === undefined) throw new Error("no signature field");
    // The names the appearance must show are those of the certificate that signed.
    expect(field.signer).toEqual({ commonName: LEADER, unit: AUTHORITY });
    expect(field.lines).toEqual([
      `Ký bởi: ${field.signer.commonName}`,
      `Cơ quan: ${field.signer.unit}`,
      `Thời gian ký: ${isoInVietnam(signedAt)}`,
    ]);
  });

  it("shows the configured signing time, the one in /M, which the timestamp confirms to within minutes", async () => {
    const [field] = await visibleSignatures(single);
    const shown = /^Thời gian ký: (.*)$/.exec(field?.lines.at(-1) ?? "")?.[1] ?? fail("no signing time line");
    expect(shown).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/);
    // The appearance is signed, so it can only show the time claimed before signing (also /M);
    // the timestamp, taken after, is the trusted time.
    const shownAt = Date.parse(shown);
    expect(shownAt).toBe(Math.floor(signedAt.getTime() / 1000) * 1000);
    expect(field?.claimedTime).toBe(`D:${shown.slice(0, 19).replace(/[-T:]/g, "")}+07'00'`);
    const genTime = timestampTime(field?.cms ?? fail("no CMS"));
    expect(genTime.getTime() - shownAt).toBeGreaterThanOrEqual(0);
    expect(genTime.getTime() - shownAt).toBeLessThan(5 * 60_000);
  });

  it("puts the widget on its page: a printed, non-empty rectangle inside the MediaBox, listed in the page's annotations", async () => {
    const [field] = await visibleSignatures(single);
    if (field === undefined) throw new Error("no signature field");
    const [x1, y1, x2, y2] = field.rect;
    const [mx1, my1, mx2, my2] = field.mediaBox;
    expect(x2 - x1).toBeGreaterThan(50);
    expect(y2 - y1).toBeGreaterThan(20);
    expect(Math.min(x1, x2)).toBeGreaterThanOrEqual(mx1);
    expect(Math.min(y1, y2)).toBeGreaterThanOrEqual(my1);
    expect(Math.max(x1, x2)).toBeLessThanOrEqual(mx2);
    expect(Math.max(y1, y2)).toBeLessThanOrEqual(my2);
    expect(field.inPageAnnotations).toBe(true);
    expect(field.flags & FLAG.print).toBe(FLAG.print);
    expect(field.flags & (FLAG.invisible | FLAG.hidden | FLAG.noView)).toBe(0);
    // Drawn at its own size: a reader maps /BBox onto /Rect, a different size would stretch the text.
    const [bx1, by1, bx2, by2] = field.bbox;
    expect([bx1, by1]).toEqual([0, 0]);
    // Both are written with at most three decimals.
    expect(bx2).toBeCloseTo(x2 - x1, 2);
    expect(by2).toBeCloseTo(y2 - y1, 2);
  });

  it("is what poppler finds in the rectangle, and the unsigned page has nothing there", async () => {
    const [field] = await visibleSignatures(single);
    if (field === undefined) throw new Error("no signature field");
    expect(await textIn(await saved(single), field)).toEqual(field.lines);
    expect(await textIn(await saved(renderResultDocument(sampleResult())), field)).toEqual([]);
  });

  it("adds ink only inside the widget's rectangle when poppler renders the annotations", async () => {
    const [field] = await visibleSignatures(single);
    if (field === undefined) throw new Error("no signature field");
    const ink = await annotationInk(await saved(single), dir, [field.rect]);
    expect(ink.outside).toBe(0);
    // Four lines of text and a frame: far more than a stray pixel.
    expect(ink.inside[0]).toBeGreaterThan(500);
  });

  it("shows the signer pdfsig reads from the signature that the field's /V holds", async () => {
    const fields = await visibleSignatures(single);
    const named = await pdfsigSigners(await saved(single));
    expect(named).toEqual(fields.map((field) => ({ fieldName: field.fieldName, ...field.signer })));
    expect(fields.map((field) => field.lines.slice(0, 2))).toEqual(
      named.map((signer) => [`Ký bởi: ${signer.commonName}`, `Cơ quan: ${signer.unit}`]),
    );
  });

  it("gives each of two sequential signatures its own visible widget with its own signer and time", async () => {
    const fields = await visibleSignatures(two);
    expect(fields.map((field) => [field.fieldName, field.signer.commonName])).toEqual([
      ["Signature1", OFFICER],
      ["Signature2", LEADER],
    ]);
    const [officer, leader] = fields as [VisibleSignature, VisibleSignature];
    expect(officer.lines).toEqual([
      "Người kiểm tra",
      `Ký bởi: ${OFFICER}`,
      `Cơ quan: ${AUTHORITY}`,
      `Thời gian ký: ${isoInVietnam(signedAt)}`,
    ]);
    expect(leader.lines).toEqual([
      `Ký bởi: ${LEADER}`,
      `Cơ quan: ${AUTHORITY}`,
      `Thời gian ký: ${isoInVietnam(new Date(signedAt.getTime() + 61_000))}`,
    ]);
    // Separate widgets, side by side, each on the page and in its annotations.
    expect(officer.widget).not.toBe(leader.widget);
    expect(overlap(officer.rect, leader.rect)).toBe(false);
    for (const field of fields) expect(field.inPageAnnotations).toBe(true);

    const file = await saved(two);
    expect(await textIn(file, officer)).toEqual(officer.lines);
    expect(await textIn(file, leader)).toEqual(leader.lines);
    expect((await pdfsigSigners(file)).map((signer) => [signer.fieldName, signer.commonName])).toEqual([
      ["Signature1", OFFICER],
      ["Signature2", LEADER],
    ]);
    const ink = await annotationInk(file, dir, [officer.rect, leader.rect]);
    expect(ink.outside).toBe(0);
    expect(ink.inside[0]).toBeGreaterThan(500);
    expect(ink.inside[1]).toBeGreaterThan(500);
  });

  it("draws decomposed Unicode composed, as /Name shows it, and refuses a character the font cannot draw", async () => {
    const draft = draftResultDocument(sampleResult());
    const decomposed = "Người kiểm tra".normalize("NFD");
    expect(decomposed).not.toBe("Người kiểm tra");
    const signed = await renderAndSignResult(
      sampleResult(),
      fixture.signer("officer-demo"),
      fixture.options("B-B", { signedAt, slot: draft.officerSlot, heading: decomposed }),
    );
    const [field] = await visibleSignatures(signed);
    expect(field!.lines[0]).toBe("Người kiểm tra");
    // Dropped from the drawing, it would show a heading or a name other than the one signed.
    await expect(
      renderAndSignResult(
        sampleResult(),
        fixture.signer("officer-demo"),
        fixture.options("B-B", { signedAt, slot: draft.officerSlot, heading: "Người kiểm tra \u{1F642}" }),
      ),
    ).rejects.toMatchObject({ code: "INVALID_DOCUMENT_INPUT", message: expect.stringContaining("U+1F642") });
  });

  it("leaves the officer's appearance as it was signed: the leader's is added by the update only", async () => {
    const [before] = await visibleSignatures(officerOnly);
    const [after] = await visibleSignatures(two);
    expect(after?.appearance.equals(before?.appearance ?? Buffer.alloc(0))).toBe(true);
    const [, leader] = await visibleSignatures(two);
    expect(await textIn(await saved(officerOnly), leader ?? fail("no leader's field"))).toEqual([]);
  });
});

interface VisibleSignature {
  fieldName: string;
  /** The merged field and widget annotation. */
  widget: PDFRef;
  rect: [number, number, number, number];
  mediaBox: [number, number, number, number];
  inPageAnnotations: boolean;
  flags: number;
  bbox: number[];
  /** The decoded appearance stream (/AP /N) and the text each of its Tj operators shows, through /ToUnicode. */
  appearance: Buffer;
  lines: string[];
  /** /M of the signature dictionary the field's /V points to. */
  claimedTime: string;
  /** /Contents of that dictionary and the signer named by the certificate in it. */
  cms: Buffer;
  signer: { commonName: string; unit: string };
}

/** The document's signature fields, in /Fields order, read through pdf-lib from the catalog down. */
async function visibleSignatures(pdf: Buffer): Promise<VisibleSignature[]> {
  const document = await PDFDocument.load(pdf, { updateMetadata: false });
  const fields = document.catalog.lookup(PDFName.of("AcroForm"), PDFDict).lookup(PDFName.of("Fields"), PDFArray);
  return fields.asArray().map((entry) => {
    if (!(entry instanceof PDFRef)) throw new Error("a field that is not an indirect object");
    const field = document.context.lookup(entry, PDFDict);
    // Our fields are merged with their one widget (no /Kids): the field's appearance is the widget's.
    expect(field.get(PDFName.of("FT"))).toBe(PDFName.of("Sig"));
    expect(field.get(PDFName.of("Subtype"))).toBe(PDFName.of("Widget"));
    const signature = field.lookup(PDFName.of("V"), PDFDict);
    expect(signature.get(PDFName.of("Type"))).toBe(PDFName.of("Sig"));
    const page = document.getPages().find((candidate) => candidate.ref === field.get(PDFName.of("P")));
    if (page === undefined) throw new Error("the widget's /P is not a page of the document");
    const annotations = page.node.lookupMaybe(PDFName.of("Annots"), PDFArray)?.asArray() ?? [];
    const normal = field.lookup(PDFName.of("AP"), PDFDict).lookup(PDFName.of("N"));
    const appearanceStream = rawStream(normal);
    const appearance = Buffer.from(decodePDFRawStream(appearanceStream).decode());
    const cms = Buffer.from(signature.lookup(PDFName.of("Contents"), PDFHexString).asBytes());
    const box = page.getMediaBox();
    return {
      fieldName: textOf(field.lookup(PDFName.of("T"))),
      widget: entry,
      rect: numbers(field.lookup(PDFName.of("Rect"), PDFArray)) as VisibleSignature["rect"],
      mediaBox: [box.x, box.y, box.x + box.width, box.y + box.height],
      inPageAnnotations: annotations.includes(entry),
      flags: field.lookup(PDFName.of("F"), PDFNumber).asNumber(),
      bbox: numbers(appearanceStream.dict.lookup(PDFName.of("BBox"), PDFArray)),
      appearance,
      lines: shownText(appearance, appearanceStream.dict.lookup(PDFName.of("Resources"), PDFDict)),
      claimedTime: textOf(signature.lookup(PDFName.of("M"))),
      cms,
      signer: signerOf(cms),
    };
  });
}

/**
 * The strings the appearance's Tj operators show, decoded with the /ToUnicode
 * map of the font selected by the Tf before each (Type0, Identity-H: two bytes
 * a glyph). A code the map lacks fails: a reader could not extract that letter.
 */
function shownText(content: Buffer, resources: PDFDict): string[] {
  const fonts = resources.lookup(PDFName.of("Font"), PDFDict);
  const maps = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  const shown: string[] = [];
  for (const [, fontName, hex] of content
    .toString("latin1")
    .matchAll(/\/([^\s/]+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f\s]*)>\s*Tj/g)) {
    if (fontName !== undefined) {
      current = maps.get(fontName);
      if (current === undefined) {
        const font = fonts.lookup(PDFName.of(fontName), PDFDict);
        expect(font.get(PDFName.of("Encoding"))).toBe(PDFName.of("Identity-H"));
        current = toUnicodeMap(font.lookup(PDFName.of("ToUnicode")));
        maps.set(fontName, current);
      }
      continue;
    }
    if (current === undefined) throw new Error("text shown before a font is selected");
    const codes = (hex ?? "").replace(/\s/g, "").toLowerCase().match(/.{4}/g) ?? [];
    const map = current;
    shown.push(codes.map((code) => map.get(code) ?? fail(`glyph <${code}> has no /ToUnicode entry`)).join(""));
  }
  return shown;
}

/** A ToUnicode CMap's bfchar entries (all our fonts write): four-hex-digit code → text. */
function toUnicodeMap(object: unknown): Map<string, string> {
  const cmap = Buffer.from(decodePDFRawStream(rawStream(object)).decode()).toString("latin1");
  // Ranges would need reading too; fail rather than miss letters if the writer ever uses them.
  if (cmap.includes("beginbfrange")) throw new Error("the ToUnicode map has bfrange entries, not read here");
  const map = new Map<string, string>();
  for (const [, body = ""] of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const [, code = "", text = ""] of body.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) {
      map.set(code.toLowerCase(), Buffer.from(text, "hex").swap16().toString("utf16le"));
    }
  }
  return map;
}

/** The signer's common name and unit, from the certificate the CMS's SignerInfo identifies. */
function signerOf(cms: Buffer): { commonName: string; unit: string } {
  const signedData = signedDataOf(cms);
  const sid = signedData.signerInfos[0]?.sid as unknown;
  if (!(sid instanceof pkijs.IssuerAndSerialNumber)) throw new Error("the signer is not named by issuer and serial");
  const certificate = signedData.certificates?.find(
    (candidate): candidate is pkijs.Certificate =>
      candidate instanceof pkijs.Certificate &&
      candidate.serialNumber.isEqual(sid.serialNumber) &&
      candidate.issuer.isEqual(sid.issuer),
  );
  if (certificate === undefined) throw new Error("the CMS does not carry the signer's certificate");
  const attribute = (type: string) =>
    certificate.subject.typesAndValues.find((entry) => entry.type === type)?.value.valueBlock.value as unknown;
  return { commonName: String(attribute(OID.commonName)), unit: String(attribute(OID.organizationalUnit)) };
}

/** genTime of the signature timestamp token (an unsigned attribute of the SignerInfo). */
function timestampTime(cms: Buffer): Date {
  const token = signedDataOf(cms).signerInfos[0]?.unsignedAttrs?.attributes.find(
    (attribute) => attribute.type === OID.timeStampToken,
  )?.values[0] as unknown;
  if (!(token instanceof asn1js.Sequence)) throw new Error("no signature timestamp");
  const stamped = new pkijs.SignedData({ schema: new pkijs.ContentInfo({ schema: token }).content });
  const content = stamped.encapContentInfo.eContent ?? fail("the token has no TSTInfo");
  return pkijs.TSTInfo.fromBER(content.getValue()).genTime;
}

function signedDataOf(cms: Buffer): pkijs.SignedData {
  // /Contents is zero-padded after the DER: parse the first object only.
  const parsed = asn1js.fromBER(cms);
  if (parsed.offset === -1) throw new Error("/Contents is not DER");
  return new pkijs.SignedData({ schema: new pkijs.ContentInfo({ schema: parsed.result }).content });
}

/** pdfsig's field name, signer common name and unit for each signature, in its order. */
async function pdfsigSigners(file: string): Promise<{ fieldName: string; commonName: string; unit: string }[]> {
  const result = await run("pdfsig", [file]);
  expect(result.code).toBe(0);
  return result.stdout
    .split(/^Signature #\d+:$/m)
    .slice(1)
    .map((block) => ({
      fieldName: /Signature Field Name: (.*)$/m.exec(block)?.[1] ?? fail("pdfsig names no field"),
      commonName: /Signer Certificate Common Name: (.*)$/m.exec(block)?.[1] ?? fail("pdfsig names no signer"),
      unit: /Distinguished Name: .*\bOU=([^,\n]*)/.exec(block)?.[1] ?? fail("pdfsig shows no unit"),
    }));
}

/** pdftotext's lines inside the widget's rectangle (at 72 dpi a pixel is a point; y from the top). */
async function textIn(file: string, field: Pick<VisibleSignature, "rect" | "mediaBox">): Promise<string[]> {
  const [x1, y1, x2, y2] = field.rect;
  const x = Math.floor(x1);
  const y = Math.floor(field.mediaBox[3] - y2);
  const crop = { x, y, width: Math.ceil(x2) - x, height: Math.ceil(field.mediaBox[3] - y1) - y };
  const result = await run("pdftotext", [
    ...["-enc", "UTF-8", "-r", "72"],
    ...["-x", String(crop.x), "-y", String(crop.y), "-W", String(crop.width), "-H", String(crop.height)],
    file,
    "-",
  ]);
  expect(result.code).toBe(0);
  return result.stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && line !== "\f");
}

/**
 * Renders the page with and without annotations (pdftoppm, greyscale, 72 dpi)
 * and counts the pixels that differ inside each rectangle and outside all.
 */
async function annotationInk(
  file: string,
  dir: string,
  rects: readonly [number, number, number, number][],
): Promise<{ inside: number[]; outside: number }> {
  const render = async (name: string, extra: string[]) => {
    const out = path.join(dir, `${name}-${Math.random().toString(36).slice(2)}`);
    const result = await run("pdftoppm", [...extra, "-r", "72", "-gray", "-singlefile", file, out]);
    expect(result.code).toBe(0);
    return greyMap(await readFile(`${out}.pgm`));
  };
  const shown = await render("shown", []);
  const hidden = await render("hidden", ["-hide-annotations"]);
  expect([hidden.width, hidden.height]).toEqual([shown.width, shown.height]);
  const inside = rects.map(() => 0);
  let outside = 0;
  for (let row = 0; row < shown.height; row += 1) {
    for (let column = 0; column < shown.width; column += 1) {
      const at = row * shown.width + column;
      if (shown.pixels[at] === hidden.pixels[at]) continue;
      // The pixel's square in points, PDF's y upwards; touching the rectangle counts (anti-aliasing).
      const [x, y] = [column, shown.height - row - 1];
      const index = rects.findIndex(([x1, y1, x2, y2]) => x + 1 >= x1 && x <= x2 && y + 1 >= y1 && y <= y2);
      if (index === -1) outside += 1;
      else inside[index] = (inside[index] ?? 0) + 1;
    }
  }
  return { inside, outside };
}

/** A binary PGM (P5, 8-bit): the format pdftoppm -gray writes. */
function greyMap(bytes: Buffer): { width: number; height: number; pixels: Buffer } {
  const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(bytes.toString("latin1", 0, 64));
  if (header === null) throw new Error("not an 8-bit binary PGM");
  const [width, height] = [Number(header[1]), Number(header[2])];
  const pixels = bytes.subarray(header[0].length);
  expect(pixels.length).toBe(width * height);
  return { width, height, pixels };
}

/** ISO 8601 to the second in Vietnam's time, by the platform's time-zone data rather than by adding seven hours. */
function isoInVietnam(at: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: "Asia/Ho_Chi_Minh",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}+07:00`;
}

function overlap(a: readonly number[], b: readonly number[]): boolean {
  const [ax1 = 0, ay1 = 0, ax2 = 0, ay2 = 0] = a;
  const [bx1 = 0, by1 = 0, bx2 = 0, by2 = 0] = b;
  return ax1 < bx2 && bx1 < ax2 && ay1 < by2 && by1 < ay2;
}

function numbers(array: PDFArray): number[] {
  return array.asArray().map((item) => {
    if (!(item instanceof PDFNumber)) throw new Error("expected a number");
    return item.asNumber();
  });
}

function textOf(object: unknown): string {
  if (object instanceof PDFString || object instanceof PDFHexString) return object.decodeText();
  throw new Error("expected a string");
}

function rawStream(object: unknown): PDFRawStream {
  if (!(object instanceof PDFRawStream)) throw new Error("expected a stream");
  return object;
}
