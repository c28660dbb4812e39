import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { common, events, notification } from "@lienthong/contracts";
import { ConfigError, DEVELOPMENT_OFFICIALS } from "@lienthong/service-host";
import { recordResponses, startRefusal, tempDir, waitFor, type TempDir } from "@lienthong/testing";
import { createNotificationService } from "../src/service";
import { SHIPPED_TEMPLATES_DIR, loadTemplates } from "../src/templates/catalog";
import { previewTemplate } from "../src/use-cases/preview-template";
import {
  EFFECT_TIMEOUT_MS,
  metadataOf,
  startNotification,
  type Credentials,
  type NotificationHarness,
} from "./support/notification-harness";

const { operator, auditor, leaderMuongLat } = DEVELOPMENT_OFFICIALS;
const { DeliveryChannel } = events;
const { DELIVERY_CHANNEL_EMAIL: EMAIL, DELIVERY_CHANNEL_WEBHOOK: WEBHOOK } = DeliveryChannel;

/** The province's own result text: what its override says that the shipped template does not. */
const PROVINCE_SENTENCE = "Mời ông/bà đến Bộ phận Một cửa xã để nhận kết quả.";

/**
 * A province's templates (NOTIFICATION_TEMPLATES_DIR) replace the shipped ones
 * and their version is recorded on each delivery; operators preview any
 * template with sample data over REST and gRPC (token alone, audited); a
 * broken template stops the start.
 */
