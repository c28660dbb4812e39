import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { recordResponses, tempDir, waitFor } from "@lienthong/testing";
import { demoApplication, runDemo } from "../src/demo";
import { spansOf, startEmbeddedProcess, type EmbeddedProcess } from "./support/embedded-process";

/**
 * The newcomer's path: `lienthong start` in one process, then the demo —
 * one application from submission to a signed, notified result, as one trace.
 */
describe("embedded mode: one application through the four services", () => {
  // Every REST answer below is checked against its service's OpenAPI document by the last test.
  const responses = recordResponses();
  afterAll(() => responses.stop());

  let platform: EmbeddedProcess;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let result: Awaited<ReturnType<typeof runDemo>>;
  /** The applicant's download link from the public lookup, searched for in logs and spans below. */
  let downloadLink = "";

  beforeAll(async () => {
    dir = await tempDir("lienthong-embedded-");
    platform = await startEmbeddedProcess(dir.file("data"), { LOG_LEVEL: "debug" });
    result = await runDemo({
      urls: platform.urls,
      credentials: platform.credentials,
      outDir: dir.file("out"),
      timeoutMs: 45_000,
      log: () => undefined,
    });
  }, 90_000);

  afterAll(async () => {
    const code = await platform?.stop();
    expect(code).toBe(0);
    await dir?.remove();
  });

  it("reaches status 9 with a dossier code, a trace id and the signed result", () => {
    expect(result.finalStatus).toBe(9);
    expect(result.dossierCode).toMatch(/^14845-\d{6}-\d{4}$/);
    expect(result.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(result.timeline.map((entry) => entry.status).filter((status) => status > 0)).toEqual([1, 2, 4, 9]);
  });

  it("signs the result so that poppler's pdfsig and our verifier accept it", () => {
    expect(result.signature.valid).toBe(true);
    const pdfsig = execFileSync("pdfsig", [result.signedPdf], { encoding: "utf8" });
    expect(pdfsig).toContain("Signature is Valid.");
    expect(pdfsig).toContain("LiênThông test");
    expect(readFileSync(result.signedPdf).subarray(0, 5).toString("latin1")).toBe("%PDF-");
  });

  it("hands the applicant the signed result through the public lookup's link, to the right second factor only", async () => {
    const { applicant } = demoApplication();
    const lookup = (factor: string) =>
      fetch(`${platform.urls.intake}/v1/public/status/${result.dossierCode}?factor=${factor}`);
    const found = await lookup(applicant.phone.slice(-4));
    expect(found.status).toBe(200);
    const status = (await found.json()) as { status: number; resultDownloadPath?: string };
    expect(status.status).toBe(9);
    expect(status.resultDownloadPath).toMatch(
      /^\/v1\/public\/documents\/[0-9a-f-]{36}\?expires=\d+&signature=[A-Za-z0-9_-]{43}$/,
    );
    downloadLink = status.resultDownloadPath ?? "";

    // No credential: the link is the capability, signed by intake and checked by signature, which never called each other.
    const download = await fetch(`${platform.urls.signature}${downloadLink}`);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("application/pdf");
    expect(download.headers.get("content-disposition")).toBe(`attachment; filename="${result.dossierCode}.pdf"`);
    const pdf = Buffer.from(await download.arrayBuffer());
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(pdf.equals(readFileSync(result.signedPdf))).toBe(true);

    const lastFours = [applicant.citizenId.slice(-4), applicant.phone.slice(-4)];
    const wrong = await lookup(["0000", "1111", "2222"].find((factor) => !lastFours.includes(factor))!);
    expect(wrong.status).toBe(404);
    expect(await wrong.text()).not.toContain("/v1/public/documents/");
  });

  it("notifies the applicant by mail and the commune system by a verified webhook", async () => {
    const resultMessages = result.notifications.filter((n) => n.trigger === "gov.lienthong.dossier.result_issued.v1");
    expect(resultMessages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ channel: "email", recipient: "applicant", state: "delivered" }),
        expect.objectContaining({ channel: "webhook", recipient: "commune-system", state: "delivered" }),
      ]),
    );
    const received = (await (await fetch(`${platform.communeSimulatorUrl}/webhooks`)).json()) as {
      webhooks: { verified: boolean; body: { dossierCode: string; status: number } | null }[];
    };
    const forDossier = received.webhooks.filter((w) => w.body?.dossierCode === result.dossierCode);
    expect(forDossier.length).toBeGreaterThanOrEqual(4);
    expect(forDossier.every((w) => w.verified)).toBe(true);
    expect(forDossier.map((w) => w.body?.status)).toEqual(expect.arrayContaining([1, 2, 4, 9]));
  });

  it("records the whole journey as one trace with spans of intake, routing, signature and notification", async () => {
    const spans = await spansOf(platform.urls, result.traceId, platform.credentials.operator);
    const groups = new Set(
      spans
        .map((span) => (span.attributes as Record<string, unknown>)["messaging.consumer.group.name"])
        .filter(Boolean),
    );
    expect([...groups].sort()).toEqual(["intake", "notification", "routing", "signature"]);
    const names = spans.map((span) => span.name);
    expect(names).toEqual(expect.arrayContaining(["routing.decide", "notification.deliver"]));
    // Every span hangs off another span of the same trace, except the submission's root.
    const ids = new Set(spans.map((span) => span.spanId));
    const roots = spans.filter((span) => !span.parentSpanId || !ids.has(span.parentSpanId as string));
    expect(roots).toHaveLength(1);
  });

  it("keeps personal data, credentials and the download link out of every log line, span and metric", async () => {
    const { applicant } = demoApplication();
    const linkSignature = new URL(downloadLink, platform.urls.signature).searchParams.get("signature") ?? "";
    expect(linkSignature).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The citizen's own lookup, with its second factor in the query (the last digits of the citizen ID).
    const factor = applicant.citizenId.slice(-4);
    const lookup = await fetch(`${platform.urls.intake}/v1/public/status/${result.dossierCode}?factor=${factor}`);
    expect(lookup.status).toBe(200);
    const spansNow = async () =>
      JSON.stringify(
        await Promise.all(
          Object.values(platform.urls).map(
            async (url) =>
              (
                (await (
                  await fetch(`${url}/ops/spans?limit=10000`, { headers: platform.credentials.operator })
                ).json()) as { spans: unknown[] }
              ).spans,
          ),
        ),
      );
    // The lookup's log line is written once its answer is sent and reaches us through the process's stdout, its
    // span is stored once it ends: wait for both (by the lookup's trace id), or the searches below would miss it.
    const lookupTrace = lookup.headers.get("x-trace-id") ?? "";
    expect(lookupTrace).toMatch(/^[0-9a-f]{32}$/);
    let everySpan = "";
    await waitFor(
      async () => {
        everySpan = await spansNow();
        return platform.output().includes(`"trace_id":"${lookupTrace}"`) && everySpan.includes(lookupTrace);
      },
      { description: "the lookup's log line and span", timeoutMs: 20_000 },
    );
    const metrics = (
      await Promise.all(Object.values(platform.opsUrls).map(async (url) => (await fetch(`${url}/metrics`)).text()))
    ).join("\n");
    const logs = platform.output();
    // What is searched is this dossier's journey: the searches below are not vacuous.
    expect(logs).toContain(result.traceId);
    expect(everySpan).toContain(result.traceId);
    expect(metrics).toContain('service="routing"');
    // The download is there too, by its path and route template, without its query.
    expect(everySpan).toContain(`"url.path":"${new URL(downloadLink, platform.urls.signature).pathname}"`);
    expect(logs).toContain('"route":"/v1/public/documents/:documentId","status":"200"');
    const officials = platform.credentials.officialsOf("14845");
    const secrets = [
      ...Object.values(platform.credentials.client),
      ...Object.values(platform.credentials.operator),
      ...Object.values(officials.receivingOfficer),
      ...Object.values(officials.leader),
    ].map((header) => header.replace(/^Bearer /, ""));
    for (const secret of [
      applicant.citizenId,
      applicant.phone,
      applicant.fullName,
      applicant.email,
      applicant.address,
      `factor=${factor}`,
      `"${factor}"`,
      linkSignature,
      "expires=",
      ...secrets,
    ]) {
      expect(logs).not.toContain(secret);
      expect(everySpan).not.toContain(secret);
      expect(metrics).not.toContain(secret);
    }
  });

  it("answers every request as the services' OpenAPI documents say", async () => {
    expect(await responses.nonConforming()).toEqual([]);
    expect(responses.checked).toBeGreaterThanOrEqual(15);
  });
});
