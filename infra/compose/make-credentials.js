"use strict";
// One-shot job `credentials` of docker-compose.yml, run in the services image
// (node and the platform's packages are there). Makes, once, in the
// `credentials` volume, what the distributed stack authenticates with:
//
//   kafka/<principal>.password   a Kafka SCRAM password for User:admin (the
//                                broker and the init job), User:topics (the
//                                topic job) and User:<service> for each service
//   services/<service>/          what that service alone mounts (volume subpath):
//     kafka-password             its SCRAM password (KAFKA_SASL_PASSWORD_FILE)
//     grpc.crt, grpc.key         its gRPC server certificate and key (GRPC_TLS=files),
//                                for the names <service>, localhost and 127.0.0.1
//     ca.crt                     the compose CA, for gRPC clients
//   ca/ca.crt, ca/ca.key         the compose CA (its key never leaves this job's view)
//
// The services come from the platform's service list, so a new service gets
// its files at the next `docker compose up`. Existing files are kept: the CA,
// certificates and passwords survive restarts. Delete the volume (`docker
// compose down -v`) to start over; the Kafka data volume must go with it,
// since the broker keeps the admin's SCRAM credential from its first start.
require("reflect-metadata"); // @peculiar/x509 needs the Reflect metadata API
const { randomBytes, webcrypto } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const x509 = require("@peculiar/x509");
const { PLATFORM_SERVICES } = require("@lienthong/contracts");

const root = process.env.CREDENTIALS_DIR || "/credentials";
const crypto = webcrypto;
const KEY_ALGORITHM = { name: "ECDSA", namedCurve: "P-256" };
const SIGNING_ALGORITHM = { name: "ECDSA", hash: "SHA-256" };
const VALIDITY_YEARS = 5;
/** Files every container that mounts them may read: each container sees only the subpath it needs. */
const SHARED = 0o444;

/** Writes a file whole or not at all (a job killed half-way leaves no truncated key). */
function writeOnce(file, content, mode) {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  const partial = `${file}.partial`;
  fs.writeFileSync(partial, content, { mode });
  fs.renameSync(partial, file);
}

function password() {
  return randomBytes(24).toString("base64url");
}

function validity() {
  const notBefore = new Date(Date.now() - 60 * 60 * 1000); // clocks of containers drift
  const notAfter = new Date(notBefore);
  notAfter.setFullYear(notAfter.getFullYear() + VALIDITY_YEARS);
  return { notBefore, notAfter };
}

async function pemOfKey(privateKey) {
  return `${x509.PemConverter.encode(await crypto.subtle.exportKey("pkcs8", privateKey), "PRIVATE KEY")}\n`;
}

/** The compose CA: made on the first run, read back on the others. */
async function openCa() {
  const certificateFile = path.join(root, "ca", "ca.crt");
  const keyFile = path.join(root, "ca", "ca.key");
  if (fs.existsSync(certificateFile)) {
    const certificate = new x509.X509Certificate(fs.readFileSync(certificateFile, "utf8"));
    const key = await crypto.subtle.importKey(
      "pkcs8",
      x509.PemConverter.decodeFirst(fs.readFileSync(keyFile, "utf8")),
      KEY_ALGORITHM,
      false,
      ["sign"],
    );
    return { certificate, key };
  }
  const keys = await crypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: "CN=LienThong compose CA, O=LienThong compose",
      keys,
      ...validity(),
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  // The key first: a certificate on disk always has its key beside it.
  writeOnce(keyFile, await pemOfKey(keys.privateKey), 0o400);
  writeOnce(certificateFile, `${certificate.toString("pem")}\n`, SHARED);
  return { certificate, key: keys.privateKey };
}

/** A gRPC server certificate for a service's compose hostname and the host's loopback (published ports). */
async function serverCertificate(ca, service) {
  const keys = await crypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]);
  const certificate = await x509.X509CertificateGenerator.create(
    {
      subject: `CN=${service}, O=LienThong compose`,
      issuer: ca.certificate.subject,
      publicKey: keys.publicKey,
      signingKey: ca.key,
      ...validity(),
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          { type: "dns", value: service },
          { type: "dns", value: "localhost" },
          { type: "ip", value: "127.0.0.1" },
        ]),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(ca.certificate.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return {
    chain: `${certificate.toString("pem")}\n${ca.certificate.toString("pem")}\n`,
    key: await pemOfKey(keys.privateKey),
  };
}

/** The principal's password, made on the first run. */
function kafkaPassword(principal) {
  const file = path.join(root, "kafka", `${principal}.password`);
  if (!fs.existsSync(file)) writeOnce(file, password(), SHARED);
  return fs.readFileSync(file, "utf8");
}

async function main() {
  const made = [];
  for (const principal of ["admin", "topics"]) kafkaPassword(principal);
  const ca = await openCa();
  for (const { name } of PLATFORM_SERVICES) {
    const directory = path.join(root, "services", name);
    const secret = kafkaPassword(name);
    if (!fs.existsSync(path.join(directory, "kafka-password"))) {
      writeOnce(path.join(directory, "kafka-password"), secret, SHARED);
    }
    if (!fs.existsSync(path.join(directory, "grpc.crt"))) {
      const { chain, key } = await serverCertificate(ca, name);
      writeOnce(path.join(directory, "grpc.key"), key, SHARED);
      writeOnce(path.join(directory, "grpc.crt"), chain, SHARED);
      made.push(name);
    }
    writeOnce(path.join(directory, "ca.crt"), `${ca.certificate.toString("pem")}\n`, SHARED);
  }
  process.stdout.write(
    `credentials ready in ${root}` + (made.length > 0 ? `; new gRPC certificates for ${made.join(", ")}` : "") + "\n",
  );
}

main().catch((error) => {
  process.stderr.write(`make-credentials: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
