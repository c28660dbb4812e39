import * as path from "node:path";
import { randomUUID } from "node:crypto";
import { EventTypes } from "@lienthong/contracts";
import { createCalendar, vietnamDate } from "@lienthong/domain";
import {
  AUTHORIZATION_HEADER,
  CLIENT_KEY_HEADER,
  DEVELOPMENT_CLIENTS,
  DEVELOPMENT_OFFICIALS,
  openDevelopmentIssuer,
  type DevelopmentOfficial,
} from "@lienthong/service-host";
import { defineCollection } from "@lienthong/storage";
import { tempDir, waitFor } from "@lienthong/testing";
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

  it("(c) an overdue dossier produces an apology event and a new appointment", async () => {
    now = MONDAY;
    const code = await submit();
    expect((await act(code, "accept")).status).toBe(200);
    const first = String((await assignment(code)).appointmentAt);
    // Two working days after the appointment: the deadline watcher notices and apologises.
    now = calendar.addWorkingDays(new Date(first), 2, "38");
    await waitFor(
      async () =>
        (await application(code)).timeline.some((entry) => entry.eventType === EventTypes.dossierOverdue.type),
      {
        description: "the apology in the citizen's timeline",
        timeoutMs: 10_000,
      },
    );
    const after = await assignment(code);
    expect(new Date(String(after.appointmentAt)).getTime()).toBeGreaterThan(now.getTime());
    expect(after).toMatchObject({ status: 4 });
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
    const documents = defineCollection<{ dossierId: string }>("documents", { indexes: [["dossierId"]] });
    const dossierId = String(before.dossierId);
    expect(await signature.store.find(documents, { where: { dossierId } })).toEqual([]);

    // The control: the authority's own leader decides, and the result is signed.
    expect((await act(code, "decide", { outcome: "approved", summary: "Đủ điều kiện." })).status).toBe(200);
    await waitFor(async () => (await assignment(code)).status === 9, { description: "status 9", timeoutMs: 20_000 });
    expect(await signature.store.find(documents, { where: { dossierId } })).toHaveLength(1);
    await waitFor(async () => (await decisionEvents()).includes("gov.lienthong.signature.signed.v1"), {
      description: "the signed result in intake's timeline",
      timeoutMs: 10_000,
    });
  }, 60_000);
});
