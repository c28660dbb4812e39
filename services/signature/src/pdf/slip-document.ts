import { vietnameseDateTime } from "@lienthong/domain";
import { SigningError } from "../pki/errors";
import { Canvas } from "./canvas";
import { writeDocument } from "./document";
import { documentFonts, type DocumentFonts } from "./prepared-font";
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
  type SignatureSlot,
} from "./layout";

/**
 * The one-stop desk's slips, forms 01–04 of Circular 03/2025/TT-VPCP Appendix I (Mẫu số 01–04, guiding
 * Decree 118/2025/NĐ-CP; in force since 15 Sep 2025). The form number is data here, not part of a name:
 * the same appendix numbers forms 05–07 the desk does not issue as slips.
 */
export type SlipKind = "receipt" | "supplement_request" | "refusal" | "apology";

interface SlipForm {
  /** The form's number in Circular 03/2025/TT-VPCP Appendix I. */
  form: string;
  title: string;
  /** Above the signature: who signs the form. */
  signerTitle: string;
}

export const SLIP_FORMS: Record<SlipKind, SlipForm> = {
  receipt: { form: "01", title: "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", signerTitle: "NGƯỜI TIẾP NHẬN HỒ SƠ" },
  supplement_request: {
    form: "02",
    title: "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    signerTitle: "NGƯỜI HƯỚNG DẪN",
  },
  refusal: { form: "03", title: "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", signerTitle: "NGƯỜI TIẾP NHẬN HỒ SƠ" },
  apology: {
    form: "04",
    title: "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
    signerTitle: "THỦ TRƯỞNG CƠ QUAN",
  },
};

/** What a slip prints. No applicant data: the desk hands the slip over with the dossier it names. */
export interface SlipInput {
  kind: SlipKind;
  /** The unit issuing the slip, in the heading: the receiving unit (01–03), the competent authority (04). */
  authorityName: string;
  /** Where the issuing unit is, before the date (Decree 30/2020/NĐ-CP), e.g. "Mường Lát"; the date stands alone without it. */
  placeName?: string;
  dossierCode: string;
  procedureName: string;
  /** When the action the slip records happened (acceptance, the request, the refusal, the apology). */
  issuedAt: Date;
  /** The issuing official: staff id, and the name their certificate gives. */
  officialId: string;
  officialName: string;
  /** 01: who decides the dossier. */
  competentAuthorityName?: string;
  /** 01: the appointment; 04: the new one. */
  appointmentAt?: Date;
  /** 04: the appointment the dossier will miss. */
  previousAppointmentAt?: Date;
  /** 02: every missing item, numbered on the slip. */
  items?: readonly string[];
  /** 02 (optional), 03, 04: why. */
  reason?: string;
  /** The dossier's public tracking page, printed as a QR code. */
  trackingUrl: string;
}

/** Where the QR code's block starts, and the lowest a paragraph may end on a page. */
const QR_BOTTOM = MARGIN.bottom - 20;
const BODY_BOTTOM = MARGIN.bottom;

/**
 * Lays out one slip on A4, with the issuing official's signature place on its last page. A long list of
 * missing items runs on to further pages (each headed with the dossier code), so every item is printed;
 * the signature and the QR code close the last one.
 */
