import { renderAndSignResult, verifyPdf } from "../../src/pdf";
import { sampleResult } from "../support/fixtures";
import { pkiFixture, type PkiFixture } from "../support/pki";

const UNIT = "Ủy ban nhân dân xã Mường Lát";

describe("verifying a signature whose certificate was revoked", () => {
  let fixture: PkiFixture;

  beforeAll(async () => {
    fixture = await pkiFixture({
      signers: [
        { id: "revoked-before", title: "Phó Chủ tịch A", unit: UNIT },
        { id: "revoked-after-untimed", title: "Phó Chủ tịch B", unit: UNIT },
        { id: "revoked-after-timed", title: "Phó Chủ tịch C", unit: UNIT },
      ],
    });
  });

  afterAll(async () => {
    await fixture.remove();
  });

  it("fails a signature made after the revocation", async () => {
    const pdf = await renderAndSignResult(sampleResult(), fixture.signer("revoked-before"), fixture.options("B-T"));
    await fixture.pki.revoke("revoked-before", new Date(Date.now() - 3_600_000));
    const report = await verifyPdf(pdf, fixture.trust);
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      reason: "REVOKED",
      integrity: { intact: true },
      chain: { trusted: true },
      revocation: { status: "revoked" },
    });
    expect(report.reportVi).toContain("chứng thư số của Phó Chủ tịch A đã bị thu hồi");
  });

  it("cannot pass a signature revoked later when no timestamp proves it came first", async () => {
    const pdf = await renderAndSignResult(
      sampleResult(),
      fixture.signer("revoked-after-untimed"),
      fixture.options("B-B"),
    );
    await fixture.pki.revoke("revoked-after-untimed", new Date(Date.now() + 1000));
    const report = await verifyPdf(pdf, { ...fixture.trust, now: () => new Date(Date.now() + 2000) });
    expect(report.signatures[0]).toMatchObject({ indication: "INDETERMINATE", reason: "REVOKED_NO_POE" });
    expect(report.reportEn).toContain("no timestamp proves the signature was made before");
  });

  it("keeps a timestamped signature made before the revocation valid, and says the certificate is revoked now", async () => {
    const pdf = await renderAndSignResult(
      sampleResult(),
      fixture.signer("revoked-after-timed"),
      fixture.options("B-T"),
    );
    await fixture.pki.revoke("revoked-after-timed", new Date(Date.now() + 2000));
    const report = await verifyPdf(pdf, { ...fixture.trust, now: () => new Date(Date.now() + 3000) });
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_PASSED",
      signingTimeSource: "timestamp",
      revocation: { status: "revoked" },
    });
    expect(report.reportVi).toContain("bị thu hồi");
    expect(report.reportVi).toContain("sau thời điểm ký");
  });
});
