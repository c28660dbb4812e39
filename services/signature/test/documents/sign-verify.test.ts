import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PDFDict, PDFDocument, PDFName, PDFString, PDFHexString } from "pdf-lib";
import { formatVietnameseDateTime, renderResultDocument, signPdf, verifyPdf } from "../../src/documents";
import { ensureTestPki, loadPkcs12Signer, type SigningIdentity, type TestPki } from "../../src/pki";
import { sampleResult } from "./fixtures";
import { describeWithPeers, run } from "./peers";

// Shortly after the test PKI is issued, inside every certificate's validity.
const SIGNED_AT = new Date(Math.floor(Date.now() / 60_000) * 60_000);

describe("signing and verifying a result document", () => {
  let dir: string;
  let pki: TestPki;
  let otherPki: TestPki;
  let official: SigningIdentity;
  let signed: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "lienthong-sign-"));
    [pki, otherPki] = await Promise.all([
      ensureTestPki(path.join(dir, "pki")),
      ensureTestPki(path.join(dir, "other-pki"), { signers: [] }),
    ]);
    official = pki.signer("official-demo") ?? fail("no official-demo signer");
    signed = await signPdf(await renderResultDocument(sampleResult()), official, {
      reason: "Kết quả giải quyết hồ sơ 000.00.06.H56-261121-0361",
      location: "Ủy ban nhân dân xã Mường Lát (Thanh Hóa)",
      signedAt: SIGNED_AT,
    });
    await writeFile(path.join(dir, "signed.pdf"), signed);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("verifies its own signature and names signer, issuer and signing time in Vietnamese", async () => {
    const report = await verifyPdf(signed, [pki.caCertPem]);
    expect(report).toMatchObject({
      valid: true,
      integrityOk: true,
      chainTrusted: true,
      signerSubject: official.subject,
      issuerSubject: "CN=LiênThông Test Root CA, OU=TEST ONLY - not for production, O=LiênThông test, C=VN",
      signedAt: SIGNED_AT,
    });
    expect(report.failure).toBeUndefined();
    expect(report.reportVi).toBe(
      "Chữ ký hợp lệ: tài liệu không bị thay đổi sau khi ký; chứng thư số của Chủ tịch Ủy ban nhân dân xã Mường Lát " +
        `do LiênThông Test Root CA cấp, còn hiệu lực tại thời điểm ký (${formatVietnameseDateTime(SIGNED_AT)}).`,
    );
  });

  it("writes reason, location and signer name as readable Vietnamese text strings", async () => {
    const document = await PDFDocument.load(signed);
    const field = document.getForm().getFields()[0];
    const signature = field?.acroField.dict.lookup(PDFName.of("V"), PDFDict);
    const text = (key: string): string => {
      const value = signature?.lookup(PDFName.of(key));
      if (!(value instanceof PDFString || value instanceof PDFHexString)) throw new Error(`no /${key}`);
      return value.decodeText();
    };
    expect(text("Reason")).toBe("Kết quả giải quyết hồ sơ 000.00.06.H56-261121-0361");
    expect(text("Location")).toBe("Ủy ban nhân dân xã Mường Lát (Thanh Hóa)");
    expect(text("Name")).toBe("Chủ tịch Ủy ban nhân dân xã Mường Lát");
  });

  it("finds a changed byte anywhere in the signed ranges", async () => {
    const tampered = Buffer.from(signed);
    const offset = 200;
    tampered[offset] = (tampered[offset] ?? 0) ^ 0x01;
    const report = await verifyPdf(tampered, [pki.caCertPem]);
    expect(report).toMatchObject({ valid: false, integrityOk: false, failure: "DIGEST_MISMATCH" });
    expect(report.reportVi).toContain("nội dung tài liệu đã bị thay đổi sau khi ký");
    expect(report.signerSubject).toBe(official.subject);
  });

  it("finds bytes appended after signing", async () => {
    const extended = Buffer.concat([signed, Buffer.from("\n% appended\n", "latin1")]);
    const report = await verifyPdf(extended, [pki.caCertPem]);
    expect(report).toMatchObject({ valid: false, integrityOk: false, failure: "INCOMPLETE_COVERAGE" });
    expect(report.reportVi).toContain("12 byte đã được thêm vào sau khi ký");
  });

  it("finds a signature that does not match its signed attributes", async () => {
    const forged = Buffer.from(signed);
    const hole = forged.indexOf("/Contents <", 0, "latin1") + "/Contents <".length;
    // The RSA signature value ends the SignerInfo, just before the zero padding.
    const lastHex = forged.toString("latin1", hole).search(/0+>/) - 1;
    forged[hole + lastHex] = forged[hole + lastHex] === 0x31 ? 0x32 : 0x31;
    const report = await verifyPdf(forged, [pki.caCertPem]);
    expect(report).toMatchObject({ valid: false, integrityOk: false, failure: "BAD_SIGNATURE" });
  });

  it("does not trust a signer certificate issued by another CA", async () => {
    const report = await verifyPdf(signed, [otherPki.caCertPem]);
    expect(report).toMatchObject({ valid: false, integrityOk: true, chainTrusted: false, failure: "UNTRUSTED_CHAIN" });
    expect(report.reportVi).toContain("không thuộc tổ chức cung cấp dịch vụ chứng thực được tin cậy");
    expect((await verifyPdf(signed, [])).chainTrusted).toBe(false);
    // Trusted CAs often come as one bundle file.
    const bundle = `${otherPki.caCertPem}\n${pki.caCertPem}`;
    expect((await verifyPdf(signed, [bundle])).valid).toBe(true);
  });

  it("rejects a signing time outside the signer certificate's validity", async () => {
    const tooEarly = await signPdf(await renderResultDocument(sampleResult()), official, {
      reason: "Kiểm thử",
      location: "Mường Lát",
      signedAt: new Date("2020-01-01T00:00:00Z"),
    });
    const report = await verifyPdf(tooEarly, [pki.caCertPem]);
    expect(report).toMatchObject({
      valid: false,
      integrityOk: true,
      chainTrusted: false,
      failure: "CERTIFICATE_NOT_VALID_AT_SIGNING_TIME",
    });
  });

  it("answers unsigned and broken input with a reason instead of throwing", async () => {
    const unsigned = await renderResultDocument(sampleResult());
    expect(await verifyPdf(unsigned, [pki.caCertPem])).toMatchObject({
      valid: false,
      failure: "NOT_SIGNED",
      reportVi: "Tài liệu không có chữ ký số.",
    });
    expect((await verifyPdf(new Uint8Array(), [pki.caCertPem])).failure).toBe("NOT_SIGNED");
    const garbledCms = Buffer.from(signed);
    const hole = garbledCms.indexOf("/Contents <", 0, "latin1") + "/Contents <".length;
    garbledCms.write("FFFFFFFF", hole, "latin1");
    expect((await verifyPdf(garbledCms, [pki.caCertPem])).failure).toBe("MALFORMED");
    const badRange = Buffer.from(signed.toString("latin1").replace(/\/ByteRange \[0 /, "/ByteRange [9 "), "latin1");
    expect((await verifyPdf(badRange, [pki.caCertPem])).failure).toBe("MALFORMED");
  });

  it("refuses to sign a signed PDF again and input that is not a PDF", async () => {
    await expect(signPdf(signed, official, { reason: "lần hai", location: "Mường Lát" })).rejects.toMatchObject({
      code: "ALREADY_SIGNED",
    });
    await expect(signPdf(Buffer.from("not a pdf"), official, { reason: "x", location: "y" })).rejects.toMatchObject({
      code: "INVALID_PDF",
    });
  });

  describeWithPeers(["pdfsig", "certutil"], "checked by poppler's pdfsig", () => {
    it("reports the signature valid and, with the test CA in its NSS database, the certificate trusted", async () => {
      const nssDir = path.join(dir, "nss");
      await mkdir(nssDir);
      expect(await run("certutil", ["-N", "-d", `sql:${nssDir}`, "--empty-password"])).toMatchObject({ code: 0 });
      const added = await run("certutil", [
        "-A",
        "-d",
        `sql:${nssDir}`,
        "-n",
        "lienthong-test-ca",
        "-t",
        "C,C,C",
        "-i",
        pki.caCertPath,
      ]);
      expect(added).toMatchObject({ code: 0 });

      // No -no-ocsp: poppler 22.12 then reports "Unknown issue with Certificate"; the
      // test certificates name no OCSP responder, so nothing is fetched anyway.
      const result = await run("pdfsig", ["-nssdir", `sql:${nssDir}`, path.join(dir, "signed.pdf")]);
      expect(result.stdout).toContain("Signature Validation: Signature is Valid.");
      expect(result.stdout).toContain("Certificate Validation: Certificate is Trusted.");
      expect(result.stdout).toContain("Signing Hash Algorithm: SHA-256");
      expect(result.stdout).toContain("Signature Type: adbe.pkcs7.detached");
      expect(result.stdout).toContain("Total document signed");
    });

    it("reports a changed byte as an invalid signature", async () => {
      const tampered = Buffer.from(signed);
      tampered[200] = (tampered[200] ?? 0) ^ 0x01;
      const file = path.join(dir, "tampered.pdf");
      await writeFile(file, tampered);
      const result = await run("pdfsig", ["-nocert", file]);
      expect(result.stdout).toContain("Digest Mismatch");
      expect(result.stdout).not.toContain("Signature is Valid");
    });
  });

  describeWithPeers(["openssl"], "checked by OpenSSL", () => {
    it("verifies the CMS over the ByteRange content against the test CA", async () => {
      const { content, cms } = splitSignedPdf(signed);
      await writeFile(path.join(dir, "content.bin"), content);
      await writeFile(path.join(dir, "signature.der"), cms);
      const result = await run("openssl", [
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        path.join(dir, "signature.der"),
        "-content",
        path.join(dir, "content.bin"),
        "-CAfile",
        pki.caCertPath,
        "-out",
        path.join(dir, "verified.bin"),
      ]);
      expect(result.stderr).toContain("Verification successful");
      expect(result.code).toBe(0);

      const wrongCa = await run("openssl", [
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        path.join(dir, "signature.der"),
        "-content",
        path.join(dir, "content.bin"),
        "-CAfile",
        otherPki.caCertPath,
        "-out",
        path.join(dir, "verified.bin"),
      ]);
      expect(wrongCa.code).not.toBe(0);
      expect(wrongCa.stderr).toContain("Verification failure");
    });

    it("signs with an operator's PKCS#12 exported by OpenSSL 3", async () => {
      const operatorP12 = path.join(dir, "operator.p12");
      const exported = await run("openssl", [
        "pkcs12",
        "-export",
        "-inkey",
        path.join(dir, "pki", "signers", "deputy-demo.key.pem"),
        "-in",
        path.join(dir, "pki", "signers", "deputy-demo.cert.pem"),
        "-certfile",
        pki.caCertPath,
        "-passout",
        "pass:operator-secret",
        "-out",
        operatorP12,
      ]);
      expect(exported.code).toBe(0);
      const operator = await loadPkcs12Signer(operatorP12, "operator-secret");
      expect(operator.subject).toBe(pki.signer("deputy-demo")?.subject);
      const document = await signPdf(
        await renderResultDocument(sampleResult({ officialId: "deputy-demo" })),
        operator,
        {
          reason: "Kết quả giải quyết hồ sơ",
          location: "Mường Lát",
        },
      );
      expect(await verifyPdf(document, [pki.caCertPem])).toMatchObject({
        valid: true,
        signerSubject: operator.subject,
      });
    });
  });
});

/** The bytes the signature covers and the DER CMS from the /Contents hole, cut by the last /ByteRange. */
function splitSignedPdf(pdf: Buffer): { content: Buffer; cms: Buffer } {
  const ranges = [...pdf.toString("latin1").matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  const [a, b, c, d] = (ranges[ranges.length - 1] ?? fail("no /ByteRange")).slice(1).map(Number) as [
    number,
    number,
    number,
    number,
  ];
  const content = Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
  const padded = Buffer.from(pdf.toString("latin1", b + 1, c - 1), "hex");
  return { content, cms: padded.subarray(0, derLength(padded)) };
}

/** Length of the DER object at the start of `der` (header plus content). */
function derLength(der: Buffer): number {
  const first = der[1] ?? 0;
  if (first < 0x80) return 2 + first;
  const octets = first & 0x7f;
  return 2 + octets + der.readUIntBE(2, octets);
}

function fail(message: string): never {
  throw new Error(message);
}
