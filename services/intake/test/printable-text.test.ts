import * as grpc from "@grpc/grpc-js";
import { intake } from "@lienthong/contracts";
import { grpcStatusDetailsKey } from "@lienthong/service-host";
import { readGrpcErrorDetails } from "@lienthong/testing";
import { applications } from "../src/store/collections";
import {
  applicantData,
  grpcError,
  intakeClient,
  postApplication,
  startIntake,
  unaryCall,
  validApplication,
  withApiKey,
  type IntakeHarness,
} from "./support/intake-harness";

/**
 * Accept only what can be completed (issue 8, part 4): the applicant's name is
 * printed on the signed result, so intake refuses a name the result document
 * cannot print; text that is only stored (address, form fields) is refused
 * only when it is not well-formed. Every refusal is a 400 / INVALID_ARGUMENT
 * naming the field and the code point, never the text.
 */

interface Refusal {
  name: string;
  applicant?: Record<string, string>;
  formFields?: Record<string, string>;
  field: string;
  reason: string;
}

const withName = (fullName: string) => ({ ...applicantData, fullName });

const refusals: Refusal[] = [
  {
    name: "an emoji in the name",
    applicant: withName("Lò Văn Páo 😀"),
    field: "applicant.fullName",
    reason: "contains a character the result document cannot print: U+1F600",
  },
  {
    name: "a CJK character in the name",
    applicant: withName("Nguyễn 阮 Văn"),
    field: "applicant.fullName",
    reason: "contains a character the result document cannot print: U+962E",
  },
  {
    name: "a control character in the name",
    applicant: withName("Lò Văn\u0007 Páo"),
    field: "applicant.fullName",
    reason: "contains a control character: U+0007",
  },
  {
    name: "a zero-width joiner in the name",
    applicant: withName("Lò\u200dVăn Páo"),
    field: "applicant.fullName",
    reason: "contains a character the result document cannot print: U+200D",
  },
  {
    name: "a control character in the address",
    applicant: { ...applicantData, address: "Bản Pù Toong\u001b[2J, xã Mường Lát" },
    field: "applicant.address",
    reason: "contains a control character: U+001B",
  },
  {
    name: "a NUL in a form field",
    formFields: { husbandFullName: "Hà Văn\u0000 Minh" },
    field: "formFields.husbandFullName",
    reason: "contains a control character: U+0000",
  },
];

/** The application with the case's changes; form fields merged into the valid marriage form. */
function bodyOf(refusal: Pick<Refusal, "applicant" | "formFields">): Record<string, unknown> {
  const valid = validApplication();
  return validApplication({
    ...(refusal.applicant && { applicant: refusal.applicant }),
    formFields: { ...(valid.formFields as Record<string, string>), ...refusal.formFields },
  });
}

function grpcRequest(body: Record<string, unknown>): intake.SubmitApplicationRequest {
  const applicant = body.applicant as Record<string, string | undefined>;
  return intake.SubmitApplicationRequest.fromPartial({
    procedureCode: body.procedureCode as string,
    receivingUnitCode: body.receivingUnitCode as string,
    applicant: {
      fullName: applicant.fullName,
      citizenId: applicant.citizenId,
      phone: applicant.phone,
      email: applicant.email,
      address: applicant.address,
    },
    formFields: body.formFields as Record<string, string>,
  });
}

/** The words of a text that must never come back in an error: the personal data it carried. */
function wordsOf(refusal: Refusal): string[] {
  const texts = [...Object.values(refusal.applicant ?? {}), ...Object.values(refusal.formFields ?? {})];
  return texts.flatMap((text) => text.split(/[^\p{L}\p{N}]+/u)).filter((word) => word.length > 3);
}

describe("intake accepts for printing only what the result document can print", () => {
  let harness: IntakeHarness;
  let client: intake.IntakeServiceClient;

  beforeAll(async () => {
    harness = await startIntake();
    client = intakeClient(harness);
  });

  afterAll(async () => {
    client?.close();
    await harness?.stop();
  });

  describe.each(refusals)("$name", (refusal) => {
    it("is refused over REST with 400 naming the field and the code point, not the text", async () => {
      const before = await harness.runtime.store.count(applications);
      const reply = await postApplication(harness.running.httpUrl, bodyOf(refusal));
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({
        code: "INVALID_ARGUMENT",
        violations: [{ field: refusal.field, reason: refusal.reason }],
      });
      for (const word of wordsOf(refusal)) expect(reply.text).not.toContain(word);
      expect(await harness.runtime.store.count(applications)).toBe(before);
    });

    it("is refused over gRPC with INVALID_ARGUMENT and the same violation", async () => {
      const error = await grpcError(
        unaryCall(client.submitApplication.bind(client), grpcRequest(bodyOf(refusal)), withApiKey()),
      );
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      const details = readGrpcErrorDetails(error.metadata.get(grpcStatusDetailsKey)[0] as Buffer);
      expect(details.violations).toEqual([{ field: refusal.field, reason: refusal.reason }]);
      for (const word of wordsOf(refusal)) expect(error.details).not.toContain(word);
    });
  });

  it("refuses a lone surrogate in the name, which JSON can carry and UTF-8 cannot", async () => {
    const reply = await postApplication(
      harness.running.httpUrl,
      JSON.stringify(bodyOf({ applicant: withName("Lò Văn Páo") })).replace("Páo", "P\\ud83do"),
    );
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({
      violations: [{ field: "applicant.fullName", reason: "contains a lone surrogate, which is not text: U+D83D" }],
    });
  });

  it("refuses U+FFFD, what a lenient decoder upstream left for bytes that were not UTF-8, in the name and in the address", async () => {
    for (const field of ["fullName", "address"]) {
      const applicant = { ...applicantData, address: "Bản Pù Toong", [field]: "Lò Văn P\ufffdo" };
      const reply = await postApplication(harness.running.httpUrl, bodyOf({ applicant }));
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({
        violations: [
          {
            field: `applicant.${field}`,
            reason: "contains U+FFFD, which replaces bytes that were not UTF-8: send the text as UTF-8",
          },
        ],
      });
    }
  });

  it("accepts Vietnamese and foreign Latin names, stores them in NFC, and keeps unprintable text that is not printed", async () => {
    const decomposed = "Nguye\u0302\u0303n Thi\u0323 Thuy\u0300 Dương";
    const reply = await postApplication(
      harness.running.httpUrl,
      bodyOf({
        applicant: { ...withName(decomposed), address: "Số 12 ngõ 3 – 「Chung cư 阮」 🏠" },
        formFields: { husbandFullName: "François Müller-Øster" },
      }),
    );
    expect(reply.status).toBe(201);
    const { dossierId } = (reply.body as { application: { dossierId: string } }).application;
    const stored = (await harness.runtime.store.get(applications, dossierId))?.data;
    expect(stored?.applicant.fullName).toBe("Nguyễn Thị Thuỳ Dương");
    expect(stored?.applicant.fullName).toBe(decomposed.normalize("NFC"));
    expect(stored?.applicant.address).toBe("Số 12 ngõ 3 – 「Chung cư 阮」 🏠");
    expect(stored?.formFields.husbandFullName).toBe("François Müller-Øster");
  });
});
