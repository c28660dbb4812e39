import { readFile, readdir } from "node:fs/promises";
import * as path from "node:path";
import { common } from "@lienthong/contracts";
import { vietnamDate } from "@lienthong/domain";
import { tempDir } from "@lienthong/testing";
import { simpleParser, type ParsedMail } from "mailparser";
import {
  EFFECT_TIMEOUT_MS,
  applicant,
  startNotification,
  type Dossier,
  type NotificationHarness,
} from "./support/notification-harness";

/** 17:00 on Wednesday 2 December 2026 in Vietnam: 10:00 UTC. */
const APPOINTMENT = vietnamDate(2026, 12, 2, 17, 0);
/** 06:45 on 2 December in Vietnam is still 1 December in UTC: a date taken in UTC would be a day early. */
const ISSUED = vietnamDate(2026, 12, 2, 6, 45);
const ISO_DATE = /\d{4}-\d{2}-\d{2}/;

/** The citizen's text of a parsed mail: subject, plain text and, when there is one, the HTML part. */
function citizenTexts(mail: ParsedMail): string[] {
  return [mail.subject ?? "", mail.text ?? "", ...(mail.html ? [mail.html] : [])];
}

/** The raw line of a header as it went over the wire (folded lines included). */
function rawHeader(mail: ParsedMail, name: string): string {
  const line = mail.headerLines.find((header) => header.key === name)?.line;
  if (line === undefined) throw new Error(`the message has no ${name} header`);
  return line;
}

/** Where the applicant's mail ends up: the raw messages, as the SMTP server received them or as captured. */
interface Mailbox {
  env: Record<string, string>;
  messages(harness: NotificationHarness): Promise<Buffer[]>;
  close(): Promise<void>;
}

const viaSmtp = (): Promise<Mailbox> =>
  Promise.resolve({
    env: {},
    messages: (harness) => Promise.resolve(harness.mail.to(applicant.email).map((mail) => mail.raw)),
    close: () => Promise.resolve(),
  });

/** Embedded mode: no SMTP_URL, every message written as an .eml file under DATA_DIR (nodemailer's stream transport). */
async function viaCapture(): Promise<Mailbox> {
  const dataDir = await tempDir("notification-capture");
  const folder = path.join(dataDir.path, "notification", "mail");
  return {
    env: { SMTP_URL: "", DATA_DIR: dataDir.path },
    messages: async () => Promise.all((await readdir(folder)).map((name) => readFile(path.join(folder, name)))),
    close: () => dataDir.remove(),
  };
}

