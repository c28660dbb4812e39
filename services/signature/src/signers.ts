import { readFile } from "node:fs/promises";
import * as path from "node:path";
import type * as pkijs from "pkijs";
import { HttpTimestampAuthority, type TimestampAuthority } from "./cades/timestamp";
import { certificatesFromPem, toX509 } from "./pki/certificates";
import { certificateSubject } from "./pki/distinguished-name";
import { SigningError } from "./pki/errors";
import { loadExternalSigners, loadKeyDirectory } from "./pki/key-directory";
import { openPkcs12File } from "./pki/pkcs12";
import { CrlRevocationSource, type RevocationSource } from "./pki/revocation";
import { LocalSigningKey, type SignerCredential } from "./pki/signing-key";
import { ensureTestPki } from "./pki/test-pki";
import type { SignerDirectory } from "./use-cases/signer-directory";

/** The variables of signatureEnv this decision reads. */
interface SignerEnv {
  DATA_DIR: string;
  SIGNATURE_PKI_DIR?: string;
  SIGNATURE_P12_PATH?: string;
  SIGNATURE_P12_PASSWORD?: string;
  SIGNATURE_P12_OFFICIAL_ID: string;
  SIGNATURE_P12_AUTHORITY_CODES: string[];
  SIGNATURE_KEYS_DIR?: string;
  SIGNATURE_KEYS_PASSPHRASE?: string;
  SIGNATURE_EXTERNAL_SIGNER_URL?: string;
  SIGNATURE_EXTERNAL_CERTS_DIR?: string;
  SIGNATURE_TRUSTED_CA_FILE?: string;
  SIGNATURE_CRL_FILES: string[];
  SIGNATURE_FETCH_CRLS: boolean;
  SIGNATURE_TSA_URL?: string;
}

/** Keys, trust anchors, revocation and time-stamping, as configured. */
export interface SigningSetup {
  signers: SignerDirectory;
  anchors: pkijs.Certificate[];
  revocation: RevocationSource;
  timestampAuthority?: TimestampAuthority;
  source: "test-pki" | "operator";
}

/**
 * The one place that decides where signing keys come from: operators' keys
 * (a key directory, a PKCS#12 file, an external signing hook — together, one
 * official each) when any is configured, else the local test PKI (generated
 * on first start, kept in SIGNATURE_PKI_DIR) with its CA, TSA and CRL.
 */
export async function openSigning(env: SignerEnv, clock: () => Date): Promise<SigningSetup> {
  const operator = env.SIGNATURE_KEYS_DIR || env.SIGNATURE_P12_PATH || env.SIGNATURE_EXTERNAL_SIGNER_URL;
  if (!operator) {
    const pki = await ensureTestPki(env.SIGNATURE_PKI_DIR ?? path.resolve(env.DATA_DIR, "signature", "pki"), { clock });
    const extraAnchors = env.SIGNATURE_TRUSTED_CA_FILE
      ? certificatesFromPem(await readFile(env.SIGNATURE_TRUSTED_CA_FILE, "utf8"))
      : [];
    return {
      signers: directoryOf(pki.signerIds.flatMap((id) => pki.credential(id) ?? [])),
      anchors: [...certificatesFromPem(pki.caCertPem), ...extraAnchors],
      revocation: pki.revocation,
      timestampAuthority: env.SIGNATURE_TSA_URL ? new HttpTimestampAuthority(env.SIGNATURE_TSA_URL) : pki.tsa,
      source: "test-pki",
    };
  }
  if (!env.SIGNATURE_TRUSTED_CA_FILE) {
    throw new SigningError(
      "UNTRUSTED_SIGNER",
      "SIGNATURE_TRUSTED_CA_FILE is required with operators' keys: certificates are checked before signing",
    );
  }
  const credentials: SignerCredential[] = [];
  if (env.SIGNATURE_KEYS_DIR) {
    credentials.push(...(await loadKeyDirectory(env.SIGNATURE_KEYS_DIR, env.SIGNATURE_KEYS_PASSPHRASE ?? "")));
  }
  if (env.SIGNATURE_P12_PATH) {
    const opened = await openPkcs12File(env.SIGNATURE_P12_PATH, env.SIGNATURE_P12_PASSWORD ?? "");
    credentials.push({
      officialId: env.SIGNATURE_P12_OFFICIAL_ID,
      certificate: opened.certificate,
      chain: opened.others,
      key: new LocalSigningKey(opened.key),
      ...(env.SIGNATURE_P12_AUTHORITY_CODES.length > 0 && { authorityCodes: env.SIGNATURE_P12_AUTHORITY_CODES }),
      subject: certificateSubject(toX509(opened.certificate)),
    });
  }
  if (env.SIGNATURE_EXTERNAL_SIGNER_URL) {
    if (!env.SIGNATURE_EXTERNAL_CERTS_DIR) {
      throw new SigningError(
        "BAD_KEY_FILE",
        "SIGNATURE_EXTERNAL_CERTS_DIR is required with SIGNATURE_EXTERNAL_SIGNER_URL",
      );
    }
    credentials.push(
      ...(await loadExternalSigners(env.SIGNATURE_EXTERNAL_CERTS_DIR, env.SIGNATURE_EXTERNAL_SIGNER_URL)),
    );
  }
  const crls = await Promise.all(env.SIGNATURE_CRL_FILES.map((file) => readCrl(file)));
  return {
    signers: directoryOf(credentials),
    anchors: certificatesFromPem(await readFile(env.SIGNATURE_TRUSTED_CA_FILE, "utf8")),
    revocation: new CrlRevocationSource(() => crls, { fetchDistributionPoints: env.SIGNATURE_FETCH_CRLS }),
    ...(env.SIGNATURE_TSA_URL ? { timestampAuthority: new HttpTimestampAuthority(env.SIGNATURE_TSA_URL) } : {}),
    source: "operator",
  };
}

function directoryOf(credentials: SignerCredential[]): SignerDirectory {
  const byOfficial = new Map<string, SignerCredential>();
  for (const credential of credentials) {
    if (byOfficial.has(credential.officialId)) {
      throw new SigningError("INVALID_SIGNER_ID", `two keys are configured for official ${credential.officialId}`);
    }
    byOfficial.set(credential.officialId, credential);
  }
  return { officialIds: [...byOfficial.keys()], credential: (officialId) => byOfficial.get(officialId) };
}

/** A CRL file, DER or PEM ("X509 CRL"). */
async function readCrl(file: string): Promise<Buffer> {
  const bytes = await readFile(file);
  const pem = /-----BEGIN X509 CRL-----([\s\S]+?)-----END X509 CRL-----/.exec(bytes.toString("latin1"));
  return pem?.[1] ? Buffer.from(pem[1].replace(/\s+/g, ""), "base64") : bytes;
}
