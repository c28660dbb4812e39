import * as pkijs from "pkijs";
import { signDetached, verifyDetached } from "../../src/cades/detached";
import { integerFromBytes } from "../../src/cades/algorithms";
import { pkiFixture, type PkiFixture } from "../support/pki";

describe("CAdES detached signatures of any file", () => {
  let fixture: PkiFixture;
  const content = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><hoSo ma="14845-261121-0001"/>', "utf8");

  beforeAll(async () => {
    fixture = await pkiFixture();
  });

  afterAll(async () => {
    await fixture.remove();
  });

  it.each(["B-B", "B-T", "B-LT"] as const)("verifies a %s signature and reports its level", async (level) => {
    const signature = await signDetached(content, fixture.signer("deputy-demo"), {
      level,
      timestampAuthority: fixture.pki.tsa,
      revocation: fixture.pki.revocation,
      at: new Date(),
    });
    // B-LT carries its own revocation data: no revocation service needed.
    const trust = level === "B-LT" ? { anchors: fixture.trust.anchors, now: () => new Date() } : fixture.trust;
    const report = await verifyDetached(signature, content, trust);
    expect(report.signatures[0]).toMatchObject({ indication: "TOTAL_PASSED", format: "CAdES", level });
    const signedData = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(signature).content });
    // Detached: the file is not inside the signature.
    expect(signedData.encapContentInfo.eContent).toBeUndefined();
  });

  it("finds a file that changed after signing", async () => {
    const signature = await signDetached(content, fixture.signer("official-demo"), { level: "B-B", at: new Date() });
    const changed = Buffer.from(content.toString("utf8").replace("0001", "0002"), "utf8");
    const report = await verifyDetached(signature, changed, fixture.trust);
    expect(report).toMatchObject({ valid: false, failure: "HASH_FAILURE", chainTrusted: true });
  });

  it("answers a signature that is not CMS with a reason", async () => {
    const report = await verifyDetached(Buffer.from("not a signature"), content, fixture.trust);
    expect(report).toMatchObject({ valid: false, failure: "FORMAT_FAILURE" });
  });
});

describe("INTEGERs from random bytes", () => {
  // Serial numbers and nonces are random: a leading zero byte comes once in 256 draws, and
  // OpenSSL refuses a token whose INTEGER is not in its shortest form (illegal padding).
  it.each([
    [[0x00, 0x05, 0x07], "02020507"],
    [[0x00, 0x00, 0x80], "02020080"],
    [[0x80, 0x01], "0203008001"],
    [[0x7f], "02017f"],
    [[0x00, 0x00], "020100"],
    [[], "020100"],
  ])("%j is encoded as %s", (bytes, der) => {
    expect(Buffer.from(integerFromBytes(Uint8Array.from(bytes)).toBER()).toString("hex")).toBe(der);
  });
});
