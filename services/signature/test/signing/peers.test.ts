import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import * as pkijs from "pkijs";
import { signDetached, verifyDetached } from "../../src/cades/detached";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { draftResultDocument, renderAndSignResult, signPdf, verifyPdf } from "../../src/pdf";
import { certificateToPem } from "../../src/pki";
import { sampleResult } from "../support/fixtures";
import { describeWithPeers, run } from "../support/peers";
import { fail, nssTrustingRoot, pkiFixture, splitSignedPdf, type PkiFixture } from "../support/pki";

/** The acceptance checks by independent tools: poppler's pdfsig with an NSS database, OpenSSL's cms and ts. */
describeWithPeers(["pdfsig", "certutil", "openssl"], "signatures checked by pdfsig and OpenSSL", () => {
  let fixture: PkiFixture;
  let nss: string;
  const files: Record<string, string> = {};
  const documents: Record<string, Buffer> = {};

  beforeAll(async () => {
    fixture = await pkiFixture();
    nss = await nssTrustingRoot(fixture);
    const draft = draftResultDocument(sampleResult());
    documents.rsaPss = await renderAndSignResult(
      sampleResult(),
      fixture.signer("official-demo"),
      fixture.options("B-T"),
    );
    documents.ecdsa = await renderAndSignResult(sampleResult(), fixture.signer("deputy-demo"), fixture.options("B-LT"));
    const officer = await renderAndSignResult(
      sampleResult(),
      fixture.signer("officer-demo"),
      fixture.options("B-T", { slot: draft.officerSlot, heading: "Người kiểm tra" }),
    );
    // A PDF from elsewhere: object streams, a cross-reference stream, a form with a text field.
    const foreign = await PDFDocument.create();
    const page = foreign.addPage();
    page.drawText("Don de nghi", { font: await foreign.embedFont(StandardFonts.Helvetica), x: 50, y: 700 });
    foreign.getForm().createTextField("applicant").addToPage(page, { x: 50, y: 600 });
    const foreignSigned = await signPdf(
      await foreign.save({ useObjectStreams: true }),
      fixture.signer("deputy-demo"),
      fixture.options("B-T", { slot: { pageIndex: 0, rect: [300, 100, 540, 160] } }),
    );
    documents.foreign = await signPdf(foreignSigned, fixture.signer("official-demo"), fixture.options("B-LT"));
    documents.twoSignatures = await signPdf(
      officer,
      fixture.signer("official-demo"),
      fixture.options("B-LT", { slot: draft.leaderSlot }),
    );
    const tampered = Buffer.from(documents.rsaPss);
    const at = tampered.indexOf("stream\n", 0, "latin1") + 40;
    tampered[at] = (tampered[at] ?? 0) ^ 0x01;
    documents.tampered = tampered;
    files.issuingCa = path.join(fixture.dir, "issuing-ca.pem");
    await writeFile(files.issuingCa, certificateToPem(fixture.pki.issuingCa));
    for (const [name, bytes] of Object.entries(documents)) {
      files[name] = path.join(fixture.dir, `${name}.pdf`);
      await writeFile(files[name], bytes);
    }
  });

  afterAll(async () => {
    await fixture.remove();
  });

  async function pdfsig(name: string): Promise<string> {
    return (await run("pdfsig", ["-nssdir", nss, files[name] ?? fail(name)])).stdout;
  }

  it.each([
    ["rsaPss", 1],
    ["ecdsa", 1],
    ["twoSignatures", 2],
    ["foreign", 2],
  ])("pdfsig finds every signature of %s valid, trusted and ETSI.CAdES.detached", async (name, count) => {
    const result = await run("pdfsig", ["-nssdir", nss, files[name] ?? fail(name)]);
    // Poppler reads the updates without repairing anything.
    expect(result.stderr).not.toMatch(/Syntax (Error|Warning)/);
    const output = result.stdout;
    expect(output.match(/Signature Validation: Signature is Valid\./g)).toHaveLength(count);
    expect(output.match(/Certificate Validation: Certificate is Trusted\./g)).toHaveLength(count);
    expect(output.match(/Signature Type: ETSI\.CAdES\.detached/g)).toHaveLength(count);
    expect(output).toContain("Signing Hash Algorithm: SHA-256");
  });

  it("a changed byte: pdfsig and our report both say invalid, ours still says the chain is trusted", async () => {
    const output = await pdfsig("tampered");
    expect(output).toContain("Digest Mismatch");
    expect(output).not.toContain("Signature is Valid");
    const report = await verifyPdf(documents.tampered ?? fail("tampered"), fixture.trust);
    expect(report).toMatchObject({ valid: false, integrityOk: false, chainTrusted: true, failure: "HASH_FAILURE" });
  });

  it("OpenSSL verifies each PDF signature's CMS over its signed bytes, and reads PSS or ECDSA, signing-certificate-v2 and no signing-time", async () => {
    for (const [name, which, algorithm] of [
      ["rsaPss", 1, /rsassaPss/],
      ["ecdsa", 1, /ecdsa-with-SHA256/],
      ["twoSignatures", 1, /ecdsa-with-SHA256/],
      ["twoSignatures", 2, /rsassaPss/],
    ] as const) {
      const { content, cms } = splitSignedPdf(documents[name] ?? fail(name), which);
      const base = path.join(fixture.dir, `${name}-${which}`);
      await writeFile(`${base}.bin`, content);
      await writeFile(`${base}.p7s`, cms);
      const verified = await run("openssl", [
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        `${base}.p7s`,
        "-content",
        `${base}.bin`,
        "-CAfile",
        fixture.pki.caCertPath,
        "-out",
        "/dev/null",
      ]);
      expect(verified.stderr).toContain("Verification successful");
      const printed = (await run("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", `${base}.p7s`]))
        .stdout;
      expect(printed).toMatch(algorithm);
      expect(printed).toContain("id-smime-aa-signingCertificateV2");
      expect(printed).not.toContain("signingTime");
    }
  });

  it("OpenSSL verifies CAdES detached signatures of any file", async () => {
    const content = Buffer.from("Hồ sơ đính kèm: bản chụp giấy tờ của công dân\n", "utf8");
    await writeFile(path.join(fixture.dir, "attachment.txt"), content);
    for (const [id, level] of [
      ["official-demo", "B-T"],
      ["deputy-demo", "B-LT"],
    ] as const) {
      const signature = await signDetached(content, fixture.signer(id), {
        level,
        timestampAuthority: fixture.pki.tsa,
        revocation: fixture.pki.revocation,
        at: new Date(),
      });
      const file = path.join(fixture.dir, `attachment-${id}.p7s`);
      await writeFile(file, signature);
      const verified = await run("openssl", [
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        file,
        "-content",
        path.join(fixture.dir, "attachment.txt"),
        "-CAfile",
        fixture.pki.caCertPath,
        "-out",
        "/dev/null",
      ]);
      expect(verified.stderr).toContain("Verification successful");
      expect(verified.code).toBe(0);
    }
  });

  it("our verifier reads OpenSSL's own CAdES (PKCS#1 v1.5): valid, with the algorithm flagged", async () => {
    const content = path.join(fixture.dir, "openssl-content.txt");
    await writeFile(content, "Biên bản bàn giao hồ sơ\n");
    const manifest = JSON.parse(await readFile(path.join(fixture.dir, "pki", "manifest.json"), "utf8")) as {
      passphrase: string;
    };
    const signed = await run("openssl", [
      "cms",
      "-sign",
      "-binary",
      "-outform",
      "DER",
      "-in",
      content,
      "-out",
      `${content}.p7s`,
      "-signer",
      path.join(fixture.dir, "pki", "signers", "official-demo.cert.pem"),
      "-inkey",
      path.join(fixture.dir, "pki", "signers", "official-demo.key.pem"),
      "-passin",
      `pass:${manifest.passphrase}`,
      "-certfile",
      files.issuingCa ?? fail("issuing CA"),
      "-md",
      "sha256",
    ]);
    expect(signed.code).toBe(0);
    const report = await verifyDetached(await readFile(`${content}.p7s`), await readFile(content), fixture.trust);
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_PASSED",
      algorithm: "RSA PKCS#1 v1.5",
      algorithmApproved: false,
      signingTimeSource: "claimed",
    });
  });

  it("OpenSSL accepts the timestamp tokens over the signature values", async () => {
    for (const [name, which] of [
      ["rsaPss", 1],
      ["twoSignatures", 1],
      ["twoSignatures", 2],
    ] as const) {
      const { cms } = splitSignedPdf(documents[name] ?? fail(name), which);
      const signerInfo =
        new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(cms).content }).signerInfos[0] ?? fail("signer");
      const token = signerInfo.unsignedAttrs?.attributes.find((entry) => entry.type === "1.2.840.113549.1.9.16.2.14")
        ?.values[0] as { toBER(): ArrayBuffer } | undefined;
      const base = path.join(fixture.dir, `token-${name}-${which}`);
      await writeFile(`${base}.tst`, Buffer.from((token ?? fail("no timestamp token")).toBER()));
      await writeFile(`${base}.sig`, Buffer.from(signerInfo.signature.valueBlock.valueHexView));
      const tsVerify = (data: string) =>
        run("openssl", [
          "ts",
          "-verify",
          "-data",
          data,
          "-in",
          `${base}.tst`,
          "-token_in",
          "-CAfile",
          fixture.pki.caCertPath,
          "-untrusted",
          files.issuingCa ?? fail("issuing CA"),
        ]);
      const verified = await tsVerify(`${base}.sig`);
      expect(verified.stdout).toContain("Verification: OK");
      // The token stamps the signature value: other bytes do not match.
      await writeFile(`${base}.other`, Buffer.from("another signature value"));
      const other = await tsVerify(`${base}.other`);
      expect(other.stdout).not.toContain("Verification: OK");
    }
  });
});