export function draftSlipDocument(input: SlipInput, fonts: DocumentFonts = documentFonts()): PageDraft {
  const fields = normalizeSlip(input);
  assertPrintable(fields, fonts, "slip");
  const form = SLIP_FORMS[fields.kind];
  const pages: Buffer[] = [];
  let canvas = new Canvas(fonts);
  let y = A4[1] - MARGIN.top;
  const nextPage = (): void => {
    pages.push(canvas.content());
    canvas = new Canvas(fonts);
    y = A4[1] - MARGIN.top;
    const heading = `${form.title} — hồ sơ ${fields.dossierCode} (tiếp theo, trang ${pages.length + 1})`;
    y = drawParagraph(canvas, [{ text: heading, style: "italic" }], y) - 10;
  };
  /** Starts a new page unless `height` more points fit above `bottom` on this one. */
  const room = (height: number, bottom: number): void => {
    if (y - height >= bottom) return;
    nextPage();
    if (y - height < bottom) {
      throw new SigningError("INVALID_DOCUMENT_INPUT", "slip: one item or reason is too long for a page");
    }
  };
  y = drawHeader(
    canvas,
    {
      authorityName: fields.authorityName,
      ...(fields.placeName && { placeName: fields.placeName }),
      decidedAt: fields.issuedAt,
    },
    y,
  );
  y -= 28;
  y = drawCentered(canvas, [{ text: form.title, style: "bold" }], 14, y);
  y = drawCentered(canvas, [{ text: `(Mẫu số ${form.form})`, style: "italic" }], 11, y);
  y -= 14;

  const body = (runs: Run[]): void => {
    // Measured on a scratch canvas: a paragraph is never split across pages.
    room(y - drawParagraph(new Canvas(fonts), runs, y), BODY_BOTTOM);
    y = drawParagraph(canvas, runs, y);
    y -= 5;
  };
  const at = vietnameseDateTime;
  body(labelled("Mã hồ sơ: ", fields.dossierCode));
  body(labelled("Thủ tục: ", fields.procedureName));
  switch (fields.kind) {
    case "receipt":
      body(labelled(`${fields.authorityName} đã tiếp nhận hồ sơ lúc `, `${at(fields.issuedAt)}.`));
      if (fields.competentAuthorityName) body(labelled("Cơ quan giải quyết: ", fields.competentAuthorityName));
      body([
        { text: "Thời gian hẹn trả kết quả: ", style: "regular" },
        { text: at(required(fields.appointmentAt, "appointmentAt")), style: "bold" },
      ]);
      body(labelled("Nơi trả kết quả: ", `Bộ phận tiếp nhận và trả kết quả, ${fields.authorityName}.`));
      break;
    case "supplement_request": {
      const items = fields.items ?? [];
      if (items.length === 0) throw new SigningError("INVALID_DOCUMENT_INPUT", "slip: items are required");
      // issuedAt is when the supplement was asked for (the event's requestedAt), not when the dossier came in.
      body(labelled("Ngày yêu cầu bổ sung: ", `${at(fields.issuedAt)}.`));
      body([{ text: "Hồ sơ cần bổ sung, hoàn thiện các nội dung sau (nêu đầy đủ một lần):", style: "regular" }]);
      items.forEach((item, index) => body([{ text: `${index + 1}. ${item}`, style: "regular" }]));
      if (fields.reason) body(labelled("Lý do: ", fields.reason));
      break;
    }
    case "refusal":
      body([
        {
          text: `${fields.authorityName} từ chối tiếp nhận giải quyết hồ sơ lúc ${at(fields.issuedAt)}.`,
          style: "regular",
        },
      ]);
      body([
        { text: "Lý do từ chối: ", style: "bold" },
        { text: required(fields.reason, "reason"), style: "regular" },
      ]);
      break;
    case "apology":
      body(
        labelled(
          "Thời gian hẹn trả kết quả: ",
          `${at(required(fields.previousAppointmentAt, "previousAppointmentAt"))}.`,
        ),
      );
      body(labelled("Lý do chậm trả kết quả: ", required(fields.reason, "reason")));
      // Form 04 under Decree 118/2025/NĐ-CP: an apology before the appointment, proposing the new date.
      body([
        {
          text: `${fields.authorityName} xin lỗi ông/bà vì sự chậm trễ này và đề nghị gia hạn thời gian giải quyết hồ sơ đến `,
          style: "regular",
        },
        { text: `${at(required(fields.appointmentAt, "appointmentAt"))}.`, style: "bold" },
      ]);
      break;
  }
  body([
    {
      text: "Phiếu này được ký số; tính toàn vẹn và nguồn gốc được kiểm tra bằng chữ ký số đi kèm.",
      style: "italic",
    },
  ]);

  const signatureColumn: Column = { x: 300, width: A4[0] - MARGIN.right - 300 };
  const closing = (on: Canvas, top: number): { slotTop: number; bottom: number } => {
    let at = top - 12;
    at = drawCentered(on, [{ text: form.signerTitle, style: "bold" }], BODY_SIZE, at, signatureColumn);
    at = drawCentered(on, [{ text: "(Đã ký số)", style: "italic" }], BODY_SIZE, at, signatureColumn);
    const slotTop = at - 4;
    at = slotTop - SIGNATURE_HEIGHT - 6;
    at = drawCentered(on, [{ text: fields.officialName, style: "bold" }], BODY_SIZE, at, signatureColumn);
    return { slotTop, bottom: drawCentered(on, labelled("Mã cán bộ: ", fields.officialId), 11, at, signatureColumn) };
  };
  room(y - closing(new Canvas(fonts), y).bottom, QR_BOTTOM + QR_SIZE + 8);
  const { slotTop } = closing(canvas, y);
  drawTracking(canvas, fields.dossierCode, fields.trackingUrl, QR_BOTTOM);

  const title = `${form.title.charAt(0)}${form.title.slice(1).toLocaleLowerCase("vi")} ${fields.dossierCode}`;
  const slot: SignatureSlot = {
    pageIndex: pages.length,
    rect: [signatureColumn.x, slotTop - SIGNATURE_HEIGHT, A4[0] - MARGIN.right, slotTop],
  };
  const [first = canvas.content(), ...rest] = [...pages, canvas.content()];
  return {
    size: A4,
    content: first,
    ...(rest.length > 0 && { continuation: rest }),
    // The same input gives the same bytes: the dates come from the action the slip records.
    info: { title, subject: fields.procedureName, author: fields.authorityName, createdAt: fields.issuedAt },
    // One official signs a slip: both places are the same.
    leaderSlot: slot,
    officerSlot: slot,
  };
}

