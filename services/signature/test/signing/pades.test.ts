import { writeFile } from "node:fs/promises";
import path from "node:path";
import { PDFDict, PDFDocument, PDFHexString, PDFName, PDFString } from "pdf-lib";
import * as pkijs from "pkijs";
import { vietnameseDateTime } from "@lienthong/domain";
import {
  completePdfSignature,
  draftResultDocument,
  preparePdfSignature,
  renderAndSignResult,
  renderResultDocument,
  signPdf,
  verifyPdf,
} from "../../src/pdf";
import { writeDocument } from "../../src/pdf/document";
import { sampleResult } from "../support/fixtures";
import { fail, pkiFixture, splitSignedPdf, type PkiFixture } from "../support/pki";

const OID = {
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  signingTime: "1.2.840.113549.1.9.5",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  timeStampToken: "1.2.840.113549.1.9.16.2.14",
  rsassaPss: "1.2.840.113549.1.1.10",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
};

function signerInfoOf(pdf: Buffer, which?: number): pkijs.SignerInfo {
  const { cms } = splitSignedPdf(pdf, which);
  const signedData = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(cms).content });
  return signedData.signerInfos[0] ?? fail("no signer");
}

describe("PAdES signatures of result documents", () => {
  let fixture: PkiFixture;
  let rsa: Buffer;
  let ecdsa: Buffer;

  beforeAll(async () => {
    fixture = await pkiFixture();
    rsa = await renderAndSignResult(sampleResult(), fixture.signer("official-demo"), fixture.options("B-T"));
    ecdsa = await renderAndSignResult(sampleResult(), fixture.signer("deputy-demo"), fixture.options("B-B"));
  });

  afterAll(async () => {
    await fixture.remove();
  });

  it("signs with RSASSA-PSS or ECDSA and the CAdES baseline attributes: signing-certificate-v2, no signing-time", () => {
    for (const [pdf, algorithm] of [
      [rsa, OID.rsassaPss],
      [ecdsa, OID.ecdsaWithSha256],
    ] as const) {
      const signerInfo = signerInfoOf(pdf);
      expect(signerInfo.signatureAlgorithm.algorithmId).toBe(algorithm);
      const types = signerInfo.signedAttrs?.attributes.map((attribute) => attribute.type) ?? [];
      expect(types.sort()).toEqual([OID.contentType, OID.messageDigest, OID.signingCertificateV2].sort());
      expect(types).not.toContain(OID.signingTime);
    }
    expect(signerInfoOf(rsa).unsignedAttrs?.attributes.map((attribute) => attribute.type)).toEqual([
      OID.timeStampToken,
    ]);
    expect(signerInfoOf(ecdsa).unsignedAttrs).toBeUndefined();
  });

  it("declares ETSI.CAdES.detached and writes reason, location and signer as readable Vietnamese", async () => {
    const document = await PDFDocument.load(rsa);
    const signature = document.getForm().getFields()[0]?.acroField.dict.lookup(PDFName.of("V"), PDFDict);
    const value = (key: string): string => {
      const entry = signature?.lookup(PDFName.of(key));
      if (entry instanceof PDFString || entry instanceof PDFHexString) return entry.decodeText();
      if (entry instanceof PDFName) return entry.decodeText();
      throw new Error(`no /${key}`);
    };
    expect(value("SubFilter")).toBe("ETSI.CAdES.detached");
    expect(value("Reason")).toBe("Kết quả giải quyết hồ sơ 000.00.06.H56-261121-0361");
    expect(value("Location")).toBe("Ủy ban nhân dân xã Mường Lát (Thanh Hóa)");
    expect(value("Name")).toBe("Chủ tịch Ủy ban nhân dân xã Mường Lát");
  });

  it("verifies: TOTAL_PASSED, the time from the timestamp, the chain to the root, not revoked", async () => {
    const report = await verifyPdf(rsa, fixture.trust);
    expect(report).toMatchObject({
      valid: true,
      integrityOk: true,
      chainTrusted: true,
      signerSubject: fixture.signer("official-demo").subject,
    });
    const [signature] = report.signatures;
    expect(signature).toMatchObject({
      indication: "TOTAL_PASSED",
      format: "ETSI.CAdES.detached",
      level: "B-T",
      signingTimeSource: "timestamp",
      algorithm: "RSASSA-PSS SHA-256",
      algorithmApproved: true,
      integrity: { intact: true, coversWholeDocument: true, changedAfterSigning: false },
      chain: { trusted: true },
      revocation: { status: "good", source: "service" },
      timestamp: { valid: true, authority: "LiênThông Test Time-Stamping Authority" },
    });
    expect(signature?.chain.path.map((subject) => /CN=([^,]+)/.exec(subject)?.[1])).toEqual([
      "Chủ tịch Ủy ban nhân dân xã Mường Lát",
      "LiênThông Test Issuing CA",
      "LiênThông Test Root CA",
    ]);
    expect(report.reportVi).toBe(
      "Chữ ký hợp lệ: tài liệu không bị thay đổi sau khi ký; chứng thư số của Chủ tịch Ủy ban nhân dân xã Mường Lát " +
        `do LiênThông Test Issuing CA cấp, được tin cậy, chưa bị thu hồi và còn hiệu lực tại thời điểm ký (${vietnameseDateTime(signature?.signingTime ?? new Date(0))}).`,
    );
    expect(report.reportEn).toMatch(/^Valid signature: the document has not changed since it was signed/);
    expect((await verifyPdf(ecdsa, fixture.trust)).signatures[0]).toMatchObject({
      indication: "TOTAL_PASSED",
      level: "B-B",
      signingTimeSource: "claimed",
      algorithm: "ECDSA SHA-256",
    });
  });

  it("puts certificates and CRLs in the document security store at B-LT, and verifies from them", async () => {
    const pdf = await renderAndSignResult(sampleResult(), fixture.signer("deputy-demo"), fixture.options("B-LT"));
    const catalog = (await PDFDocument.load(pdf)).catalog;
    const dss = catalog.lookup(PDFName.of("DSS"), PDFDict);
    expect(dss.lookup(PDFName.of("Certs"))?.toString()).toMatch(/^\[/);
    // Without a revocation service: the document alone must answer.
    const report = await verifyPdf(pdf, { anchors: fixture.trust.anchors, now: () => new Date() });
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_PASSED",
      level: "B-LT",
      revocation: { status: "good", source: "document" },
      integrity: { intact: true, coversWholeDocument: false, changedAfterSigning: false },
    });
  });

  it("finds a changed byte: invalid, and still says the chain is trusted", async () => {
    const tampered = Buffer.from(rsa);
    // Inside the page's content stream, in the first signed range.
    const at = tampered.indexOf("stream\n", 0, "latin1") + 40;
    tampered[at] = (tampered[at] ?? 0) ^ 0x01;
    const report = await verifyPdf(tampered, fixture.trust);
    expect(report).toMatchObject({ valid: false, integrityOk: false, chainTrusted: true, failure: "HASH_FAILURE" });
    expect(report.signatures[0]).toMatchObject({ indication: "TOTAL_FAILED", chain: { trusted: true } });
    expect(report.reportVi).toContain("nội dung tài liệu đã bị thay đổi sau khi ký");
  });

  it("finds a page changed by an update appended after signing", async () => {
    // Object 4 is the page's content stream: an update replaces it with other text.
    const content = "BT /F1 13 Tf 85 700 Td <0001> Tj ET";
    const start = rsa.length;
    const object = `4 0 obj\n<< /Length ${content.length} >>\nstream\n${content}\nendstream\nendobj\n`;
    const previous = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(rsa.toString("latin1"))?.[1];
    const xrefAt = start + object.length;
    const update =
      object +
      `xref\n4 1\n${String(start).padStart(10, "0")} 00000 n \ntrailer\n<< /Size 25 /Root 1 0 R /Prev ${previous} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
    const changed = Buffer.concat([rsa, Buffer.from(update, "latin1")]);
    const report = await verifyPdf(changed, fixture.trust);
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      reason: "CHANGED_AFTER_SIGNING",
      integrity: { intact: true, coversWholeDocument: false, changedAfterSigning: true },
      chain: { trusted: true },
    });
  });

  it("finds a signature value that does not match", async () => {
    const forged = Buffer.from(ecdsa);
    const { cms } = splitSignedPdf(ecdsa);
    const hole = forged.indexOf("/Contents <", 0, "latin1") + "/Contents <".length;
    // The last bytes of the CMS are the ECDSA signature value.
    const lastHexDigit = hole + cms.length * 2 - 1;
    forged[lastHexDigit] = forged[lastHexDigit] === 0x31 ? 0x32 : 0x31;
    expect((await verifyPdf(forged, fixture.trust)).signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      reason: "SIG_CRYPTO_FAILURE",
    });
  });

  it("does not trust a signer from another PKI", async () => {
    const other = await pkiFixture({ signers: [] });
    try {
      const report = await verifyPdf(rsa, other.trust);
      expect(report).toMatchObject({
        valid: false,
        integrityOk: true,
        chainTrusted: false,
        failure: "NO_CERTIFICATE_CHAIN_FOUND",
      });
      expect(report.signatures[0]?.indication).toBe("INDETERMINATE");
      expect(report.reportVi).toContain("không thuộc tổ chức cung cấp dịch vụ chứng thực được tin cậy");
    } finally {
      await other.remove();
    }
  });

  it("answers unsigned and broken input with a reason instead of throwing", async () => {
    expect(await verifyPdf(renderResultDocument(sampleResult()), fixture.trust)).toMatchObject({
      valid: false,
      failure: "NOT_SIGNED",
      reportVi: "Tài liệu không có chữ ký số.",
      signatures: [],
    });
    expect((await verifyPdf(new Uint8Array(), fixture.trust)).failure).toBe("NOT_SIGNED");
    const garbled = Buffer.from(ecdsa);
    garbled.write("FFFFFFFF", garbled.indexOf("/Contents <", 0, "latin1") + "/Contents <".length, "latin1");
    expect((await verifyPdf(garbled, fixture.trust)).failure).toBe("FORMAT_FAILURE");
    const badRange = Buffer.from(ecdsa.toString("latin1").replace(/\/ByteRange \[0 /, "/ByteRange [9 "), "latin1");
    expect((await verifyPdf(badRange, fixture.trust)).failure).toBe("FORMAT_FAILURE");
  });

  it("adds a second signature by incremental update: an officer, then a leader, both valid", async () => {
    const draft = draftResultDocument(sampleResult());
    const first = await renderAndSignResult(
      sampleResult(),
      fixture.signer("officer-demo"),
      fixture.options("B-T", { slot: draft.officerSlot, heading: "Người kiểm tra" }),
    );
    const second = await signPdf(
      first,
      fixture.signer("official-demo"),
      fixture.options("B-LT", { slot: draft.leaderSlot }),
    );
    expect(second.subarray(0, first.length).equals(first)).toBe(true);
    await writeFile(path.join(fixture.dir, "two.pdf"), second);
    const report = await verifyPdf(second, fixture.trust);
    expect(report.valid).toBe(true);
    expect(report.signatures.map((signature) => [signature.signer?.commonName, signature.indication])).toEqual([
      ["Công chức Tư pháp - Hộ tịch", "TOTAL_PASSED"],
      ["Chủ tịch Ủy ban nhân dân xã Mường Lát", "TOTAL_PASSED"],
    ]);
    expect(report.signatures[0]?.integrity).toEqual({
      intact: true,
      coversWholeDocument: false,
      changedAfterSigning: false,
    });
    expect(
      (await PDFDocument.load(second))
        .getForm()
        .getFields()
        .map((field) => field.getName()),
    ).toEqual(["Signature1", "Signature2"]);
  });

  it("signs in two steps: the data to sign goes out, the signature value comes back", async () => {
    const signer = fixture.signer("deputy-demo");
    const spec = {
      fieldName: "Signature1",
      reason: "Ký từ xa",
      location: "Mường Lát",
      signerName: "Phó Chủ tịch",
      organization: "Ủy ban nhân dân xã Mường Lát",
      signedAt: new Date(),
      containerBytes: 8192,
    };
    const { bytes, hole } = writeDocument(draftResultDocument(sampleResult()), spec);
    const prepared = preparePdfSignature(bytes, hole ?? fail("no hole"), signer, signer.key.algorithm);
    // The remote side sees only these bytes.
    const signatureValue = await signer.key.sign(Buffer.from(prepared.dataToSign));
    const pdf = completePdfSignature(prepared, signatureValue);
    expect((await verifyPdf(pdf, fixture.trust)).signatures[0]?.indication).toBe("TOTAL_PASSED");
  });
});
