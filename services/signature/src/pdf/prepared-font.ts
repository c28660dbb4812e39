import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { codePointName, printableCodePoints } from "@lienthong/domain";
import * as fontkit from "fontkit";

/**
 * Noto Serif (SIL Open Font License 1.1, which allows embedding) from the npm
 * package @expo-google-fonts/noto-serif: full Vietnamese coverage, including
 * the precomposed vowels with two marks (ầ, ẫ, ộ, ự …).
 */
const FONT_FILES = {
  regular: "@expo-google-fonts/noto-serif/400Regular/NotoSerif_400Regular.ttf",
  bold: "@expo-google-fonts/noto-serif/700Bold/NotoSerif_700Bold.ttf",
  italic: "@expo-google-fonts/noto-serif/400Regular_Italic/NotoSerif_400Regular_Italic.ttf",
} as const;

export type FontStyle = keyof typeof FONT_FILES;

interface Glyph {
  /** CID = glyph id in the embedded subset (Identity-H, CIDToGIDMap Identity). */
  cid: number;
  /** The CID as the four hex digits a content stream shows it with. */
  hex: string;
  /** Advance in thousandths of an em (PDF text space). */
  width: number;
}

/**
 * A font prepared once per process: the subset of the printable repertoire
 * (libs/domain printable-text.ts, the text intake and routing accept for
 * printing; every code point must have a glyph) is cut and
 * compressed once and every document embeds the same bytes, so rendering a
 * document costs map look-ups instead of a font subsetting pass (ARCHITECTURE.md
 * §3: fonts prepared once). Text is encoded one glyph per character (NFC
 * input): Vietnamese needs no shaping when every letter is precomposed.
 */
export class PreparedFont {
  readonly baseFont: string;
  private readonly glyphs = new Map<number, Glyph>();
  // Object bodies of the two streams, built once: documents copy them as they are.
  private readonly fontFileObject: Buffer;
  private readonly toUnicodeObject: Buffer;
  private readonly descriptor: string;
  private readonly widths: string;
  // A document's layout numbers the fonts the same way every time: the bodies are built once per numbering.
  private readonly numbered = new Map<number, Buffer[]>();

  constructor(bytes: Buffer, style: FontStyle, repertoire: readonly number[] = printableCodePoints()) {
    const font = fontkit.create(bytes) as fontkit.Font;
    const scale = 1000 / font.unitsPerEm;
    const subset = font.createSubset();
    const missing = repertoire.filter((codePoint) => !font.hasGlyphForCodePoint(codePoint));
    if (missing.length > 0) {
      // Intake accepts these: a font without them would leave dossiers that can never get their result.
      throw new Error(
        `the ${style} document font has no glyph for ${missing.map(codePointName).join(", ")} of the printable repertoire`,
      );
    }
    const entries: [number, Glyph][] = [];
    for (const codePoint of repertoire) {
      const glyph = font.glyphForCodePoint(codePoint);
      // fontkit accepts a glyph and returns its id in the subset (its typings say otherwise).
      const cid = (subset.includeGlyph as unknown as (glyph: fontkit.Glyph) => number)(glyph);
      entries.push([
        codePoint,
        { cid, hex: cid.toString(16).padStart(4, "0"), width: Math.round(glyph.advanceWidth * scale) },
      ]);
    }
    for (const [codePoint, glyph] of entries) this.glyphs.set(codePoint, glyph);
    const program = Buffer.from(subset.encode());
    // A subset tag from the bytes: the same font gets the same name in every document.
    const tag = createHash("sha256")
      .update(program)
      .digest()
      .subarray(0, 6)
      .reduce((name, byte) => name + String.fromCharCode(65 + (byte % 26)), "");
    this.baseFont = `${tag}+${font.postscriptName.replace(/[^A-Za-z0-9-]/g, "")}`;
    this.fontFileObject = stream(deflateSync(program), "/Filter /FlateDecode");
    this.toUnicodeObject = stream(deflateSync(toUnicodeCmap(entries)), "/Filter /FlateDecode");
    const byCid = [...new Map(entries.map(([, glyph]) => [glyph.cid, glyph.width])).entries()].sort(
      (a, b) => a[0] - b[0],
    );
    this.widths = byCid.map(([cid, width]) => `${cid} [${width}]`).join(" ");
    const bbox = font.bbox;
    this.descriptor =
      `/Type /FontDescriptor /FontName /${this.baseFont} /Flags ${style === "italic" ? 96 : 32}` +
      ` /FontBBox [${[bbox.minX, bbox.minY, bbox.maxX, bbox.maxY].map((v) => Math.round(v * scale)).join(" ")}]` +
      ` /ItalicAngle ${font.italicAngle} /Ascent ${Math.round(font.ascent * scale)} /Descent ${Math.round(font.descent * scale)}` +
      ` /CapHeight ${Math.round((font.capHeight || font.ascent) * scale)} /StemV ${style === "bold" ? 140 : 80}`;
  }

