import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { access, chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import forge from "node-forge";
import { SigningError } from "./errors";
import { signingIdentityFromPkcs12, type SigningIdentity } from "./pkcs12";

/**
 * Local test PKI for embedded mode (ARCHITECTURE.md §3): a root CA and one
 * certificate per demo official, generated on first start and reused after.
 * Nothing here is fit for production; production loads operator-provided
 * PKCS#12 files with loadPkcs12Signer.
 */
export interface TestPki {
  caCertPem: string;
  caCertPath: string;
  signerIds: readonly string[];
  /** The official's signing identity, undefined for an id the PKI does not hold. */
  signer(id: string): SigningIdentity | undefined;
}

export interface TestSignerSpec {
  /** Stable id of the official, also the file name stem: lower-case letters, digits, dashes. */
  id: string;
  /** Staff title, the certificate's common name (chức danh). */
  title: string;
  /** Authority the official works for, the organisational unit. */
  unit: string;
}

export const DEFAULT_TEST_SIGNERS: readonly TestSignerSpec[] = [
  {
    id: "official-demo",
    title: "Chủ tịch Ủy ban nhân dân xã Mường Lát",
    unit: "Ủy ban nhân dân xã Mường Lát",
  },
  {
    id: "deputy-demo",
    title: "Phó Chủ tịch Ủy ban nhân dân xã Mường Lát",
    unit: "Ủy ban nhân dân xã Mường Lát",
  },
];

export const TEST_CA_COMMON_NAME = "LiênThông Test Root CA";
const TEST_ORGANIZATION = "LiênThông test";
const TEST_MARKER = "TEST ONLY - not for production";
const MANIFEST_FORMAT = 1;
const CA_VALIDITY_YEARS = 20;
const SIGNER_VALIDITY_YEARS = 10;
// The CA outlives its signers; 2048-bit signer keys are what Vietnamese public CAs issue.
const CA_RSA_BITS = 3072;
const SIGNER_RSA_BITS = 2048;
const SIGNER_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
// RFC 9336 id-kp-documentSigning; emailProtection is kept beside it because
// NSS (poppler) and OpenSSL check signer certificates as S/MIME signers.
const DOCUMENT_SIGNING_EKU = "1.3.6.1.5.5.7.3.36";

interface Manifest {
  format: number;
  warning: string;
  signers: Record<string, { passphrase: string }>;
}

interface CertificateAuthority {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  certPem: string;
}

/**
 * Generates the test PKI in `dir` on first call and loads it on later ones, so
 * documents signed before a restart still verify. Signers asked for but missing
 * from `dir` are issued by the existing CA. Not safe for two processes creating
 * the same directory at once.
 */
export async function ensureTestPki(
  dir: string,
  options: { signers?: readonly TestSignerSpec[] } = {},
): Promise<TestPki> {
  const specs = options.signers ?? DEFAULT_TEST_SIGNERS;
  for (const spec of specs) {
    if (!SIGNER_ID.test(spec.id)) {
      throw new SigningError("INVALID_SIGNER_ID", `test PKI signer id "${spec.id}": use a-z, 0-9 and "-" only`);
    }
  }
  const files = pkiFiles(dir);
  await mkdir(files.signersDir, { recursive: true, mode: 0o700 });

  const existing = await readManifest(files.manifest);
  let manifest: Manifest;
  let ca: CertificateAuthority;
  if (existing !== undefined && (await exists(files.caCert)) && (await exists(files.caKey))) {
    manifest = existing;
    ca = await loadCertificateAuthority(files.caCert, files.caKey);
  } else {
    manifest = { format: MANIFEST_FORMAT, warning: `${TEST_MARKER}: keys generated locally`, signers: {} };
    ca = createCertificateAuthority();
    await writePrivate(files.caKey, forge.pki.privateKeyToPem(ca.key));
    await writePublic(files.caCert, ca.certPem);
  }

  let changed = existing !== manifest;
  for (const spec of specs) {
    const known = manifest.signers[spec.id];
    if (known !== undefined && (await exists(files.signerP12(spec.id)))) continue;
    const passphrase = randomBytes(24).toString("base64url");
    const issued = issueSignerCertificate(ca, spec, passphrase);
    await writePrivate(files.signerKey(spec.id), issued.keyPem);
    await writePublic(files.signerCert(spec.id), issued.certPem);
    await writePrivate(files.signerP12(spec.id), issued.p12);
    manifest.signers[spec.id] = { passphrase };
    changed = true;
  }
  // The manifest is written last: a start interrupted before this point
  // regenerates, one after it finds a complete PKI.
  if (changed) await writePrivate(files.manifest, `${JSON.stringify(manifest, null, 2)}\n`);

  const identities = new Map<string, SigningIdentity>();
  for (const [id, { passphrase }] of Object.entries(manifest.signers)) {
    const p12 = await readFile(files.signerP12(id)).catch((error: unknown) => {
      throw new SigningError("TEST_PKI_UNREADABLE", `test PKI signer "${id}": ${files.signerP12(id)} unreadable`, {
        cause: error,
      });
    });
    identities.set(id, signingIdentityFromPkcs12(p12, passphrase, `test PKI signer "${id}"`));
  }
  return {
    caCertPem: ca.certPem,
    caCertPath: files.caCert,
    signerIds: [...identities.keys()],
    signer: (id: string) => identities.get(id),
  };
}

function pkiFiles(dir: string) {
  const signersDir = path.join(dir, "signers");
  return {
    signersDir,
    manifest: path.join(dir, "manifest.json"),
    caCert: path.join(dir, "ca.cert.pem"),
    caKey: path.join(dir, "ca.key.pem"),
    signerCert: (id: string) => path.join(signersDir, `${id}.cert.pem`),
    signerKey: (id: string) => path.join(signersDir, `${id}.key.pem`),
    signerP12: (id: string) => path.join(signersDir, `${id}.p12`),
  };
}

function createCertificateAuthority(): CertificateAuthority {
  const { key, publicKey } = generateRsaKey(CA_RSA_BITS);
  const subject = distinguishedName(TEST_CA_COMMON_NAME, TEST_MARKER);
  const cert = forge.pki.createCertificate();
  setValidity(cert, CA_VALIDITY_YEARS);
  cert.publicKey = publicKey;
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { cert, key, certPem: forge.pki.certificateToPem(cert) };
}

function issueSignerCertificate(
  ca: CertificateAuthority,
  spec: TestSignerSpec,
  passphrase: string,
): { certPem: string; keyPem: string; p12: Buffer } {
  const { key, publicKey } = generateRsaKey(SIGNER_RSA_BITS);
  const cert = forge.pki.createCertificate();
  setValidity(cert, SIGNER_VALIDITY_YEARS);
  cert.publicKey = publicKey;
  cert.setSubject(distinguishedName(spec.title, spec.unit));
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, nonRepudiation: true, critical: true },
    { name: "extKeyUsage", emailProtection: true, [DOCUMENT_SIGNING_EKU]: true },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(ca.key, forge.md.sha256.create());
  // node-forge passes these options on to PBES2; prfAlgorithm (missing from
  // its typings) replaces the SHA-1 default for the key's PBKDF2.
  const p12Options = { algorithm: "aes256", prfAlgorithm: "sha256", count: 2048, friendlyName: spec.id } as const;
  const p12Asn1 = forge.pkcs12.toPkcs12Asn1(key, [cert, ca.cert], passphrase, p12Options);
  return {
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyToPem(key),
    p12: Buffer.from(forge.asn1.toDer(p12Asn1).getBytes(), "binary"),
  };
}

