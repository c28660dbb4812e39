import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as fontkit from "fontkit";
import { decodePDFRawStream, PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream } from "pdf-lib";
import { formatIsoVietnam } from "../../src/documents";
import { renderResultDocument } from "../../src/pdf";
import { sampleResult, TRACKING_URL } from "../support/fixtures";
import { describeWithPeers, run } from "../support/peers";

describe("signing times", () => {
  it("writes signing times in ISO 8601 with Vietnam's offset, as Decree 30/2020 shows them on a signature", () => {
    expect(formatIsoVietnam(new Date("2026-11-20T17:30:05.250Z"))).toBe("2026-11-21T00:30:05+07:00");
  });
});

describe("result document", () => {
  it("embeds fonts whose glyphs are Noto Serif's own outlines", async () => {
    // pdftotext reads /ToUnicode only; a corrupt subset (blank or wrong letters
    // on paper) shows up only in the glyph outlines, so compare those.
    const pdf = await PDFDocument.load(renderResultDocument(sampleResult()));
    const fonts = embeddedFonts(pdf);
    expect(fonts.map((font) => font.name).sort()).toEqual(["Bold", "Italic", "Regular"]);
    let compared = 0;
    for (const font of fonts) {
      const original = fontkit.create(
        await readFile(require.resolve(`@expo-google-fonts/noto-serif/${NOTO_FILES[font.name]}`)),
      ) as fontkit.Font;
      const subset = fontkit.create(Buffer.from(font.program)) as fontkit.Font;
      for (const [glyphId, text] of font.toUnicode) {
        // Through layout, as pdf-lib does: "ffi" in "official-demo" is one ligature glyph.
        const [expected, ...more] = original.layout(text).glyphs;
        if (expected === undefined || more.length > 0) throw new Error(`"${text}" is not one glyph`);
        const actual = subset.getGlyph(glyphId);
        expect({ text, path: actual.path.toSVG(), width: actual.advanceWidth }).toEqual({
          text,
          path: expected.path.toSVG(),
          width: expected.advanceWidth,
        });
        compared += 1;
      }
    }
    // Every letter Vietnamese needs, in three styles.
    expect(compared).toBeGreaterThan(3 * 134);
  });

  it("refuses missing fields and unprintable characters, naming the field but not its content", () => {
    expect(() => renderResultDocument(sampleResult({ applicantFullName: "  " }))).toThrow(
      expect.objectContaining({
        code: "INVALID_DOCUMENT_INPUT",
        message: "result document: applicantFullName is required",
      }),
    );
    const withEmoji = () => renderResultDocument(sampleResult({ applicantFullName: "Lò Văn Páo 🙂" }));
    expect(withEmoji).toThrow(expect.objectContaining({ code: "INVALID_DOCUMENT_INPUT" }));
    expect(withEmoji).toThrow(/applicantFullName contains a character .* \(U\+1F642\)/);
    expect(withEmoji).not.toThrow(/Páo/);
    expect(() => renderResultDocument(sampleResult({ decidedAt: new Date("not a date") }))).toThrow(
      expect.objectContaining({ code: "INVALID_DOCUMENT_INPUT" }),
    );
  });

  it("prints foreign applicants' Latin letters", () => {
    expect(() =>
      renderResultDocument(sampleResult({ applicantFullName: "François Müller-Øster Ñúñez" })),
    ).not.toThrow();
  });

  it("refuses a summary that does not fit on the page", () => {
    expect(() => renderResultDocument(sampleResult({ summary: "Nội dung quyết định rất dài. ".repeat(120) }))).toThrow(
      /too long for one page/,
    );
  });
});

