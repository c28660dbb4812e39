import { spawn, type ChildProcess } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { renderAndSignResult, verifyPdf } from "../../src/pdf";
import { ExternalSigningKey } from "../../src/pki/external-signer";
import type { SignerCredential } from "../../src/pki";
import { sampleResult } from "../support/fixtures";
import { describeWithPeers, run } from "../support/peers";
import { nssTrustingRoot, pkiFixture, type PkiFixture } from "../support/pki";

interface RemoteSigner {
  url: string;
  stop(): Promise<void>;
}

/** Starts the remote-signer double holding `officialId`'s key from the test PKI, in its own process. */
async function startRemoteSigner(fixture: PkiFixture, officialId: string): Promise<RemoteSigner> {
  const manifest = JSON.parse(await readFile(path.join(fixture.dir, "pki", "manifest.json"), "utf8")) as {
    passphrase: string;
  };
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, "..", "support", "remote-signer.js")], {
    env: {
      SIGNER_KEY_FILE: path.join(fixture.dir, "pki", "signers", `${officialId}.key.pem`),
      SIGNER_KEY_PASSPHRASE: manifest.passphrase,
      SIGNER_KEY_ID: officialId,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once("exit", (code) => reject(new Error(`remote signer exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** The same official, with a key that is only a URL: what production gets from SIGNATURE_EXTERNAL_SIGNER_URL. */
function throughHook(local: SignerCredential, url: string, keyId = local.officialId): SignerCredential {
  return { ...local, key: new ExternalSigningKey(url, keyId, local.certificate, local.key.algorithm) };
}

describe("signing through an external signing hook", () => {
  let fixture: PkiFixture;
  const signers: RemoteSigner[] = [];

  beforeAll(async () => {
    fixture = await pkiFixture();
    signers.push(await startRemoteSigner(fixture, "deputy-demo"), await startRemoteSigner(fixture, "official-demo"));
  });

  afterAll(async () => {
    await Promise.all(signers.map((signer) => signer.stop()));
    await fixture.remove();
  });

  it("sends the data to sign out and embeds the signature value that comes back (ECDSA as r‖s, RSA-PSS)", async () => {
    for (const [index, id] of ["deputy-demo", "official-demo"].entries()) {
      const credential = throughHook(fixture.signer(id), signers[index]?.url ?? "");
      const pdf = await renderAndSignResult(sampleResult(), credential, fixture.options("B-T"));
      await writeFile(path.join(fixture.dir, `${id}-hook.pdf`), pdf);
      expect((await verifyPdf(pdf, fixture.trust)).signatures[0]).toMatchObject({
        indication: "TOTAL_PASSED",
        level: "B-T",
      });
    }
  });

  it("refuses a signature value that does not verify with the official's certificate", async () => {
    // The hook holds the deputy's key; the certificate is the chairman's.
    const wrong = {
      ...fixture.signer("official-demo"),
      key: new ExternalSigningKey(
        signers[0]?.url ?? "",
        "deputy-demo",
        fixture.signer("official-demo").certificate,
        fixture.signer("deputy-demo").key.algorithm,
      ),
    };
    await expect(renderAndSignResult(sampleResult(), wrong, fixture.options("B-B"))).rejects.toMatchObject({
      code: "EXTERNAL_SIGNER_FAILED",
      message: "the external signing service returned a signature that does not verify with the official's certificate",
    });
  });

  it("reports an unreachable or refusing hook as retriable", async () => {
    const unknownKey = throughHook(fixture.signer("deputy-demo"), signers[0]?.url ?? "", "nobody");
    await expect(renderAndSignResult(sampleResult(), unknownKey, fixture.options("B-B"))).rejects.toMatchObject({
      code: "EXTERNAL_SIGNER_FAILED",
      retriable: true,
    });
  });

  describeWithPeers(["pdfsig", "certutil"], "checked by pdfsig", () => {
    it("finds the hook-signed documents valid and trusted", async () => {
      const nss = await nssTrustingRoot(fixture);
      for (const id of ["deputy-demo", "official-demo"]) {
        const output = (await run("pdfsig", ["-nssdir", nss, path.join(fixture.dir, `${id}-hook.pdf`)])).stdout;
        expect(output).toContain("Signature Validation: Signature is Valid.");
        expect(output).toContain("Certificate Validation: Certificate is Trusted.");
      }
    });
  });
});
