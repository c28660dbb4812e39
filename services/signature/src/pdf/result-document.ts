import { SigningError } from "../pki/errors";
import { Canvas } from "./canvas";
import { writeDocument } from "./document";
import {
  A4,
  BODY_SIZE,
  MARGIN,
  QR_SIZE,
  SIGNATURE_HEIGHT,
  assertPrintable,
  drawCentered,
  drawHeader,
  drawParagraph,
  drawTracking,
  labelled,
  printableDate,
  printableText,
  type Column,
  type PageDraft,
  type Run,
} from "./layout";
import { documentFonts, type DocumentFonts } from "./prepared-font";

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
  /** Public tracking page of the dossier, printed as a QR code with the dossier code. */
  trackingUrl?: string;
}

/**
 * Lays out the one-page result notice. The text is normalised to NFC: the
 * font has a glyph for every precomposed Vietnamese letter, while decomposed
 * input (base letter + combining marks) would misplace its marks.
 */
export function draftResultDocument(input: ResultDocumentInput, fonts: DocumentFonts = documentFonts()): PageDraft {
  const fields = normalizeInput(input);
  assertPrintable(fields, fonts);
  const canvas = new Canvas(fonts);
  let y = A4[1] - MARGIN.top;
  y = drawHeader(canvas, fields, y);
  y -= 34;
  y = drawCentered(canvas, [{ text: "THÔNG BÁO", style: "bold" }], 14, y);
  y = drawCentered(canvas, [{ text: "Kết quả giải quyết thủ tục hành chính", style: "bold" }], BODY_SIZE, y);
  // Below the descenders of the line above.
  canvas.line(A4[0] / 2 - 60, y - 4, A4[0] / 2 + 60, y - 4, 0.7);
  y -= 22;

  const body = (runs: Run[]): void => {
    y = drawParagraph(canvas, runs, y);
    y -= 6;
  };
  body([
    {
      text: `${fields.authorityName} thông báo kết quả giải quyết hồ sơ thủ tục hành chính như sau:`,
      style: "regular",
    },
  ]);
  body(labelled("1. Mã hồ sơ: ", fields.dossierCode));
  body(labelled("2. Thủ tục: ", fields.procedureName));
  body(labelled("3. Người nộp hồ sơ: ", fields.applicantFullName));
  body([
    { text: "4. Kết quả: ", style: "regular" },
    { text: fields.approved ? OUTCOME_APPROVED : OUTCOME_REJECTED, style: "bold" },
  ]);
  const [firstParagraph = "", ...moreParagraphs] = fields.summary.split("\n");
  body(labelled("5. Nội dung: ", firstParagraph));
  for (const paragraph of moreParagraphs) body([{ text: paragraph, style: "regular" }]);
  body([
    {
      text: "Văn bản này được ký số; tính toàn vẹn và nguồn gốc của văn bản được kiểm tra bằng chữ ký số đi kèm.",
      style: "italic",
    },
  ]);

  y -= 18;
  const signatureColumn: Column = { x: 300, width: A4[0] - MARGIN.right - 300 };
  y = drawCentered(canvas, [{ text: "NGƯỜI QUYẾT ĐỊNH", style: "bold" }], BODY_SIZE, y, signatureColumn);
  y = drawCentered(canvas, [{ text: "(Đã ký số)", style: "italic" }], BODY_SIZE, y, signatureColumn);
  const slotTop = y - 4;
  y = slotTop - SIGNATURE_HEIGHT - 6;
  y = drawCentered(canvas, labelled("Mã cán bộ: ", fields.officialId), BODY_SIZE, y, signatureColumn);

  const qrBottom = MARGIN.bottom - 20;
  if (y < qrBottom + QR_SIZE + 8) {
    throw new SigningError(
      "INVALID_DOCUMENT_INPUT",
      "result document: procedureName and summary are too long for one page",
    );
  }
  if (fields.trackingUrl !== undefined) drawTracking(canvas, fields.dossierCode, fields.trackingUrl, qrBottom);

  const title = `Thông báo kết quả giải quyết hồ sơ ${fields.dossierCode}`;
  return {
    size: A4,
    content: canvas.content(),
    // The same input gives the same bytes: the dates come from the decision.
    info: { title, subject: fields.procedureName, author: fields.authorityName, createdAt: fields.decidedAt },
    leaderSlot: {
      pageIndex: 0,
      rect: [signatureColumn.x, slotTop - SIGNATURE_HEIGHT, signatureColumn.x + signatureColumn.width, slotTop],
    },
    officerSlot: { pageIndex: 0, rect: [MARGIN.left, slotTop - SIGNATURE_HEIGHT, MARGIN.left + 200, slotTop] },
  };
}

/** The notice as an unsigned PDF (previews, tests); signing goes through renderAndSignResult. */
export function renderResultDocument(input: ResultDocumentInput): Buffer {
  return writeDocument(draftResultDocument(input)).bytes;
}

function normalizeInput(input: ResultDocumentInput): ResultDocumentInput {
  const text = (field: keyof ResultDocumentInput, multiline = false): string =>
    printableText(input[field], field, "result document", multiline);
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
    decidedAt: printableDate(input.decidedAt, "decidedAt", "result document"),
    officialId: text("officialId"),
    ...(input.trackingUrl ? { trackingUrl: text("trackingUrl") } : {}),
  };
}
