import * as fontkit from "fontkit";
import type { PDFDocument } from "pdf-lib";

type PdfLibFontkit = Parameters<PDFDocument["registerFontkit"]>[0];
type PdfLibFont = ReturnType<PdfLibFontkit["create"]>;
type PdfLibSubset = ReturnType<PdfLibFont["createSubset"]>;
type PdfLibSubsetStream = ReturnType<PdfLibSubset["encodeStream"]>;

/**
 * fontkit 2 for pdf-lib. pdf-lib's own fork (@pdf-lib/fontkit) writes broken
 * TrueType subsets (a short `loca` table without padding shifts glyph offsets,
 * so many letters print blank while copy-paste still works); fontkit fixed
 * that in 1.8. fontkit 2 renamed the subset's `encodeStream()` to `encode()`,
 * the one call pdf-lib makes that needs translating.
 */
export const pdfFontkit: PdfLibFontkit = {
  // pdf-lib passes no PostScript name: font collections are not embedded.
  create(buffer: Uint8Array): PdfLibFont {
    let font = parsedFonts.get(buffer);
    if (font === undefined) {
      font = wrap(parse(buffer));
      parsedFonts.set(buffer, font);
    }
    return font;
  },
};

// Parsing a 500 KB font takes longer than laying out the whole notice, and a
// parsed font is only read afterwards (each document gets its own subset), so
// documents share it as long as the font bytes are alive.
const parsedFonts = new WeakMap<Uint8Array, PdfLibFont>();

function parse(buffer: Uint8Array): fontkit.Font {
  const font = fontkit.create(Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength));
  if (!("createSubset" in font)) {
    throw new Error("font file is a collection: embed one of its fonts");
  }
  return font;
}

function wrap(font: fontkit.Font): PdfLibFont {
  return new Proxy(font, {
    get(target, property) {
      if (property === "createSubset") return () => streamingSubset(target.createSubset());
      // The font's getters memoise on `this`: keep `this` the real font.
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as unknown as PdfLibFont;
}

function streamingSubset(subset: fontkit.Subset): PdfLibSubset {
  return {
    // fontkit accepts a glyph or a glyph id and returns the id in the subset (its typings say otherwise).
    includeGlyph: (glyph) => (subset.includeGlyph as unknown as (glyph: unknown) => number)(glyph),
    // pdf-lib calls this once, at save time, when every glyph is included.
    encodeStream(): PdfLibSubsetStream {
      let bytes: Uint8Array | undefined;
      let failure: unknown;
      try {
        bytes = subset.encode();
      } catch (error) {
        failure = error;
      }
      const stream: PdfLibSubsetStream = {
        on(eventType: string, callback: (data: never) => unknown) {
          // Deferred, so that every listener of the chained .on(...) calls is attached first.
          queueMicrotask(() => {
            if (bytes !== undefined && eventType === "data") callback(bytes as never);
            if (bytes !== undefined && eventType === "end") callback(new Uint8Array() as never);
            if (bytes === undefined && eventType === "error") callback(failure as never);
          });
          return stream;
        },
      };
      return stream;
    },
  };
}
