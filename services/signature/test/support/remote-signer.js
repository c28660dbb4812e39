// A stand-in for an HSM gateway or a remote signing service, run as its own
// process so that the private key never enters the process under test. It
// reads one encrypted key (SIGNER_KEY_FILE, SIGNER_KEY_PASSPHRASE) for one key
// id (SIGNER_KEY_ID), answers POST / with the signature of dataToSign, ECDSA
// as r‖s like PKCS#11 devices, and prints its port on stdout.
"use strict";
const { createPrivateKey, sign, constants } = require("node:crypto");
const { readFileSync } = require("node:fs");
const http = require("node:http");

const key = createPrivateKey({
  key: readFileSync(process.env.SIGNER_KEY_FILE, "utf8"),
  passphrase: process.env.SIGNER_KEY_PASSPHRASE,
});
const keyId = process.env.SIGNER_KEY_ID;
const digests = { "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };

const server = http.createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => (body += chunk));
  request.on("end", () => {
    const asked = JSON.parse(body);
    if (asked.keyId !== keyId) {
      response.writeHead(404).end();
      return;
    }
    const digest = digests[asked.digestAlgorithm];
    const data = Buffer.from(asked.dataToSign, "base64");
    const signature =
      asked.signatureAlgorithm === "ECDSA"
        ? sign(digest, data, { key, dsaEncoding: "ieee-p1363" })
        : sign(digest, data, {
            key,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
          });
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        signature: signature.toString("base64"),
        encoding: asked.signatureAlgorithm === "ECDSA" ? "p1363" : "der",
      }),
    );
  });
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`${server.address().port}\n`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
