import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import * as pkijs from "pkijs";
import { digestOf } from "../../src/cades/algorithms";
import { signDetached, verifyDetached } from "../../src/cades/detached";
import { HttpTimestampAuthority, timestampInfo, type MessageImprint } from "../../src/cades/timestamp";
import { renderResultDocument, signPdf, verifyPdf } from "../../src/pdf";
import { certificateToPem, SigningError } from "../../src/pki";
import { sampleResult } from "../support/fixtures";
import { describeWithPeers, run } from "../support/peers";
import { fail, pkiFixture, splitSignedPdf, type PkiFixture } from "../support/pki";

// RFC 5612's example enterprise number, as the platform's own test TSA's: nobody's real policy.
const OPENSSL_TSA_POLICY = "1.3.6.1.4.1.32473.704.2";

/** What the TSA playing at the other end of the HTTP connection does with one query. */
type Answer = (query: Buffer) => Promise<{ status: number; body: Uint8Array } | "no answer" | "headers only">;

/** What a query asks for, read with pkijs as a TSA would. */
function parseQuery(query: Buffer): { imprint: MessageImprint; nonce?: Buffer; certReq: boolean } {
  const request = pkijs.TimeStampReq.fromBER(query);
  return {
    imprint: {
      digest: digestOf(request.messageImprint.hashAlgorithm.algorithmId) ?? fail("a digest we know"),
      hash: Buffer.from(request.messageImprint.hashedMessage.valueBlock.valueHexView),
    },
    ...(request.nonce && { nonce: Buffer.from(request.nonce.valueBlock.valueHexView) }),
    certReq: request.certReq === true,
  };
}

/** A TimeStampResp (RFC 3161 §2.4.2) with a status and, when granted, a token. */
function timestampReply(status: pkijs.PKIStatus, token?: Buffer): { status: number; body: Uint8Array } {
  const response = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({ status }),
    ...(token && { timeStampToken: pkijs.ContentInfo.fromBER(token) }),
  });
  return { status: 200, body: Buffer.from(response.toSchema().toBER()) };
}