/** The slip as an unsigned PDF (tests, previews); issuing goes through renderAndSignSlip. */
export function renderSlipDocument(input: SlipInput): Buffer {
  return writeDocument(draftSlipDocument(input)).bytes;
}

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new SigningError("INVALID_DOCUMENT_INPUT", `slip: ${field} is required`);
  return value;
}

/** NFC text on one line each (result-document's normalizer), blanks refused by name. */
function normalizeSlip(input: SlipInput): SlipInput {
  const line = (value: unknown, field: string): string => printableText(value, field, "slip");
  const date = (value: Date | undefined, field: string): Date | undefined =>
    value === undefined ? undefined : printableDate(value, field, "slip");
  if (!Object.prototype.hasOwnProperty.call(SLIP_FORMS, input.kind)) {
    throw new SigningError("INVALID_DOCUMENT_INPUT", "slip: kind is not a known slip");
  }
  const appointmentAt = date(input.appointmentAt, "appointmentAt");
  const previousAppointmentAt = date(input.previousAppointmentAt, "previousAppointmentAt");
  return {
    kind: input.kind,
    authorityName: line(input.authorityName, "authorityName"),
    ...(input.placeName?.trim() && { placeName: line(input.placeName, "placeName") }),
    dossierCode: line(input.dossierCode, "dossierCode"),
    procedureName: line(input.procedureName, "procedureName"),
    issuedAt: required(date(input.issuedAt, "issuedAt"), "issuedAt"),
    officialId: line(input.officialId, "officialId"),
    officialName: line(input.officialName, "officialName"),
    trackingUrl: line(input.trackingUrl, "trackingUrl"),
    ...(input.competentAuthorityName?.trim() && {
      competentAuthorityName: line(input.competentAuthorityName, "competentAuthorityName"),
    }),
    ...(appointmentAt && { appointmentAt }),
    ...(previousAppointmentAt && { previousAppointmentAt }),
    ...(input.items && { items: input.items.map((item, index) => line(item, `items[${index}]`)) }),
    ...(input.reason?.trim() && { reason: line(input.reason, "reason") }),
  };
}
