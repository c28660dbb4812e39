"use strict";
// One-shot job `credentials` of docker-compose.yml, run in the services image
// (node and the platform's packages are there). Makes, once, in the
// `credentials` volume, what the distributed stack authenticates with:
//
//   kafka/<principal>.password   a Kafka SCRAM password for User:admin (the
//                                broker and the init job), User:topics (the
//                                topic job), User:ops (`lienthong topics`) and
//                                User:<service> for each service
//   services/<service>/          what that service alone mounts (volume subpath):
//     kafka-password             its SCRAM password (KAFKA_SASL_PASSWORD_FILE)
//     grpc.crt, grpc.key         its gRPC server certificate and key (GRPC_TLS=files),
//                                for the names <service>, localhost and 127.0.0.1
//     ca.crt                     the compose CA, for gRPC clients
//     public-link-secret         intake and signature only: the secret of the applicant's
//                                download links (PUBLIC_LINK_SECRET_FILE), the same in both
//   shared/                      what every service mounts:
//     clients.json               CLIENTS_FILE: the registered clients, with their API
//                                keys as salted hashes and their webhook URL and secret
//     officials-jwks.json        OIDC_JWKS_FILE: the public key of the stack's stand-in
//                                for the province's identity provider
//   operator/                    the operator's alone; no container but this job mounts it:
//     clients/<clientId>.key     each client's API key, the only copy in plain
//     issuer/                    the stand-in identity provider's private key, in the
//                                development issuer's format (`lienthong dev token --issuer`)
//   ca/ca.crt, ca/ca.key         the compose CA (its key never leaves this job's view)
//   public-links/secret          the link secret's own copy, from which the two services'
//                                parts are written
//
// The services come from the platform's service list, so a new service gets
// its files at the next `docker compose up`; so does a client added to
// clientsToRegister below. Existing files are kept: the CA, certificates,
// passwords, API keys and the issuer's key survive restarts, and a client
// already in clients.json is left as the operator may have edited it. Delete
// the volume (`docker compose down -v`) to start over; the Kafka data volume
// must go with it, since the broker keeps the admin's SCRAM credential from its
// first start.
require("reflect-metadata"); // @peculiar/x509 needs the Reflect metadata API
const { randomBytes, webcrypto } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const x509 = require("@peculiar/x509");
const { PLATFORM_SERVICES } = require("@lienthong/contracts");
const { sampleUnits } = require("@lienthong/domain");
const { newKey, openDevelopmentIssuer } = require("@lienthong/service-host");

const root = process.env.CREDENTIALS_DIR || "/credentials";
const crypto = webcrypto;
const KEY_ALGORITHM = { name: "ECDSA", namedCurve: "P-256" };
const SIGNING_ALGORITHM = { name: "ECDSA", hash: "SHA-256" };
const VALIDITY_YEARS = 5;
/** Files every container that mounts them may read: each container sees only the subpath it needs. */
const SHARED = 0o444;
/**
 * The services that share the secret of the applicant's download links:
 * intake signs them, signature checks them (docs/decisions.md §23). No other
 * container gets it.
 */
const PUBLIC_LINK_SERVICES = new Set(["intake", "signature"]);
/** Where the clients' webhooks go: the stand-in commune systems of the stack (infra/compose/commune-webhooks.js). */
const webhooksUrl = (process.env.COMMUNE_WEBHOOKS_URL || "http://commune-webhooks:8090/webhooks").replace(/\/+$/, "");

/**
 * The commune systems of the stack: one for each commune the load test submits
 * at (RECEIVING_UNIT_CODES of infra/k6/submit-applications.js).
 */
const COMMUNE_SYSTEMS = [
  { clientId: "ba-dinh-ward-system", unitCode: "00004" }, // Phường Ba Đình, Hà Nội
  { clientId: "hoan-kiem-ward-system", unitCode: "00070" }, // Phường Hoàn Kiếm, Hà Nội
  { clientId: "pho-hien-ward-system", unitCode: "11953" }, // Phường Phố Hiến, Hưng Yên
  { clientId: "ham-rong-ward-system", unitCode: "14758" }, // Phường Hàm Rồng, Thanh Hoá
  { clientId: "hac-thanh-ward-system", unitCode: "14797" }, // Phường Hạc Thành, Thanh Hoá
  { clientId: "muong-lat-commune-system", unitCode: "14845" }, // Xã Mường Lát, Thanh Hoá
  { clientId: "tam-chung-commune-system", unitCode: "14848" }, // Xã Tam Chung, Thanh Hoá
];
/** The load test's spike, 3 × 40 submissions/s = 7,200 a minute, with room: the default limit (1,200) would refuse it. */
const LOAD_TEST_REQUESTS_PER_MINUTE = 12_000;

