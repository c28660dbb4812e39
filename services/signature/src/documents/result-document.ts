import { PDFDocument, rgb, type PDFFont, type PDFPage } from "pdf-lib";
import { SigningError } from "../pki/errors";
import { loadDocumentFonts } from "./fonts";
import { pdfFontkit } from "./pdf-fontkit";
import { formatVietnameseDate } from "./vietnamese-date";

export const OUTCOME_APPROVED = "Chấp thuận";
export const OUTCOME_REJECTED = "Từ chối";

/** The notice of the result of an administrative procedure (thông báo kết quả giải quyết TTHC). */
export interface ResultDocumentInput {
  /** Issuing authority, e.g. "Ủy ban nhân dân xã Mường Lát". */
  authorityName: string;
  /** Place written before the date, e.g. "Mường Lát"; the date stands alone without it. */
  placeName?: string;
  dossierCode: string;
  procedureName: string;
  /** Personal data: printed on the document, never logged nor put in errors. */
  applicantFullName: string;
  /** Printed as "Chấp thuận" when true, "Từ chối" when false. */
  approved: boolean;
  /** Summary of the decision; line breaks start new paragraphs. */
  summary: string;
  decidedAt: Date;
  /** Id of the deciding official. */
  officialId: string;
}

const A4: [number, number] = [595.28, 841.89];
// Decree 30/2020/NĐ-CP page margins: left 30–35 mm, right 15–20 mm, top and bottom 20–25 mm.
const MARGIN = { left: 85, right: 57, top: 60, bottom: 60 };
const HEADER = { left: { x: 45, width: 205 }, right: { x: 255, width: 300 } };
const BODY_SIZE = 13;
const LINE_GAP = 1.45;
const INK = rgb(0, 0, 0);

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  italic: PDFFont;
}

interface Run {
  text: string;
  font: PDFFont;
}

/**
 * Renders the one-page result notice as PDF bytes, ready to be signed. The
 * text is normalised to NFC: the font has a glyph for every precomposed
 * Vietnamese letter, while decomposed input (base letter + combining marks)
 * would be drawn without shaping and misplace its marks.
 */
export async function renderResultDocument(input: ResultDocumentInput): Promise<Uint8Array> {
  const fields = normalizeInput(input);
  const fontBytes = await loadDocumentFonts();
  const pdf = await PDFDocument.create();
  pdf.registerFontkit(pdfFontkit);
  const fonts: Fonts = {
    regular: await pdf.embedFont(fontBytes.regular, { subset: true }),
    bold: await pdf.embedFont(fontBytes.bold, { subset: true }),
    italic: await pdf.embedFont(fontBytes.italic, { subset: true }),
  };
  assertPrintable(fields, fonts.regular);

  const title = `Thông báo kết quả giải quyết hồ sơ ${fields.dossierCode}`;
  pdf.setTitle(title);
  pdf.setSubject(fields.procedureName);
  pdf.setAuthor(fields.authorityName);
  pdf.setLanguage("vi-VN");
  pdf.setCreator("LiênThông");
  pdf.setProducer("LiênThông signature service");
  // The same input gives the same bytes: the dates come from the decision.
  pdf.setCreationDate(fields.decidedAt);
  pdf.setModificationDate(fields.decidedAt);

  const page = pdf.addPage(A4);
  let y = A4[1] - MARGIN.top;
  y = drawHeader(page, fonts, fields, y);
  y -= 34;
  y = drawCentered(page, [{ text: "THÔNG BÁO", font: fonts.bold }], 14, y);
  y = drawCentered(page, [{ text: "Kết quả giải quyết thủ tục hành chính", font: fonts.bold }], BODY_SIZE, y);
  rule(page, A4[0] / 2 - 60, A4[0] / 2 + 60, y - 2);
  y -= 22;

  const body = (runs: Run[]): void => {
    y = drawParagraph(page, runs, y);
    y -= 6;
  };
  body([
    {
      text: `${fields.authorityName} thông báo kết quả giải quyết hồ sơ thủ tục hành chính như sau:`,
      font: fonts.regular,
    },
  ]);
  body(labelled(fonts, "1. Mã hồ sơ: ", fields.dossierCode));
  body(labelled(fonts, "2. Thủ tục: ", fields.procedureName));
  body(labelled(fonts, "3. Người nộp hồ sơ: ", fields.applicantFullName));
  body([
    { text: "4. Kết quả: ", font: fonts.regular },
    { text: fields.approved ? OUTCOME_APPROVED : OUTCOME_REJECTED, font: fonts.bold },
  ]);
  const [firstParagraph = "", ...moreParagraphs] = fields.summary.split("\n");
  body(labelled(fonts, "5. Nội dung: ", firstParagraph));
  for (const paragraph of moreParagraphs) body([{ text: paragraph, font: fonts.regular }]);
  body([
    {
      text: "Văn bản này được ký số; tính toàn vẹn và nguồn gốc của văn bản được kiểm tra bằng chữ ký số đi kèm.",
      font: fonts.italic,
    },
  ]);

  y -= 18;
  const signatureColumn = { x: 300, width: A4[0] - MARGIN.right - 300 };
  y = drawCentered(page, [{ text: "NGƯỜI QUYẾT ĐỊNH", font: fonts.bold }], BODY_SIZE, y, signatureColumn);
  y = drawCentered(page, [{ text: "(Đã ký số)", font: fonts.italic }], BODY_SIZE, y, signatureColumn);
  y -= 8;
  y = drawCentered(page, labelled(fonts, "Mã cán bộ: ", fields.officialId), BODY_SIZE, y, signatureColumn);
  if (y < MARGIN.bottom) {
    throw new SigningError(
      "INVALID_DOCUMENT_INPUT",
      "result document: procedureName and summary are too long for one page",
    );
  }
  return pdf.save();
}

