import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { events } from "@lienthong/contracts";
import { ConfigError } from "@lienthong/service-host";
import { tempDir, type TempDir } from "@lienthong/testing";
import { SHIPPED_TEMPLATES_DIR, loadTemplates, render } from "../src/templates/catalog";
import {
  SAMPLE_APPLICANT_NAME,
  TEMPLATED_EVENT_NAMES,
  TEMPLATE_LANGUAGES,
  isUrgent,
  sampleEvent,
  valuesOf,
  type TemplatedEventName,
} from "../src/templates/variables";
import { applicantMessages, resultMailSubject } from "../src/use-cases/templates";

const FIXTURES = path.join(__dirname, "fixtures");

/** The shipped templates' versions: each bumped when its text changed (version 1 unless named). */
const SHIPPED_VERSIONS: Partial<Record<TemplatedEventName, number>> = {
  supplementRequested: 2,
  apologyIssued: 2,
  slipIssued: 2,
};

const made: TempDir[] = [];
afterAll(() => Promise.all(made.map((dir) => dir.remove())));

async function freshDir(): Promise<string> {
  const dir = await tempDir("notification-templates");
  made.push(dir);
  return dir.path;
}

/** A province's override directory holding one file, the shipped one of that event changed by `edit`. */
async function provinceDir(file: string, edit: (text: string) => string): Promise<string> {
  const dir = await freshDir();
  mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
  writeFileSync(path.join(dir, file), edit(readFileSync(path.join(SHIPPED_TEMPLATES_DIR, file), "utf8")));
  return dir;
}

