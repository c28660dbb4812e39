import * as grpc from "@grpc/grpc-js";
import { EventTypes, intake } from "@lienthong/contracts";
import { outbox } from "@lienthong/messaging";
import { grpcStatusDetailsKey, withDeadline } from "@lienthong/service-host";
import { readGrpcErrorDetails, waitFor } from "@lienthong/testing";
import { applications, dossierSequences } from "../src/store/collections";
import {
  MARRIAGE_REGISTRATION,
  applicantData,
  attestationApplication,
  marriageForm,
  postApplication,
  startIntake,
  validApplication,
  withApiKey,
  type IntakeHarness,
} from "./support/intake-harness";

/** Values a rejected request carried that must never come back in the error. */
const personalValues = [applicantData.fullName, applicantData.citizenId, applicantData.phone, applicantData.email];

interface BadCase {
  name: string;
  /** The REST body (as a commune system would post it). */
  body: Record<string, unknown>;
  /** The field path(s) the error must name. */
  fields: string[];
  /** Extra values the request carried that must not be echoed. */
  secrets?: string[];
}

function withApplicant(changes: Record<string, unknown>, drop: string[] = []): Record<string, unknown> {
  const applicant: Record<string, unknown> = { ...applicantData, ...changes };
  for (const key of drop) delete applicant[key];
  return validApplication({ applicant });
}

function without(key: string): Record<string, unknown> {
  const body = validApplication();
  delete body[key];
  return body;
}

function formWithout(field: keyof typeof marriageForm): Record<string, string> {
  const form: Record<string, string> = { ...marriageForm };
  delete form[field];
  return form;
}

const badCases: BadCase[] = [
  { name: "missing procedure code", body: without("procedureCode"), fields: ["procedureCode"] },
  { name: "missing receiving unit code", body: without("receivingUnitCode"), fields: ["receivingUnitCode"] },
  { name: "missing applicant full name", body: withApplicant({}, ["fullName"]), fields: ["applicant.fullName"] },
  { name: "missing applicant citizen ID", body: withApplicant({}, ["citizenId"]), fields: ["applicant.citizenId"] },
  { name: "no phone and no email", body: withApplicant({}, ["phone", "email"]), fields: ["applicant.phone"] },
  {
    name: "citizen ID of 11 digits",
    body: withApplicant({ citizenId: "03819500421" }),
    fields: ["applicant.citizenId"],
    secrets: ["03819500421"],
  },
  {
    name: "citizen ID with letters",
    body: withApplicant({ citizenId: "0381950AB217" }),
    fields: ["applicant.citizenId"],
    secrets: ["0381950AB217"],
  },
  { name: "unknown procedure code", body: validApplication({ procedureCode: "9.999999" }), fields: ["procedureCode"] },
  {
    name: "unknown commune code",
    body: validApplication({ receivingUnitCode: "99999" }),
    fields: ["receivingUnitCode"],
  },
  {
    name: "a required form field missing",
    body: validApplication({ formFields: formWithout("wifeCitizenId") }),
    fields: ["formFields.wifeCitizenId"],
  },
  {
    name: "a field the procedure's form does not have",
    body: validApplication({ formFields: { ...marriageForm, spouseFullName: "Hà Văn Minh" } }),
    fields: ["formFields.spouseFullName"],
    secrets: ["Hà Văn Minh"],
  },
  {
    name: "a form field not matching its format",
    body: validApplication({ formFields: { ...marriageForm, husbandCitizenId: "03818905432" } }),
    fields: ["formFields.husbandCitizenId"],
    secrets: ["03818905432"],
  },
];

/** The same application as a gRPC request: proto3 sends absent strings as "". */
function toGrpcRequest(body: Record<string, unknown>, idempotencyKey = ""): intake.SubmitApplicationRequest {
  const applicant = (body.applicant ?? {}) as Record<string, string | undefined>;
  return intake.SubmitApplicationRequest.fromPartial({
    idempotencyKey,
    procedureCode: (body.procedureCode as string | undefined) ?? "",
    receivingUnitCode: (body.receivingUnitCode as string | undefined) ?? "",
    applicant: {
      fullName: applicant.fullName ?? "",
      citizenId: applicant.citizenId ?? "",
      phone: applicant.phone ?? "",
      email: applicant.email ?? "",
    },
    formFields: (body.formFields ?? {}) as Record<string, string>,
  });
}

