import { createHash, randomBytes } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { intake } from "@lienthong/contracts";
import { applications } from "../src/store/collections";
import {
  call,
  grpcError,
  intakeClient,
  marriageForm,
  applicantData,
  startIntake,
  unaryCall,
  validApplication,
  withApiKey,
  type ApplicationBody,
  type IntakeHarness,
} from "./support/intake-harness";

const LIMIT = 1024;
const sha256 = (content: Buffer) => createHash("sha256").update(content).digest("hex");

describe("attachments are kept as metadata with their SHA-256", () => {
  let harness: IntakeHarness;

  beforeAll(async () => {
    harness = await startIntake({ env: { ATTACHMENT_MAX_BYTES: String(LIMIT) } });
  });

  afterAll(async () => {
    await harness?.stop();
  });

  const submit = (attachments: Record<string, unknown>[]) =>
    call(harness.running.httpUrl, "POST", "/v1/applications", { body: validApplication({ attachments }) });

  const violationsOf = (body: unknown) => (body as { violations: { field: string; reason: string }[] }).violations;

  test("content up to the limit is hashed and measured; only the metadata is stored", async () => {
    const content = randomBytes(LIMIT);
    const stamp = Buffer.from("metadata only: the commune system keeps this file");
    const reply = await submit([
      {
        name: "to-khai.pdf",
        mediaType: "application/pdf",
        contentBase64: content.toString("base64"),
        sha256: sha256(content).toUpperCase(),
      },
      { name: "ban-ve.dwg", mediaType: "application/acad", sizeBytes: 52_428_800, sha256: sha256(stamp) },
    ]);
    expect(reply.status).toBe(201);
    const application = (reply.body as { application: ApplicationBody }).application;
    expect(application.attachments).toEqual([
      { name: "to-khai.pdf", mediaType: "application/pdf", sizeBytes: LIMIT, sha256: sha256(content) },
      { name: "ban-ve.dwg", mediaType: "application/acad", sizeBytes: 52_428_800, sha256: sha256(stamp) },
    ]);
    const stored = await harness.runtime.store.get(applications, application.dossierId);
    expect(stored?.data.attachments).toEqual(application.attachments);
    expect(JSON.stringify(stored?.data)).not.toContain(content.toString("base64").slice(0, 40));
  });

  test.each([
    {
      name: "content one byte over the limit",
      attachment: {
        name: "scan.jpg",
        mediaType: "image/jpeg",
        contentBase64: randomBytes(LIMIT + 1).toString("base64"),
      },
      violation: { field: "attachments.0.contentBase64", reason: `exceeds ${LIMIT} bytes` },
    },
    {
      name: "a SHA-256 that does not match the content",
      attachment: {
        name: "scan.jpg",
        mediaType: "image/jpeg",
        contentBase64: Buffer.from("abc").toString("base64"),
        sha256: sha256(Buffer.from("abd")),
      },
      violation: { field: "attachments.0.sha256", reason: "does not match the SHA-256 of the content" },
    },
    {
      name: "metadata without its hash",
      attachment: { name: "scan.jpg", mediaType: "image/jpeg", sizeBytes: 10 },
      violation: { field: "attachments.0.sha256", reason: "is required when the content is not sent" },
    },
    {
      name: "a hash that is not 64 hex digits",
      attachment: { name: "scan.jpg", mediaType: "image/jpeg", sizeBytes: 10, sha256: "abc" },
      violation: { field: "attachments.0.sha256", reason: "must be 64 hexadecimal digits" },
    },
    {
      name: "content that is not base64",
      attachment: { name: "scan.jpg", mediaType: "image/jpeg", contentBase64: "not base64!" },
      violation: { field: "attachments.0.contentBase64", reason: "must be base64" },
    },
  ])("$name is a 400 naming the attachment's field, and nothing is stored", async ({ attachment, violation }) => {
    const before = await harness.runtime.store.count(applications);
    const reply = await submit([attachment]);
    expect(reply.status).toBe(400);
    expect(violationsOf(reply.body)).toEqual([violation]);
    expect(reply.text).not.toContain(applicantData.citizenId);
    expect(await harness.runtime.store.count(applications)).toBe(before);
  });

  test("over gRPC, content over the limit is INVALID_ARGUMENT naming attachments.0.content; within it, it is hashed", async () => {
    const client = intakeClient(harness);
    try {
      const request = (content: Buffer) =>
        intake.SubmitApplicationRequest.fromPartial({
          procedureCode: "1.000894",
          receivingUnitCode: "14845",
          applicant: {
            fullName: applicantData.fullName,
            citizenId: applicantData.citizenId,
            phone: applicantData.phone,
          },
          formFields: { ...marriageForm },
          attachments: [{ name: "scan.png", mediaType: "image/png", content }],
        });
      const error = await grpcError(
        unaryCall(client.submitApplication.bind(client), request(randomBytes(LIMIT + 1)), withApiKey()),
      );
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error.details).toContain(`attachments.0.content: exceeds ${LIMIT} bytes`);

      const content = randomBytes(100);
      const response = await unaryCall(client.submitApplication.bind(client), request(content), withApiKey());
      expect(response.application?.attachments).toEqual([
        { name: "scan.png", mediaType: "image/png", sizeBytes: 100, sha256: sha256(content) },
      ]);
    } finally {
      client.close();
    }
  });
});

describe("with the default 10 MiB limit", () => {
  let harness: IntakeHarness;

  beforeAll(async () => {
    harness = await startIntake();
  });

  afterAll(async () => {
    await harness?.stop();
  });

  test("the JSON body has room for a too-large attachment, so the answer names the attachment, not the body", async () => {
    const tooLarge = Buffer.alloc(10 * 1024 * 1024 + 1, 7);
    const reply = await call(harness.running.httpUrl, "POST", "/v1/applications", {
      body: validApplication({
        attachments: [{ name: "video.mp4", mediaType: "video/mp4", contentBase64: tooLarge.toString("base64") }],
      }),
    });
    expect(reply.status).toBe(400);
    expect((reply.body as { violations: unknown[] }).violations).toEqual([
      { field: "attachments.0.contentBase64", reason: "exceeds 10485760 bytes" },
    ]);
  });
});