function normalizeInput(input: ResultDocumentInput): ResultDocumentInput {
  const text = (field: keyof ResultDocumentInput, multiline = false): string => {
    const value = input[field];
    if (typeof value !== "string" || value.trim() === "") {
      throw new SigningError("INVALID_DOCUMENT_INPUT", `result document: ${field} is required`);
    }
    const normalized = value.normalize("NFC").replace(/\r\n?/g, "\n");
    const collapsed = multiline
      ? normalized
          .split("\n")
          .map((line) => line.replace(/\s+/g, " ").trim())
          .filter((line) => line !== "")
          .join("\n")
      : normalized.replace(/\s+/g, " ").trim();
    return collapsed;
  };
  if (!(input.decidedAt instanceof Date) || Number.isNaN(input.decidedAt.getTime())) {
    throw new SigningError("INVALID_DOCUMENT_INPUT", "result document: decidedAt is not a valid date");
  }
  if (typeof input.approved !== "boolean") {
    throw new SigningError("INVALID_DOCUMENT_INPUT", "result document: approved must be true or false");
  }
  return {
    authorityName: text("authorityName"),
    ...(input.placeName !== undefined && input.placeName.trim() !== "" ? { placeName: text("placeName") } : {}),
    dossierCode: text("dossierCode"),
    procedureName: text("procedureName"),
    applicantFullName: text("applicantFullName"),
    approved: input.approved,
    summary: text("summary", true),
    decidedAt: input.decidedAt,
    officialId: text("officialId"),
  };
}

/** A glyph the font lacks would print as an empty box: refuse it, naming the field only. */
function assertPrintable(fields: ResultDocumentInput, font: PDFFont): void {
  const supported = new Set(font.getCharacterSet());
  for (const [field, value] of Object.entries(fields)) {
    if (typeof value !== "string") continue;
    for (const char of value) {
      const codePoint = char.codePointAt(0) ?? 0;
      if (char !== "\n" && !supported.has(codePoint)) {
        throw new SigningError(
          "INVALID_DOCUMENT_INPUT",
          `result document: ${field} contains a character the document font cannot print (U+${codePoint
            .toString(16)
            .toUpperCase()
            .padStart(4, "0")})`,
        );
      }
    }
  }
}