function submitOverGrpc(
  client: intake.IntakeServiceClient,
  request: intake.SubmitApplicationRequest,
): Promise<intake.SubmitApplicationResponse> {
  return new Promise((resolve, reject) => {
    client.submitApplication(request, withApiKey(), withDeadline(5_000), (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

async function grpcFailure(
  client: intake.IntakeServiceClient,
  request: intake.SubmitApplicationRequest,
): Promise<grpc.ServiceError> {
  const outcome = await submitOverGrpc(client, request).then(
    () => undefined,
    (error: unknown) => error as grpc.ServiceError,
  );
  if (!outcome) throw new Error("the invalid submission was accepted over gRPC");
  return outcome;
}

function expectNoPersonalData(text: string, extra: string[] = []): void {
  for (const value of [...personalValues, ...extra]) expect(text).not.toContain(value);
}

describe("intake rejects bad input without storing or emitting anything", () => {
  let harness: IntakeHarness;
  let client: intake.IntakeServiceClient;

  beforeAll(async () => {
    // One partition: the intake topic keeps publication order, which the last test relies on.
    harness = await startIntake({ partitions: 1 });
    client = new intake.IntakeServiceClient(`127.0.0.1:${harness.running.grpcPort}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await harness?.stop();
  });

  async function expectNothingStored(): Promise<void> {
    expect(await harness.runtime.store.count(applications)).toBe(0);
    expect(await harness.runtime.store.count(dossierSequences)).toBe(0);
    expect(await harness.runtime.store.count(outbox)).toBe(0);
    expect(harness.observed).toEqual([]);
  }

  describe.each(badCases)("$name", ({ body, fields, secrets }) => {
    test("HTTP answers 400 problem+json naming the field", async () => {
      const reply = await postApplication(harness.running.httpUrl, body);

      expect(reply.status).toBe(400);
      expect(reply.contentType).toMatch(/^application\/problem\+json/);
      const problem = reply.body as { code: string; violations: { field: string; reason: string }[] };
      expect(problem.code).toBe("INVALID_ARGUMENT");
      expect(problem.violations.map((violation) => violation.field)).toEqual(fields);
      for (const violation of problem.violations) expect(violation.reason).not.toBe("");
      expectNoPersonalData(reply.text, secrets);
      await expectNothingStored();
    });

    test("gRPC answers INVALID_ARGUMENT naming the field in details and in the BadRequest trailer", async () => {
      const error = await grpcFailure(client, toGrpcRequest(body));

      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      for (const field of fields) expect(error.details).toContain(`${field}: `);
      const trailer = error.metadata.get(grpcStatusDetailsKey)[0];
      expect(Buffer.isBuffer(trailer)).toBe(true);
      const status = readGrpcErrorDetails(trailer as Buffer);
      expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(status.violations.map((violation) => violation.field)).toEqual(fields);
      expectNoPersonalData(error.details, secrets);
      expectNoPersonalData((trailer as Buffer).toString("utf8"), secrets);
      await expectNothingStored();
    });
  });

  test("HTTP answers 400 problem+json for malformed JSON, naming the body", async () => {
    const text = JSON.stringify(validApplication()).slice(0, -5);
    const reply = await postApplication(harness.running.httpUrl, text);

    expect(reply.status).toBe(400);
    expect(reply.contentType).toMatch(/^application\/problem\+json/);
    const problem = reply.body as { violations: { field: string }[] };
    expect(problem.violations.map((violation) => violation.field)).toEqual(["body"]);
    expectNoPersonalData(reply.text);
    await expectNothingStored();
  });

  test("the bus carried nothing from the rejected requests, only the valid one sent after them", async () => {
    const accepted = await postApplication(harness.running.httpUrl, validApplication());
    expect(accepted.status).toBe(201);
    const { dossierId } = (accepted.body as { application: { dossierId: string } }).application;

    await waitForEvents(harness, 1);
    // With one partition the intake topic is in publication order: anything a
    // rejected request had emitted would have arrived before this event.
    expect(harness.observed.map((event) => [event.type, event.key])).toEqual([
      [EventTypes.applicationSubmitted.type, dossierId],
    ]);
  });
});

describe("Idempotency-Key", () => {
  let harness: IntakeHarness;

  beforeEach(async () => {
    harness = await startIntake({ partitions: 1 });
  });

  afterEach(async () => {
    await harness?.stop();
  });

  test("a replay returns 200 with the same dossier and emits no second event; another body under the key gets 409", async () => {
    const headers = { "idempotency-key": "muonglat-counter-2026-0001" };
    const first = await postApplication(harness.running.httpUrl, validApplication(), headers);
    const replay = await postApplication(harness.running.httpUrl, validApplication(), headers);
    const other = await postApplication(harness.running.httpUrl, attestationApplication(), headers);

    expect(first.status).toBe(201);
    expect(replay.status).toBe(200);
    expect(replay.contentType).toMatch(/^application\/json/);
    const created = (first.body as { application: { dossierId: string; dossierCode: string } }).application;
    // The timeline may have grown in between (it projects the bus); the dossier is the same.
    expect((replay.body as { application: unknown }).application).toMatchObject({
      dossierId: created.dossierId,
      dossierCode: created.dossierCode,
      procedureCode: MARRIAGE_REGISTRATION,
    });
    expect(other.status).toBe(409);
    expect(other.contentType).toMatch(/^application\/problem\+json/);
    expectNoPersonalData(other.text);
    expect(await harness.runtime.store.count(applications)).toBe(1);

    // A later submission without a key: with one partition, a second event
    // from the replay or the conflicting body would arrive before its event.
    const later = await postApplication(harness.running.httpUrl, validApplication());
    const laterId = (later.body as { application: { dossierId: string } }).application.dossierId;
    await waitFor(() => harness.observed.some((event) => event.key === laterId), {
      description: "the later submission's event",
      timeoutMs: 15_000,
    });
    expect(harness.observed.map((event) => [event.type, event.key])).toEqual([
      [EventTypes.applicationSubmitted.type, created.dossierId],
      [EventTypes.applicationSubmitted.type, laterId],
    ]);
  });

  test("over gRPC the same key and request give back the same dossier", async () => {
    const client = new intake.IntakeServiceClient(
      `127.0.0.1:${harness.running.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
    try {
      const request = toGrpcRequest(validApplication(), "muonglat-grpc-0007");
      const first = await submitOverGrpc(client, request);
      const again = await submitOverGrpc(client, request);
      expect(first.application?.dossierCode).toMatch(/^14845-\d{6}-0001$/);
      expect(again.application?.dossierId).toBe(first.application?.dossierId);
      expect(again.application?.dossierCode).toBe(first.application?.dossierCode);
      expect(await harness.runtime.store.count(applications)).toBe(1);
    } finally {
      client.close();
    }
  });
});

async function waitForEvents(harness: IntakeHarness, count: number): Promise<void> {
  await waitFor(() => harness.observed.length >= count, {
    description: `${count} event(s) on the bus`,
    timeoutMs: 15_000,
  });
}
