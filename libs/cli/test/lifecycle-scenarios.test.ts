import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { EventTypes } from "@lienthong/contracts";
import { createCalendar, vietnamDate, vietnameseDateTime } from "@lienthong/domain";
import {
  AUTHORIZATION_HEADER,
  CLIENT_KEY_HEADER,
  DEVELOPMENT_CLIENTS,
  DEVELOPMENT_OFFICIALS,
  openDevelopmentIssuer,
  type DevelopmentOfficial,
} from "@lienthong/service-host";
import { defineCollection } from "@lienthong/storage";
import { readMail, tempDir, waitFor, type ReadMail } from "@lienthong/testing";
import { demoApplication } from "../src/demo";
import { officialCredentials, type DossierUnits } from "./support/credentials";
import type { PlatformUrls } from "../src/platform-urls";
import type { EmbeddedPlatform } from "../src/embedded";
import { startTestPlatform } from "./support/embedded-platform";

/**
 * The lifecycle scenarios of DOMAIN.md, end to end through the four services
 * in one process, on one clock the test moves (working days pass in
 * milliseconds). Every call goes through the public REST APIs.
 */

const TAM_CHUNG = "14848";
const HAC_THANH = "14797";
const CRIMINAL_RECORD_CERTIFICATE = "3.000333";
const calendar = createCalendar();
/** Monday 1 March 2027, 08:00 Vietnam time: an ordinary working week. */
const MONDAY = vietnamDate(2027, 3, 1, 8, 0);

type Json = Record<string, unknown> & { status?: number };
interface Reply {
  status: number;
  body: Json;
}