/** Node generates the key (native, fast); node-forge builds the X.509 and PKCS#12 structures. */
function generateRsaKey(bits: number): { key: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  const key = forge.pki.privateKeyFromPem(exportPkcs1(privateKey));
  return { key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) };
}

function exportPkcs1(privateKey: KeyObject): string {
  return privateKey.export({ type: "pkcs1", format: "pem" }).toString();
}

function distinguishedName(commonName: string, unit: string): forge.pki.CertificateField[] {
  const utf8 = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class;
  return [
    { shortName: "C", value: "VN" },
    { shortName: "O", value: TEST_ORGANIZATION, valueTagClass: utf8 },
    { shortName: "OU", value: unit, valueTagClass: utf8 },
    { shortName: "CN", value: commonName, valueTagClass: utf8 },
  ];
}

function setValidity(cert: forge.pki.Certificate, years: number): void {
  const serial = randomBytes(16);
  // A positive INTEGER: the top bit of the first byte must be clear.
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString("hex");
  const now = Date.now();
  // A little slack for clocks of verifiers that run slightly behind.
  cert.validity.notBefore = new Date(now - 10 * 60 * 1000);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + years);
  cert.validity.notAfter = notAfter;
}

async function loadCertificateAuthority(certPath: string, keyPath: string): Promise<CertificateAuthority> {
  try {
    const certPem = await readFile(certPath, "utf8");
    const cert = forge.pki.certificateFromPem(certPem);
    const key = forge.pki.privateKeyFromPem(await readFile(keyPath, "utf8"));
    return { cert, key, certPem };
  } catch (error) {
    throw new SigningError(
      "TEST_PKI_UNREADABLE",
      `test PKI CA in ${path.dirname(certPath)}: unreadable certificate or key`,
      {
        cause: error,
      },
    );
  }
}

async function readManifest(file: string): Promise<Manifest | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch (error) {
    throw new SigningError("TEST_PKI_UNREADABLE", `test PKI manifest ${file}: not JSON`, { cause: error });
  }
  if (manifest.format !== MANIFEST_FORMAT || typeof manifest.signers !== "object" || manifest.signers === null) {
    throw new SigningError(
      "TEST_PKI_UNREADABLE",
      `test PKI manifest ${file}: unknown format ${String(manifest.format)}`,
    );
  }
  return manifest;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

async function writePrivate(file: string, data: string | Buffer): Promise<void> {
  await writeAtomically(file, data, 0o600);
}

async function writePublic(file: string, data: string): Promise<void> {
  await writeAtomically(file, data, 0o644);
}

async function writeAtomically(file: string, data: string | Buffer, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, data, { mode });
  // writeFile's mode passes through the umask; set it exactly.
  await chmod(temporary, mode);
  await rename(temporary, file);
}
