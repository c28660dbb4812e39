import { CLIENT_KEY_HEADER, DEVELOPMENT_CLIENTS } from "@lienthong/service-host";
import { tempDir, waitFor } from "@lienthong/testing";
import { demoApplication } from "../src/demo";
import type { EmbeddedPlatform } from "../src/embedded";
import type { PlatformUrls } from "../src/platform-urls";
import { lienthong } from "./support/cli";
import { officialCredentials, type DossierUnits } from "./support/credentials";
import { startTestPlatform } from "./support/embedded-platform";
import { jsonCall } from "./support/json-call";
import { holdNextDossierCode } from "./support/stray-dossier-code";

/**
 * Issue 10's acceptance: `lienthong dead-letters replay` brings a
 * dead-lettered event back and the dossier completes. Routing's store holds a
 * stray record with the dossier code the next submission gets (as a botched
 * data migration would leave), so routing cannot take the dossier in and its
 * submitted event is dead-lettered after its attempts. Province IT finds the
 * letter with the CLI, removes the stray record, replays the letter, and the
 * dossier goes through to its result. The operator's personal-data view is
 * masked; bad ids, a second replay and a missing token are refused clearly.
 */

type Json = Record<string, unknown>;
interface Letter {
  service: string;
  id: string;
  key: string;
  type: string;
  reason: string;
  state: string;
}

jest.setTimeout(240_000);

