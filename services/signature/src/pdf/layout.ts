import { vietnameseDate } from "@lienthong/domain";
import { SigningError } from "../pki/errors";
import { Canvas, type Color } from "./canvas";
import { firstUndrawable, type DocumentFonts, type FontStyle } from "./prepared-font";
import { qrGrid } from "./qr";

/**
 * The page layout every document signature renders shares (the result notice, the desk's slips): A4 with
 * Decree 30/2020/NĐ-CP margins, the national heading with place and date, wrapped paragraphs, the QR link
 * to public tracking, and the one way their text is normalised and checked before it is drawn.
 */

/** Where a signature's visible appearance goes: a page and a rectangle [x1, y1, x2, y2] in points. */
export interface SignatureSlot {
  pageIndex: number;
  rect: [number, number, number, number];
}

/** A document ready to be written: its pages' content streams, metadata and places for signatures. */
export interface PageDraft {
  size: [number, number];
  content: Buffer;
  /** Pages after the first (a long slip's list runs on), in order; a slot's pageIndex counts the first as 0. */
  continuation?: Buffer[];
  info: { title: string; subject: string; author: string; createdAt: Date };
  /** The deciding leader's signature, under the title "NGƯỜI QUYẾT ĐỊNH". */
  leaderSlot: SignatureSlot;
  /** An officer's signature before the leader's (sequential signing), left of it. */
  officerSlot: SignatureSlot;
}

export const A4: [number, number] = [595.28, 841.89];
// Decree 30/2020/NĐ-CP page margins: left 30–35 mm, right 15–20 mm, top and bottom 20–25 mm.
export const MARGIN = { left: 85, right: 57, top: 60, bottom: 60 };
const HEADER = { left: { x: 45, width: 205 }, right: { x: 255, width: 300 } };
export const BODY_SIZE = 13;
const LINE_GAP = 1.45;
export const SIGNATURE_HEIGHT = 62;
export const QR_SIZE = 76;

export interface Run {
  text: string;
  style: FontStyle;
}

export interface Column {
  x: number;
  width: number;
}

/** What the national heading of a document prints: the issuing authority, the place and the date. */
export interface HeadingFields {
  authorityName: string;
  /** Place written before the date (Decree 30/2020/NĐ-CP), e.g. "Mường Lát"; the date stands alone without it. */
  placeName?: string;
  decidedAt: Date;
}

const BODY: Column = { x: MARGIN.left, width: A4[0] - MARGIN.left - MARGIN.right };

/**
 * One line of text to print: NFC (the font has a glyph for every precomposed Vietnamese letter, while
 * decomposed input would misplace its marks), whitespace collapsed; `multiline` keeps line breaks between
 * non-blank lines. A blank or missing value is refused by its field's name (`what: field is required`).
 */
export function printableText(value: unknown, field: string, what: string, multiline = false): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new SigningError("INVALID_DOCUMENT_INPUT", `${what}: ${field} is required`);
  }
  const normalized = value.normalize("NFC").replace(/\r\n?/g, "\n");
  return multiline
    ? normalized
        .split("\n")
        .map((line) => line.replace(/\s+/g, " ").trim())
        .filter((line) => line !== "")
        .join("\n")
    : normalized.replace(/\s+/g, " ").trim();
}

/** A date to print, refused by its field's name when it is not a valid one. */
export function printableDate(value: unknown, field: string, what: string): Date {
  // Not instanceof: a Date that crossed into a worker thread comes from another realm.
  if (Object.prototype.toString.call(value) !== "[object Date]" || Number.isNaN((value as Date).getTime())) {
    throw new SigningError("INVALID_DOCUMENT_INPUT", `${what}: ${field} is not a valid date`);
  }
  return value as Date;
}

