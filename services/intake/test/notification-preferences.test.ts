import * as grpc from "@grpc/grpc-js";
import { EventTypes, decodeEvent, intake, type common } from "@lienthong/contracts";
import { grpcStatusDetailsKey } from "@lienthong/service-host";
import { readGrpcErrorDetails } from "@lienthong/testing";
import { applications } from "../src/store/collections";
import {
  applicantData,
  clients,
  grpcError,
  intakeClient,
  marriageForm,
  postApplication,
  startIntake,
  unaryCall,
  validApplication,
  withApiKey,
  type ApplicationBody,
  type IntakeHarness,
} from "./support/intake-harness";

type Problem = { violations?: { field: string; reason: string }[] };

/**
 * The applicant's choice of channels travels with the application to
 * notification (decision 60): intake checks it, keeps it with the applicant
 * and puts it on `applicationSubmitted`, the consent dated when the receiving
 * system handed it in.
 */
describe("the applicant's notification preferences at submission", () => {
  let harness: IntakeHarness;

  beforeAll(async () => {
    harness = await startIntake({ partitions: 1 });
  });
  afterAll(() => harness?.stop());

  const preferencesOnEvent = async (dossierId: string) => {
    await harness.allObserved();
    return harness.observed
      .filter((event) => event.key === dossierId && event.type === EventTypes.applicationSubmitted.type)
      .map((event) => decodeEvent(event.type, event.data).payload)
      .map((payload) => ("applicant" in payload ? payload.applicant?.notificationPreferences : "no applicant"));
  };

  it("over REST: the chosen channels and language reach the event, consent dated at submission", async () => {
    const reply = await postApplication(
      harness.running.httpUrl,
      validApplication({
        applicant: {
          ...applicantData,
          notificationPreferences: { channels: ["sms", "zalo"], consent: true, language: "en" },
        },
      }),
      { "x-api-key": clients.muongLat.key },
    );
    expect(reply.status).toBe(201);
    const application = (reply.body as { application: ApplicationBody }).application;
    expect(await preferencesOnEvent(application.dossierId)).toEqual([
      { email: false, sms: true, zalo: true, consentedAt: application.submittedAt, language: "en" },
    ]);
  });

  it("without a choice the event carries none (notification then uses every contact given)", async () => {
    const reply = await postApplication(harness.running.httpUrl, validApplication(), {
      "x-api-key": clients.muongLat.key,
    });
    expect(reply.status).toBe(201);
    const { dossierId } = (reply.body as { application: ApplicationBody }).application;
    expect(await preferencesOnEvent(dossierId)).toEqual([undefined]);
  });

  it("over gRPC: flags become the channels, the recorded consent time is kept, Vietnamese by default", async () => {
    const client = intakeClient(harness);
    try {
      const { application } = await unaryCall(
        client.submitApplication.bind(client),
        grpcApplication({
          email: true,
          sms: false,
          zalo: false,
          consentedAt: "2025-10-06T08:00:00+07:00",
          language: "",
        }),
        withApiKey(clients.muongLat.key),
      );
      expect(await preferencesOnEvent(application!.dossierId)).toEqual([
        { email: true, sms: false, zalo: false, consentedAt: "2025-10-06T01:00:00.000Z", language: "vi" },
      ]);
    } finally {
      client.close();
    }
  });

  it("refuses a choice without consent or without the contact it needs, by field, storing nothing", async () => {
    const before = await harness.runtime.store.count(applications);
    const { phone: _phone, ...withoutPhone } = applicantData;
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const cases: [Record<string, unknown>, string][] = [
      [{ ...applicantData, notificationPreferences: { channels: ["email"], consent: false } }, "consent"],
      [{ ...applicantData, notificationPreferences: { channels: ["email"] } }, "consent"],
      [{ ...withoutPhone, notificationPreferences: { channels: ["sms"], consent: true } }, "channels"],
      [{ ...applicantData, notificationPreferences: { channels: ["fax"], consent: true } }, "channels.0"],
      [
        { ...applicantData, notificationPreferences: { channels: ["email"], consent: true, language: "fr" } },
        "language",
      ],
      [
        { ...applicantData, notificationPreferences: { channels: ["email"], consent: true, consentedAt: "hôm qua" } },
        "consentedAt",
      ],
      [
        { ...applicantData, notificationPreferences: { channels: ["email"], consent: true, consentedAt: later } },
        "consentedAt",
      ],
    ];
    for (const [applicant, field] of cases) {
      const reply = await postApplication(harness.running.httpUrl, validApplication({ applicant }), {
        "x-api-key": clients.muongLat.key,
      });
      expect({ status: reply.status, fields: (reply.body as Problem).violations?.map((v) => v.field) }).toEqual({
        status: 400,
        fields: [`applicant.notificationPreferences.${field}`],
      });
    }
    // Over gRPC the consent is its time: none is refused like REST's missing consent, a word like a bad time.
    const client = intakeClient(harness);
    try {
      const grpcCases: [string, string][] = [
        ["", "consent"],
        ["no", "consentedAt"],
        [later, "consentedAt"],
      ];
      for (const [consentedAt, field] of grpcCases) {
        const error = await grpcError(
          unaryCall(
            client.submitApplication.bind(client),
            grpcApplication({ email: true, sms: false, zalo: false, consentedAt, language: "" }),
            withApiKey(clients.muongLat.key),
          ),
        );
        expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
        const details = readGrpcErrorDetails(error.metadata.get(grpcStatusDetailsKey)[0] as Buffer);
        expect(details.violations.map((violation) => violation.field)).toEqual([
          `applicant.notificationPreferences.${field}`,
        ]);
      }
    } finally {
      client.close();
    }
    expect(await harness.runtime.store.count(applications)).toBe(before);
  });
});

function grpcApplication(notificationPreferences: common.NotificationPreferences): intake.SubmitApplicationRequest {
  return intake.SubmitApplicationRequest.fromPartial({
    procedureCode: "1.000894",
    receivingUnitCode: "14845",
    applicant: { ...applicantData, notificationPreferences },
    formFields: marriageForm,
  });
}