describeWithPeers(["pdftotext", "pdftoppm", "zbarimg"], "result document read by poppler and zbar", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "lienthong-doc-"));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function textOf(pdf: Uint8Array): Promise<string> {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.pdf`);
    await writeFile(file, pdf);
    const result = await run("pdftotext", ["-enc", "UTF-8", file, "-"]);
    expect(result.code).toBe(0);
    // pdftotext breaks lines where the page does; compare the words.
    return result.stdout.replace(/\s+/g, " ");
  }

  it("prints every part of the notice with its Vietnamese diacritics intact", async () => {
    const text = await textOf(renderResultDocument(sampleResult()));
    for (const expected of [
      "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
      "Độc lập - Tự do - Hạnh phúc",
      "ỦY BAN NHÂN DÂN XÃ MƯỜNG LÁT",
      "Ủy ban nhân dân xã Mường Lát thông báo kết quả giải quyết hồ sơ",
      "Mường Lát, ngày 21 tháng 11 năm 2026",
      "THÔNG BÁO",
      "Mã hồ sơ: 000.00.06.H56-261121-0361",
      "Thủ tục: Đăng ký khai sinh có yếu tố nước ngoài tại khu vực biên giới",
      "Người nộp hồ sơ: Nguyễn Thị Thuỳ Dương",
      "Kết quả: Chấp thuận",
      "Hồ sơ đầy đủ, hợp lệ. Đồng ý cấp Giấy khai sinh bản chính và 02 bản sao",
      "Mã cán bộ: official-demo",
      "Tra cứu hồ sơ 000.00.06.H56-261121-0361:",
      TRACKING_URL,
    ]) {
      expect(text).toContain(expected);
    }
  });

  it("carries a QR code that a scanner reads as the dossier's tracking address", async () => {
    const file = path.join(dir, "qr.pdf");
    await writeFile(file, renderResultDocument(sampleResult()));
    expect(await run("pdftoppm", ["-r", "150", "-png", "-singlefile", file, path.join(dir, "qr")])).toMatchObject({
      code: 0,
    });
    const scanned = await run("zbarimg", ["--quiet", "--raw", path.join(dir, "qr.png")]);
    expect(scanned.stdout.trim()).toBe(TRACKING_URL);
  });

  it("prints a refusal, and decomposed input as precomposed letters", async () => {
    const decomposed = "Phạm Ngọc Ẩn".normalize("NFD");
    const text = await textOf(renderResultDocument(sampleResult({ approved: false, applicantFullName: decomposed })));
    expect(text).toContain("Kết quả: Từ chối");
    expect(text).toContain("Người nộp hồ sơ: Phạm Ngọc Ẩn");
  });
});

const NOTO_FILES: Record<string, string> = {
  Regular: "400Regular/NotoSerif_400Regular.ttf",
  Bold: "700Bold/NotoSerif_700Bold.ttf",
  Italic: "400Regular_Italic/NotoSerif_400Regular_Italic.ttf",
};

interface EmbeddedFont {
  name: string;
  program: Uint8Array;
  toUnicode: Map<number, string>;
}

/** Each Type0 font of the PDF: its style, the embedded TrueType program and its glyph-to-text map. */
function embeddedFonts(pdf: PDFDocument): EmbeddedFont[] {
  const fonts: EmbeddedFont[] = [];
  for (const [, object] of pdf.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFDict) || object.get(PDFName.of("Subtype")) !== PDFName.of("Type0")) continue;
    const baseFont = object.lookup(PDFName.of("BaseFont"), PDFName).decodeText();
    const descendant = pdf.context.lookup(object.lookup(PDFName.of("DescendantFonts"), PDFArray).get(0), PDFDict);
    const descriptor = descendant.lookup(PDFName.of("FontDescriptor"), PDFDict);
    const program = decodePDFRawStream(rawStream(descriptor.lookup(PDFName.of("FontFile2")))).decode();
    const cmap = Buffer.from(decodePDFRawStream(rawStream(object.lookup(PDFName.of("ToUnicode")))).decode()).toString(
      "latin1",
    );
    const toUnicode = new Map<number, string>();
    for (const [, glyph, unicode] of cmap.matchAll(/<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]+)>/g)) {
      toUnicode.set(
        parseInt(glyph ?? "", 16),
        Buffer.from(unicode ?? "", "hex")
          .swap16()
          .toString("utf16le"),
      );
    }
    fonts.push({ name: /\+NotoSerif-(\w+)$/.exec(baseFont)?.[1] ?? baseFont, program, toUnicode });
  }
  return fonts;
}

function rawStream(object: unknown): PDFRawStream {
  if (!(object instanceof PDFRawStream)) throw new Error("expected a stream");
  return object;
}
