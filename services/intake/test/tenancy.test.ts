import * as grpc from "@grpc/grpc-js";
import { intake } from "@lienthong/contracts";
import * as path from "node:path";
import {
  DEVELOPMENT_OFFICIALS,
  createLogger,
  openDevelopmentIssuer,
  type DevelopmentOfficial,
} from "@lienthong/service-host";
import { waitFor } from "@lienthong/testing";
import { applications } from "../src/store/collections";
import {
  MUONG_LAT,
  TAM_CHUNG,
  applicantData,
  call,
  clients,
  grpcError,
  intakeClient,
  publishRoutingEvent,
  startIntake,
  submitValid,
  unaryCall,
  validApplication,
  waitForRecord,
  withApiKey,
  type ApplicationBody,
  type IntakeHarness,
} from "./support/intake-harness";

describe("API keys and tenant isolation", () => {
  let harness: IntakeHarness;
  let client: intake.IntakeServiceClient;
  /** Received at Mường Lát; decided by Tam Chung's People's Committee (boundary-free intake). */
  let receivedHereDecidedThere: ApplicationBody;
  /** Received at Mường Lát and decided there. */
  let muongLatOnly: ApplicationBody;

  /** Every log line intake wrote, parsed. */
  const logLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const destination = { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) };
    harness = await startIntake({ logger: createLogger({ service: "intake", level: "info", destination }) });
    client = intakeClient(harness);
    receivedHereDecidedThere = await submitValid(harness, { applicantCommuneCode: TAM_CHUNG });
    muongLatOnly = await submitValid(harness);
    await publishRoutingEvent(harness, "dossierRouted", {
      dossierId: receivedHereDecidedThere.dossierId,
      dossierCode: receivedHereDecidedThere.dossierCode,
      status: 4,
      competentAuthority: {
        code: TAM_CHUNG,
        name: "Ủy ban nhân dân xã Tam Chung",
        level: 1,
        communeCode: TAM_CHUNG,
        provinceCode: "38",
      },
    });
    await waitForRecord(
      harness,
      receivedHereDecidedThere.dossierId,
      (record) => record.competentAuthorityCode === TAM_CHUNG,
      "the routed event projected",
    );
  });

  afterAll(async () => {
    client?.close();
    await harness?.stop();
  });

  const get = (ref: string, apiKey: string | null) =>
    call(harness.running.httpUrl, "GET", `/v1/applications/${ref}`, { apiKey });

  test.each([
    ["no API key", null],
    ["an unknown API key", "not-a-configured-key-at-all"],
  ])("REST with %s answers 401 UNAUTHENTICATED, for reads and submissions", async (_name, apiKey) => {
    const read = await get(muongLatOnly.dossierCode, apiKey);
    const submit = await call(harness.running.httpUrl, "POST", "/v1/applications", {
      body: validApplication(),
      apiKey,
    });
    for (const reply of [read, submit]) {
      expect(reply.status).toBe(401);
      expect(reply.contentType).toMatch(/^application\/problem\+json/);
      expect((reply.body as { code: string }).code).toBe("UNAUTHENTICATED");
    }
  });

  test("gRPC without a key answers UNAUTHENTICATED", async () => {
    const error = await grpcError(
      unaryCall(
        client.getApplication.bind(client),
        intake.GetApplicationRequest.fromPartial({ dossierRef: muongLatOnly.dossierCode }),
      ),
    );
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  test("submitting at a receiving unit the key does not act for answers 403 PERMISSION_DENIED and stores nothing", async () => {
    const reply = await call(harness.running.httpUrl, "POST", "/v1/applications", {
      body: validApplication({ receivingUnitCode: TAM_CHUNG }),
      apiKey: clients.muongLat.key,
    });
    expect(reply.status).toBe(403);
    expect((reply.body as { code: string; detail: string }).code).toBe("PERMISSION_DENIED");
    expect((reply.body as { detail: string }).detail).toContain(TAM_CHUNG);
    expect(reply.text).not.toContain(applicantData.citizenId);
    expect(await harness.runtime.store.count(applications, { where: { receivingUnitCode: TAM_CHUNG } })).toBe(0);
    // The submissions of beforeAll reach the observer in their own time: wait until everything committed is
    // observed, then no event is about a dossier other than those two.
    await harness.allObserved();
    const known = [receivedHereDecidedThere.dossierId, muongLatOnly.dossierId];
    expect(harness.observed.filter((event) => !known.includes(event.key))).toEqual([]);
  });

  test("another commune's system gets 404 for a dossier it neither received nor decides — the same answer as for a missing one", async () => {
    const foreign = await get(muongLatOnly.dossierCode, clients.tamChung.key);
    const byId = await get(muongLatOnly.dossierId, clients.tamChung.key);
    const missing = await get(`${MUONG_LAT}-991231-9999`, clients.tamChung.key);
    expect([foreign.status, byId.status, missing.status]).toEqual([404, 404, 404]);
    const shape = (reply: typeof foreign) => {
      const { code, title, retriable } = reply.body as { code: string; title: string; retriable: boolean };
      return { code, title, retriable };
    };
    expect(shape(foreign)).toEqual(shape(missing));
    expect(foreign.text).not.toContain(muongLatOnly.dossierId);

    const overGrpc = await grpcError(
      unaryCall(
        client.getApplication.bind(client),
        intake.GetApplicationRequest.fromPartial({ dossierRef: muongLatOnly.dossierCode }),
        withApiKey(clients.tamChung.key),
      ),
    );
    expect(overGrpc.code).toBe(grpc.status.NOT_FOUND);
  });

  test("the competent commune reads a dossier another unit received (boundary-free intake), with the authority's name", async () => {
    const reply = await get(receivedHereDecidedThere.dossierCode, clients.tamChung.key);
    expect(reply.status).toBe(200);
    expect((reply.body as { application: ApplicationBody }).application).toMatchObject({
      dossierId: receivedHereDecidedThere.dossierId,
      receivingUnitCode: MUONG_LAT,
      competentAuthorityCode: TAM_CHUNG,
      competentAuthorityName: "Ủy ban nhân dân xã Tam Chung",
      status: 4,
    });
    // The receiving unit keeps seeing it too.
    expect((await get(receivedHereDecidedThere.dossierCode, clients.muongLat.key)).status).toBe(200);
  });

  test("a provincial agency sees only dossiers routed to it", async () => {
    expect((await get(muongLatOnly.dossierCode, clients.provincialPolice.key)).status).toBe(404);
    await publishRoutingEvent(harness, "dossierTransferred", {
      dossierId: muongLatOnly.dossierId,
      dossierCode: muongLatOnly.dossierCode,
      toAuthority: { code: "38.CA", name: "Công an tỉnh Thanh Hoá", level: 2, communeCode: "", provinceCode: "38" },
    });
    await waitForRecord(
      harness,
      muongLatOnly.dossierId,
      (record) => record.competentAuthorityCode === "38.CA",
      "the transfer projected",
    );
    const reply = await get(muongLatOnly.dossierCode, clients.provincialPolice.key);
    expect(reply.status).toBe(200);
    expect((reply.body as { application: ApplicationBody }).application.competentAuthorityName).toBe(
      "Công an tỉnh Thanh Hoá",
    );
  });

  test("every access decision is in the audit log with the caller, the dossier and the outcome, and no personal data", async () => {
    const issuer = await openDevelopmentIssuer(path.join(harness.dataDir, "identity"));
    const auditor = { authorization: `Bearer ${await issuer.sign(DEVELOPMENT_OFFICIALS.auditor)}` };
    const expected = [
      { clientId: clients.tamChung.clientId, action: "get", target: muongLatOnly.dossierId, outcome: "denied" },
      { clientId: clients.tamChung.clientId, action: "get", target: `${MUONG_LAT}-991231-9999`, outcome: "not_found" },
      {
        clientId: clients.tamChung.clientId,
        action: "get",
        target: receivedHereDecidedThere.dossierId,
        outcome: "allowed",
      },
      { clientId: clients.muongLat.clientId, action: "submit", target: `unit:${TAM_CHUNG}`, outcome: "denied" },
    ];
    let entries: Record<string, unknown>[] = [];
    // Entries are sealed into the chain a moment after the decision.
    await waitFor(
      async () => {
        const reply = await fetch(`${harness.running.httpUrl}/v1/audit?limit=1000`, { headers: auditor });
        entries = ((await reply.json()) as { entries: Record<string, unknown>[] }).entries;
        return expected.every((entry) => entries.some((candidate) => isMatch(candidate, entry)));
      },
      { description: "the decisions sealed in the audit log" },
    );
    const everything = JSON.stringify([entries, logLines]);
    for (const value of Object.values(applicantData)) expect(everything).not.toContain(value);
    for (const { key } of Object.values(clients)) expect(everything).not.toContain(key);
  });

  test("an operator reads its province's dossiers over /ops without personal data, audited; another province's is 404", async () => {
    const issuer = await openDevelopmentIssuer(path.join(harness.dataDir, "identity"));
    const bearer = async (official: DevelopmentOfficial) => ({
      authorization: `Bearer ${await issuer.sign(official)}`,
    });
    const asOperator = (ref: string, headers: Record<string, string>) =>
      call(harness.running.httpUrl, "GET", `/ops/applications/${ref}`, { apiKey: null, headers });
    const operator = await bearer(DEVELOPMENT_OFFICIALS.operator);
    const read = await asOperator(receivedHereDecidedThere.dossierCode, operator);
    expect(read.status).toBe(200);
    expect((read.body as { application: ApplicationBody }).application).toMatchObject({
      dossierId: receivedHereDecidedThere.dossierId,
      competentAuthorityCode: TAM_CHUNG,
    });
    for (const value of Object.values(applicantData)) expect(read.text).not.toContain(value);

    const hanoi = await bearer({ ...DEVELOPMENT_OFFICIALS.operator, subject: "van-hanh-ha-noi", unitCodes: ["01"] });
    expect((await asOperator(muongLatOnly.dossierCode, hanoi)).status).toBe(404);
    expect((await asOperator(`${MUONG_LAT}-991231-9999`, operator)).status).toBe(404);
    // A commune system's key alone, or a leader's token, is not province IT.
    const withKey = await call(harness.running.httpUrl, "GET", `/ops/applications/${muongLatOnly.dossierCode}`, {});
    expect(withKey.status).toBe(401);
    expect(
      (await asOperator(muongLatOnly.dossierCode, await bearer(DEVELOPMENT_OFFICIALS.leaderMuongLat))).status,
    ).toBe(403);

    const auditor = await bearer(DEVELOPMENT_OFFICIALS.auditor);
    await waitFor(
      async () => {
        const reply = await fetch(`${harness.running.httpUrl}/v1/audit?limit=1000`, { headers: auditor });
        const entries = ((await reply.json()) as { entries: Record<string, unknown>[] }).entries;
        return [
          {
            officialId: DEVELOPMENT_OFFICIALS.operator.subject,
            target: receivedHereDecidedThere.dossierId,
            outcome: "allowed",
          },
          { officialId: "van-hanh-ha-noi", target: muongLatOnly.dossierId, outcome: "denied" },
        ].every((expected) => entries.some((entry) => entry.action === "get_as_operator" && isMatch(entry, expected)));
      },
      { description: "the operator's reads sealed in the audit log" },
    );
  });

  test("the application view carries no personal data", async () => {
    const reply = await get(receivedHereDecidedThere.dossierCode, clients.muongLat.key);
    for (const value of Object.values(applicantData)) expect(reply.text).not.toContain(value);
  });
});

function isMatch(candidate: Record<string, unknown>, expected: Record<string, string>): boolean {
  return Object.entries(expected).every(([field, value]) => candidate[field] === value);
}