describe.each([
  ["received by a real SMTP server", viaSmtp],
  ["captured as .eml files in embedded mode", viaCapture],
])("the applicant's result mail, %s and read by a mail parser", (_where, openMailbox) => {
  let mailbox: Mailbox;
  let harness: NotificationHarness;
  let dossier: Dossier;
  let accepted: ParsedMail;
  let result: ParsedMail;
  /** The messages as they went over the wire. */
  let raws: Buffer[];

  beforeAll(async () => {
    mailbox = await openMailbox();
    harness = await startNotification(mailbox.env);
    dossier = await harness.submit();
    const ids = { dossierId: dossier.dossierId, dossierCode: dossier.dossierCode };
    const events = [
      await harness.publish("applicationAccepted", {
        ...ids,
        status: common.DossierStatus.DOSSIER_STATUS_ACCEPTED,
        acceptedAt: new Date(APPOINTMENT.getTime() - 7 * 86_400_000).toISOString(),
        appointmentAt: APPOINTMENT.toISOString(),
        officialId: "can-bo-tiep-nhan",
        procedureVersion: 1,
      }),
      await harness.publish("resultIssued", {
        ...ids,
        status: common.DossierStatus.DOSSIER_STATUS_DECIDED,
        issuedAt: ISSUED.toISOString(),
        outcome: common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
        documentId: "6f1c2a4e-7d0b-4e55-9a57-0c3f2b8d1e90",
        downloadPath: "/v1/documents/6f1c2a4e-7d0b-4e55-9a57-0c3f2b8d1e90",
        appointmentAt: APPOINTMENT.toISOString(),
        timeliness: common.Timeliness.TIMELINESS_EARLY,
      }),
    ];
    for (const id of events) await harness.handled(id);
    // A mail is delivered once the SMTP server recorded and accepted it, or once its file is written.
    await harness.waitForDeliveries(
      dossier.dossierCode,
      (listed) => listed.length > 0 && listed.every((delivery) => delivery.stateName === "delivered"),
      `every delivery of ${dossier.dossierCode} delivered`,
    );
    raws = await mailbox.messages(harness);
    const mails = await Promise.all(raws.map((raw) => simpleParser(raw)));
    expect(mails.map((mail) => mail.subject).sort()).toEqual(
      [`Hồ sơ ${dossier.dossierCode} đã có kết quả`, `Hồ sơ ${dossier.dossierCode} đã được tiếp nhận`].sort(),
    );
    [accepted, result] = [
      mails.find((mail) => mail.subject?.endsWith("đã được tiếp nhận")),
      mails.find((mail) => mail.subject?.endsWith("đã có kết quả")),
    ] as [ParsedMail, ParsedMail];
  }, 2 * EFFECT_TIMEOUT_MS);

  afterAll(async () => {
    await harness?.stop();
    await mailbox?.close();
  });

  it("names the dossier code and the Vietnamese date and time the result was issued, in NFC Vietnamese", () => {
    expect(result.subject).toBe(`Hồ sơ ${dossier.dossierCode} đã có kết quả`);
    expect(result.text).toContain(
      `Hồ sơ ${dossier.dossierCode} đã được giải quyết (chấp thuận). Kết quả đã được ký số lúc 06 giờ 45, ngày 02 tháng 12 năm 2026 và sẵn sàng để nhận.`,
    );
    for (const text of citizenTexts(result)) {
      expect(text).toContain(dossier.dossierCode);
      // Precomposed letters, as the test's literals are: a decomposed "ế" or "ồ" would not match.
      expect(text).toBe(text.normalize("NFC"));
    }
    expect(result.text).toContain("hồ sơ");
    expect(result.text).toContain(`Kính gửi ông/bà ${applicant.fullName},`);
  });

  it("gives the appointment as a Vietnamese time and date", () => {
    expect(accepted.text).toContain("Thời gian hẹn trả kết quả: 17 giờ 00, ngày 02 tháng 12 năm 2026.");
  });

  it("writes no ISO date anywhere a citizen reads", () => {
    for (const mail of [accepted, result]) {
      for (const text of citizenTexts(mail)) expect(text).not.toMatch(ISO_DATE);
    }
  });

  it("sends a plain-text and an HTML part, the HTML with the same news", () => {
    for (const mail of [accepted, result]) {
      const contentType = mail.headers.get("content-type") as { value: string; params: Record<string, string> };
      expect(contentType.value).toBe("multipart/alternative");
      expect(mail.html).toContain(`<strong>${dossier.dossierCode}</strong>`);
    }
    expect(accepted.html).toContain(
      "Thời gian hẹn trả kết quả: <strong>17 giờ 00, ngày 02 tháng 12 năm 2026</strong>.",
    );
    expect(result.html).toContain(`<p>Kính gửi ông/bà ${applicant.fullName},</p>`);
  });

  it("declares UTF-8 and encodes the subject as RFC 2047 words, so the header stays ASCII", () => {
    for (const mail of [accepted, result]) {
      const subject = rawHeader(mail, "subject");
      // eslint-disable-next-line no-control-regex -- the point is that every byte is ASCII
      expect(subject).toMatch(/^[\x00-\x7f]*$/);
      expect(subject).toMatch(/=\?utf-8\?[bq]\?/i);
    }
    expect(raws).toHaveLength(2);
    for (const raw of raws) {
      // Every byte as one character: the declarations are ASCII, whatever the bodies hold.
      const wire = raw.toString("latin1");
      for (const part of ["text/plain", "text/html"])
        expect(wire).toMatch(new RegExp(`^Content-Type: ${part}; charset=utf-8\r?$`, "im"));
    }
  });
});
