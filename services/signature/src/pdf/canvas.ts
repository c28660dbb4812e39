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
      `${fill(color)} BT /${FONT_RESOURCES[style]} ${num(size)} Tf ${num(x)} ${num(y)} Td ${this.fonts[style].encode(text)} Tj ET`,
    );
  }

  /** Operators drawn before, on another canvas with the same fonts (a cached block of the page). */
  append(block: string): void {
    this.operators.push(block);
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

  /**
   * Filled cells of a grid (a QR code's dark modules): `cells` are
   * [column, row from the top, width in cells], in a coordinate system scaled
   * to one unit per cell, so the path is written in small integers.
   */
  fillGrid(cells: readonly [number, number, number][], x: number, y: number, cellSize: number, rows: number): void {
    let path = "";
    for (const [column, row, width] of cells) path += `${column} ${rows - 1 - row} ${width} 1 re `;
    this.operators.push(`q ${num(cellSize)} 0 0 ${num(cellSize)} ${num(x)} ${num(y)} cm ${fill(INK)} ${path}f Q`);
  }

  operatorsText(): string {
    return this.operators.join("\n");
  }

  content(): Buffer {
    return Buffer.from(this.operatorsText(), "latin1");
  }
}

const fills = new Map<Color, string>();

/** The fill colour operator, formatted once per colour. */
function fill(color: Color): string {
  let operator = fills.get(color);
  if (operator === undefined) {
    operator = `${num(color.r)} ${num(color.g)} ${num(color.b)} rg`;
    fills.set(color, operator);
  }
  return operator;
}