/** The QR link to the dossier's public tracking page, with the code and the address in words beside it. */
export function drawTracking(canvas: Canvas, dossierCode: string, url: string, bottom: number): void {
  const grid = qrGrid(url);
  canvas.fillGrid(grid.runs, MARGIN.left, bottom, QR_SIZE / grid.size, grid.size);
  const x = MARGIN.left + QR_SIZE + 10;
  const grey: Color = { r: 0.2, g: 0.2, b: 0.2 };
  canvas.text("regular", 10, x, bottom + QR_SIZE - 20, `Tra cứu hồ sơ ${dossierCode}:`, grey);
  const urlSize = Math.min(9, (9 * (A4[0] - MARGIN.right - x)) / Math.max(1, canvas.font("regular").widthOf(url, 9)));
  canvas.text("regular", urlSize, x, bottom + QR_SIZE - 34, url, grey);
  canvas.text("italic", 9, x, bottom + QR_SIZE - 48, "Quét mã QR để xem tình trạng và kết quả giải quyết hồ sơ.", grey);
}

/** A glyph the font lacks would print as nothing: refuse it, naming the field only. */
export function assertPrintable(fields: object, fonts: DocumentFonts, what = "result document"): void {
  for (const [field, value] of Object.entries(fields)) {
    if (Array.isArray(value)) {
      assertPrintable(Object.fromEntries(value.map((item, index) => [`${field}[${index}]`, item])), fonts, what);
      continue;
    }
    if (typeof value !== "string") continue;
    const missing = firstUndrawable(value, [fonts.regular, fonts.bold, fonts.italic]);
    if (missing === undefined) continue;
    throw new SigningError(
      "INVALID_DOCUMENT_INPUT",
      `${what}: ${field} contains a character the document font cannot print (${missing})`,
    );
  }
}

// The heading is the same for every notice an authority issues on one day: drawn once, kept within a bound.
const headers = new Map<string, { operators: string; bottom: number }>();
const HEADER_MEMO_LIMIT = 500;

export function drawHeader(canvas: Canvas, fields: HeadingFields, top: number): number {
  const key = `${top}|${fields.authorityName}|${fields.placeName ?? ""}|${vietnameseDate(fields.decidedAt)}`;
  let header = headers.get(key);
  if (header === undefined) {
    const block = new Canvas(canvas.fonts);
    const bottom = drawHeaderOn(block, fields, top);
    header = { operators: block.operatorsText(), bottom };
    if (headers.size >= HEADER_MEMO_LIMIT) headers.clear();
    headers.set(key, header);
  }
  canvas.append(header.operators);
  return header.bottom;
}