/** The load's refusal message (a ConfigError naming NOTIFICATION_TEMPLATES_DIR). */
function refusal(dir: string): string {
  try {
    loadTemplates({ overrideDir: dir });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error("the templates loaded");
}

describe("applicant templates", () => {
  it("loads every shipped template, each renders its sample in its language", () => {
    const catalog = loadTemplates();
    for (const name of TEMPLATED_EVENT_NAMES)
      for (const language of TEMPLATE_LANGUAGES) {
        const rendered = render(
          catalog.get(name, language),
          valuesOf(sampleEvent(name), SAMPLE_APPLICANT_NAME, language),
        );
        expect(rendered.ref).toEqual({ name, language, version: SHIPPED_VERSIONS[name] ?? 1, source: "shipped" });
        for (const part of [rendered.email.subject, rendered.email.text, rendered.email.html, rendered.sms])
          expect(part).toContain("14845-261207-0001");
        expect(rendered.email.text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
      }
  });

  it("writes Vietnamese dates and times in Vietnam time, and English ones", () => {
    const catalog = loadTemplates();
    const accepted = sampleEvent("applicationAccepted");
    const vi = render(catalog.get("applicationAccepted", "vi"), valuesOf(accepted, "Lò Thị Mai", "vi"));
    expect(vi.email.subject).toBe("Hồ sơ 14845-261207-0001 đã được tiếp nhận");
    // 10:00 UTC is 17:00 in Vietnam.
    expect(vi.email.text).toContain("Thời gian hẹn trả kết quả: 17 giờ 00, ngày 16 tháng 12 năm 2026.");
    expect(vi.email.text).toMatch(/^Kính gửi ông\/bà Lò Thị Mai,\n/);
    expect(vi.sms).toBe(
      "Hồ sơ 14845-261207-0001 đã được tiếp nhận. Hẹn trả kết quả: 17 giờ 00, ngày 16 tháng 12 năm 2026.",
    );
    expect(vi.zns).toEqual({
      customer_name: "Lò Thị Mai",
      dossier_code: "14845-261207-0001",
      status: "Được tiếp nhận",
      appointment: "17 giờ 00, ngày 16 tháng 12 năm 2026",
    });
    const en = render(catalog.get("applicationAccepted", "en"), valuesOf(accepted, "Lò Thị Mai", "en"));
    expect(en.email.text).toContain("Your result will be ready at 17:00, 16 December 2026.");
    const payment = render(
      catalog.get("paymentRequested", "vi"),
      valuesOf(sampleEvent("paymentRequested"), "Lò Thị Mai", "vi"),
    );
    expect(payment.sms).toBe(
      "Hồ sơ 14845-261207-0001 cần nộp phí, lệ phí 1.500.000 đồng; xem chi tiết khi tra cứu hồ sơ.",
    );
    expect(payment.email.text).toContain("đề nghị ngày 08 tháng 12 năm 2026");
  });

  it("tells an apology's new appointment, by phone without the authority's reason", () => {
    const apology = applicantMessages(loadTemplates(), sampleEvent("apologyIssued") as never, "An", "vi");
    expect(apology?.email.text).toContain("Lý do: Cần xác minh thêm thông tin với cơ quan khác.");
    expect(apology?.email.text).toContain("Thời gian hẹn trả kết quả mới: 17 giờ 00, ngày 23 tháng 12 năm 2026.");
    expect(apology?.sms).toBe(
      "Xin lỗi ông/bà: hồ sơ 14845-261207-0001 chưa thể trả đúng hẹn. Hẹn mới: 17 giờ 00, ngày 23 tháng 12 năm 2026.",
    );
    expect(apology?.email.subject).toBe("Hồ sơ 14845-261207-0001: xin lỗi và đề nghị gia hạn thời gian giải quyết");
    const en = applicantMessages(loadTemplates(), sampleEvent("apologyIssued") as never, "An", "en");
    expect(en?.email.subject).toBe(
      "Application 14845-261207-0001: apology and proposed extension of the processing time",
    );
  });

  it("sends the applicant to the dossier lookup for a slip, on every channel, never with a link", () => {
    const catalog = loadTemplates();
    const apologySlip = {
      name: "slipIssued",
      payload: { ...sampleEvent("slipIssued").payload, kind: events.SlipKind.SLIP_KIND_APOLOGY },
    } as never;
    const vi = applicantMessages(catalog, apologySlip, "An", "vi");
    expect(vi?.email.subject).toBe("Hồ sơ 14845-261207-0001: Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết");
    const lookupVi = "Xem và tải về khi tra cứu hồ sơ bằng mã hồ sơ và 4 số cuối số định danh cá nhân.";
    expect(vi?.email.text).toContain(lookupVi);
    expect(vi?.email.html).toContain(`<p>${lookupVi}</p>`);
    expect(vi?.sms).toBe(
      "Hồ sơ 14845-261207-0001: Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết đã ký số. Xem và tải về khi tra cứu hồ sơ.",
    );
    expect(vi?.zns).toMatchObject({ note: "Xem và tải về khi tra cứu hồ sơ" });
    const en = applicantMessages(catalog, apologySlip, "An", "en");
    expect(en?.email.subject).toBe(
      "Application 14845-261207-0001: Apology and proposed extension of the processing time",
    );
    expect(en?.email.text).toContain("You can see and download it when you check your application with its code");
    expect(en?.email.html).toContain("You can see and download it when you check your application with its code");
    expect(en?.sms).toContain("See and download it when you check your application.");
    expect(en?.zns).toMatchObject({ note: "See and download it when you check your application" });
    // The slip's own route needs a commune system's key: nothing of it reaches the applicant.
    for (const message of [vi, en]) expect(JSON.stringify(message)).not.toMatch(/documents|6f1c2a4e|https?:/);
  });

  it("tells the supplement's due date when the deployment sets one, and nothing of it otherwise", () => {
    const catalog = loadTemplates();
    const due = sampleEvent("supplementRequested");
    const vi = applicantMessages(catalog, due as never, "An", "vi");
    // 10:00 UTC on the 15th is the 15th in Vietnam too; the date only (judged by its date, decision 63).
    expect(vi?.email.text).toContain("Hạn bổ sung: ngày 15 tháng 12 năm 2026.");
    expect(vi?.email.html).toContain("<p>Hạn bổ sung: <strong>ngày 15 tháng 12 năm 2026</strong>.</p>");
    expect(vi?.sms).toBe(
      "Hồ sơ 14845-261207-0001 cần bổ sung 2 thành phần, hạn ngày 15 tháng 12 năm 2026; xem chi tiết khi tra cứu hồ sơ.",
    );
    expect(vi?.zns).toMatchObject({ due_date: "ngày 15 tháng 12 năm 2026" });
    const en = applicantMessages(catalog, due as never, "An", "en");
    expect(en?.email.text).toContain("Please supply them by 15 December 2026.");
    expect(en?.sms).toBe(
      "Application 14845-261207-0001 needs 2 more document(s) by 15 December 2026; details when you check your application.",
    );
    // Late in the evening UTC is the next day in Vietnam.
    const late = { ...due, payload: { ...due.payload, supplementDueAt: "2026-12-15T17:30:00.000Z" } };
    expect(applicantMessages(catalog, late as never, "An", "vi")?.sms).toContain("hạn ngày 16 tháng 12 năm 2026;");
    const none = { ...due, payload: { ...due.payload, supplementDueAt: undefined } };
    const viNone = applicantMessages(catalog, none as never, "An", "vi");
    expect(viNone?.email.text).not.toContain("Hạn bổ sung");
    expect(viNone?.email.html).not.toContain("Hạn bổ sung");
    expect(viNone?.sms).toBe("Hồ sơ 14845-261207-0001 cần bổ sung 2 thành phần; xem chi tiết khi tra cứu hồ sơ.");
    expect(viNone?.zns).toMatchObject({ due_date: "Không quy định" });
    const enNone = applicantMessages(catalog, none as never, "An", "en");
    expect(enNone?.email.text).not.toContain("supply them by");
    expect(enNone?.sms).toBe(
      "Application 14845-261207-0001 needs 2 more document(s); details when you check your application.",
    );
  });

  it("tells an overdue supplement urgently, in Vietnamese and English, on every channel", () => {
    expect(isUrgent("supplementOverdue")).toBe(true);
    const catalog = loadTemplates();
    const overdue = sampleEvent("supplementOverdue");
    const vi = applicantMessages(catalog, overdue as never, "Lò Thị Mai", "vi");
    expect(vi?.ref).toEqual({ name: "supplementOverdue", language: "vi", version: 1, source: "shipped" });
    expect(vi?.email.subject).toBe("Hồ sơ 14845-261207-0001 đã quá hạn bổ sung");
    expect(vi?.email.text).toContain(
      "Hồ sơ 14845-261207-0001 đã quá hạn bổ sung (ngày 15 tháng 12 năm 2026) nhưng chưa nhận được các thành phần còn thiếu theo yêu cầu ngày 08 tháng 12 năm 2026.",
    );
    expect(vi?.email.text).toContain("Đề nghị ông/bà bổ sung ngay");
    expect(vi?.email.html).toContain("Kính gửi ông/bà Lò Thị Mai,");
    expect(vi?.sms).toBe(
      "Hồ sơ 14845-261207-0001 đã quá hạn bổ sung (ngày 15 tháng 12 năm 2026). Đề nghị bổ sung ngay; xem chi tiết khi tra cứu hồ sơ.",
    );
    expect(vi?.zns).toEqual({
      customer_name: "Lò Thị Mai",
      dossier_code: "14845-261207-0001",
      status: "Quá hạn bổ sung hồ sơ",
      due_date: "ngày 15 tháng 12 năm 2026",
    });
    const en = applicantMessages(catalog, overdue as never, "Lò Thị Mai", "en");
    expect(en?.email.subject).toBe("Application 14845-261207-0001: the documents requested are overdue");
    expect(en?.email.text).toContain(
      "The documents requested on 8 December 2026 for your application 14845-261207-0001 have not been received by their due date, 15 December 2026.",
    );
    expect(en?.sms).toBe(
      "Application 14845-261207-0001: the documents requested are overdue (due 15 December 2026). Please supply them now; details when you check your application.",
    );
    for (const message of [vi, en]) expect(message?.sms).not.toContain("Lò Thị Mai");
  });

  it("the result's subject is the one the benchmark's mailbox waits for", () => {
    const result = applicantMessages(loadTemplates(), sampleEvent("resultIssued") as never, "An", "vi");
    expect(result?.email.subject).toBe(resultMailSubject("14845-261207-0001"));
  });

  it("escapes every value in the HTML part, and only there", () => {
    const refused = {
      name: "applicationRefused",
      payload: events.ApplicationRefused.fromPartial({
        dossierCode: "14845-261207-0001",
        reason: `Thiếu <b>chữ ký</b> & "dấu"`,
      }),
    } as const;
    const rendered = applicantMessages(loadTemplates(), refused, "Lò <Mai>", "vi");
    expect(rendered?.email.html).toContain("Lý do: Thiếu &lt;b&gt;chữ ký&lt;/b&gt; &amp; &quot;dấu&quot;.");
    expect(rendered?.email.html).toContain("Kính gửi ông/bà Lò &lt;Mai&gt;,");
    expect(rendered?.email.text).toContain(`Lý do: Thiếu <b>chữ ký</b> & "dấu".`);
    // Never the officer's reason by phone.
    expect(rendered?.sms).toBe("Hồ sơ 14845-261207-0001 không được tiếp nhận; xem lý do khi tra cứu hồ sơ.");
  });

  it("a template with a missing variable stops the start, naming template, version and variable", () => {
    const message = refusal(path.join(FIXTURES, "templates-missing-variable"));
    expect(message).toContain("NOTIFICATION_TEMPLATES_DIR");
    expect(message).toContain("template applicationAccepted/vi version 7");
    expect(message).toContain("email.text");
    expect(message).toContain(`uses variable "appointmentDate", which its event does not supply`);
  });

  it.each<[string, (text: string) => string, string]>([
    [
      "a variable of another event",
      (t: string) => t.replace("Lý do: {{reason}}.\n", "Lý do: {{amount}}.\n"),
      `"amount"`,
    ],
    [
      "the officer's reason in an SMS",
      (t: string) => t.replace("xem lý do khi", "{{reason}}, xem lý do khi"),
      "free text",
    ],
    [
      "an unescaped value in HTML",
      (t: string) => t.replace("Lý do: {{reason}}.</p>", "Lý do: {{{reason}}}.</p>"),
      "unescaped",
    ],
    ["a helper", (t: string) => t.replace("Lý do: {{reason}}.\n", "Lý do: {{lookup reason 0}}.\n"), "helper"],
    ["a partial", (t: string) => t.replace("Lý do: {{reason}}.\n", "Lý do: {{> reason}}.\n"), "PartialStatement"],
    [
      "a list printed",
      (t: string) => t.replace("Lý do: {{reason}}.\n", "Lý do: {{#each reason}}x{{/each}}.\n"),
      "#each takes a list",
    ],
    ...["constructor", "toString", "__proto__", "hasOwnProperty"].map(
      (inherited) =>
        [
          `a name every object inherits (${inherited})`,
          (t: string) => t.replace("Lý do: {{reason}}.\n", `Lý do: {{#if ${inherited}}}x{{/if}}.\n`),
          `uses variable "${inherited}", which its event does not supply`,
        ] as [string, (text: string) => string, string],
    ),
    [
      "a name every object inherits, in #unless",
      (t: string) => t.replace("Lý do: {{reason}}.\n", "Lý do: {{#unless toString}}x{{/unless}}.\n"),
      `uses variable "toString", which its event does not supply`,
    ],
    [
      "the applicant's name in an SMS",
      (t: string) => t.replace("xem lý do khi", "{{applicantName}} xem lý do khi"),
      "names the applicant",
    ],
    ["a parent path", (t: string) => t.replace("Lý do: {{reason}}.\n", "Lý do: {{../reason}}.\n"), "parent paths"],
    ["@root", (t: string) => t.replace("Lý do: {{reason}}.\n", "Lý do: {{@root.reason}}.\n"), "only @index"],
    [
      "#with",
      (t: string) => t.replace("Lý do: {{reason}}.\n", "Lý do: {{#with reason}}{{this}}{{/with}}.\n"),
      "only #if, #unless and #each",
    ],
    [
      "a subexpression",
      (t: string) => t.replace("Lý do: {{reason}}.\n", "Lý do: {{#if (lookup reason 0)}}x{{/if}}.\n"),
      "uses a SubExpression",
    ],
    ["no version", (t: string) => t.replace("version: 1\n", ""), "version"],
    ["an unknown part", (t: string) => `${t}fax: "{{dossierCode}}"\n`, "fax"],
  ])("refuses %s at load", async (_what, edit, expected) => {
    const file = "vi/applicationRefused.yaml";
    const dir = await provinceDir(file, edit);
    const message = refusal(dir);
    expect(message).toContain("template applicationRefused/vi");
    expect(message).toContain(expected);
  });

  it("a broken or missing shipped template is the release's fault, named so", async () => {
    const shipped = await freshDir();
    cpSync(SHIPPED_TEMPLATES_DIR, shipped, { recursive: true });
    const file = path.join(shipped, "en", "slipIssued.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("{{slipName}} signed.", "{{slipKind}} signed."));
    expect(() => loadTemplates({ shippedDir: shipped })).toThrow(
      /^Invalid configuration: templates \(shipped\): template slipIssued\/en version 2 .*sms: uses variable "slipKind"/,
    );
  });

  it("refuses a file for an event or language it does not know", async () => {
    const dir = await freshDir();
    mkdirSync(path.join(dir, "vi"));
    writeFileSync(path.join(dir, "vi", "dossierRouted.yaml"), "version: 1\n");
    expect(refusal(dir)).toContain("dossierRouted.yaml: not <event>.yaml for an event the applicant is told about");
    const other = await freshDir();
    mkdirSync(path.join(other, "fr"));
    expect(refusal(other)).toContain("not a language templates are kept in");
  });

  it("a province's file replaces the shipped one of its event and language, with its version", async () => {
    const dir = await provinceDir("vi/resultIssued.yaml", (text) =>
      text
        .replace("version: 1", "version: 4")
        .replace("sẵn sàng để nhận.\n", "mời ông/bà đến Bộ phận Một cửa để nhận.\n"),
    );
    mkdirSync(path.join(dir, "en"));
    cpSync(path.join(SHIPPED_TEMPLATES_DIR, "en", "resultIssued.yaml"), path.join(dir, "en", "resultIssued.yaml"));
    const catalog = loadTemplates({ overrideDir: dir });
    const vi = applicantMessages(catalog, sampleEvent("resultIssued") as never, "An", "vi");
    expect(vi?.ref).toEqual({ name: "resultIssued", language: "vi", version: 4, source: "province" });
    expect(vi?.email.text).toContain("mời ông/bà đến Bộ phận Một cửa để nhận.");
    expect(catalog.get("resultIssued", "en").ref.source).toBe("province");
    expect(catalog.get("applicationAccepted", "vi").ref).toMatchObject({ version: 1, source: "shipped" });
  });
});
