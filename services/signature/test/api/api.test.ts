import { randomBytes } from "node:crypto";
import { signature as contract } from "@lienthong/contracts";
import { DEVELOPMENT_OFFICIALS } from "@lienthong/service-host";
import { recordResponses } from "@lienthong/testing";
import { PDFDocument } from "pdf-lib";
import { renderResultDocument } from "../../src/pdf";
import type { VerificationReport } from "../../src/verification/report";
import { sampleResult } from "../support/fixtures";
import {
  DEPUTY_MUONG_LAT,
  MUONG_LAT_SYSTEM,
  OFFICER_MUONG_LAT,
  SIGNER_WITHOUT_KEY,
  refusal,
  startSignature,
  type SignatureHarness,
} from "../support/signature-harness";

const { leaderMuongLat } = DEVELOPMENT_OFFICIALS;
/** Verification: Mường Lát's commune system, by its key. */
const SYSTEM = { client: MUONG_LAT_SYSTEM };
/** An official forwarded by Mường Lát's commune system: who signs. */
const forwarded = (official: typeof OFFICER_MUONG_LAT) => ({ client: MUONG_LAT_SYSTEM, official });

/** The signature service's REST and gRPC APIs through its composition root, on the local test PKI. */
describe("signature REST and gRPC APIs", () => {
  // Every REST answer below is checked against the service's OpenAPI document by the last test.
  const responses = recordResponses();
  afterAll(() => responses.stop());

  let signature: SignatureHarness;

  beforeAll(async () => {
    signature = await startSignature();
  });

  afterAll(async () => {
    await signature?.stop();
  });

  const post = (path: string, body: Uint8Array | string, type: string, as: Parameters<typeof forwarded>[0] | null) =>
    signature.request("POST", path, { body, type, as: as ? forwarded(as) : SYSTEM });

  it("signs an uploaded PDF twice, officer then leader, and reports both signatures in Vietnamese and English", async () => {
    const first = await post(
      "/v1/documents/sign?level=B-T",
      renderResultDocument(sampleResult()),
      "application/pdf",
      OFFICER_MUONG_LAT,
    );
    expect(first.status).toBe(201);
    const second = await post(
      "/v1/documents/sign?level=B-LT",
      new Uint8Array(await first.arrayBuffer()),
      "application/pdf",
      leaderMuongLat,
    );
    expect(second.status).toBe(201);
    const verified = await post(
      "/v1/documents/verify",
      new Uint8Array(await second.arrayBuffer()),
      "application/pdf",
      null,
    );
    const report = (await verified.json()) as VerificationReport;
    expect(report).toMatchObject({ valid: true, integrityOk: true, chainTrusted: true });
    expect(report.signatures.map((signature) => [signature.index, signature.indication, signature.level])).toEqual([
      [1, "TOTAL_PASSED", "B-LT"],
      [2, "TOTAL_PASSED", "B-LT"],
    ]);
    expect(report.signatures.map((signature) => signature.signer?.subject)).toEqual([
      expect.stringContaining("UID=officer-demo"),
      expect.stringContaining("UID=chu-tich-muong-lat"),
    ]);
    expect(report.reportVi).toMatch(/^Chữ ký 1: Chữ ký hợp lệ/);
    expect(report.reportEn).toMatch(/^Signature 1: Valid signature/);
  });

  it("refuses a signer without a key (the certificate, not the request, is missing) and an unknown level", async () => {
    const pdf = renderResultDocument(sampleResult());
    const unknown = await post("/v1/documents/sign", pdf, "application/pdf", SIGNER_WITHOUT_KEY);
    expect(unknown.status).toBe(409);
    expect(await unknown.json()).toMatchObject({
      code: "FAILED_PRECONDITION",
      details: { signingError: "UNKNOWN_SIGNER" },
    });
    const level = await post("/v1/documents/sign?level=B-LTA", pdf, "application/pdf", leaderMuongLat);
    expect(level.status).toBe(400);
    expect(await level.json()).toMatchObject({ violations: [{ field: "level" }] });
  });

  it("signs any file with CAdES and verifies it", async () => {
    const content = Buffer.from("Tờ khai đăng ký khai sinh (bản điện tử)", "utf8");
    const signed = await post("/v1/signatures/cades", content, "application/octet-stream", DEPUTY_MUONG_LAT);
    expect(signed.status).toBe(201);
    expect(signed.headers.get("content-type")).toContain("application/pkcs7-signature");
    const signatureBytes = Buffer.from(await signed.arrayBuffer());
    const verify = (file: Buffer) =>
      post(
        "/v1/signatures/cades/verify",
        JSON.stringify({ content: file.toString("base64"), signature: signatureBytes.toString("base64") }),
        "application/json",
        null,
      ).then((response) => response.json() as Promise<VerificationReport>);
    expect(await verify(content)).toMatchObject({ valid: true, signatures: [{ format: "CAdES", level: "B-T" }] });
    expect(await verify(Buffer.from("Tờ khai đã bị sửa", "utf8"))).toMatchObject({
      valid: false,
      failure: "HASH_FAILURE",
    });
  });

  it("signs and verifies over gRPC, with the verdict in Vietnamese and per signature", async () => {
    const signed = await signature.grpc.signDocument(
      contract.SignDocumentRequest.fromPartial({
        pdf: renderResultDocument(sampleResult()),
        level: contract.SignatureLevel.SIGNATURE_LEVEL_B_LT,
      }),
      forwarded(DEPUTY_MUONG_LAT),
    );
    const verify = (pdf: Buffer) =>
      signature.grpc.verifyDocument(contract.VerifyDocumentRequest.fromPartial({ pdf }), SYSTEM);
    const report = await verify(signed.signedPdf);
    expect(report).toMatchObject({
      valid: true,
      integrityOk: true,
      chainTrusted: true,
      signerSubject: signed.signerSubject,
      failure: "",
      signatures: [
        {
          index: 1,
          indication: contract.Indication.INDICATION_TOTAL_PASSED,
          level: contract.SignatureLevel.SIGNATURE_LEVEL_B_LT,
          signingTimeFromTimestamp: true,
          revocationStatus: contract.RevocationStatus.REVOCATION_STATUS_GOOD,
          chainTrusted: true,
        },
      ],
    });
    expect(report.reportVi).toMatch(/^Chữ ký hợp lệ/);
    expect(report.reportEn).toMatch(/^Valid signature/);
    expect(report.signedAt).toBeDefined();
    const tampered = Buffer.from(signed.signedPdf);
    const at = tampered.indexOf("stream\n", 0, "latin1") + 40;
    tampered[at] = (tampered[at] ?? 0) ^ 0x01;
    expect(await verify(tampered)).toMatchObject({
      valid: false,
      integrityOk: false,
      chainTrusted: true,
      failure: "HASH_FAILURE",
      signatures: [{ indication: contract.Indication.INDICATION_TOTAL_FAILED, reason: "HASH_FAILURE" }],
    });
  });

  it("takes over gRPC a PDF larger than grpc-js's default 4 MiB message", async () => {
    const document = await PDFDocument.load(renderResultDocument(sampleResult()));
    // Random bytes do not compress: an attachment of 5 MiB makes a PDF of at least that.
    await document.attach(randomBytes(5 * 1024 * 1024), "ban-chup.bin", { mimeType: "application/octet-stream" });
    const pdf = Buffer.from(await document.save());
    expect(pdf.length).toBeGreaterThan(5 * 1024 * 1024);
    const signed = await signature.grpc.signDocument(
      contract.SignDocumentRequest.fromPartial({ pdf, level: contract.SignatureLevel.SIGNATURE_LEVEL_B_B }),
      forwarded(leaderMuongLat),
    );
    const report = await signature.grpc.verifyDocument(
      contract.VerifyDocumentRequest.fromPartial({ pdf: signed.signedPdf }),
      SYSTEM,
    );
    expect(report).toMatchObject({ valid: true, signatures: [{ index: 1 }] });
  });

  it("signs a file with CAdES over gRPC and verifies it there", async () => {
    const content = Buffer.from("Biên bản bàn giao hồ sơ", "utf8");
    const { signature: p7s } = await signature.grpc.signFile(
      contract.SignFileRequest.fromPartial({ content, level: contract.SignatureLevel.SIGNATURE_LEVEL_B_B }),
      forwarded(leaderMuongLat),
    );
    const verify = (file: Buffer) =>
      signature.grpc.verifyFileSignature(
        contract.VerifyFileSignatureRequest.fromPartial({ content: file, signature: p7s }),
        SYSTEM,
      );
    expect(await verify(content)).toMatchObject({
      valid: true,
      signatures: [{ format: "CAdES", level: contract.SignatureLevel.SIGNATURE_LEVEL_B_B }],
    });
    expect(await verify(Buffer.from("Biên bản đã bị sửa", "utf8"))).toMatchObject({
      valid: false,
      failure: "HASH_FAILURE",
    });
    const unknownLevel = await refusal(
      signature.grpc.signFile(
        contract.SignFileRequest.fromPartial({ content, level: 9 as contract.SignatureLevel }),
        forwarded(leaderMuongLat),
      ),
    );
    expect(unknownLevel.details).toContain("level");
  });

  it("answers every request as its OpenAPI document says", async () => {
    expect(await responses.nonConforming()).toEqual([]);
    expect(responses.checked).toBeGreaterThanOrEqual(3);
  });
});
