import { randomBytes, randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { intake, type events } from "@lienthong/contracts";
import { ConfigError, auditLog, verifyPublicDocumentLink, type PublicLinkSecrets } from "@lienthong/service-host";
import { waitFor } from "@lienthong/testing";
import { createIntakeService } from "../src";
import {
  MUONG_LAT,
  applicantData,
  call,
  grpcError,
  intakeClient,
  publishRoutingEvent,
  startIntake,
  submitValid,
  unaryCall,
  waitForRecord,
  type ApplicationBody,
  type IntakeHarness,
} from "./support/intake-harness";

const citizenIdLastFour = applicantData.citizenId.slice(-4);
const phoneLastFour = applicantData.phone.slice(-4);

describe("public status lookup by dossier code and second factor", () => {
  let harness: IntakeHarness;
  let application: ApplicationBody;
  const appointmentAt = new Date(Date.now() + 72 * 3_600_000).toISOString();

  beforeAll(async () => {
    // Generous limits here; the limit tests start their own intake with tight ones.
    harness = await startIntake({
      env: { PUBLIC_LOOKUP_PER_CODE_PER_MINUTE: "100", PUBLIC_LOOKUP_PER_IP_PER_MINUTE: "100" },
    });
    application = await submitValid(harness);
    await publishRoutingEvent(harness, "applicationAccepted", {
      dossierId: application.dossierId,
      dossierCode: application.dossierCode,
      status: 2,
      appointmentAt,
    });
    await waitForRecord(harness, application.dossierId, (record) => record.status === 2, "accepted");
  });

  afterAll(async () => {
    await harness?.stop();
  });

  const lookup = (code: string, factor: string) =>
    call(
      harness.running.httpUrl,
      "GET",
      `/v1/public/status/${encodeURIComponent(code)}?factor=${encodeURIComponent(factor)}`,
      { apiKey: null },
    );

  test.each([
    ["the citizen ID", citizenIdLastFour],
    ["the phone", phoneLastFour],
  ])("the last four digits of %s give the status, procedure and dates only", async (_name, factor) => {
    const reply = await lookup(application.dossierCode, factor);
    expect(reply.status).toBe(200);
    expect(reply.headers.get("cache-control")).toBe("no-store");
    expect(reply.body).toEqual({
      dossierCode: application.dossierCode,
      status: 2,
      statusLabel: "Được tiếp nhận",
      procedureName: "Thủ tục đăng ký kết hôn",
      submittedAt: application.submittedAt,
      appointmentAt,
      // No slip without an official's act (this acceptance came as an event only).
      slips: [],
    });
    for (const value of Object.values(applicantData)) expect(reply.text).not.toContain(value);
  });

  test("a wrong factor and an unknown code give the same 404 — no oracle", async () => {
    const wrongFactor = await lookup(application.dossierCode, "0000");
    const unknownCode = await lookup(`${MUONG_LAT}-991231-9999`, citizenIdLastFour);
    const malformed = await lookup("not-a-code", citizenIdLastFour);
    const noFactor = await lookup(application.dossierCode, "");
    const strip = (body: unknown) => {
      const { traceId: _traceId, ...rest } = body as Record<string, unknown>;
      return rest;
    };
    for (const reply of [wrongFactor, unknownCode, malformed, noFactor]) {
      expect(reply.status).toBe(404);
      expect(strip(reply.body)).toEqual(strip(wrongFactor.body));
    }
    expect(wrongFactor.text).not.toContain(application.dossierCode);
  });

  test("over gRPC, LookupStatus answers the same without an API key", async () => {
    const client = intakeClient(harness);
    try {
      const response = await unaryCall(
        client.lookupStatus.bind(client),
        intake.LookupStatusRequest.fromPartial({ dossierCode: application.dossierCode, secondFactor: phoneLastFour }),
      );
      expect(response).toEqual(
        intake.LookupStatusResponse.fromPartial({
          dossierCode: application.dossierCode,
          status: 2,
          statusLabel: "Được tiếp nhận",
          procedureName: "Thủ tục đăng ký kết hôn",
          submittedAt: application.submittedAt,
          appointmentAt,
        }),
      );
      const wrong = await grpcError(
        unaryCall(
          client.lookupStatus.bind(client),
          intake.LookupStatusRequest.fromPartial({ dossierCode: application.dossierCode, secondFactor: "1111" }),
        ),
      );
      expect(wrong.code).toBe(grpc.status.NOT_FOUND);
    } finally {
      client.close();
    }
  });
});

describe("public status lookup is rate-limited", () => {
  let harness: IntakeHarness;

  beforeEach(async () => {
    harness = await startIntake({
      env: { PUBLIC_LOOKUP_PER_CODE_PER_MINUTE: "5", PUBLIC_LOOKUP_PER_IP_PER_MINUTE: "8" },
    });
  });

  afterEach(async () => {
    await harness?.stop();
  });

  const lookup = (code: string, factor: string) =>
    call(harness.running.httpUrl, "GET", `/v1/public/status/${code}?factor=${factor}`, { apiKey: null });

  test("the 6th guess at one code within a minute is 429 with Retry-After, even with the right factor", async () => {
    const application = await submitValid(harness);
    const guesses = [];
    for (const factor of ["0001", "0002", "0003", "0004", "0005"])
      guesses.push(await lookup(application.dossierCode, factor));
    expect(guesses.map((reply) => reply.status)).toEqual([404, 404, 404, 404, 404]);

    const blocked = await lookup(application.dossierCode, citizenIdLastFour);
    expect(blocked.status).toBe(429);
    expect(blocked.contentType).toMatch(/^application\/problem\+json/);
    expect((blocked.body as { code: string }).code).toBe("RESOURCE_EXHAUSTED");
    const retryAfter = Number(blocked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // Another code from the same client is still answered (the IP budget is not spent yet).
    const other = await submitValid(harness);
    expect((await lookup(other.dossierCode, citizenIdLastFour)).status).toBe(200);
  });

  test("one client sweeping many codes is stopped by the per-IP limit", async () => {
    const statuses: number[] = [];
    for (let index = 1; index <= 9; index++)
      statuses.push((await lookup(`${MUONG_LAT}-991231-${String(index).padStart(4, "0")}`, "1234")).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 404, 404, 404, 429]);
  });

  test("over gRPC the limit answers RESOURCE_EXHAUSTED", async () => {
    const client = intakeClient(harness);
    try {
      const request = intake.LookupStatusRequest.fromPartial({
        dossierCode: `${MUONG_LAT}-991231-0001`,
        secondFactor: "1234",
      });
      for (let index = 0; index < 5; index++) await grpcError(unaryCall(client.lookupStatus.bind(client), request));
      const error = await grpcError(unaryCall(client.lookupStatus.bind(client), request));
      expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(error.details).toMatch(/retry after \d+ s/);
    } finally {
      client.close();
    }
  });
});

describe("the public lookup hands the applicant a link to the signed result", () => {
  let harness: IntakeHarness;
  let application: ApplicationBody;
  const documentId = randomUUID();
  // The secret signature shares with intake; a test's own, so only these links verify.
  const secrets: PublicLinkSecrets = { current: randomBytes(32).toString("base64url") };

  beforeAll(async () => {
    harness = await startIntake({
      env: {
        PUBLIC_LOOKUP_PER_CODE_PER_MINUTE: "100",
        PUBLIC_LOOKUP_PER_IP_PER_MINUTE: "100",
        PUBLIC_LINK_SECRET: secrets.current,
      },
    });
    application = await submitValid(harness);
  });

  afterAll(async () => {
    await harness?.stop();
  });

  const lookup = (factor: string) =>
    call(harness.running.httpUrl, "GET", `/v1/public/status/${application.dossierCode}?factor=${factor}`, {
      apiKey: null,
    });

  /** The document id a link grants, as signature checks it; the link's parts as signature's route reads them. */
  function grantedBy(linkPath: string, now = new Date()): string {
    const url = new URL(linkPath, "http://signature.invalid");
    return verifyPublicDocumentLink(
      secrets,
      {
        documentId: url.pathname.replace("/v1/public/documents/", ""),
        expires: url.searchParams.get("expires") ?? undefined,
        signature: url.searchParams.get("signature") ?? undefined,
      },
      now,
    );
  }

  test("no link before the result is signed", async () => {
    const reply = await lookup(citizenIdLastFour);
    expect(reply.status).toBe(200);
    expect(reply.body).not.toHaveProperty("resultDownloadPath");
    expect(reply.body).not.toHaveProperty("resultDownloadExpiresAt");
  });

  test("with the right factor, once signed: a link to signature's public route, granting that document for ten minutes", async () => {
    const { dossierId, dossierCode } = application;
    await publishRoutingEvent(harness, "documentSigned", {
      dossierId,
      dossierCode,
      documentId,
      downloadPath: `/v1/documents/${documentId}`,
    });
    await waitForRecord(harness, dossierId, (record) => record.resultDocumentId === documentId, "the result's id");
    const before = Date.now();
    const reply = await lookup(phoneLastFour);
    expect(reply.status).toBe(200);
    expect(reply.headers.get("cache-control")).toBe("no-store");
    const body = reply.body as { resultDownloadPath: string; resultDownloadExpiresAt: string; status: number };
    expect(body.resultDownloadPath).toMatch(
      new RegExp(`^/v1/public/documents/${documentId}\\?expires=\\d+&signature=[A-Za-z0-9_-]{43}$`),
    );
    const expiresAt = Date.parse(body.resultDownloadExpiresAt);
    expect(expiresAt - before).toBeGreaterThan(9 * 60_000);
    // Whole seconds: the lookup may have started a second later than `before`.
    expect(expiresAt - before).toBeLessThanOrEqual(10 * 60_000 + 1_000);
    expect(grantedBy(body.resultDownloadPath)).toBe(documentId);
    expect(() => grantedBy(body.resultDownloadPath, new Date(expiresAt))).toThrow(/expired/);
    for (const value of Object.values(applicantData)) expect(reply.text).not.toContain(value);
  });

  test("a wrong factor gets the usual 404 and nothing of the link", async () => {
    const reply = await lookup("0000");
    expect(reply.status).toBe(404);
    expect(reply.text).not.toContain(documentId);
    expect(reply.text).not.toContain("signature=");
  });

  test("over gRPC, LookupStatus carries the same link, and a wrong factor NOT_FOUND", async () => {
    const client = intakeClient(harness);
    try {
      const response = await unaryCall(
        client.lookupStatus.bind(client),
        intake.LookupStatusRequest.fromPartial({
          dossierCode: application.dossierCode,
          secondFactor: citizenIdLastFour,
        }),
      );
      expect(grantedBy(response.resultDownloadPath)).toBe(documentId);
      expect(Date.parse(response.resultDownloadExpiresAt ?? "")).toBeGreaterThan(Date.now() + 9 * 60_000);
      const wrong = await grpcError(
        unaryCall(
          client.lookupStatus.bind(client),
          intake.LookupStatusRequest.fromPartial({ dossierCode: application.dossierCode, secondFactor: "1111" }),
        ),
      );
      expect(wrong.code).toBe(grpc.status.NOT_FOUND);
      expect(wrong.details).not.toContain(documentId);
    } finally {
      client.close();
    }
  });

  test("each link handed out is in the audit log by dossier id, with nothing of the link or the applicant", async () => {
    await waitFor(
      async () =>
        (await harness.runtime.store.find(auditLog, {})).some(
          ({ data }) => data.action === "issue_result_link" && data.target === application.dossierId,
        ),
      { description: "the link's audit entry", timeoutMs: 15_000 },
    );
    const entries = JSON.stringify((await harness.runtime.store.find(auditLog, {})).map(({ data }) => data));
    expect(entries).not.toContain("signature=");
    expect(entries).not.toContain(documentId);
    for (const value of Object.values(applicantData)) expect(entries).not.toContain(value);
  });

  test("a result signed before its id was kept is found from its download path", async () => {
    const earlier = await submitValid(harness);
    const earlierDocument = randomUUID();
    // DocumentSigned as it was projected then: the path only.
    await publishRoutingEvent(harness, "documentSigned", {
      dossierId: earlier.dossierId,
      dossierCode: earlier.dossierCode,
      downloadPath: `/v1/documents/${earlierDocument}`,
    });
    await waitForRecord(
      harness,
      earlier.dossierId,
      (record) => record.resultDocumentPath === `/v1/documents/${earlierDocument}`,
      "the result's path",
    );
    const reply = await call(
      harness.running.httpUrl,
      "GET",
      `/v1/public/status/${earlier.dossierCode}?factor=${citizenIdLastFour}`,
      { apiKey: null },
    );
    expect(grantedBy((reply.body as { resultDownloadPath: string }).resultDownloadPath)).toBe(earlierDocument);
  });
});

describe("the public lookup hands the applicant a link to each of the desk's signed slips", () => {
  let harness: IntakeHarness;
  let application: ApplicationBody;
  const secrets: PublicLinkSecrets = { current: randomBytes(32).toString("base64url") };
  const receipt = randomUUID();
  const supplementRequest = randomUUID();

  beforeAll(async () => {
    harness = await startIntake({
      env: {
        PUBLIC_LOOKUP_PER_CODE_PER_MINUTE: "100",
        PUBLIC_LOOKUP_PER_IP_PER_MINUTE: "100",
        PUBLIC_LINK_SECRET: secrets.current,
      },
    });
    application = await submitValid(harness);
  });

  afterAll(async () => {
    await harness?.stop();
  });

  const slipIssued = (documentId: string, kind: events.SlipKind, issuedAt: string) =>
    publishRoutingEvent(harness, "slipIssued", {
      dossierId: application.dossierId,
      dossierCode: application.dossierCode,
      kind,
      documentId,
      downloadPath: `/v1/documents/${documentId}`,
      issuedAt,
    });
  const granted = (path: string) => {
    const url = new URL(path, "http://signature.invalid");
    return verifyPublicDocumentLink(
      secrets,
      {
        documentId: url.pathname.replace("/v1/public/documents/", ""),
        expires: url.searchParams.get("expires") ?? undefined,
        signature: url.searchParams.get("signature") ?? undefined,
      },
      new Date(),
    );
  };

  test("each slip once, oldest first, over REST and gRPC; a redelivered event adds nothing", async () => {
    const { RECEIPT, SUPPLEMENT_REQUEST } = { RECEIPT: 1, SUPPLEMENT_REQUEST: 2 } as const;
    await slipIssued(receipt, RECEIPT, "2026-12-07T02:16:00.000Z");
    await slipIssued(supplementRequest, SUPPLEMENT_REQUEST, "2026-12-08T03:00:00.000Z");
    await waitForRecord(harness, application.dossierId, (record) => record.slips?.length === 2, "both slips");
    // The same event delivered again (same id) is the timeline's to recognise: still two.
    const [first] = harness.observed.filter(
      (event) => event.key === application.dossierId && event.type.includes("slip_issued"),
    );
    await harness.broker.bus("signature").publish([{ ...first!, headers: first!.headers ?? {} }]);
    // A replay of the slip under a new event id (signature republishing it) names the same document: still two.
    await slipIssued(receipt, RECEIPT, "2026-12-07T02:16:00.000Z");
    await waitForRecord(
      harness,
      application.dossierId,
      (record) => record.timeline.filter((entry) => entry.eventType.includes("slip_issued")).length === 3,
      "the replay on the timeline",
    );
    await harness.allObserved();

    const rest = await call(
      harness.running.httpUrl,
      "GET",
      `/v1/public/status/${application.dossierCode}?factor=${citizenIdLastFour}`,
      { apiKey: null },
    );
    expect(rest.status).toBe(200);
    const slips = (rest.body as { slips: { kind: number; issuedAt: string; downloadPath: string }[] }).slips;
    expect(slips.map(({ kind, issuedAt }) => ({ kind, issuedAt }))).toEqual([
      { kind: RECEIPT, issuedAt: "2026-12-07T02:16:00.000Z" },
      { kind: SUPPLEMENT_REQUEST, issuedAt: "2026-12-08T03:00:00.000Z" },
    ]);
    expect(slips.map(({ downloadPath }) => granted(downloadPath))).toEqual([receipt, supplementRequest]);

    const client = intakeClient(harness);
    try {
      const response = await unaryCall(
        client.lookupStatus.bind(client),
        intake.LookupStatusRequest.fromPartial({ dossierCode: application.dossierCode, secondFactor: phoneLastFour }),
      );
      expect(response.slips.map(({ kind }) => kind)).toEqual([RECEIPT, SUPPLEMENT_REQUEST]);
      expect(response.slips.map(({ downloadPath }) => granted(downloadPath))).toEqual([receipt, supplementRequest]);
    } finally {
      client.close();
    }
    const wrong = await call(
      harness.running.httpUrl,
      "GET",
      `/v1/public/status/${application.dossierCode}?factor=0000`,
      {
        apiKey: null,
      },
    );
    expect(wrong.status).toBe(404);
    expect(wrong.text).not.toContain(receipt);
    await waitFor(
      async () =>
        (await harness.runtime.store.find(auditLog, {})).some(
          ({ data }) => data.action === "issue_slip_links" && data.target === application.dossierId,
        ),
      { description: "the slip links' audit entry", timeoutMs: 15_000 },
    );
  });
});

describe("the link secret in production", () => {
  // A production environment the config check passes, up to the link secret; nothing is reachable at these addresses.
  const production = {
    NODE_ENV: "production",
    STORE: "mongo",
    MONGO_URL: "mongodb://127.0.0.1:9/?replicaSet=rs0",
    KAFKA_BROKERS: "127.0.0.1:9",
    GRPC_TLS: "files",
    GRPC_TLS_CERT_FILE: "/nonexistent/grpc.crt",
    GRPC_TLS_KEY_FILE: "/nonexistent/grpc.key",
    LOG_LEVEL: "silent",
  };

  test.each([
    ["missing", {}],
    ["short", { PUBLIC_LINK_SECRET: "too-short-for-an-hmac-key" }],
  ])("is refused when %s, before intake opens its store", async (_what, secret) => {
    const started = createIntakeService({ env: { ...production, ...secret } });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toMatchObject({
      issues: [{ variable: "PUBLIC_LINK_SECRET", reason: expect.stringContaining("NODE_ENV=production") }],
    });
  });
});