/** National heading on the right, issuing authority on the left (Decree 30/2020/NĐ-CP layout). */
function drawHeader(page: PDFPage, fonts: Fonts, fields: ResultDocumentInput, top: number): number {
  let left = top;
  for (const part of authorityHeadingParts(fields.authorityName)) {
    for (const line of wrap([{ text: part, font: fonts.bold }], 12, HEADER.left.width)) {
      left = drawCentered(page, line, 12, left, HEADER.left);
    }
  }
  const centerLeft = HEADER.left.x + HEADER.left.width / 2;
  rule(page, centerLeft - 35, centerLeft + 35, left - 2);

  let right = top;
  right = drawCentered(
    page,
    [{ text: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font: fonts.bold }],
    12,
    right,
    HEADER.right,
  );
  const motto = "Độc lập - Tự do - Hạnh phúc";
  right = drawCentered(page, [{ text: motto, font: fonts.bold }], BODY_SIZE, right, HEADER.right);
  const mottoWidth = fonts.bold.widthOfTextAtSize(motto, BODY_SIZE);
  const centerRight = HEADER.right.x + HEADER.right.width / 2;
  rule(page, centerRight - mottoWidth / 2, centerRight + mottoWidth / 2, right);
  right -= 10;
  const date = formatVietnameseDate(fields.decidedAt);
  const dateLine = fields.placeName === undefined ? capitalize(date) : `${fields.placeName}, ${date}`;
  right = drawCentered(page, [{ text: dateLine, font: fonts.italic }], BODY_SIZE, right, HEADER.right);
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

function labelled(fonts: Fonts, label: string, value: string): Run[] {
  return [
    { text: label, font: fonts.regular },
    { text: value, font: fonts.regular },
  ];
}

/** Draws wrapped runs across the body width; returns the baseline below the last line. */
function drawParagraph(page: PDFPage, runs: Run[], top: number): number {
  let y = top;
  for (const line of wrap(runs, BODY_SIZE, A4[0] - MARGIN.left - MARGIN.right)) {
    y -= BODY_SIZE;
    drawLine(page, line, BODY_SIZE, MARGIN.left, y);
    y -= BODY_SIZE * (LINE_GAP - 1);
  }
  return y;
}

function drawCentered(
  page: PDFPage,
  runs: Run[],
  size: number,
  top: number,
  column = { x: MARGIN.left, width: A4[0] - MARGIN.left - MARGIN.right },
): number {
  // Headings that do not fit their column shrink rather than spill over.
  const width = lineWidth(runs, size);
  const fitted = width > column.width ? (size * column.width) / width : size;
  const y = top - fitted;
  drawLine(page, runs, fitted, column.x + (column.width - lineWidth(runs, fitted)) / 2, y);
  return y - fitted * (LINE_GAP - 1);
}

function drawLine(page: PDFPage, runs: Run[], size: number, x: number, y: number): void {
  let cursor = x;
  for (const run of runs) {
    page.drawText(run.text, { x: cursor, y, size, font: run.font, color: INK });
    cursor += run.font.widthOfTextAtSize(run.text, size);
  }
}

function lineWidth(runs: Run[], size: number): number {
  return runs.reduce((sum, run) => sum + run.font.widthOfTextAtSize(run.text, size), 0);
}

/** Greedy word wrap; each output line is a list of runs whose spaces are kept in the text. */
function wrap(runs: Run[], size: number, maxWidth: number): Run[][] {
  const words = runs.flatMap((run) =>
    (run.text.match(/\S+\s*/g) ?? []).flatMap((word) => splitOverlong({ text: word, font: run.font }, size, maxWidth)),
  );
  const lines: Run[][] = [];
  let line: Run[] = [];
  let width = 0;
  for (const word of words) {
    const visible = word.font.widthOfTextAtSize(word.text.trimEnd(), size);
    if (line.length > 0 && width + visible > maxWidth) {
      lines.push(trimLine(line));
      line = [];
      width = 0;
    }
    line.push(word);
    width += word.font.widthOfTextAtSize(word.text, size);
  }
  if (line.length > 0) lines.push(trimLine(line));
  return lines;
}

function splitOverlong(word: Run, size: number, maxWidth: number): Run[] {
  if (word.font.widthOfTextAtSize(word.text, size) <= maxWidth) return [word];
  const pieces: Run[] = [];
  let piece = "";
  for (const char of word.text) {
    if (piece !== "" && word.font.widthOfTextAtSize(piece + char, size) > maxWidth) {
      pieces.push({ text: piece, font: word.font });
      piece = "";
    }
    piece += char;
  }
  pieces.push({ text: piece, font: word.font });
  return pieces;
}

function trimLine(line: Run[]): Run[] {
  const last = line[line.length - 1];
  if (last === undefined) return line;
  return [...line.slice(0, -1), { text: last.text.trimEnd(), font: last.font }];
}

function rule(page: PDFPage, from: number, to: number, y: number): void {
  page.drawLine({ start: { x: from, y }, end: { x: to, y }, thickness: 0.7, color: INK });
}

function capitalize(text: string): string {
  return text.charAt(0).toLocaleUpperCase("vi") + text.slice(1);
}
