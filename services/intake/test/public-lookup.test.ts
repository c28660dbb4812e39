import * as grpc from "@grpc/grpc-js";
import { intake } from "@lienthong/contracts";
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