  supports(char: string): boolean {
    return this.glyphs.has(char.codePointAt(0) ?? -1);
  }

  /** Width of NFC text at `size` points. */
  widthOf(text: string, size: number): number {
    let total = 0;
    for (const char of text) total += this.glyphs.get(char.codePointAt(0) ?? -1)?.width ?? 0;
    return (total * size) / 1000;
  }

  /** The text as a hex string operand of Tj; characters outside the repertoire are dropped (callers check first). */
  encode(text: string): string {
    let hex = "<";
    for (const char of text) {
      const glyph = this.glyphs.get(char.codePointAt(0) ?? -1);
      if (glyph !== undefined) hex += glyph.hex;
    }
    return `${hex}>`;
  }

  /**
   * The five objects of the embedded font, numbered from `first`: Type0 font
   * (referenced from resources), CIDFontType2, descriptor, font program,
   * ToUnicode map (so text can be copied and searched).
   */
  objects(first: number): Buffer[] {
    let bodies = this.numbered.get(first);
    if (bodies === undefined) {
      bodies = this.objectsFrom(first);
      this.numbered.set(first, bodies);
    }
    return bodies;
  }

  private objectsFrom(first: number): Buffer[] {
    const [cidFont, descriptor, fontFile, toUnicode] = [first + 1, first + 2, first + 3, first + 4];
    return [
      Buffer.from(
        `<< /Type /Font /Subtype /Type0 /BaseFont /${this.baseFont} /Encoding /Identity-H` +
          ` /DescendantFonts [${cidFont} 0 R] /ToUnicode ${toUnicode} 0 R >>`,
        "latin1",
      ),
      Buffer.from(
        `<< /Type /Font /Subtype /CIDFontType2 /BaseFont /${this.baseFont}` +
          ` /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>` +
          ` /FontDescriptor ${descriptor} 0 R /CIDToGIDMap /Identity /W [${this.widths}] >>`,
        "latin1",
      ),
      Buffer.from(`<< ${this.descriptor} /FontFile2 ${fontFile} 0 R >>`, "latin1"),
      this.fontFileObject,
      this.toUnicodeObject,
    ];
  }
}

/** A stream object body: dictionary with /Length, then the bytes. */
export function stream(data: Buffer, entries = ""): Buffer {
  return Buffer.concat([
    Buffer.from(`<< /Length ${data.length}${entries ? ` ${entries}` : ""} >>\nstream\n`, "latin1"),
    data,
    Buffer.from("\nendstream", "latin1"),
  ]);
}

function toUnicodeCmap(entries: [number, Glyph][]): Buffer {
  const lines = [
    "/CIDInit /ProcSet findresource begin",
    "12 dict begin",
    "begincmap",
    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
    "/CMapName /Adobe-Identity-UCS def",
    "/CMapType 2 def",
    "1 begincodespacerange",
    "<0000> <ffff>",
    "endcodespacerange",
  ];
  // At most 100 mappings per block (PDF 32000-1 §9.10.3).
  for (let start = 0; start < entries.length; start += 100) {
    const block = entries.slice(start, start + 100);
    lines.push(`${block.length} beginbfchar`);
    for (const [codePoint, glyph] of block) {
      const utf16 = Buffer.from(String.fromCodePoint(codePoint), "utf16le").swap16().toString("hex");
      lines.push(`<${glyph.cid.toString(16).padStart(4, "0")}> <${utf16}>`);
    }
    lines.push("endbfchar");
  }
  lines.push("endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end");
  return Buffer.from(lines.join("\n"), "latin1");
}

export interface DocumentFonts {
  regular: PreparedFont;
  bold: PreparedFont;
  italic: PreparedFont;
}

let prepared: DocumentFonts | undefined;

/** The three styles, read and prepared on first use and kept for the life of the process (or worker). */
/**
 * The first character of `text` that one of `fonts` has no glyph for, as U+XXXX, or undefined: what a
 * document would silently drop, so its caller refuses it. Line breaks are layout, not glyphs.
 */
export function firstUndrawable(text: string, fonts: readonly PreparedFont[]): string | undefined {
  for (const char of text) {
    if (char !== "\n" && !fonts.every((font) => font.supports(char))) return codePointName(char.codePointAt(0) ?? 0);
  }
  return undefined;
}

export function documentFonts(): DocumentFonts {
  prepared ??= {
    regular: new PreparedFont(readFileSync(require.resolve(FONT_FILES.regular)), "regular"),
    bold: new PreparedFont(readFileSync(require.resolve(FONT_FILES.bold)), "bold"),
    italic: new PreparedFont(readFileSync(require.resolve(FONT_FILES.italic)), "italic"),
  };
  return prepared;
}