describe("notification: province templates and their preview", () => {
  const responses = recordResponses();
  let provinceDir: TempDir;
  let harness: NotificationHarness;
  let tokens: Record<"operator" | "leader" | "auditor", string>;
  let client: notification.NotificationServiceClient;

  beforeAll(async () => {
    provinceDir = await tempDir("province-templates");
    mkdirSync(provinceDir.file("vi"));
    const shipped = readFileSync(path.join(SHIPPED_TEMPLATES_DIR, "vi", "resultIssued.yaml"), "utf8");
    writeFileSync(
      provinceDir.file("vi/resultIssued.yaml"),
      shipped.replace("version: 1", "version: 3").replace("  text: |\n", "  text: |\n    " + PROVINCE_SENTENCE + "\n"),
    );
    harness = await startNotification({ NOTIFICATION_TEMPLATES_DIR: provinceDir.path });
    tokens = {
      operator: await harness.token(operator),
      leader: await harness.token(leaderMuongLat),
      auditor: await harness.token(auditor),
    };
    client = new notification.NotificationServiceClient(
      `127.0.0.1:${harness.running.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
  });

  afterAll(async () => {
    client?.close();
    await harness?.stop();
    await provinceDir?.remove();
    responses.stop();
  });

  const preview = async (body: unknown, as: Credentials) => {
    const response = await fetch(`${harness.running.httpUrl}/ops/templates/preview`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(as.token !== undefined && { authorization: `Bearer ${as.token}` }),
        ...(as.apiKey !== undefined && { "x-api-key": as.apiKey }),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const grpcPreview = (request: Partial<notification.PreviewTemplateRequest>, as: Credentials) =>
    new Promise<notification.PreviewTemplateResponse>((resolve, reject) => {
      client.previewTemplate(
        notification.PreviewTemplateRequest.fromPartial(request),
        metadataOf(as),
        { deadline: new Date(Date.now() + 10_000) },
        (error, response) => (error ? reject(error) : resolve(response)),
      );
    });

  it("previews the province's template over REST, with the sample or the operator's values, HTML escaped", async () => {
    const reply = await preview(
      { eventType: "resultIssued", language: "vi", variables: { applicantName: "Lò <Mai>", approved: false } },
      { token: tokens.operator },
    );
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      template: { name: "resultIssued", language: "vi", version: 3, source: "province" },
      email: { subject: "Hồ sơ 14845-261207-0001 đã có kết quả" },
      sms: {
        text: "Ho so 14845-261207-0001 da co ket qua (tu choi), san sang de nhan.",
        encoding: "GSM-7",
        segments: 1,
      },
      zns: { customer_name: "Lò <Mai>", dossier_code: "14845-261207-0001" },
    });
    const email = reply.body.email as { text: string; html: string };
    expect(email.text).toContain(PROVINCE_SENTENCE);
    expect(email.text).toContain("(từ chối). Kết quả đã được ký số lúc 16 giờ 30, ngày 15 tháng 12 năm 2026");
    expect(email.html).toContain("Kính gửi ông/bà Lò &lt;Mai&gt;,");

    const shipped = await preview({ eventType: "paymentRequested", language: "en" }, { token: tokens.operator });
    expect(shipped.body).toMatchObject({ template: { version: 1, source: "shipped" } });
    expect((shipped.body.email as { text: string }).text).toContain("fees to pay: 1,500,000 VND");
  });

  it("refuses a caller who is not an operator, and a variable the template does not know or of the wrong kind", async () => {
    const body = { eventType: "resultIssued", language: "vi" };
    expect((await preview(body, {})).status).toBe(401);
    expect((await preview(body, { apiKey: harness.keys.muongLat })).status).toBe(401);
    expect((await preview(body, { token: tokens.leader })).status).toBe(403);
    const unknown = await preview({ ...body, variables: { appointmentDate: "x" } }, { token: tokens.operator });
    expect(unknown).toMatchObject({ status: 400, body: { code: "INVALID_ARGUMENT" } });
    expect(JSON.stringify(unknown.body)).toContain("variables.appointmentDate");
    const wrongKind = await preview({ ...body, variables: { approved: "yes" } }, { token: tokens.operator });
    expect(wrongKind.status).toBe(400);
    expect(JSON.stringify(wrongKind.body)).toContain("must be a flag");
    expect((await preview({ eventType: "dossierRouted", language: "vi" }, { token: tokens.operator })).status).toBe(
      400,
    );
    // A name every object inherits is no variable, whatever kind it is given as.
    const inherited = await preview({ ...body, variables: { constructor: ["x"] } }, { token: tokens.operator });
    expect(inherited).toMatchObject({ status: 400, body: { code: "INVALID_ARGUMENT" } });
    expect(JSON.stringify(inherited.body)).toContain("variables.constructor");
    const derived = await preview(
      { eventType: "supplementRequested", language: "vi", variables: { missingItemCount: "7" } },
      { token: tokens.operator },
    );
    expect(derived.status).toBe(400);
    expect(JSON.stringify(derived.body)).toContain("is derived from the other variables");
  });

  it("takes a __proto__ key for no variable", () => {
    const ports = { templates: loadTemplates(), audit: () => undefined, phone: {} } as never;
    // As JSON.parse makes it: an own "__proto__" property, which Object.entries lists.
    const variables = JSON.parse('{"__proto__": ["x"]}') as Record<string, string[]>;
    expect(Object.keys(variables)).toEqual(["__proto__"]);
    expect(() =>
      previewTemplate(ports, { official: operator } as never, {
        eventType: "supplementRequested",
        language: "vi",
        variables,
      }),
    ).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });

  it("previews over gRPC for an operator's token, and refuses a call without one", async () => {
    const response = await grpcPreview(
      {
        eventType: "supplementRequested",
        language: "vi",
        variables: { missingItems: { value: { $case: "list", value: { items: ["Bản sao <CCCD>"] } } } },
      },
      { token: tokens.operator },
    );
    expect(response.template).toEqual({
      eventType: "supplementRequested",
      language: "vi",
      version: 2,
      source: "shipped",
    });
    expect(response.emailText).toContain("- Bản sao <CCCD>");
    expect(response.emailHtml).toContain("<li>Bản sao &lt;CCCD&gt;</li>");
    // The count follows the operator's one item, not the sample's two.
    expect(response.smsText).toBe(
      "Ho so 14845-261207-0001 can bo sung 1 thanh phan, han ngay 15 thang 12 nam 2026; xem chi tiet khi tra cuu ho so.",
    );
    expect(response.znsData).toMatchObject({ dossier_code: "14845-261207-0001" });
    await expect(grpcPreview({ eventType: "resultIssued", language: "vi" }, {})).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    });
    await expect(
      grpcPreview({ eventType: "resultIssued", language: "xx" }, { token: tokens.operator }),
    ).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  });

  it("records on each applicant's delivery the template and version it was rendered from", async () => {
    const dossier = await harness.submit();
    await harness.handled(
      await harness.publish("resultIssued", {
        dossierId: dossier.dossierId,
        dossierCode: dossier.dossierCode,
        status: common.DossierStatus.DOSSIER_STATUS_DECIDED,
        issuedAt: "2026-12-15T09:30:00.000Z",
        outcome: common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
      }),
    );
    const listed = await harness.waitForDeliveries(
      dossier.dossierCode,
      (all) => all.some((d) => d.channel === EMAIL && d.stateName === "delivered"),
      "the result mail delivered",
    );
    const mail = listed.find((d) => d.channel === EMAIL);
    expect(mail).toMatchObject({ template: { name: "resultIssued", language: "vi", version: 3, source: "province" } });
    expect(listed.find((d) => d.channel === WEBHOOK)).not.toHaveProperty("template");
    const received = harness.mail.to(dossier.applicant.email);
    expect(received.map((m) => m.text).join("\n")).toContain(PROVINCE_SENTENCE);
    const overGrpc = await harness.grpcDeliveries(dossier.dossierCode);
    expect(overGrpc.find((d) => d.channel === EMAIL)?.template).toEqual({
      eventType: "resultIssued",
      language: "vi",
      version: 3,
      source: "province",
    });
  });

  it("audits every preview with the template, never personal data", async () => {
    type Entry = { action: string; outcome: string; officialId: string; target: string };
    let entries: Entry[] = [];
    await waitFor(
      async () => {
        const reply = await harness.call("GET", "/v1/audit?limit=1000", { token: tokens.auditor });
        entries = (reply.body as { entries: Entry[] }).entries.filter((e) => e.action === "preview_template");
        return entries.length >= 3;
      },
      { description: "the previews in the audit log", timeoutMs: EFFECT_TIMEOUT_MS },
    );
    expect(entries).toContainEqual(
      expect.objectContaining({
        outcome: "allowed",
        officialId: operator.subject,
        target: "template:resultIssued/vi@3",
      }),
    );
    expect(JSON.stringify(entries)).not.toContain("Mai");
  });

  it("answers every request as its OpenAPI document says", async () => {
    expect(await responses.nonConforming()).toEqual([]);
  });

  it("a province template with a variable its event does not supply stops the start, naming it", async () => {
    const refused = await startRefusal((env) => createNotificationService({ env }), {
      NOTIFICATION_TEMPLATES_DIR: path.join(__dirname, "fixtures", "templates-missing-variable"),
    });
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).message).toContain(
      "NOTIFICATION_TEMPLATES_DIR: template applicationAccepted/vi version 7",
    );
    expect((refused as ConfigError).message).toContain('"appointmentDate"');
  });
});
