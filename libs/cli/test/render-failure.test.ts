import { EventTypes } from "@lienthong/contracts";
import { DEVELOPMENT_CLIENTS, CLIENT_KEY_HEADER } from "@lienthong/service-host";
import { defineCollection, put } from "@lienthong/storage";
import { tempDir, waitFor } from "@lienthong/testing";
import { demoApplication } from "../src/demo";
import type { EmbeddedPlatform } from "../src/embedded";
import { startTestPlatform } from "./support/embedded-platform";
import { jsonCall } from "./support/json-call";
import type { PlatformUrls } from "../src/platform-urls";
import { officialCredentials, type DossierUnits } from "./support/credentials";

/**
 * No dossier without a way forward (issue 8, part 3), end to end through the
 * four services in one process: when the signed result cannot be rendered,
 * the signature service answers with signature.failed (not a dead letter),
 * routing gives the dossier back to its officials, and they can still take
 * it to an end — decide again, or stop it.
 */

type Json = Record<string, unknown>;
interface Assignment extends DossierUnits {
  dossierId: string;
  status: number;
  allowedActions: string[];
}
interface Application {
  status: number;
  timeline: { status: number; eventType: string }[];
}

/** Routing's stored dossier, as far as this test rewrites it (the applicant's name, as it came from intake). */
const assignments = defineCollection<Json & { applicantFullName: string }>("assignments");

const FAILED = EventTypes.signatureFailed.type;
const SIGNED = EventTypes.documentSigned.type;

describe("a result that cannot be rendered gives the dossier back to its officials", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let platform: EmbeddedPlatform;
  let urls: PlatformUrls;
  let credentials: Awaited<ReturnType<typeof officialCredentials>>;

  const call = jsonCall;
  const portal = { [CLIENT_KEY_HEADER]: DEVELOPMENT_CLIENTS.portal.key };
  const assignment = async (code: string) =>
    (await call(`${urls.routing}/v1/dossiers/${code}`, "GET", undefined, portal)).body.assignment as Assignment;
  const application = async (code: string) =>
    (await call(`${urls.intake}/v1/applications/${code}`, "GET", undefined, portal)).body.application as Application;
  /** An official's action, by the official of the dossier's unit whose role the workflow asks for. */
  const act = async (code: string, action: string, body: Json = {}) =>
    call(
      `${urls.routing}/v1/dossiers/${code}/actions/${action}`,
      "POST",
      body,
      credentials.forAction(action, await assignment(code)),
    );
  /** The signing events of the dossier, as intake's timeline records them. */
  const signingEvents = async (code: string) =>
    (await application(code)).timeline
      .map((entry) => entry.eventType)
      .filter((type) => type === FAILED || type === SIGNED);
  const waitForSigningEvents = async (code: string, expected: string[]) => {
    await waitFor(async () => (await signingEvents(code)).length >= expected.length, {
      description: `${expected.join(", ")} in the timeline of ${code}`,
      timeoutMs: 30_000,
    });
    expect(await signingEvents(code)).toEqual(expected);
  };
  const waitForStatus = async (code: string, status: number) => {
    await waitFor(
      async () => (await assignment(code)).status === status && (await application(code)).status === status,
      {
        description: `${code} at status ${status} at routing and intake`,
        timeoutMs: 30_000,
      },
    );
  };

  async function acceptedDossier(): Promise<string> {
    const submitted = await call(`${urls.intake}/v1/applications`, "POST", demoApplication(), {
      [CLIENT_KEY_HEADER]: DEVELOPMENT_CLIENTS.muongLat.key,
    });
    expect(submitted.status).toBe(201);
    const code = (submitted.body.application as { dossierCode: string }).dossierCode;
    await waitFor(
      async () => (await call(`${urls.routing}/v1/dossiers/${code}`, "GET", undefined, portal)).status === 200,
      {
        description: `${code} at routing`,
        timeoutMs: 30_000,
      },
    );
    expect((await act(code, "accept")).status).toBe(200);
    await waitForStatus(code, 4);
    return code;
  }

  beforeAll(async () => {
    dir = await tempDir("lienthong-render-failure-");
    let identityDir: string;
    ({ platform, urls, identityDir } = await startTestPlatform(dir.file("data")));
    credentials = await officialCredentials(identityDir);
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
    await dir?.remove();
  });

  it("a notice too long for its page: signature.failed, then the leader decides again and the result is returned", async () => {
    const code = await acceptedDossier();
    // Every paragraph is printable and the summary within routing's limit, but 200 paragraphs overflow the one page.
    const overflowing = Array.from({ length: 200 }, (_, i) => `Điều ${i + 1}.`).join("\n");
    expect((await act(code, "decide", { outcome: "approved", summary: overflowing })).status).toBe(200);

    await waitForSigningEvents(code, [FAILED]);
    await waitFor(async () => (await assignment(code)).allowedActions.includes("decide"), {
      description: "the decision given back to the leader",
      timeoutMs: 30_000,
    });
    expect(await assignment(code)).toMatchObject({
      status: 4,
      allowedActions: expect.arrayContaining(["decide", "stop", "transfer"]),
    });
    expect((await application(code)).status).toBe(4);

    expect((await act(code, "decide", { outcome: "approved", summary: "Đủ điều kiện." })).status).toBe(200);
    await waitForStatus(code, 9);
    await waitForSigningEvents(code, [FAILED, SIGNED]);
    expect((await act(code, "return_result")).status).toBe(200);
    await waitForStatus(code, 10);
    expect((await assignment(code)).allowedActions).toEqual([]);
  }, 120_000);

  it("a name the font cannot print, stored before intake checked it: signature.failed, then the dossier can be stopped", async () => {
    const code = await acceptedDossier();
    // Bypass intake, which now refuses such a name: a dossier accepted before the check, as routing stored it.
    const routing = platform.hosts.find((host) => host.name === "routing")!;
    const { dossierId } = await assignment(code);
    const stored = (await routing.store.get(assignments, dossierId))!;
    await routing.store.commit([
      put(assignments, dossierId, { ...stored.data, applicantFullName: "Lò Văn Páo 😀" }, stored.version),
    ]);

    expect((await act(code, "decide", { outcome: "approved", summary: "Đủ điều kiện." })).status).toBe(200);
    await waitForSigningEvents(code, [FAILED]);
    await waitFor(async () => (await assignment(code)).allowedActions.includes("decide"), {
      description: "the dossier given back to its officials",
      timeoutMs: 30_000,
    });
    expect((await assignment(code)).allowedActions).toEqual(expect.arrayContaining(["decide", "stop", "transfer"]));

    // Deciding again cannot print the name either; stopping is the way out (Dừng xử lý, status 8).
    expect((await act(code, "stop", { reason: "Họ tên không in được trên văn bản kết quả" })).status).toBe(200);
    await waitForStatus(code, 8);
    expect((await assignment(code)).allowedActions).toEqual(expect.arrayContaining(["resume"]));
    const signature = platform.hosts.find((host) => host.name === "signature")!;
    const documents = defineCollection<{ dossierId: string; slipKind?: number }>("documents", {
      indexes: [["dossierId"]],
    });
    // No result was signed (the desk's slips aside).
    const kept = await signature.store.find(documents, { where: { dossierId } });
    expect(kept.filter(({ data }) => data.slipKind === undefined)).toEqual([]);
  }, 120_000);
});
