import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type * as pkijs from "pkijs";
import { OID } from "../cades/oids";
import { LocalTimestampAuthority } from "../cades/timestamp";
import { certificateSubject } from "./distinguished-name";
import {
  certificatesFromPem,
  certificateToPem,
  issueCertificate,
  serialHex,
  toX509,
  type CertificateProfile,
  type IssuerKey,
} from "./certificates";
import { SigningError } from "./errors";
import { CrlRevocationSource, issueCrl, type RevocationSource, type RevokedEntry } from "./revocation";
import { LocalSigningKey, type SignerCredential } from "./signing-key";

/**
 * Local test PKI for embedded mode (ARCHITECTURE.md §3), shaped like the
 * Government Cipher Committee's (Decree 68/2024): a root, an issuing CA below
 * it, one certificate per sample official, a TSA certificate, and the issuing
 * CA's CRL as revocation source. Generated on first start and reused after;
 * private keys are encrypted PKCS#8 files. Nothing here is fit for production.
 */
export interface TestPki {
  /** The trust anchor (root CA) as PEM, and its file. */
  caCertPem: string;
  caCertPath: string;
  issuingCa: pkijs.Certificate;
  signerIds: readonly string[];
  /** The official's signing credential, undefined for an id the PKI does not hold. */
  credential(id: string): SignerCredential | undefined;
  tsa: LocalTimestampAuthority;
  revocation: RevocationSource;
  /** The current CRLs (DER): the issuing CA's, then the root's list of revoked CAs. */
  crls(): Buffer[];
  /** Revokes an official's certificate from `at` on and publishes a new CRL. */
  revoke(id: string, at?: Date): Promise<void>;
}

export type TestKeyType = "rsa-2048" | "ec-p256";

export interface TestSignerSpec {
  /** Stable id of the official, also the file name stem: lower-case letters, digits, dashes. */
  id: string;
  /** Staff title, the certificate's common name (chức danh). */
  title: string;
  /** Authority the official works for, the organisational unit. */
  unit: string;
  /** Codes of the competent authorities whose decisions' results the official signs (its leader); none: no results. */
  authorityCodes?: readonly string[];
  /** Codes of the units whose desk slips the official signs besides authorityCodes (a receiving officer's desk). */
  unitCodes?: readonly string[];
  key?: TestKeyType;
  /** For tests of expired certificates: when the certificate ends (default: in 10 years). */
  notAfter?: Date;
}

export const DEFAULT_TEST_SIGNERS: readonly TestSignerSpec[] = [
  {
    id: "official-demo",
    title: "Chủ tịch Ủy ban nhân dân xã Mường Lát",
    unit: "Ủy ban nhân dân xã Mường Lát",
    key: "rsa-2048",
  },
  {
    id: "deputy-demo",
    title: "Phó Chủ tịch Ủy ban nhân dân xã Mường Lát",
    unit: "Ủy ban nhân dân xã Mường Lát",
    key: "ec-p256",
  },
  { id: "officer-demo", title: "Công chức Tư pháp - Hộ tịch", unit: "Ủy ban nhân dân xã Mường Lát", key: "ec-p256" },
  // The leaders of the development identities (service-host DEVELOPMENT_OFFICIALS): routing names
  // them in signature requests, so the embedded platform signs their decisions.
  {
    id: "chu-tich-muong-lat",
    title: "Chủ tịch Ủy ban nhân dân xã Mường Lát",
    unit: "Ủy ban nhân dân xã Mường Lát",
    authorityCodes: ["14845"],
  },
  {
    id: "chu-tich-tam-chung",
    title: "Chủ tịch Ủy ban nhân dân xã Tam Chung",
    unit: "Ủy ban nhân dân xã Tam Chung",
    authorityCodes: ["14848"],
  },
  {
    id: "truong-phong-ca-thanh-hoa",
    title: "Trưởng phòng",
    unit: "Công an tỉnh Thanh Hoá",
    authorityCodes: ["38.CA"],
  },
  // The desk's officials of the development identities sign the slips of what they do (receipt, refusal,
  // supplement request) for their own unit only; declared for no authority, so they sign no decision's result.
  {
    id: "tiep-nhan-muong-lat",
    title: "Cán bộ tiếp nhận xã Mường Lát",
    unit: "Ủy ban nhân dân xã Mường Lát",
    unitCodes: ["14845"],
  },
  {
    id: "tiep-nhan-tam-chung",
    title: "Cán bộ tiếp nhận xã Tam Chung",
    unit: "Ủy ban nhân dân xã Tam Chung",
    unitCodes: ["14848"],
  },
  {
    id: "tiep-nhan-hac-thanh",
    title: "Cán bộ tiếp nhận phường Hạc Thành",
    unit: "Ủy ban nhân dân phường Hạc Thành",
    unitCodes: ["14797"],
  },
  {
    id: "chuyen-vien-muong-lat",
    title: "Chuyên viên xử lý xã Mường Lát",
    unit: "Ủy ban nhân dân xã Mường Lát",
    unitCodes: ["14845"],
  },
  // The desk of the province's public administration centre (a receiving unit that decides nothing).
  {
    id: "tiep-nhan-ttpvhcc-thanh-hoa",
    title: "Cán bộ tiếp nhận Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa",
    unit: "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa",
    unitCodes: ["38.TTPVHCC"],
  },
];

