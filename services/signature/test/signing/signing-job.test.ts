import { readFile } from "node:fs/promises";
import path from "node:path";
import { createPrivateKey } from "node:crypto";
import { runSigningJob, verifyPdf, type SigningJob } from "../../src/pdf";
import { certificateDer } from "../../src/cades/signed-data";
import { LocalSigningKey } from "../../src/pki";
import { sampleResult } from "../support/fixtures";
import { pkiFixture, type PkiFixture } from "../support/pki";

describe("a signing job for a worker thread", () => {
  let fixture: PkiFixture;

  beforeAll(async () => {
    fixture = await pkiFixture();
  });

  afterAll(async () => {
    await fixture.remove();
  });

  it("crosses a structured clone (as postMessage makes it) and signs a result that verifies", async () => {
    const official = fixture.signer("official-demo");
    const { passphrase } = JSON.parse(await readFile(path.join(fixture.dir, "pki", "manifest.json"), "utf8")) as {
      passphrase: string;
    };
    const tsaKey = createPrivateKey({
      key: await readFile(path.join(fixture.dir, "pki", "tsa.key.pem"), "utf8"),
      passphrase,
    });
    const tsaCertificate = (await readFile(path.join(fixture.dir, "pki", "tsa.cert.pem"), "utf8")).replace(
      /-----[^-]+-----|\s/g,
      "",
    );
    const job: SigningJob = {
      input: sampleResult(),
      signer: {
        certificates: [official.certificate, ...official.chain].map(
          (certificate) => new Uint8Array(certificateDer(certificate)),
        ),
        privateKey: (official.key as LocalSigningKey).privateKey,
      },
      options: { level: "B-LT", reason: "Kết quả giải quyết hồ sơ", location: "Mường Lát", signedAt: new Date() },
      timestampAuthority: { certificate: new Uint8Array(Buffer.from(tsaCertificate, "base64")), privateKey: tsaKey },
      crls: fixture.pki.crls().map((crl) => new Uint8Array(crl)),
    };
    const pdf = await runSigningJob(structuredClone(job));
    const report = await verifyPdf(pdf, { anchors: fixture.trust.anchors, now: () => new Date() });
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_PASSED",
      level: "B-LT",
      signingTimeSource: "timestamp",
    });
  });
});
