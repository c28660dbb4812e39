import type { DocumentFonts, FontStyle, PreparedFont } from "./prepared-font";
import { num } from "./writer";

/** Resource names of the three document fonts, shared by pages and signature appearances. */
export const FONT_RESOURCES: Record<FontStyle, string> = { regular: "F1", bold: "F2", italic: "F3" };

export interface Color {
  r: number;
  g: number;
  b: number;
}

export const INK: Color = { r: 0, g: 0, b: 0 };

/** Collects the drawing operators of one content stream (a page or an appearance). */
export class Canvas {
  private readonly operators: string[] = [];

  constructor(readonly fonts: DocumentFonts) {}

  font(style: FontStyle): PreparedFont {
    return this.fonts[style];
  }

  text(style: FontStyle, size: number, x: number, y: number, text: string, color: Color = INK): void {
    this.operators.push(
      `${num(color.r)} ${num(color.g)} ${num(color.b)} rg BT /${FONT_RESOURCES[style]} ${num(size)} Tf ` +
        `${num(x)} ${num(y)} Td ${this.fonts[style].encode(text)} Tj ET`,
    );
  }

  line(x1: number, y1: number, x2: number, y2: number, width: number, color: Color = INK): void {
    this.operators.push(
      `${num(color.r)} ${num(color.g)} ${num(color.b)} RG ${num(width)} w ${num(x1)} ${num(y1)} m ${num(x2)} ${num(y2)} l S`,
    );
  }

  strokeRect(x: number, y: number, width: number, height: number, lineWidth: number, color: Color): void {
    this.operators.push(
      `${num(color.r)} ${num(color.g)} ${num(color.b)} RG ${num(lineWidth)} w ${num(x)} ${num(y)} ${num(width)} ${num(height)} re S`,
    );
  }

  /** Filled rectangles in one path, e.g. the dark modules of a QR code. */
  fillRects(rects: readonly [number, number, number, number][], color: Color = INK): void {
    const path = rects.map(([x, y, w, h]) => `${num(x)} ${num(y)} ${num(w)} ${num(h)} re`).join(" ");
    this.operators.push(`${num(color.r)} ${num(color.g)} ${num(color.b)} rg ${path} f`);
  }

  content(): Buffer {
    return Buffer.from(this.operators.join("\n"), "latin1");
  }
}
