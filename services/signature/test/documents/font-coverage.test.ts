import { readFileSync } from "node:fs";
import { codePointName, printableCodePoints, unprintableReason } from "@lienthong/domain";
import * as fontkit from "fontkit";
import { draftResultDocument } from "../../src/pdf";
import { documentFonts, PreparedFont, type FontStyle } from "../../src/pdf/prepared-font";
import { sampleResult } from "../support/fixtures";

/**
 * Intake and routing accept for printing exactly the repertoire of
 * libs/domain printable-text.ts; these tests hold the renderer to it, code
 * point by code point, so the two cannot drift apart: text accepted at the
 * counter always gets its signed result.
 */

const NOTO_FILES: Record<FontStyle, string> = {
  regular: "400Regular/NotoSerif_400Regular.ttf",
  bold: "700Bold/NotoSerif_700Bold.ttf",
  italic: "400Regular_Italic/NotoSerif_400Regular_Italic.ttf",
};
const STYLES = Object.keys(NOTO_FILES) as FontStyle[];

function fontFile(style: FontStyle): Buffer {
  return readFileSync(require.resolve(`@expo-google-fonts/noto-serif/${NOTO_FILES[style]}`));
}

describe("the document fonts cover the printable repertoire", () => {
  const repertoire = printableCodePoints();

  it.each(STYLES)("Noto Serif %s has a real glyph for every printable code point", (style) => {
    const font = fontkit.create(fontFile(style)) as fontkit.Font;
    const missing = repertoire
      .filter((codePoint) => !font.hasGlyphForCodePoint(codePoint) || font.glyphForCodePoint(codePoint).id === 0)
      .map(codePointName);
    expect(missing).toEqual([]);
    // Vietnamese in full (134 letters and more): the repertoire is not trivially small.
    expect(repertoire.length).toBeGreaterThan(400);
  });

  it.each(STYLES)("the prepared %s font encodes every printable code point", (style) => {
    const font = documentFonts()[style];
    const unsupported = repertoire.filter((codePoint) => !font.supports(String.fromCodePoint(codePoint)));
    expect(unsupported.map(codePointName)).toEqual([]);
  });

  it("renders every printable code point in a notice, in the name and in the summary", () => {
    // Whitespace-only pieces would be blank fields; the spaces are printed around the other characters.
    const text = String.fromCodePoint(...repertoire.filter((codePoint) => codePoint > 0x20));
    expect(unprintableReason(text)).toBeUndefined();
    for (let start = 0; start < text.length; start += 120) {
      const piece = text.slice(start, start + 120);
      expect(() => draftResultDocument(sampleResult({ applicantFullName: piece, summary: piece }))).not.toThrow();
    }
  });

  it("refuses, when prepared, a font that lacks part of the repertoire", () => {
    expect(() => new PreparedFont(fontFile("bold"), "bold", [...repertoire, 0x4e00, 0x1f600])).toThrow(
      "the bold document font has no glyph for U+4E00, U+1F600 of the printable repertoire",
    );
  });
});