export const TEST_CA_COMMON_NAME = "LiênThông Test Root CA";
export const TEST_ISSUING_CA_COMMON_NAME = "LiênThông Test Issuing CA";
const TEST_ORGANIZATION = "LiênThông test";
const TEST_MARKER = "TEST ONLY - not for production";
const MANIFEST_FORMAT = 2;
const YEAR_MS = 365.25 * 24 * 3600 * 1000;
const CRL_VALIDITY_MS = 7 * 24 * 3600 * 1000;
const SIGNER_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
// Not fetched by anyone: the test CRL reaches verifiers inside documents (B-LT) and through RevocationSource.
const TEST_CRL_URL = "http://pki.lienthong.invalid/test-issuing-ca.crl";

interface Manifest {
  format: number;
  warning: string;
  /** Decrypts every private key file of this directory. */
  passphrase: string;
  signers: string[];
  revoked: { serialHex: string; revokedAt: string }[];
  crlNumber: number;
}

interface LoadedKey extends IssuerKey {
  certificatePem: string;
}

/**
 * Generates the test PKI in `dir` on first call and loads it on later ones, so
 * documents signed before a restart still verify. Signers asked for but missing
 * from `dir` are issued by the existing issuing CA. Not safe for two processes
 * creating the same directory at once.
 */