/**
 * Every client the job registers: the commune systems, the provincial portal
 * (every commune of the built-in units sample the stack starts with) and the
 * load test (the load test's communes, one key for all of them).
 */
function clientsToRegister() {
  const units = sampleUnits();
  const everyCommune = units
    .provinces()
    .flatMap((province) => units.communesOf(province.code))
    .map((commune) => commune.code);
  return [
    ...COMMUNE_SYSTEMS.map(({ clientId, unitCode }) => ({ clientId, unitCodes: [unitCode] })),
    { clientId: "portal", unitCodes: everyCommune },
    {
      clientId: "load-test",
      unitCodes: COMMUNE_SYSTEMS.map((system) => system.unitCode),
      requestsPerMinute: LOAD_TEST_REQUESTS_PER_MINUTE,
    },
  ];
}

/** Writes a file whole or not at all (a job killed half-way leaves no truncated key). */
function writeOnce(file, content, mode) {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  const partial = `${file}.partial`;
  fs.rmSync(partial, { force: true }); // left by a job killed half-way, possibly read-only
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

/** The secret of the applicant's download links, made on the first run: 32 random bytes, 43 characters. */
function publicLinkSecret() {
  const file = path.join(root, "public-links", "secret");
  if (!fs.existsSync(file)) writeOnce(file, randomBytes(32).toString("base64url"), 0o400);
  return fs.readFileSync(file, "utf8");
}

/**
 * Registers in shared/clients.json each client it lacks, with a new API key
 * (its plain form only in operator/clients/) and a new webhook secret. A
 * client already registered is kept as it is: its key was handed out.
 */
function registerClients() {
  const file = path.join(root, "shared", "clients.json");
  const registered = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")).clients : [];
  const missing = clientsToRegister().filter(
    ({ clientId }) => !registered.some((client) => client.clientId === clientId),
  );
  if (missing.length === 0) return [];
  const added = missing.map((client) => {
    const { key, stored } = newKey();
    // The key first: a hash in clients.json always has its key beside it (a run killed in between makes both anew).
    writeOnce(path.join(root, "operator", "clients", `${client.clientId}.key`), key, 0o400);
    return {
      ...client,
      keys: [stored],
      webhook: { url: `${webhooksUrl}/${client.clientId}`, secrets: [randomBytes(32).toString("base64url")] },
    };
  });
  writeOnce(file, `${JSON.stringify({ clients: [...registered, ...added] }, null, 2)}\n`, SHARED);
  return added.map((client) => client.clientId);
}

/**
 * The stack's stand-in for the province's identity provider: an ES256 key,
 * made once by the development issuer's code in operator/issuer/ (whose
 * `lienthong dev token --issuer` signs officials' tokens), and its public key
 * set in shared/ for the services (OIDC_JWKS_FILE).
 */
async function officialsIssuer() {
  fs.mkdirSync(path.join(root, "operator"), { recursive: true, mode: 0o700 });
  const issuer = await openDevelopmentIssuer(path.join(root, "operator", "issuer"));
  const file = path.join(root, "shared", "officials-jwks.json");
  const jwks = `${JSON.stringify(issuer.jwks, null, 2)}\n`;
  if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== jwks) writeOnce(file, jwks, SHARED);
}

async function main() {
  const made = [];
  for (const principal of ["admin", "topics", "ops"]) kafkaPassword(principal);
  const ca = await openCa();
  const linkSecret = publicLinkSecret();
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
    if (PUBLIC_LINK_SERVICES.has(name)) writeOnce(path.join(directory, "public-link-secret"), linkSecret, SHARED);
  }
  await officialsIssuer();
  const registered = registerClients();
  process.stdout.write(
    `credentials ready in ${root}` +
      (made.length > 0 ? `; new gRPC certificates for ${made.join(", ")}` : "") +
      (registered.length > 0 ? `; new API keys in operator/clients/ for ${registered.join(", ")}` : "") +
      "\n",
  );
}

main().catch((error) => {
  process.stderr.write(`make-credentials: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