describe("lienthong dead-letters: a dossier held up by a dead letter completes once it is replayed", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let platform: EmbeddedPlatform;
  let urls: PlatformUrls;
  let dataDir: string;
  let credentials: Awaited<ReturnType<typeof officialCredentials>>;

  const call = jsonCall;
  const portal = { [CLIENT_KEY_HEADER]: DEVELOPMENT_CLIENTS.portal.key };
  const assignment = async (code: string) =>
    (await call(`${urls.routing}/v1/dossiers/${code}`, "GET", undefined, portal)).body.assignment as DossierUnits & {
      status: number;
    };
  const statusAtIntake = async (code: string) =>
    ((await call(`${urls.intake}/v1/applications/${code}`, "GET", undefined, portal)).body.application as Json).status;
  const act = async (code: string, action: string, body: Json = {}) =>
    call(
      `${urls.routing}/v1/dossiers/${code}/actions/${action}`,
      "POST",
      body,
      credentials.forAction(action, await assignment(code)),
    );
  /** The CLI against this platform's services, signed in as its development operator. */
  const deadLetters = (...args: string[]) =>
    lienthong(
      "dead-letters",
      ...args,
      "--dev",
      "--data-dir",
      dataDir,
      ...Object.entries(urls).flatMap(([service, url]) => ["--service-url", `${service}=${url}`]),
    );
  /** The same, for notifications. */
  const deliveries = (...args: string[]) =>
    lienthong(
      "deliveries",
      ...args,
      "--dev",
      "--data-dir",
      dataDir,
      "--service-url",
      `notification=${urls.notification}`,
    );
  const listed = async (state: string): Promise<Letter[]> => {
    const result = await deadLetters("list", "--state", state, "--json");
    expect(result).toMatchObject({ code: 0, stderr: "" });
    return (JSON.parse(result.stdout) as { letters: Letter[] }).letters;
  };

  beforeAll(async () => {
    dir = await tempDir("lienthong-dead-letter-replay-");
    dataDir = dir.file("data");
    let identityDir: string;
    ({ platform, urls, identityDir } = await startTestPlatform(dataDir));
    credentials = await officialCredentials(identityDir);
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
    await dir?.remove();
  });

  it("is found, shown masked, replayed once the cause is mended, and the dossier reaches its result", async () => {
    const routing = platform.hosts.find((host) => host.name === "routing")!;
    const application = demoApplication();
    const { codes, release } = await holdNextDossierCode(routing, application.receivingUnitCode);

    const submitted = await call(`${urls.intake}/v1/applications`, "POST", application, {
      [CLIENT_KEY_HEADER]: DEVELOPMENT_CLIENTS.muongLat.key,
    });
    expect(submitted.status).toBe(201);
    const { dossierCode: code, dossierId } = submitted.body.application as { dossierCode: string; dossierId: string };
    expect(codes).toContain(code);

    let letter: Letter | undefined;
    await waitFor(
      async () => {
        letter = (await listed("open")).find((candidate) => candidate.key === dossierId);
        return letter !== undefined;
      },
      { description: "the submitted event's dead letter listed", timeoutMs: 90_000, intervalMs: 1_000 },
    );
    expect(letter).toMatchObject({ service: "routing", type: "gov.lienthong.application.submitted.v1", state: "open" });
    expect((await call(`${urls.routing}/v1/dossiers/${code}`, "GET", undefined, portal)).status).toBe(404);

    const shown = await deadLetters("show", letter!.id, "--json");
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ key: dossierId, payload: { applicant: "[redacted]" } });
    expect(shown.stdout).not.toContain(application.applicant.fullName);
    expect(shown.stdout).not.toContain(application.applicant.citizenId);

    // Refused clearly, and nothing changes.
    const badId = await deadLetters("replay", "not-a-letter");
    expect(badId.code).not.toBe(0);
    expect(badId.stderr).toContain(`"not-a-letter" is not a dead letter's id`);
    const noToken = await lienthong("dead-letters", "list", "--service-url", `routing=${urls.routing}`);
    expect(noToken.code).not.toBe(0);
    expect(noToken.stderr).toContain("an operator's token is needed");
    expect((await listed("open")).map((candidate) => candidate.id)).toContain(letter!.id);

    // The cause mended, the letter replayed: the dossier is taken in and goes to its result.
    await release();
    const replayed = await deadLetters("replay", letter!.id);
    expect(replayed).toMatchObject({ code: 0, stdout: `replayed ${letter!.id}\n` });
    await waitFor(
      async () => (await call(`${urls.routing}/v1/dossiers/${code}`, "GET", undefined, portal)).status === 200,
      { description: `${code} at routing after the replay`, timeoutMs: 60_000 },
    );
    expect((await act(code, "accept")).status).toBe(200);
    expect((await act(code, "decide", { outcome: "approved", summary: "Đủ điều kiện." })).status).toBe(200);
    await waitFor(async () => (await assignment(code)).status === 9 && (await statusAtIntake(code)) === 9, {
      description: `${code} at status 9 at routing and intake`,
      timeoutMs: 60_000,
    });

    const again = await deadLetters("replay", letter!.id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("is replayed already");
    expect((await listed("open")).filter((candidate) => candidate.key === dossierId)).toEqual([]);
    expect((await listed("replayed")).map((candidate) => candidate.id)).toEqual([letter!.id]);

    // Its notifications, and one of them sent again under the same id.
    type Delivery = { notificationId: string; triggerType: string; stateName: string; deliveredAt?: string };
    const deliveriesOf = async () => {
      const result = await deliveries("list", code, "--json");
      expect(result).toMatchObject({ code: 0, stderr: "" });
      return (JSON.parse(result.stdout) as { deliveries: Delivery[] }).deliveries;
    };
    let delivered: Delivery | undefined;
    await waitFor(
      async () => {
        delivered = (await deliveriesOf()).find((delivery) => delivery.stateName === "delivered");
        return delivered !== undefined;
      },
      { description: `a delivered notification of ${code}`, timeoutMs: 60_000, intervalMs: 500 },
    );
    const resent = await deliveries("resend", delivered!.notificationId);
    expect(resent).toMatchObject({ code: 0, stdout: `queued ${delivered!.notificationId} again\n` });
    await waitFor(
      async () => {
        const again = (await deliveriesOf()).find((delivery) => delivery.notificationId === delivered!.notificationId);
        return again?.stateName === "delivered" && again.deliveredAt! > delivered!.deliveredAt!;
      },
      { description: "the notification delivered again", timeoutMs: 60_000, intervalMs: 500 },
    );
    const unknown = await deliveries("resend", "00000000-0000-4000-8000-000000000000");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("notification answered 404");
  });
});
