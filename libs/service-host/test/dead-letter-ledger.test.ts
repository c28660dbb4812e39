/**
 * Operators' dead letters on a service started through the host, on both
 * buses: a letter of each kind (an event its handler refused, a record that
 * is no CloudEvent) is kept once in the service's store, listed and shown to
 * operators only (the payload decoded, personal fields masked), replayed to
 * the group alone — the handler, mended meanwhile, then handles the event
 * exactly once, and another group of its topic does not see it again — or
 * discarded with a reason; both actions are audited, and bad input
 * is refused naming the field and changes nothing.
 */
import { randomUUID } from "node:crypto";
import { Topics, lifecycleEvent } from "@lienthong/contracts";
import { invalidField } from "@lienthong/errors";
import { deadLetters, type Subscription } from "@lienthong/messaging";
import {
  DEVELOPMENT_OFFICIALS,
  ServiceHost,
  auditLog,
  loadConfig,
  openDevelopmentIssuer,
  serviceEnv,
  type ConsumedEvent,
} from "@lienthong/service-host";
import { describeWithKafka, tempDir, waitFor, type TempDir } from "@lienthong/testing";
import { inProcessBus, kafkaMockBus, type BusUnderTest, type Foreign } from "./support/buses-under-test";

// Kafka: a group join on the mock takes seconds, more on a busy machine.
jest.setTimeout(180_000);

const applicant = {
  fullName: "Lò Thị Hoa",
  citizenId: "038190001234",
  phone: "0912345678",
  email: "lo.thi.hoa@example.vn",
  address: "Bản Ón, xã Mường Lát",
};

interface Letter {
  id: string;
  key: string;
  type: string;
  reason: string;
  attempts: number;
  state: string;
  settledBy: string | null;
  discardReason: string | null;
}