describe("lifecycle scenarios through the services", () => {
  let now = MONDAY;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let platform: EmbeddedPlatform;
  let urls: PlatformUrls;

  let credentials: Awaited<ReturnType<typeof officialCredentials>>;

  const call = async (
    url: string,
    method = "GET",
    body?: unknown,
    apiKey?: string,
    headers: Record<string, string> = {},
  ): Promise<Reply> => {
    const response = await fetch(url, {
      method,
      headers: { "content-type": "application/json", ...(apiKey ? { [CLIENT_KEY_HEADER]: apiKey } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const assignment = async (code: string) =>
    (await call(`${urls.routing}/v1/dossiers/${code}`, "GET", undefined, DEVELOPMENT_CLIENTS.portal.key)).body
      .assignment as Json & DossierUnits;
  /** An official's action, by the official the workflow asks for at the dossier's unit. */
  const act = async (code: string, action: string, body: Record<string, unknown> = {}) =>
    call(
      `${urls.routing}/v1/dossiers/${code}/actions/${action}`,
      "POST",
      body,
      undefined,
      credentials.forAction(action, await assignment(code)),
    );
  const application = async (code: string, key: string = DEVELOPMENT_CLIENTS.muongLat.key) =>
    (await call(`${urls.intake}/v1/applications/${code}`, "GET", undefined, key)).body.application as Json & {
      timeline: { eventType: string }[];
    };

  async function submit(
    overrides: Record<string, unknown> = {},
    key: string = DEVELOPMENT_CLIENTS.muongLat.key,
  ): Promise<string> {
    const reply = await call(`${urls.intake}/v1/applications`, "POST", { ...demoApplication(), ...overrides }, key);
    expect(reply).toMatchObject({ status: 201 });
    const code = (reply.body.application as { dossierCode: string }).dossierCode;
    await waitFor(
      async () => (await call(`${urls.routing}/v1/dossiers/${code}`, "GET", undefined, key)).status === 200,
      {
        description: `${code} at routing`,
        timeoutMs: 10_000,
      },
    );
    return code;
  }

  beforeAll(async () => {
    dir = await tempDir("lienthong-scenarios-");
    let identityDir: string;
    ({ platform, urls, identityDir } = await startTestPlatform(dir.file("data"), {
      env: { DEADLINE_POLL_INTERVAL_MS: "25" },
      clock: () => new Date(now.getTime()),
    }));
    credentials = await officialCredentials(identityDir);
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
    await dir?.remove();
  });

  it("(a) a marriage registration whose supplement waits 3 working days still finishes on time, its appointment moved by 3 working days", async () => {
    now = MONDAY;
    const code = await submit();
    now = vietnamDate(2027, 3, 1, 9, 0);
    expect((await act(code, "accept")).status).toBe(200);
    const appointment = new Date(String((await assignment(code)).appointmentAt));

    now = vietnamDate(2027, 3, 1, 10, 0);
    expect(
      (
        await act(code, "request_supplement", {
          missingItems: ["Giấy xác nhận tình trạng hôn nhân", "Bản sao CCCD của bên nam"],
        })
      ).status,
    ).toBe(200);
    await waitFor(async () => (await application(code)).status === 5, {
      description: "status 5 at intake",
      timeoutMs: 10_000,
    });

    // Three working days later (Thursday 10:00) the applicant hands everything in at once through intake.
    now = vietnamDate(2027, 3, 4, 10, 0);
    const supplement = await call(
      `${urls.intake}/v1/applications/${code}/supplement`,
      "POST",
      {
        providedItems: ["Giấy xác nhận tình trạng hôn nhân", "Bản sao CCCD của bên nam"],
        attachments: [
          {
            name: "xac-nhan-tinh-trang-hon-nhan.pdf",
            mediaType: "application/pdf",
            contentBase64: Buffer.from("%PDF-1.7 xác nhận").toString("base64"),
          },
          {
            name: "cccd-ben-nam.jpg",
            mediaType: "image/jpeg",
            contentBase64: Buffer.from("ảnh CCCD").toString("base64"),
          },
        ],
      },
      DEVELOPMENT_CLIENTS.muongLat.key,
    );
    expect(supplement).toMatchObject({ status: 200 });
    await waitFor(async () => (await assignment(code)).status === 4, {
      description: "processing resumed",
      timeoutMs: 10_000,
    });
    const moved = new Date(String((await assignment(code)).appointmentAt));
    expect(moved.toISOString()).toBe(calendar.addWorkingDays(appointment, 3, "38").toISOString());

    now = new Date(moved.getTime() - 60 * 60 * 1000);
    expect((await act(code, "decide", { outcome: "approved", summary: "Đủ điều kiện." })).status).toBe(200);
    await waitFor(async () => (await assignment(code)).status === 9, { description: "status 9", timeoutMs: 20_000 });
    expect((await assignment(code)).timeliness).toBe(2); // TIMELINESS_ON_TIME
    await waitFor(async () => (await application(code)).status === 9, {
      description: "status 9 at intake",
      timeoutMs: 10_000,
    });
  }, 60_000);

  it("(b) a criminal-record certificate received at a commune centre is routed to the provincial police", async () => {
    now = MONDAY;
    const code = await submit(
      {
        procedureCode: CRIMINAL_RECORD_CERTIFICATE,
        receivingUnitCode: HAC_THANH,
        applicantCommuneCode: TAM_CHUNG,
        formFields: {
          applicantFullName: "Lò Thị Hoa",
          applicantCitizenId: "038190012345",
          certificateType: "1",
          purpose: "Bổ sung hồ sơ xin việc",
        },
      },
      DEVELOPMENT_CLIENTS.portal.key,
    );
    expect((await act(code, "accept")).status).toBe(200);
    expect((await assignment(code)).competentAuthority).toMatchObject({
      code: "38.CA",
      name: "Công an tỉnh Thanh Hoá",
    });
    // Boundary-free intake: the police, competent though another unit received it, can read it once routed.
    await waitFor(
      async () =>
        (await call(`${urls.intake}/v1/applications/${code}`, "GET", undefined, DEVELOPMENT_CLIENTS.thanhHoaPolice.key))
          .status === 200,
      {
        description: "the police see the dossier they are competent for",
        timeoutMs: 10_000,
      },
    );
  }, 30_000);

  it("(c) an overdue dossier without apology is flagged to its authority and keeps its appointment", async () => {
    now = MONDAY;
    const code = await submit();
    expect((await act(code, "accept")).status).toBe(200);
    const first = String((await assignment(code)).appointmentAt);
    // Two working days after the appointment: the deadline watcher notices; no apology is made up after the fact.
    now = calendar.addWorkingDays(new Date(first), 2, "38");
    await waitFor(
      async () =>
        (await application(code)).timeline.some((entry) => entry.eventType === EventTypes.dossierOverdue.type),
      {
        description: "the overdue dossier in the citizen's timeline",
        timeoutMs: 10_000,
      },
    );
    expect(await assignment(code)).toMatchObject({
      status: 4,
      appointmentAt: first,
      deadlineState: "overdue",
      overdueWithoutApology: true,
    });
  }, 30_000);

  it("(d) 1,000 concurrent submissions at one unit get 1,000 distinct, consecutive dossier codes", async () => {
    now = vietnamDate(2027, 3, 2, 8, 0);
    const replies = await Promise.all(
      Array.from({ length: 1000 }, () =>
        call(
          `${urls.intake}/v1/applications`,
          "POST",
          { ...demoApplication(), receivingUnitCode: TAM_CHUNG },
          DEVELOPMENT_CLIENTS.portal.key,
        ),
      ),
    );
    expect(replies.every((reply) => reply.status === 201)).toBe(true);
    const codes = replies.map((reply) => (reply.body.application as { dossierCode: string }).dossierCode);
    const sequences = codes.map((code) => Number(code.split("-")[2])).sort((a, b) => a - b);
    expect(new Set(codes).size).toBe(1000);
    expect(sequences).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(new Set(codes.map((code) => code.split("-")[1]))).toEqual(new Set(["270302"]));
    // A thousand at once on two busy cores may take a while; what is checked is that none is lost or doubled.
  }, 180_000);

  it("(e) an illegal action is refused naming the status and the allowed actions; of two concurrent officials one wins", async () => {
    now = MONDAY;
    const code = await submit();
    const tooEarly = await act(code, "decide", { outcome: "approved", summary: "Đủ điều kiện." });
    expect(tooEarly.status).toBe(409);
    expect(tooEarly.body).toMatchObject({
      code: "FAILED_PRECONDITION",
      details: { status: 1, allowedActions: expect.arrayContaining(["accept", "refuse"]) },
    });
    expect(String(tooEarly.body.detail)).toContain("1");

    const { version } = await assignment(code);
    const [one, two] = await Promise.all([
      act(code, "accept", { expectedVersion: version }),
      act(code, "refuse", { expectedVersion: version, reason: "Không thuộc thẩm quyền" }),
    ]);
    expect([one.status, two.status].sort()).toEqual([200, 409]);
    expect([3, 4]).toContain((await assignment(code)).status);
  }, 30_000);

  it("(f) a commune system cannot read another commune's dossier", async () => {
    now = MONDAY;
    const code = await submit({ idempotencyKey: randomUUID() });
    expect(
      (await call(`${urls.intake}/v1/applications/${code}`, "GET", undefined, DEVELOPMENT_CLIENTS.tamChung.key)).status,
    ).toBe(404);
    expect(
      (await call(`${urls.intake}/v1/applications/${code}`, "GET", undefined, DEVELOPMENT_CLIENTS.muongLat.key)).status,
    ).toBe(200);
  }, 30_000);

  it("(g) a leader of another authority cannot get a dossier's result signed: nothing is signed, no event is emitted", async () => {
    now = MONDAY;
    const code = await submit();
    expect((await act(code, "accept")).status).toBe(200);
    const before = await assignment(code);
    expect(before.competentAuthority).toMatchObject({ code: "14845" });
    await waitFor(async () => (await application(code)).status === 4, { description: "accepted at intake" });
    // The receipt slip of the acceptance, before counting what a refusal might add.
    await waitFor(
      async () => (await application(code)).timeline.some((entry) => entry.eventType === EventTypes.slipIssued.type),
      { description: "the receipt slip in intake's timeline", timeoutMs: 20_000 },
    );
    /** What officials' actions and signing emit, as intake's timeline records them (timers and deliveries aside). */
    const decisionEvents = async () =>
      (await application(code)).timeline
        .filter((entry) => /^gov\.lienthong\.(dossier|signature)\./.test(entry.eventType))
        .filter((entry) => !entry.eventType.startsWith("gov.lienthong.dossier.deadline_"))
        .map((entry) => entry.eventType);
    const eventsBefore = await decisionEvents();

    const issuer = await openDevelopmentIssuer(path.join(dir.file("data"), "identity"));
    const as = async (official: DevelopmentOfficial, apiKey: string) => ({
      [CLIENT_KEY_HEADER]: apiKey,
      [AUTHORIZATION_HEADER]: `Bearer ${await issuer.sign(official)}`,
    });
    const decision = { outcome: "approved", summary: "Đủ điều kiện.", officialId: "chu-tich-muong-lat" };
    // Tam Chung's leader, through Tam Chung's system and through the portal (which acts for every commune),
    // naming Mường Lát's leader in the body: the dossier is another authority's, so it does not exist for them.
    for (const apiKey of [DEVELOPMENT_CLIENTS.tamChung.key, DEVELOPMENT_CLIENTS.portal.key]) {
      const headers = await as(DEVELOPMENT_OFFICIALS.leaderTamChung, apiKey);
      const refused = await call(
        `${urls.routing}/v1/dossiers/${code}/actions/decide`,
        "POST",
        decision,
        undefined,
        headers,
      );
      expect(refused).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
    }
    // Nor can they have a PDF signed for Mường Lát's authority directly.
    const signed = await fetch(`${urls.signature}/v1/documents/sign?competentAuthorityCode=14845`, {
      method: "POST",
      headers: {
        "content-type": "application/pdf",
        ...(await as(DEVELOPMENT_OFFICIALS.leaderTamChung, DEVELOPMENT_CLIENTS.portal.key)),
      },
      body: "%PDF-1.7\n%%EOF\n",
    });
    expect(signed.status).toBe(403);

    // Give any event a refusal might have caused time to travel, then count: nothing moved anywhere.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // (Its version may move: the deadline timers write to it.)
    expect(await assignment(code)).toMatchObject({ status: 4, outcome: 0, allowedActions: before.allowedActions });
    expect(await decisionEvents()).toEqual(eventsBefore);
    const signature = platform.hosts.find((host) => host.name === "signature")!;
    const documents = defineCollection<{ dossierId: string; slipKind?: number }>("documents", {
      indexes: [["dossierId"]],
    });
    const dossierId = String(before.dossierId);
    // The receipt slip of the acceptance is the only document.
    const kept = await signature.store.find(documents, { where: { dossierId } });
    expect(kept.map(({ data }) => data.slipKind)).toEqual([1]);

    // The control: the authority's own leader decides, and the result is signed.
    expect((await act(code, "decide", { outcome: "approved", summary: "Đủ điều kiện." })).status).toBe(200);
    await waitFor(async () => (await assignment(code)).status === 9, { description: "status 9", timeoutMs: 20_000 });
    expect(await signature.store.find(documents, { where: { dossierId } })).toHaveLength(2);
    await waitFor(async () => (await decisionEvents()).includes("gov.lienthong.signature.signed.v1"), {
      description: "the signed result in intake's timeline",
      timeoutMs: 10_000,
    });
  }, 60_000);

  describe("(h) the desk's slips and the apology, signed and printable", () => {
    const desk = DEVELOPMENT_CLIENTS.muongLat.key;
    let nss = "";
    let n = 0;

    /** The dossier's slips of one kind as the desk lists them at signature, once issued. */
    const slip = async (code: string, kind: string) => {
      let found: { documentId: string; kind: string; officialId: string; downloadPath: string } | undefined;
      await waitFor(
        async () => {
          const listed = await call(`${urls.signature}/v1/dossiers/${code}/slips`, "GET", undefined, desk);
          const slips = (listed.body.slips ?? []) as NonNullable<typeof found>[];
          found = slips.find((entry) => entry.kind === kind);
          return found !== undefined;
        },
        { description: `the ${kind} slip of ${code}`, timeoutMs: 30_000 },
      );
      return found!;
    };
    /** The slip's PDF from the desk, on disk for the peer tools. */
    const pdfOf = async (downloadPath: string): Promise<string> => {
      const response = await fetch(`${urls.signature}${downloadPath}`, { headers: { [CLIENT_KEY_HEADER]: desk } });
      expect(response.status).toBe(200);
      n += 1;
      const file = dir.file(`slip-${n}.pdf`);
      writeFileSync(file, Buffer.from(await response.arrayBuffer()));
      return file;
    };
    /** Every mail notification captured so far (embedded mode writes them as .eml files). */
    const capturedMails = () => {
      const mailDir = path.join(dir.file("data"), "notification", "mail");
      return existsSync(mailDir)
        ? readdirSync(mailDir)
            .filter((name) => name.endsWith(".eml"))
            .map((name) => readMail(readFileSync(path.join(mailDir, name))))
        : [];
    };
    const textOf = (file: string) =>
      execFileSync("pdftotext", ["-enc", "UTF-8", file, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");

    beforeAll(() => {
      const nssDir = dir.file("nss");
      mkdirSync(nssDir);
      nss = `sql:${nssDir}`;
      execFileSync("certutil", ["-N", "-d", nss, "--empty-password"]);
      const root = path.join(dir.file("data"), "signature", "pki", "root.cert.pem");
      execFileSync("certutil", ["-A", "-d", nss, "-n", "root", "-t", "C,C,C", "-i", root]);
    });

    it("accepting hands over a receipt slip: code, procedure, the appointment in Vietnamese, the official, QR, valid signature", async () => {
      now = MONDAY;
      const code = await submit();
      now = vietnamDate(2027, 3, 1, 9, 30);
      expect((await act(code, "accept")).status).toBe(200);
      const dossier = await assignment(code);
      const receipt = await slip(code, "receipt");
      expect(receipt.officialId).toBe(DEVELOPMENT_OFFICIALS.receivingOfficerMuongLat.subject);
      const file = await pdfOf(receipt.downloadPath);
      const text = textOf(file);
      for (const expected of [
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        `Mã hồ sơ: ${code}`,
        `Thủ tục: ${String(dossier.procedureName)}`,
        `Thời gian hẹn trả kết quả: ${vietnameseDateTime(new Date(String(dossier.appointmentAt)))}`,
        DEVELOPMENT_OFFICIALS.receivingOfficerMuongLat.name,
      ]) {
        expect(text).toContain(expected);
      }
      execFileSync("pdftoppm", ["-r", "150", "-png", "-singlefile", file, `${file}.qr`]);
      const scanned = execFileSync("zbarimg", ["--quiet", "--raw", `${file}.qr.png`], { encoding: "utf8" }).trim();
      expect(scanned).toBe(`http://localhost:8081/v1/public/status/${code}`);
      const checked = execFileSync("pdfsig", ["-nssdir", nss, file], { encoding: "utf8" });
      expect(checked).toContain("Signature is Valid.");
      // (The test PKI was issued on the test's clock, years ahead: pdfsig judges its validity period by the
      // machine's; services/signature/test/signing/slips.test.ts checks the chain on the machine's clock.)
      expect(checked).toContain(`UID=${DEVELOPMENT_OFFICIALS.receivingOfficerMuongLat.subject}`);
      // The slip is on the applicant's timeline at intake.
      await waitFor(
        async () => (await application(code)).timeline.some((entry) => entry.eventType === EventTypes.slipIssued.type),
        { description: "slipIssued on intake's timeline", timeoutMs: 10_000 },
      );
    }, 60_000);

    it("a supplement request lists every missing item; a refusal prints its reason", async () => {
      now = MONDAY;
      const supplemented = await submit();
      expect((await act(supplemented, "accept")).status).toBe(200);
      const items = ["Giấy xác nhận tình trạng hôn nhân", "Bản sao CCCD của bên nam", "Ảnh chân dung 4x6"];
      expect((await act(supplemented, "request_supplement", { missingItems: items })).status).toBe(200);
      const requestText = textOf(await pdfOf((await slip(supplemented, "supplement_request")).downloadPath));
      expect(requestText).toContain("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ");
      items.forEach((item, index) => expect(requestText).toContain(`${index + 1}. ${item}`));

      const refused = await submit();
      const reason = "Hồ sơ không thuộc thẩm quyền tiếp nhận của xã";
      expect((await act(refused, "refuse", { reason })).status).toBe(200);
      const refusalText = textOf(await pdfOf((await slip(refused, "refusal")).downloadPath));
      expect(refusalText).toContain(`Lý do từ chối: ${reason}`);
    }, 60_000);

    it("a due-soon dossier gets its leader's apology before the appointment: the slip is issued and the new date holds", async () => {
      now = MONDAY;
      const code = await submit();
      expect((await act(code, "accept")).status).toBe(200);
      const first = new Date(String((await assignment(code)).appointmentAt));
      // Two hours before the appointment: due soon.
      now = new Date(first.getTime() - 2 * 3_600_000);
      await waitFor(
        async () =>
          (await application(code)).timeline.some((entry) => entry.eventType === EventTypes.deadlineDueSoon.type),
        { description: "due soon", timeoutMs: 10_000 },
      );
      const newDate = calendar.addWorkingDays(first, 3, "38");
      const reason = "Chờ kết quả xác minh của Công an xã";
      const apologized = await act(code, "apologize", { reason, newAppointmentAt: newDate.toISOString() });
      expect(apologized.status).toBe(200);
      expect(await assignment(code)).toMatchObject({ appointmentAt: newDate.toISOString(), apologies: 1 });
      const apology = await slip(code, "apology");
      expect(apology.officialId).toBe(DEVELOPMENT_OFFICIALS.leaderMuongLat.subject);
      const text = textOf(await pdfOf(apology.downloadPath));
      expect(text).toContain("VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT");
      expect(text).toContain(`Lý do chậm trả kết quả: ${reason}`);
      expect(text).toContain(`đề nghị gia hạn thời gian giải quyết hồ sơ đến ${vietnameseDateTime(newDate)}`);
      // The applicant is told, in Vietnamese, with the reason and the new date (the mail capture of embedded mode).
      let apologyMail: ReadMail | undefined;
      await waitFor(
        () => {
          // The apology's own mail, not the one telling of its slip.
          apologyMail = capturedMails().find(
            (mail) => mail.subject === `Hồ sơ ${code}: xin lỗi và đề nghị gia hạn thời gian giải quyết`,
          );
          return apologyMail !== undefined;
        },
        { description: "the applicant's apology mail", timeoutMs: 30_000 },
      );
      expect(apologyMail!.text).toContain(`Lý do: ${reason}.`);
      expect(apologyMail!.text).toContain(`Thời gian hẹn trả kết quả mới: ${vietnameseDateTime(newDate)}.`);
      // Intake's view of the dossier follows the new date.
      await waitFor(async () => (await application(code)).appointmentAt === newDate.toISOString(), {
        description: "the new appointment at intake",
        timeoutMs: 10_000,
      });
      // The old appointment passes: the dossier is not overdue.
      now = calendar.addWorkingDays(first, 1, "38");
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await assignment(code)).toMatchObject({ deadlineState: "within_deadline", overdueWithoutApology: false });
      // After the new appointment has passed, a further apology is refused.
      now = calendar.addWorkingDays(newDate, 1, "38");
      const late = await act(code, "apologize", {
        reason,
        newAppointmentAt: calendar.addWorkingDays(newDate, 3, "38").toISOString(),
      });
      expect(late).toMatchObject({ status: 409, body: { code: "FAILED_PRECONDITION" } });
    }, 60_000);
  });
});
