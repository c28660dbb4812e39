import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createPrivateKey } from "node:crypto";
import { ExternalSigningKey } from "../../src/pki/external-signer";
import { certificateToPem, LocalSigningKey } from "../../src/pki";
import { toX509 } from "../../src/pki/certificates";
import { openSigning } from "../../src/signers";
import { directoryLeaders } from "../../src/use-cases/authorize-signer";
import { describeWithPeers, run } from "../support/peers";
import { pkiFixture, type PkiFixture } from "../support/pki";

describeWithPeers(
  ["openssl"],
  "operators' keys: a key directory, an external hook, trust anchors and CRL files",
  () => {
    let fixture: PkiFixture;
    let keys: string;
    let passphrase: string;
    const env = (extra: Record<string, string | string[] | boolean>) => ({
      DATA_DIR: fixture.dir,
      SIGNATURE_P12_OFFICIAL_ID: "official-demo",
      SIGNATURE_P12_AUTHORITY_CODES: [] as string[],
      SIGNATURE_CRL_FILES: [] as string[],
      SIGNATURE_FETCH_CRLS: false,
      SIGNATURE_TRUSTED_CA_FILE: fixture.pki.caCertPath,
      ...extra,
    });

    beforeAll(async () => {
      fixture = await pkiFixture();
      passphrase = (
        JSON.parse(await readFile(path.join(fixture.dir, "pki", "manifest.json"), "utf8")) as { passphrase: string }
      ).passphrase;
      keys = path.join(fixture.dir, "keys");
      await mkdir(keys);
      const signers = path.join(fixture.dir, "pki", "signers");
      const issuingCa = certificateToPem(fixture.pki.issuingCa);
      // One official as an encrypted PEM key with its chain, one as a PKCS#12.
      await copyFile(path.join(signers, "official-demo.key.pem"), path.join(keys, "official-demo.key.pem"));
      await writeFile(
        path.join(keys, "official-demo.cert.pem"),
        (await readFile(path.join(signers, "official-demo.cert.pem"), "utf8")) + issuingCa,
      );
      await writeFile(path.join(fixture.dir, "issuing-ca.pem"), issuingCa);
      const exported = await run("openssl", [
        "pkcs12",
        "-export",
        "-inkey",
        path.join(signers, "deputy-demo.key.pem"),
        "-passin",
        `pass:${passphrase}`,
        "-in",
        path.join(signers, "deputy-demo.cert.pem"),
        "-certfile",
        path.join(fixture.dir, "issuing-ca.pem"),
        "-passout",
        `pass:${passphrase}`,
        "-out",
        path.join(keys, "deputy-demo.p12"),
      ]);
      expect(exported.code).toBe(0);
      await writeFile(
        path.join(keys, "officials.json"),
        JSON.stringify({ "deputy-demo": { authorityCodes: ["14845"] } }),
      );
      for (const [name, crl] of fixture.pki.crls().entries())
        await writeFile(path.join(fixture.dir, `crl-${name}.crl`), crl);
    });

    afterAll(async () => {
      await fixture.remove();
    });

    it("opens every official's key, with the chain, the declared authorities, the anchors and the CRL files", async () => {
      const setup = await openSigning(
        env({
          SIGNATURE_KEYS_DIR: keys,
          SIGNATURE_KEYS_PASSPHRASE: passphrase,
          SIGNATURE_CRL_FILES: [path.join(fixture.dir, "crl-0.crl"), path.join(fixture.dir, "crl-1.crl")],
        }),
        () => new Date(),
      );
      expect(setup.source).toBe("operator");
      expect([...setup.signers.officialIds].sort()).toEqual(["deputy-demo", "official-demo"]);
      const deputy = setup.signers.credential("deputy-demo");
      expect(deputy?.authorityCodes).toEqual(["14845"]);
      expect(deputy?.key).toBeInstanceOf(LocalSigningKey);
      expect(setup.signers.credential("official-demo")?.chain.map((cert) => toX509(cert).subject)).toEqual([
        toX509(fixture.pki.issuingCa).subject,
      ]);
      expect(setup.anchors).toHaveLength(1);
      expect(setup.timestampAuthority).toBeUndefined();
      const official = setup.signers.credential("official-demo");
      if (official === undefined) throw new Error("no official");
      expect((await setup.revocation.status(official.certificate, fixture.pki.issuingCa, new Date())).state).toBe(
        "good",
      );
    });

    it("signs results only for the authorities a key is declared for: officials.json, or the PKCS#12's variable", async () => {
      const directory = await openSigning(
        env({ SIGNATURE_KEYS_DIR: keys, SIGNATURE_KEYS_PASSPHRASE: passphrase }),
        () => new Date(),
      );
      const fromDirectory = directoryLeaders(directory.signers);
      const muongLat = { code: "14845", name: "" };
      const tamChung = { code: "14848", name: "" };
      // deputy-demo is declared for Mường Lát; official-demo for nothing, so for no result at all.
      expect(
        [
          fromDirectory.allows("deputy-demo", muongLat),
          fromDirectory.allows("deputy-demo", tamChung),
          fromDirectory.allows("official-demo", muongLat),
          fromDirectory.allows("nobody", muongLat),
        ].map(Boolean),
      ).toEqual([true, false, false, false]);

      const single = await openSigning(
        env({
          SIGNATURE_P12_PATH: path.join(keys, "deputy-demo.p12"),
          SIGNATURE_P12_PASSWORD: passphrase,
          SIGNATURE_P12_OFFICIAL_ID: "deputy-demo",
          SIGNATURE_P12_AUTHORITY_CODES: ["14848"],
        }),
        () => new Date(),
      );
      expect(single.signers.credential("deputy-demo")?.authorityCodes).toEqual(["14848"]);
      expect(Boolean(directoryLeaders(single.signers).allows("deputy-demo", tamChung))).toBe(true);
    });

    it("refuses an unencrypted key, a wrong passphrase, and operators' keys without trust anchors", async () => {
      const plain = path.join(fixture.dir, "plain");
      await mkdir(plain);
      const key = createPrivateKey({
        key: await readFile(path.join(keys, "official-demo.key.pem"), "utf8"),
        passphrase,
      });
      await writeFile(path.join(plain, "official-demo.key.pem"), key.export({ type: "pkcs8", format: "pem" }));
      await copyFile(path.join(keys, "official-demo.cert.pem"), path.join(plain, "official-demo.cert.pem"));
      await expect(
        openSigning(env({ SIGNATURE_KEYS_DIR: plain, SIGNATURE_KEYS_PASSPHRASE: passphrase }), () => new Date()),
      ).rejects.toMatchObject({ code: "BAD_KEY_FILE", message: expect.stringContaining("must be encrypted") });
      await expect(
        openSigning(env({ SIGNATURE_KEYS_DIR: keys, SIGNATURE_KEYS_PASSPHRASE: "wrong" }), () => new Date()),
      ).rejects.toMatchObject({ code: expect.stringMatching(/BAD_KEY_FILE|BAD_PKCS12/) });
      await expect(
        openSigning(
          env({ SIGNATURE_KEYS_DIR: keys, SIGNATURE_KEYS_PASSPHRASE: passphrase, SIGNATURE_TRUSTED_CA_FILE: "" }),
          () => new Date(),
        ),
      ).rejects.toMatchObject({ code: "UNTRUSTED_SIGNER" });
    });

    it("holds only certificates for officials behind an external signing hook", async () => {
      const certs = path.join(fixture.dir, "hook-certs");
      await mkdir(certs);
      await copyFile(path.join(keys, "official-demo.cert.pem"), path.join(certs, "official-demo.cert.pem"));
      const setup = await openSigning(
        env({ SIGNATURE_EXTERNAL_SIGNER_URL: "http://127.0.0.1:9/sign", SIGNATURE_EXTERNAL_CERTS_DIR: certs }),
        () => new Date(),
      );
      const official = setup.signers.credential("official-demo");
      expect(official?.key).toBeInstanceOf(ExternalSigningKey);
      expect(official?.key.algorithm).toEqual({ scheme: "rsa-pss", digest: "sha256" });
    });
  },
);