function suite(bus: () => BusUnderTest): void {
  let directory: TempDir;
  let underTest: BusUnderTest;
  let host: ServiceHost;
  let url: string;
  let foreign: Foreign;
  const operator: Record<string, string> = {};
  const leader: Record<string, string> = {};
  /** Province IT of Hà Nội: an operator, of another province. */
  const otherProvince: Record<string, string> = {};
  /** Dossier ids the handler handled, once per handling. */
  const handled: string[] = [];
  /** Keys another group of intake's topic received, once per delivery. */
  const bystanderSaw: string[] = [];
  let bystander: Subscription | undefined;
  let mended = false;

  beforeAll(async () => {
    directory = await tempDir("dead-letter-ledger");
    underTest = bus();
    const opened = await underTest.open();
    const env = loadConfig(serviceEnv({ httpPort: 0, grpcPort: 0, opsPort: 0 }), {
      DATA_DIR: directory.path,
      IDENTITY_DIR: `${directory.path}/identity`,
      HTTP_HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      ...opened.env,
    });
    host = await ServiceHost.open(
      { service: "routing", env, collections: [] },
      { broker: opened.broker, ports: { http: 0, grpc: 0, ops: 0 } },
    );
    foreign = opened.foreign(host.bus);
    host.consume([Topics.intake, Topics.routing], async (event: ConsumedEvent) => {
      if (event.name === "signatureRequested" && event.payload.dossierId.startsWith("broken") && !mended) {
        throw invalidField("summary", "cannot be printed");
      }
      if (event.name !== "applicationSubmitted") return [];
      if (event.payload.dossierId.startsWith("broken") && !mended) {
        throw invalidField("procedureCode", "is not in the catalog");
      }
      handled.push(event.payload.dossierId);
      return [];
    });
    bystander = await host.bus.subscribe({
      groupId: "bystander",
      topics: [Topics.intake],
      handler: async (event) => void bystanderSaw.push(event.key),
      unreadable: async (record) => void bystanderSaw.push(record.key),
    });
    url = (await host.start()).httpUrl;
    const issuer = await openDevelopmentIssuer(`${directory.path}/identity`);
    operator.authorization = `Bearer ${await issuer.sign(DEVELOPMENT_OFFICIALS.operator)}`;
    leader.authorization = `Bearer ${await issuer.sign(DEVELOPMENT_OFFICIALS.leaderMuongLat)}`;
    otherProvince.authorization = `Bearer ${await issuer.sign({
      subject: "van-hanh-ha-noi",
      name: "Cán bộ vận hành Hà Nội",
      unitCodes: ["01"],
      roles: ["operator"],
    })}`;
  });

  afterAll(async () => {
    await bystander?.close();
    await host?.stop();
    await underTest?.close();
    await directory?.remove();
  });

  const call = async (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) => {
    const response = await fetch(`${url}${path}`, { ...init, headers: { ...operator, ...init.headers } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const letters = async (query = "") => (await call(`/ops/dead-letters${query}`)).body.letters as Letter[];
  const storedLetters = async () => (await host.store.find(deadLetters)).map(({ id, version }) => ({ id, version }));

  test("kept once, shown masked to operators only, replayed to a mended handler, discarded with a reason, audited", async () => {
    const broken = `broken-${randomUUID()}`;
    const foreignKey = `foreign-${randomUUID()}`;
    await host.bus.publish([
      lifecycleEvent("applicationSubmitted", { dossierId: broken, receivingUnitCode: "14845", applicant }),
    ]);
    await foreign([{ key: foreignKey, value: Uint8Array.from([1, 2, 3]), headers: { "x-origin": "legacy" } }]);
    // An event that names its dossier's province only inside the competent authority, with a name and free text.
    const brokenSignature = `broken-signature-${randomUUID()}`;
    await host.bus.publish([
      lifecycleEvent("signatureRequested", {
        dossierId: brokenSignature,
        competentAuthority: {
          code: "38.CA",
          name: "Công an tỉnh Thanh Hoá",
          level: 2,
          communeCode: "",
          provinceCode: "38",
        },
        summary: "Ông Lò Văn Tâm đủ điều kiện",
        applicantFullName: applicant.fullName,
      }),
    ]);

    await waitFor(async () => (await letters()).length >= 3, { timeoutMs: 60_000, description: "three letters kept" });
    // The bystander is a group of its own, consuming at its own pace: it has seen the event before it is replayed.
    await waitFor(() => bystanderSaw.includes(broken), {
      timeoutMs: 60_000,
      description: "the bystander group receiving the event",
    });
    // Once each, though the ledger's own consumer may see a letter again.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const kept = await letters();
    expect(kept).toHaveLength(3);
    const signatureLetter = kept.find((letter) => letter.key === brokenSignature)!;
    const refused = kept.find((letter) => letter.key === broken)!;
    const unreadable = kept.find((letter) => letter.key === foreignKey)!;
    expect(refused).toMatchObject({ reason: "INVALID_ARGUMENT", attempts: 1, state: "open", type: expect.any(String) });
    expect(unreadable).toMatchObject({ reason: "MISSING_HEADER", type: "", state: "open" });

    // Operators only: no token, or an official of another role, are refused.
    expect((await call("/ops/dead-letters", { headers: { authorization: "" } })).status).toBe(401);
    expect((await call("/ops/dead-letters", { headers: leader })).status).toBe(403);
    expect((await call(`/ops/dead-letters/${refused.id}/replay`, { method: "POST", headers: leader })).status).toBe(
      403,
    );

    // The console's health page: the open letters each operator may act on, and the pipeline's figures.
    type Health = {
      openDeadLetters: number;
      version: string;
      series: { name: string; labels: Record<string, string>; value: number }[];
    };
    const health = async (headers: Record<string, string>) =>
      (await call("/ops/health", { headers })).body as unknown as Health;
    const deadLetteredOf = ({ series }: Health) =>
      series
        .filter((series) => series.name === "messaging_dead_letters_total" && series.labels.group === "routing")
        .reduce((total, series) => total + series.value, 0);
    // The consumer counts a letter once the bus took it, and the ledger may have kept it a moment before.
    await waitFor(async () => deadLetteredOf(await health({})) >= 3, {
      timeoutMs: 60_000,
      description: "the three dead letters counted",
    });
    const ours = await health({});
    expect(ours).toMatchObject({ openDeadLetters: 3, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(deadLetteredOf(ours)).toBe(3);
    expect(ours.series.some((series) => series.name === "messaging_consumer_lag")).toBe(true);
    expect(ours.series.some((series) => series.name === "outbox_backlog")).toBe(true);
    expect((await health(otherProvince)).openDeadLetters).toBe(1);
    expect((await call("/ops/health", { headers: leader })).status).toBe(403);

    // Another province's operator: Mường Lát's letter is not found, the one no province claims is listed.
    const elsewhere = await call("/ops/dead-letters", { headers: otherProvince });
    expect((elsewhere.body.letters as Letter[]).map((letter) => letter.id)).toEqual([unreadable.id]);
    expect((await call(`/ops/dead-letters/${refused.id}`, { headers: otherProvince })).status).toBe(404);
    expect((await call(`/ops/dead-letters/${signatureLetter.id}`, { headers: otherProvince })).status).toBe(404);
    expect(
      (await call(`/ops/dead-letters/${refused.id}/replay`, { method: "POST", headers: otherProvince })).status,
    ).toBe(404);

    // The payload decoded, personal fields masked.
    const shown = await call(`/ops/dead-letters/${refused.id}`);
    expect(shown.status).toBe(200);
    const text = JSON.stringify(shown.body);
    for (const value of Object.values(applicant)) expect(text).not.toContain(value);
    expect(shown.body.payload).toMatchObject({ dossierId: broken, applicant: "[redacted]" });
    expect(shown.body.error).toBe("INVALID_ARGUMENT: procedureCode: is not in the catalog");
    // Only what the allow-list names: ids, codes, times; never a name or an official's free text.
    const signatureShown = await call(`/ops/dead-letters/${signatureLetter.id}`);
    expect(signatureShown.body.payload).toMatchObject({
      dossierId: brokenSignature,
      competentAuthority: { code: "38.CA", provinceCode: "38", name: "[redacted]" },
      summary: "[redacted]",
      applicantFullName: "[redacted]",
    });
    expect(JSON.stringify(signatureShown.body)).not.toContain("Lò");
    // A foreign producer's headers are not shown; its record cannot be replayed, only discarded.
    const foreignShown = await call(`/ops/dead-letters/${unreadable.id}`);
    expect(foreignShown.body).toMatchObject({ payload: null });
    expect(foreignShown.body.headers).toEqual({});
    const notAnEvent = await call(`/ops/dead-letters/${unreadable.id}/replay`, { method: "POST" });
    expect(notAnEvent.status).toBe(409);
    expect(JSON.stringify(notAnEvent.body)).toContain("can be discarded, not replayed");

    // Bad input: the field and why, and nothing changes.
    const before = await storedLetters();
    const badState = await call("/ops/dead-letters?state=lost");
    expect(badState.status).toBe(400);
    expect(JSON.stringify(badState.body)).toContain("state");
    expect((await call("/ops/dead-letters/not-a-letter")).status).toBe(400);
    const noReason = await call(`/ops/dead-letters/${unreadable.id}/discard`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reason: " " }),
    });
    expect(noReason.status).toBe(400);
    expect(JSON.stringify(noReason.body)).toContain("reason");
    const unknown = `lienthong.deadletter.routing.v1:0:999999`;
    expect((await call(`/ops/dead-letters/${unknown}/replay`, { method: "POST" })).status).toBe(404);
    expect(await storedLetters()).toEqual(before);
    expect(handled).not.toContain(broken);

    // Mended, the replayed event is handled exactly once; a second replay is refused.
    mended = true;
    const replayed = await call(`/ops/dead-letters/${refused.id}/replay`, { method: "POST" });
    expect(replayed.status).toBe(202);
    expect(replayed.body).toMatchObject({ state: "replayed", settledBy: DEVELOPMENT_OFFICIALS.operator.subject });
    await waitFor(() => handled.includes(broken), { timeoutMs: 60_000, description: "the replayed event handled" });
    // Settled, the letter keeps why and when, and forgets the citizen's data it carried.
    expect((await host.store.get(deadLetters, refused.id))?.data).toMatchObject({ value: "", headers: {} });
    expect((await call(`/ops/dead-letters/${refused.id}`)).body).toMatchObject({
      state: "replayed",
      payload: null,
      payloadError: "not kept once the letter was settled",
    });
    const again = await call(`/ops/dead-letters/${refused.id}/replay`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain("is replayed already");

    const discarded = await call(`/ops/dead-letters/${unreadable.id}/discard`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reason: "a legacy system's test record" }),
    });
    expect(discarded.status).toBe(200);
    expect(discarded.body).toMatchObject({ state: "discarded", discardReason: "a legacy system's test record" });
    expect(
      (
        await call(`/ops/dead-letters/${signatureLetter.id}/discard`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ reason: "decided again by the leader" }),
        })
      ).status,
    ).toBe(200);
    expect(await letters("?state=open")).toHaveLength(0);
    expect((await health({})).openDeadLetters).toBe(0);
    expect(await letters("?state=replayed")).toEqual([expect.objectContaining({ id: refused.id })]);

    // Nothing more arrives: the replay was one event, handled once, and it made no new letter.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(handled.filter((id) => id === broken)).toHaveLength(1);
    expect(await letters()).toHaveLength(3);
    // The replay went to the group that gave up, not back to intake's topic.
    expect(bystanderSaw.filter((key) => key === broken)).toHaveLength(1);

    await host.audit.flush();
    while ((await host.store.find(auditLog, { where: { sealed: false }, limit: 1 })).length > 0)
      await host.audit.seal();
    const sealed = await host.audit.sealedAfter(0, 10_000);
    const actions = sealed
      .filter((entry) => entry.action.endsWith("_dead_letter") && entry.action !== "read_dead_letter")
      .map(({ action, target, officialId, outcome }) => ({ action, target, officialId, outcome }));
    const by = (officialId: string, action: string, id: string, outcome: string) => ({
      action,
      target: `dead-letter:${id}`,
      officialId,
      outcome,
    });
    const { subject } = DEVELOPMENT_OFFICIALS.operator;
    // Every action, whatever its end: done, refused (a second replay, a record that is no event) or not found.
    expect(actions).toEqual(
      expect.arrayContaining([
        by("van-hanh-ha-noi", "replay_dead_letter", refused.id, "not_found"),
        by(subject, "replay_dead_letter", unknown, "not_found"),
        by(subject, "replay_dead_letter", unreadable.id, "refused"),
        by(subject, "replay_dead_letter", refused.id, "done"),
        by(subject, "replay_dead_letter", refused.id, "refused"),
        by(subject, "discard_dead_letter", unreadable.id, "done"),
        by(subject, "discard_dead_letter", signatureLetter.id, "done"),
      ]),
    );
    expect(actions.filter((entry) => entry.outcome === "done")).toHaveLength(3);
    // Reads too: another province's operator probing a letter is recorded as denied.
    expect(sealed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: "read_dead_letter",
          officialId: "van-hanh-ha-noi",
          target: `dead-letter:${refused.id}`,
          outcome: "denied",
        }),
      ]),
    );
    // The reason, free text, is not in the audit chain.
    expect(JSON.stringify(await host.audit.sealedAfter(0, 10_000))).not.toContain("legacy system");
  });
}

describe("operators' dead letters, on the in-process bus", () => {
  suite(inProcessBus);
});

describeWithKafka("operators' dead letters, on Kafka (librdkafka's mock cluster)", () => {
  suite(kafkaMockBus);
});