describeWithPeers(["openssl"], "an external time-stamping authority over HTTP (RFC 3161 §3.4)", () => {
  let fixture: PkiFixture;
  let server: Server;
  let url: string;
  let answer: Answer;
  const received: { contentType: string | undefined; query: Buffer }[] = [];

  /** The TSA at the other end: OpenSSL's `ts -reply`, with the test PKI's TSA key and certificate. */
  let openssl: Answer;

  beforeAll(async () => {
    fixture = await pkiFixture();
    const pkiDir = path.join(fixture.dir, "pki");
    const { passphrase } = JSON.parse(await readFile(path.join(pkiDir, "manifest.json"), "utf8")) as {
      passphrase: string;
    };
    const issuingCa = path.join(fixture.dir, "issuing-ca.pem");
    await writeFile(issuingCa, certificateToPem(fixture.pki.issuingCa));
    const config = path.join(fixture.dir, "openssl-tsa.cnf");
    await writeFile(path.join(fixture.dir, "tsa-serial"), "01\n");
    await writeFile(
      config,
      [
        "[ tsa ]",
        "default_tsa = test_tsa",
        "[ test_tsa ]",
        `serial = ${path.join(fixture.dir, "tsa-serial")}`,
        `signer_cert = ${path.join(pkiDir, "tsa.cert.pem")}`,
        `signer_key = ${path.join(pkiDir, "tsa.key.pem")}`,
        `certs = ${issuingCa}`,
        "signer_digest = sha256",
        `default_policy = ${OPENSSL_TSA_POLICY}`,
        "digests = sha256, sha384, sha512",
        "accuracy = secs:1",
        "ess_cert_id_alg = sha256",
        "",
      ].join("\n"),
    );
    let replies = 0;
    openssl = async (query) => {
      replies += 1;
      const base = path.join(fixture.dir, `openssl-${replies}`);
      await writeFile(`${base}.tsq`, query);
      const made = await run("openssl", [
        "ts",
        "-reply",
        "-config",
        config,
        "-queryfile",
        `${base}.tsq`,
        "-passin",
        `pass:${passphrase}`,
        "-out",
        `${base}.tsr`,
      ]);
      if (made.code !== 0) throw new Error(`openssl ts -reply: ${made.stderr}`);
      return { status: 200, body: await readFile(`${base}.tsr`) };
    };

    server = createServer((request, response) => void serve(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const query = Buffer.concat(chunks);
    received.push({ contentType: request.headers["content-type"], query });
    try {
      const reply = await answer(query);
      // Left open: the client's timeout is what ends it.
      if (reply === "no answer") return;
      if (reply === "headers only") {
        response.writeHead(200, { "content-type": "application/timestamp-reply" }).flushHeaders();
        return;
      }
      response.writeHead(reply.status, { "content-type": "application/timestamp-reply" }).end(reply.body);
    } catch (error) {
      response.writeHead(599).end(String(error));
    }
  }

  beforeEach(() => {
    answer = openssl;
    received.length = 0;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await fixture?.remove();
  });

  it("stamps a PDF signature with OpenSSL's tokens: our verifier and `openssl ts -verify` accept it", async () => {
    const signed = await signPdf(
      renderResultDocument(sampleResult()),
      fixture.signer("deputy-demo"),
      fixture.options("B-T", { timestampAuthority: new HttpTimestampAuthority(url) }),
    );
    // One query, as RFC 3161 §3.4 sends it: a nonce, and the TSA's certificate asked for.
    expect(received).toHaveLength(1);
    expect(received[0]?.contentType).toBe("application/timestamp-query");
    const query = parseQuery(received[0]?.query ?? fail("a query"));
    expect(query).toMatchObject({ imprint: { digest: "sha256" }, certReq: true });
    expect(query.nonce?.length).toBeGreaterThan(0);

    const report = await verifyPdf(signed, fixture.trust);
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_PASSED",
      level: "B-T",
      signingTimeSource: "timestamp",
    });

    const { cms } = splitSignedPdf(signed);
    const signerInfo =
      new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(cms).content }).signerInfos[0] ?? fail("signer");
    const token = signerInfo.unsignedAttrs?.attributes.find((entry) => entry.type === "1.2.840.113549.1.9.16.2.14")
      ?.values[0] as { toBER(): ArrayBuffer } | undefined;
    const base = path.join(fixture.dir, "stamped");
    await writeFile(`${base}.tst`, Buffer.from((token ?? fail("no timestamp token")).toBER()));
    await writeFile(`${base}.sig`, Buffer.from(signerInfo.signature.valueBlock.valueHexView));
    const verified = await run("openssl", [
      "ts",
      "-verify",
      "-data",
      `${base}.sig`,
      "-in",
      `${base}.tst`,
      "-token_in",
      "-CAfile",
      fixture.pki.caCertPath,
      "-untrusted",
      path.join(fixture.dir, "issuing-ca.pem"),
    ]);
    expect(verified.stdout).toContain("Verification: OK");
    // OpenSSL's token, not the platform's own TSA's: the policy of its configuration.
    expect(timestampInfo(await readFile(`${base}.tst`))?.policy).toBe(OPENSSL_TSA_POLICY);
  });

  it("stamps a CAdES B-LT signature with OpenSSL's tokens, and it verifies without any revocation service", async () => {
    const content = Buffer.from("Tờ trình số 12/TTr-UBND", "utf8");
    const signature = await signDetached(content, fixture.signer("official-demo"), {
      level: "B-LT",
      timestampAuthority: new HttpTimestampAuthority(url),
      revocation: fixture.pki.revocation,
      at: new Date(),
    });
    const report = await verifyDetached(signature, content, { anchors: fixture.trust.anchors, now: () => new Date() });
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_PASSED",
      level: "B-LT",
      signingTimeSource: "timestamp",
    });
  });

  it("takes a token granted with modifications (RFC 3161 §2.4.2)", async () => {
    answer = async (query) => {
      const { imprint, nonce } = parseQuery(query);
      return timestampReply(pkijs.PKIStatus.grantedWithMods, fixture.pki.tsa.stampNow(imprint, nonce));
    };
    const imprint: MessageImprint = { digest: "sha384", hash: randomBytes(48) };
    await expect(new HttpTimestampAuthority(url).timestamp(imprint)).resolves.toBeInstanceOf(Buffer);
  });

  /** Another value of the same length: one bit flipped. */
  function flipped(bytes: Uint8Array): Buffer {
    const copy = Buffer.from(bytes);
    copy[0] = (copy[0] ?? 0) ^ 0x01;
    return copy;
  }

  it.each<[string, Answer, RegExp]>([
    [
      "a token for another request's nonce",
      async (query) => {
        const { imprint, nonce } = parseQuery(query);
        const other = flipped(nonce ?? fail("a nonce"));
        return timestampReply(pkijs.PKIStatus.granted, fixture.pki.tsa.stampNow(imprint, other));
      },
      /nonce/,
    ],
    [
      "a token without the nonce",
      async (query) => timestampReply(pkijs.PKIStatus.granted, fixture.pki.tsa.stampNow(parseQuery(query).imprint)),
      /nonce/,
    ],
    [
      "a token for another digest",
      async (query) => {
        const { imprint, nonce } = parseQuery(query);
        const other = { ...imprint, hash: flipped(imprint.hash) };
        return timestampReply(pkijs.PKIStatus.granted, fixture.pki.tsa.stampNow(other, nonce));
      },
      /stamped another value/,
    ],
    [
      "a token for the same digest under another hash algorithm",
      async (query) => {
        const { imprint, nonce } = parseQuery(query);
        const other = { ...imprint, digest: "sha512" as const };
        return timestampReply(pkijs.PKIStatus.granted, fixture.pki.tsa.stampNow(other, nonce));
      },
      /stamped another value/,
    ],
    ["a rejection", async () => timestampReply(pkijs.PKIStatus.rejection), /refused the request \(status 2\)/],
    [
      "a token under a status that grants nothing",
      async (query) => {
        const { imprint, nonce } = parseQuery(query);
        return timestampReply(pkijs.PKIStatus.waiting, fixture.pki.tsa.stampNow(imprint, nonce));
      },
      /refused the request \(status 3\)/,
    ],
    ["a grant without a token", async () => timestampReply(pkijs.PKIStatus.granted), /refused the request/],
    [
      "a signature that is not a timestamp token",
      async (query) => {
        const signature = await signDetached(query, fixture.signer("deputy-demo"), { level: "B-B", at: new Date() });
        return timestampReply(pkijs.PKIStatus.granted, signature);
      },
      /holds no TSTInfo/,
    ],
    [
      "something else than a TimeStampResp",
      async () => ({ status: 200, body: Buffer.from("<html>Service Unavailable</html>") }),
      /something else than a TimeStampResp/,
    ],
    ["HTTP 500", async () => ({ status: 500, body: Buffer.from("internal error") }), /HTTP 500/],
    ["no answer within the timeout", async () => "no answer", /could not be reached in time/],
    ["headers, then no body within the timeout", async () => "headers only", /could not be reached in time/],
  ])("refuses %s: TIMESTAMP_FAILED, which may heal", async (_case, bad, message) => {
    const imprint: MessageImprint = { digest: "sha256", hash: randomBytes(32) };
    // The same TSA with an honest answer: what is refused is the bad reply alone.
    answer = async (query) => {
      const { imprint: asked, nonce } = parseQuery(query);
      return timestampReply(pkijs.PKIStatus.granted, fixture.pki.tsa.stampNow(asked, nonce));
    };
    await expect(new HttpTimestampAuthority(url).timestamp(imprint)).resolves.toBeInstanceOf(Buffer);

    answer = bad;
    const failure = await new HttpTimestampAuthority(url, 2_000).timestamp(imprint).then(
      () => fail("the reply was taken"),
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SigningError);
    expect(failure).toMatchObject({
      code: "TIMESTAMP_FAILED",
      retriable: true,
      message: expect.stringMatching(message),
    });
    expect(received).toHaveLength(2);
  });
});
