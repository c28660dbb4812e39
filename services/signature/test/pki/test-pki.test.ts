import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ensureTestPki, loadPkcs12Signer, type SigningIdentity, type TestPki } from "../../src/pki";

function signerOf(pki: TestPki, id: string): SigningIdentity {
  const identity = pki.signer(id);
  if (identity === undefined) throw new Error(`test PKI lacks signer ${id}`);
  return identity;
}

describe("test PKI", () => {
  let dir: string;
  let pki: TestPki;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "lienthong-pki-"));
    pki = await ensureTestPki(dir);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("creates a root CA clearly marked as a test CA", () => {
    const ca = new X509Certificate(pki.caCertPem);
    expect(ca.subject).toContain("CN=LiênThông Test Root CA");
    expect(ca.subject).toContain("OU=TEST ONLY - not for production");
    expect(ca.ca).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
  });

  it("issues the default official's certificate for document signing", () => {
    const official = signerOf(pki, "official-demo");
    const cert = new X509Certificate(official.certPem);
    const ca = new X509Certificate(pki.caCertPem);
    expect(official.subject).toBe(
      "CN=Chủ tịch Ủy ban nhân dân xã Mường Lát, OU=Ủy ban nhân dân xã Mường Lát, O=LiênThông test, C=VN",
    );
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.4", "1.3.6.1.5.5.7.3.36"]));
    expect(pki.signerIds).toEqual(expect.arrayContaining(["official-demo", "deputy-demo"]));
  });

  it("keeps private keys, PKCS#12 files and passphrases readable by the owner only", async () => {
    for (const file of ["ca.key.pem", "manifest.json", "signers/official-demo.key.pem", "signers/official-demo.p12"]) {
      expect(((await stat(path.join(dir, file))).mode & 0o777).toString(8)).toBe("600");
    }
    expect(((await stat(pki.caCertPath)).mode & 0o777).toString(8)).toBe("644");
  });

  it("loads what is on disk on a later start instead of generating again", async () => {
    const again = await ensureTestPki(dir);
    expect(again.caCertPem).toBe(pki.caCertPem);
    expect(signerOf(again, "official-demo").certPem).toBe(signerOf(pki, "official-demo").certPem);
    expect(signerOf(again, "official-demo").p12.equals(signerOf(pki, "official-demo").p12)).toBe(true);
    expect(await readFile(again.caCertPath, "utf8")).toBe(pki.caCertPem);
  });

  it("issues a newly configured signer from the existing CA", async () => {
    const extended = await ensureTestPki(dir, {
      signers: [{ id: "clerk-demo", title: "Công chức Tư pháp - Hộ tịch", unit: "Ủy ban nhân dân xã Mường Lát" }],
    });
    expect(extended.caCertPem).toBe(pki.caCertPem);
    expect(extended.signerIds).toEqual(expect.arrayContaining(["official-demo", "deputy-demo", "clerk-demo"]));
    const clerk = new X509Certificate(signerOf(extended, "clerk-demo").certPem);
    expect(clerk.verify(new X509Certificate(pki.caCertPem).publicKey)).toBe(true);
  });

  it("has no identity for an official it holds no key for", () => {
    expect(pki.signer("nobody")).toBeUndefined();
  });

  it("refuses signer ids that cannot be file names", async () => {
    await expect(ensureTestPki(dir, { signers: [{ id: "../escape", title: "x", unit: "y" }] })).rejects.toMatchObject({
      code: "INVALID_SIGNER_ID",
    });
  });

  it("opens its own PKCS#12 files as operator-provided keys and rejects a wrong passphrase", async () => {
    const p12Path = path.join(dir, "signers", "official-demo.p12");
    const official = signerOf(pki, "official-demo");
    const loaded = await loadPkcs12Signer(p12Path, official.passphrase);
    expect(loaded.certPem).toBe(official.certPem);
    expect(loaded.subject).toBe(official.subject);
    await expect(loadPkcs12Signer(p12Path, "wrong")).rejects.toMatchObject({ code: "BAD_PKCS12" });
    await expect(loadPkcs12Signer(path.join(dir, "missing.p12"), "x")).rejects.toMatchObject({ code: "BAD_PKCS12" });
  });
});
