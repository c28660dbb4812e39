import { X509Certificate } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { DEVELOPMENT_OFFICIALS } from "@lienthong/service-host";
import * as pkijs from "pkijs";
import { ensureTestPki, openPkcs12File, parseCertificate, toX509 } from "../../src/pki";
import { extendedKeyUsageOf, keyUsageOf } from "../../src/pki/certificates";
import { pkiFixture, type PkiFixture } from "../support/pki";
import { describeWithPeers, run } from "../support/peers";

const OIDS = {
  emailProtection: "1.3.6.1.5.5.7.3.4",
  documentSigning: "1.3.6.1.5.5.7.3.36",
  timeStamping: "1.3.6.1.5.5.7.3.8",
};

describe("test PKI", () => {
  let fixture: PkiFixture;

  beforeAll(async () => {
    fixture = await pkiFixture();
  });

  afterAll(async () => {
    await fixture.remove();
  });

  it("has a root and an issuing CA below it, both marked as test CAs", () => {
    const root = new X509Certificate(fixture.pki.caCertPem);
    const issuing = toX509(fixture.pki.issuingCa);
    expect(root.subject).toContain("CN=LiênThông Test Root CA");
    expect(root.subject).toContain("OU=TEST ONLY - not for production");
    expect(root.ca && issuing.ca).toBe(true);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(issuing.checkIssued(root) && issuing.verify(root.publicKey)).toBe(true);
  });

  it("issues each sample official a signing certificate naming them, RSA or ECDSA", () => {
    const official = fixture.signer("official-demo");
    const deputy = fixture.signer("deputy-demo");
    expect(official.subject).toBe(
      "CN=Chủ tịch Ủy ban nhân dân xã Mường Lát, UID=official-demo, OU=Ủy ban nhân dân xã Mường Lát, O=LiênThông test, C=VN",
    );
    const cert = toX509(official.certificate);
    expect(cert.ca).toBe(false);
    expect(cert.verify(toX509(fixture.pki.issuingCa).publicKey)).toBe(true);
    expect([...(keyUsageOf(official.certificate) ?? [])].sort()).toEqual(["digitalSignature", "nonRepudiation"]);
    expect(extendedKeyUsageOf(official.certificate)).toEqual([OIDS.emailProtection, OIDS.documentSigning]);
    expect(official.key.algorithm).toEqual({ scheme: "rsa-pss", digest: "sha256" });
    expect(deputy.key.algorithm).toEqual({ scheme: "ecdsa", digest: "sha256" });
    expect(fixture.pki.signerIds).toEqual(expect.arrayContaining(["official-demo", "deputy-demo", "officer-demo"]));
  });

  it("holds a key for every leader of the development identities, declared for their units", () => {
    // The fixture is the default PKI, the embedded platform's: routing names these leaders in signature requests.
    const { pki } = fixture;
    const leaders = Object.values(DEVELOPMENT_OFFICIALS).filter((official) =>
      (official.roles as readonly string[]).includes("leader"),
    );
    expect(leaders.map((leader) => leader.subject)).toEqual(
      expect.arrayContaining(["chu-tich-muong-lat", "chu-tich-tam-chung", "truong-phong-ca-thanh-hoa"]),
    );
    for (const leader of leaders) {
      const credential = pki.credential(leader.subject);
      expect({ leader: leader.subject, authorityCodes: credential?.authorityCodes }).toEqual({
        leader: leader.subject,
        authorityCodes: [...leader.unitCodes],
      });
      expect(credential?.subject).toContain(`UID=${leader.subject}`);
    }
  });

  it("has a TSA certificate whose only purpose, critical, is time-stamping", async () => {
    const tsa = parseCertificate(
      new X509Certificate(await readFile(path.join(fixture.dir, "pki", "tsa.cert.pem"), "utf8")).raw,
    );
    const eku = tsa.extensions?.find((extension) => extension.extnID === "2.5.29.37");
    expect(eku?.critical).toBe(true);
    expect(extendedKeyUsageOf(tsa)).toEqual([OIDS.timeStamping]);
  });

  it("publishes a CRL signed by the issuing CA, and a revocation shows in it", async () => {
    const before = pkijs.CertificateRevocationList.fromBER(fixture.pki.crls()[0] ?? Buffer.alloc(0));
    expect(before.revokedCertificates ?? []).toHaveLength(0);
    const clerk = await ensureTestPki(path.join(fixture.dir, "pki"), {
      signers: [{ id: "clerk-demo", title: "Công chức Văn phòng - Thống kê", unit: "Ủy ban nhân dân xã Mường Lát" }],
    });
    const credential = clerk.credential("clerk-demo");
    if (credential === undefined) throw new Error("no clerk");
    await clerk.revoke("clerk-demo");
    const after = pkijs.CertificateRevocationList.fromBER(clerk.crls()[0] ?? Buffer.alloc(0));
    expect(
      after.revokedCertificates?.map((entry) => entry.userCertificate.isEqual(credential.certificate.serialNumber)),
    ).toEqual([true]);
    const status = await clerk.revocation.status(credential.certificate, clerk.issuingCa, new Date(Date.now() + 1000));
    expect(status.state).toBe("revoked");
    expect(
      (await clerk.revocation.status(clerk.credential("official-demo")!.certificate, clerk.issuingCa, new Date()))
        .state,
    ).toBe("good");
  });

  it("keeps private keys encrypted and readable by the owner only", async () => {
    for (const file of ["root.key.pem", "issuing-ca.key.pem", "tsa.key.pem", "signers/official-demo.key.pem"]) {
      const full = path.join(fixture.dir, "pki", file);
      expect(((await stat(full)).mode & 0o777).toString(8)).toBe("600");
      expect(await readFile(full, "utf8")).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    }
    expect(((await stat(path.join(fixture.dir, "pki", "manifest.json"))).mode & 0o777).toString(8)).toBe("600");
    expect(((await stat(fixture.pki.caCertPath)).mode & 0o777).toString(8)).toBe("644");
    // A key object logged by mistake prints no key material.
    expect(JSON.stringify(fixture.signer("official-demo").key)).not.toMatch(/BEGIN|[A-Za-z0-9+/]{64}/);
  });

  it("loads what is on disk on a later start instead of generating again", async () => {
    const again = await ensureTestPki(path.join(fixture.dir, "pki"));
    expect(again.caCertPem).toBe(fixture.pki.caCertPem);
    expect(toX509(again.credential("official-demo")!.certificate).fingerprint256).toBe(
      toX509(fixture.signer("official-demo").certificate).fingerprint256,
    );
  });

  it("refuses signer ids that cannot be file names", async () => {
    await expect(
      ensureTestPki(path.join(fixture.dir, "pki"), { signers: [{ id: "../escape", title: "x", unit: "y" }] }),
    ).rejects.toMatchObject({ code: "INVALID_SIGNER_ID" });
  });

  describeWithPeers(["openssl"], "operators' PKCS#12 files", () => {
    it.each([
      ["an RSA key", "official-demo"],
      ["an ECDSA key", "deputy-demo"],
    ])("opens one exported by OpenSSL 3 with %s and rejects a wrong passphrase", async (_label, id) => {
      const signers = path.join(fixture.dir, "pki", "signers");
      const p12 = path.join(fixture.dir, `${id}.p12`);
      const exported = await run("openssl", [
        "pkcs12",
        "-export",
        "-inkey",
        path.join(signers, `${id}.key.pem`),
        "-passin",
        `pass:${JSON.parse(await readFile(path.join(fixture.dir, "pki", "manifest.json"), "utf8")).passphrase}`,
        "-in",
        path.join(signers, `${id}.cert.pem`),
        "-certfile",
        path.join(fixture.dir, "pki", "issuing-ca.cert.pem"),
        "-passout",
        "pass:mật-khẩu-operator",
        "-out",
        p12,
      ]);
      expect(exported).toMatchObject({ code: 0 });
      const opened = await openPkcs12File(p12, "mật-khẩu-operator");
      expect(toX509(opened.certificate).fingerprint256).toBe(toX509(fixture.signer(id).certificate).fingerprint256);
      expect(opened.others.map((cert) => toX509(cert).subject)).toEqual([toX509(fixture.pki.issuingCa).subject]);
      await expect(openPkcs12File(p12, "wrong")).rejects.toMatchObject({ code: "BAD_PKCS12" });
      await expect(openPkcs12File(path.join(fixture.dir, "missing.p12"), "x")).rejects.toMatchObject({
        code: "BAD_PKCS12",
      });
    });
  });
});