export async function ensureTestPki(
  dir: string,
  options: { signers?: readonly TestSignerSpec[]; clock?: () => Date } = {},
): Promise<TestPki> {
  const specs = options.signers ?? DEFAULT_TEST_SIGNERS;
  const clock = options.clock ?? (() => new Date());
  for (const spec of specs) {
    if (!SIGNER_ID.test(spec.id)) {
      throw new SigningError("INVALID_SIGNER_ID", `test PKI signer id "${spec.id}": use a-z, 0-9 and "-" only`);
    }
  }
  const files = pkiFiles(dir);
  await mkdir(files.signersDir, { recursive: true, mode: 0o700 });
  const existing = await readManifest(files.manifest);
  const manifest: Manifest = existing ?? {
    format: MANIFEST_FORMAT,
    warning: `${TEST_MARKER}: keys generated locally`,
    passphrase: randomBytes(24).toString("base64url"),
    signers: [],
    revoked: [],
    crlNumber: 0,
  };
  const now = clock();
  const store = keyStore(manifest.passphrase);

  const root = await store.ensure(
    files.key("root"),
    (publicKey) => caProfile(publicKey, TEST_CA_COMMON_NAME, now, 20),
    undefined,
  );
  const issuing = await store.ensure(
    files.key("issuing-ca"),
    (publicKey) => ({
      ...caProfile(publicKey, TEST_ISSUING_CA_COMMON_NAME, now, 15),
      ca: { pathLength: 0 },
    }),
    root,
  );
  const tsa = await store.ensure(
    files.key("tsa"),
    (publicKey) => ({
      subject: {
        commonName: "LiênThông Test Time-Stamping Authority",
        organization: TEST_ORGANIZATION,
        unit: TEST_MARKER,
      },
      publicKey,
      notBefore: slack(now),
      notAfter: new Date(now.getTime() + 10 * YEAR_MS),
      keyUsage: ["digitalSignature"],
      // RFC 3161 §2.3: the TSA certificate has exactly this one purpose, marked critical.
      extendedKeyUsage: { purposes: [OID.timeStamping], critical: true },
      crlUrl: TEST_CRL_URL,
      // P-256: a timestamp per document must cost little next to the signature itself.
    }),
    issuing,
    "ec-p256",
  );

  const credentials = new Map<string, SignerCredential>();
  for (const spec of specs) {
    await store.ensure(
      files.signer(spec.id),
      (publicKey) => ({
        subject: { commonName: spec.title, organization: TEST_ORGANIZATION, unit: spec.unit, userId: spec.id },
        publicKey,
        notBefore: slack(spec.notAfter && spec.notAfter < now ? new Date(spec.notAfter.getTime() - YEAR_MS) : now),
        notAfter: spec.notAfter ?? new Date(now.getTime() + 10 * YEAR_MS),
        keyUsage: ["digitalSignature", "nonRepudiation"],
        // RFC 9336 id-kp-documentSigning; emailProtection beside it because NSS (poppler)
        // and OpenSSL check document signers as S/MIME signers.
        extendedKeyUsage: { purposes: [OID.emailProtection, OID.documentSigning], critical: false },
        crlUrl: TEST_CRL_URL,
      }),
      issuing,
      spec.key ?? "ec-p256",
    );
    if (!manifest.signers.includes(spec.id)) manifest.signers.push(spec.id);
  }
  for (const id of manifest.signers) {
    const loaded = await store.load(files.signer(id));
    if (loaded === undefined) continue;
    const { authorityCodes, unitCodes } = specs.find((spec) => spec.id === id) ?? {};
    credentials.set(id, {
      officialId: id,
      certificate: loaded.certificate,
      chain: [issuing.certificate, root.certificate],
      key: new LocalSigningKey(loaded.key),
      ...(authorityCodes && { authorityCodes: [...authorityCodes] }),
      ...(unitCodes && { unitCodes: [...unitCodes] }),
      subject: certificateSubject(toX509(loaded.certificate)),
    });
  }

  let crl: Buffer | undefined;
  let authorityCrl: Buffer | undefined;
  const publishCrl = async (): Promise<void> => {
    manifest.crlNumber += 1;
    const thisUpdate = slack(clock());
    const period = {
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + CRL_VALIDITY_MS),
      number: manifest.crlNumber,
    };
    const revoked = manifest.revoked.map((entry): RevokedEntry => ({
      serialHex: entry.serialHex,
      revokedAt: new Date(entry.revokedAt),
    }));
    const issued = issueCrl(issuing, revoked, period);
    // The root's list of revoked CAs (ARL): empty, but a verifier needs it to know the issuing CA is good.
    authorityCrl = issueCrl(root, [], period);
    crl = issued;
    await writeAtomically(files.crl, issued, 0o644);
    await writeAtomically(files.manifest, `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
  };
  // A CRL is current for a week: each start publishes a fresh one, as a CA would on schedule.
  await publishCrl();
  const currentCrls = (): Buffer[] => [crl, authorityCrl].filter((entry): entry is Buffer => entry !== undefined);

  return {
    caCertPem: root.certificatePem,
    caCertPath: files.cert("root"),
    issuingCa: issuing.certificate,
    signerIds: [...credentials.keys()],
    credential: (id) => credentials.get(id),
    // Tokens carry the TSA's own certificate only: its CAs are the signers' CAs, already in every signature.
    tsa: new LocalTimestampAuthority({ certificate: tsa.certificate, chain: [], key: tsa.key }, clock),
    revocation: new CrlRevocationSource(currentCrls),
    crls: currentCrls,
    revoke: async (id, at = clock()) => {
      const credential = credentials.get(id);
      if (credential === undefined) throw new SigningError("UNKNOWN_SIGNER", `test PKI has no signer "${id}"`);
      manifest.revoked.push({ serialHex: serialHex(credential.certificate), revokedAt: at.toISOString() });
      await publishCrl();
    },
  };
}

function caProfile(publicKey: KeyObject, commonName: string, now: Date, years: number): CertificateProfile {
  return {
    subject: { commonName, organization: TEST_ORGANIZATION, unit: TEST_MARKER },
    publicKey,
    notBefore: slack(now),
    notAfter: new Date(now.getTime() + years * YEAR_MS),
    ca: {},
    keyUsage: ["keyCertSign", "cRLSign"],
  };
}

/** A little slack for verifiers whose clocks run slightly behind. */
function slack(at: Date): Date {
  return new Date(at.getTime() - 10 * 60 * 1000);
}

function pkiFiles(dir: string) {
  const signersDir = path.join(dir, "signers");
  return {
    signersDir,
    manifest: path.join(dir, "manifest.json"),
    crl: path.join(dir, "issuing-ca.crl"),
    key: (name: string) => path.join(dir, name),
    cert: (name: string) => path.join(dir, `${name}.cert.pem`),
    signer: (id: string) => path.join(signersDir, id),
  };
}

/** Key and certificate files side by side: `<stem>.key.pem` (encrypted PKCS#8) and `<stem>.cert.pem`. */
function keyStore(passphrase: string) {
  const load = async (stem: string): Promise<LoadedKey | undefined> => {
    const [keyPem, certificatePem] = await Promise.all([
      readFile(`${stem}.key.pem`, "utf8").catch(() => undefined),
      readFile(`${stem}.cert.pem`, "utf8").catch(() => undefined),
    ]);
    if (keyPem === undefined || certificatePem === undefined) return undefined;
    try {
      const certificate = certificatesFromPem(certificatePem)[0];
      if (certificate === undefined) throw new Error("no certificate");
      return { key: createPrivateKey({ key: keyPem, passphrase }), certificate, certificatePem };
    } catch (error) {
      throw new SigningError("TEST_PKI_UNREADABLE", `test PKI ${path.basename(stem)}: unreadable key or certificate`, {
        cause: error,
      });
    }
  };
  return {
    load,
    async ensure(
      stem: string,
      profile: (publicKey: KeyObject) => CertificateProfile,
      issuer: IssuerKey | undefined,
      keyType: TestKeyType | "ec-p384" = "ec-p384",
    ): Promise<LoadedKey> {
      const existing = await load(stem);
      if (existing !== undefined) return existing;
      const key = generateKey(keyType);
      const certificate = issueCertificate(profile(createPublicKey(key)), issuer ?? { selfKey: key });
      const certificatePem = certificateToPem(certificate);
      // Encrypted at rest; the certificate is written last, so a half-written pair is regenerated.
      await writeAtomically(
        `${stem}.key.pem`,
        key.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase }).toString(),
        0o600,
      );
      await writeAtomically(`${stem}.cert.pem`, certificatePem, 0o644);
      return { key, certificate, certificatePem };
    },
  };
}

function generateKey(type: TestKeyType | "ec-p384"): KeyObject {
  if (type === "rsa-2048") return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  return generateKeyPairSync("ec", { namedCurve: type === "ec-p256" ? "P-256" : "P-384" }).privateKey;
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
  if (manifest.format !== MANIFEST_FORMAT) {
    // An older layout (single root, PKCS#12 files): start a new PKI beside nothing it could mix with.
    return undefined;
  }
  return manifest;
}

async function writeAtomically(file: string, data: string | Buffer, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, data, { mode });
  // writeFile's mode passes through the umask; set it exactly.
  await chmod(temporary, mode);
  await rename(temporary, file);
}