/** National heading on the right, issuing authority on the left (Decree 30/2020/NĐ-CP layout). */
function drawHeaderOn(canvas: Canvas, fields: HeadingFields, top: number): number {
  let left = top;
  for (const part of authorityHeadingParts(fields.authorityName)) {
    for (const line of wrap(canvas, [{ text: part, style: "bold" }], 12, HEADER.left.width)) {
      left = drawCentered(canvas, line, 12, left, HEADER.left);
    }
  }
  const centerLeft = HEADER.left.x + HEADER.left.width / 2;
  canvas.line(centerLeft - 35, left - 2, centerLeft + 35, left - 2, 0.7);

  let right = top;
  right = drawCentered(
    canvas,
    [{ text: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", style: "bold" }],
    12,
    right,
    HEADER.right,
  );
  const motto = "Độc lập - Tự do - Hạnh phúc";
  right = drawCentered(canvas, [{ text: motto, style: "bold" }], BODY_SIZE, right, HEADER.right);
  const mottoWidth = canvas.font("bold").widthOf(motto, BODY_SIZE);
  const centerRight = HEADER.right.x + HEADER.right.width / 2;
  canvas.line(centerRight - mottoWidth / 2, right, centerRight + mottoWidth / 2, right, 0.7);
  right -= 10;
  const date = vietnameseDate(fields.decidedAt);
  const dateLine = fields.placeName === undefined ? capitalize(date) : `${fields.placeName}, ${date}`;
  right = drawCentered(canvas, [{ text: dateLine, style: "italic" }], BODY_SIZE, right, HEADER.right);
  return Math.min(left, right);
}

/** "ỦY BAN NHÂN DÂN" on its own line above the unit's name, as on printed documents. */
function authorityHeadingParts(authorityName: string): string[] {
  const upper = authorityName.toLocaleUpperCase("vi");
  const committee = "ỦY BAN NHÂN DÂN ";
  return upper.startsWith(committee) && upper.length > committee.length
    ? [committee.trim(), upper.slice(committee.length)]
    : [upper];
}

export function labelled(label: string, value: string): Run[] {
  return [
    { text: label, style: "regular" },
    { text: value, style: "regular" },
  ];
}

/** Draws wrapped runs across the body width; returns the baseline below the last line. */
export function drawParagraph(canvas: Canvas, runs: Run[], top: number): number {
  let y = top;
  for (const line of wrap(canvas, runs, BODY_SIZE, BODY.width)) {
    y -= BODY_SIZE;
    drawLine(canvas, line, BODY_SIZE, BODY.x, y);
    y -= BODY_SIZE * (LINE_GAP - 1);
  }
  return y;
}

export function drawCentered(canvas: Canvas, runs: Run[], size: number, top: number, column: Column = BODY): number {
  // Headings that do not fit their column shrink rather than spill over.
  const width = lineWidth(canvas, runs, size);
  const fitted = width > column.width ? (size * column.width) / width : size;
  const y = top - fitted;
  drawLine(canvas, runs, fitted, column.x + (column.width - (width * fitted) / size) / 2, y);
  return y - fitted * (LINE_GAP - 1);
}

function drawLine(canvas: Canvas, runs: Run[], size: number, x: number, y: number): void {
  let cursor = x;
  for (const run of runs) {
    canvas.text(run.style, size, cursor, y, run.text);
    cursor += canvas.font(run.style).widthOf(run.text, size);
  }
}

function lineWidth(canvas: Canvas, runs: Run[], size: number): number {
  return runs.reduce((sum, run) => sum + canvas.font(run.style).widthOf(run.text, size), 0);
}

// Most paragraphs repeat from one document to the next (the authority's
// sentence, the closing note, labels): their line breaks are kept, within a bound.
const wrapped = new Map<string, Run[][]>();
const WRAP_MEMO_LIMIT = 2000;

/** Greedy word wrap; each output line is a list of runs whose spaces are kept in the text. */
function wrap(canvas: Canvas, runs: Run[], size: number, maxWidth: number): Run[][] {
  const key = `${size}|${maxWidth}|${runs.map((run) => `${run.style}:${run.text}`).join("\u0000")}`;
  let lines = wrapped.get(key);
  if (lines === undefined) {
    lines = wrapRuns(canvas, runs, size, maxWidth);
    if (wrapped.size >= WRAP_MEMO_LIMIT) wrapped.clear();
    wrapped.set(key, lines);
  }
  return lines;
}

function wrapRuns(canvas: Canvas, runs: Run[], size: number, maxWidth: number): Run[][] {
  const width = (run: Run, text = run.text) => canvas.font(run.style).widthOf(text, size);
  const words = runs.flatMap((run) =>
    (run.text.match(/\S+\s*/g) ?? []).flatMap((word) =>
      splitOverlong(canvas, { text: word, style: run.style }, size, maxWidth),
    ),
  );
  const lines: Run[][] = [];
  let line: Run[] = [];
  let used = 0;
  for (const word of words) {
    const visible = width(word, word.text.trimEnd());
    if (line.length > 0 && used + visible > maxWidth) {
      lines.push(trimLine(line));
      line = [];
      used = 0;
    }
    line.push(word);
    used += width(word);
  }
  if (line.length > 0) lines.push(trimLine(line));
  return lines;
}

function splitOverlong(canvas: Canvas, word: Run, size: number, maxWidth: number): Run[] {
  const font = canvas.font(word.style);
  if (font.widthOf(word.text, size) <= maxWidth) return [word];
  const pieces: Run[] = [];
  let piece = "";
  for (const char of word.text) {
    if (piece !== "" && font.widthOf(piece + char, size) > maxWidth) {
      pieces.push({ text: piece, style: word.style });
      piece = "";
    }
    piece += char;
  }
  pieces.push({ text: piece, style: word.style });
  return pieces;
}

function trimLine(line: Run[]): Run[] {
  const last = line[line.length - 1];
  if (last === undefined) return line;
  return [...line.slice(0, -1), { text: last.text.trimEnd(), style: last.style }];
}

function capitalize(text: string): string {
  return text.charAt(0).toLocaleUpperCase("vi") + text.slice(1);
}
