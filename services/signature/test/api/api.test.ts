import * as grpc from "@grpc/grpc-js";
import { signature as contract } from "@lienthong/contracts";
import { InProcessBroker } from "@lienthong/messaging";
import { type ServiceHost } from "@lienthong/service-host";
import { tempDir, type TempDir } from "@lienthong/testing";
import { createSignatureService } from "../../src";
import { renderResultDocument } from "../../src/pdf";
import type { VerificationReport } from "../../src/verification/report";
import { sampleResult } from "../support/fixtures";

/** A unary gRPC call as a promise. */
function call<Req, Res>(
  method: (request: Req, callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown,
) {
  return (request: Req) =>
    new Promise<Res>((resolve, reject) => {
      method(request, (error, response) => (error ? reject(error) : resolve(response)));
    });
}

/** The signature service's REST and gRPC APIs through its composition root, on the local test PKI. */
describe("signature REST and gRPC APIs", () => {
  let dataDir: TempDir;
  let runtime: ServiceHost;
  let url: string;
  let grpcPort: number;

  beforeAll(async () => {
    dataDir = await tempDir("signature-rest");
    runtime = await createSignatureService({
      env: { DATA_DIR: dataDir.path, HTTP_HOST: "127.0.0.1", BUS: "in-process", LOG_LEVEL: "silent" },
      broker: new InProcessBroker({ partitions: 1 }),
      ports: { http: 0, grpc: 0 },
    });
    const running = await runtime.start();
    url = running.httpUrl;
    grpcPort = running.grpcPort;
  });

  afterAll(async () => {
    await runtime?.stop();
    await dataDir?.remove();
  });

  async function post(path: string, body: Uint8Array | string, type: string): Promise<Response> {
    return fetch(`${url}${path}`, { method: "POST", headers: { "content-type": type }, body });
  }

  it("signs an uploaded PDF twice, officer then leader, and reports both signatures in Vietnamese and English", async () => {
    const first = await post(
      "/v1/documents/sign?signerId=officer-demo&level=B-T",
      renderResultDocument(sampleResult()),
      "application/pdf",
    );
    expect(first.status).toBe(201);
    const second = await post(
      "/v1/documents/sign?signerId=official-demo&level=B-LT",
      new Uint8Array(await first.arrayBuffer()),
      "application/pdf",
    );
    expect(second.status).toBe(201);
    const verified = await post("/v1/documents/verify", new Uint8Array(await second.arrayBuffer()), "application/pdf");
    const report = (await verified.json()) as VerificationReport;
    expect(report).toMatchObject({ valid: true, integrityOk: true, chainTrusted: true });
    expect(report.signatures.map((signature) => [signature.index, signature.indication, signature.level])).toEqual([
      [1, "TOTAL_PASSED", "B-LT"],
      [2, "TOTAL_PASSED", "B-LT"],
    ]);
    expect(report.reportVi).toMatch(/^Chữ ký 1: Chữ ký hợp lệ/);
    expect(report.reportEn).toMatch(/^Signature 1: Valid signature/);
  });

  it("answers a signer without a key and an unknown level as bad requests", async () => {
    const pdf = renderResultDocument(sampleResult());
    const unknown = await post("/v1/documents/sign?signerId=nobody", pdf, "application/pdf");
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      violations: [{ field: "signerId", reason: "has no signing certificate here" }],
    });
    const level = await post("/v1/documents/sign?signerId=official-demo&level=B-LTA", pdf, "application/pdf");
    expect(level.status).toBe(400);
  });

  it("signs any file with CAdES and verifies it", async () => {
    const content = Buffer.from("Tờ khai đăng ký khai sinh (bản điện tử)", "utf8");
    const signed = await post("/v1/signatures/cades?signerId=deputy-demo", content, "application/octet-stream");
    expect(signed.status).toBe(201);
    expect(signed.headers.get("content-type")).toContain("application/pkcs7-signature");
    const signature = Buffer.from(await signed.arrayBuffer());
    const verify = (file: Buffer) =>
      post(
        "/v1/signatures/cades/verify",
        JSON.stringify({ content: file.toString("base64"), signature: signature.toString("base64") }),
        "application/json",
      ).then((response) => response.json() as Promise<VerificationReport>);
    expect(await verify(content)).toMatchObject({ valid: true, signatures: [{ format: "CAdES", level: "B-T" }] });
    expect(await verify(Buffer.from("Tờ khai đã bị sửa", "utf8"))).toMatchObject({
      valid: false,
      failure: "HASH_FAILURE",
    });
  });

  it("signs and verifies over gRPC, with the verdict in Vietnamese", async () => {
    const client = new contract.SignatureServiceClient(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
    try {
      const signed = await call<contract.SignDocumentRequest, contract.SignDocumentResponse>((request, callback) =>
        client.signDocument(request, callback),
      )(
        contract.SignDocumentRequest.fromPartial({
          pdf: renderResultDocument(sampleResult()),
          signerId: "deputy-demo",
        }),
      );
      const verify = call<contract.VerifyDocumentRequest, contract.VerifyDocumentResponse>((request, callback) =>
        client.verifyDocument(request, callback),
      );
      const report = await verify(contract.VerifyDocumentRequest.fromPartial({ pdf: signed.signedPdf }));
      expect(report).toMatchObject({
        valid: true,
        integrityOk: true,
        chainTrusted: true,
        signerSubject: signed.signerSubject,
      });
      expect(report.reportVi).toMatch(/^Chữ ký hợp lệ/);
      expect(report.signedAt).toBeDefined();
      const tampered = Buffer.from(signed.signedPdf);
      const at = tampered.indexOf("stream\n", 0, "latin1") + 40;
      tampered[at] = (tampered[at] ?? 0) ^ 0x01;
      expect(await verify(contract.VerifyDocumentRequest.fromPartial({ pdf: tampered }))).toMatchObject({
        valid: false,
        integrityOk: false,
        chainTrusted: true,
      });
    } finally {
      client.close();
    }
  });
});
