import { createPrivateKey, type KeyObject } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { signatureAlgorithmFor } from "../cades/algorithms";
import { certificatesFromPem, toX509 } from "./certificates";
import { certificateSubject } from "./distinguished-name";
import { SigningError } from "./errors";
import { ExternalSigningKey } from "./external-signer";
import { openPkcs12File } from "./pkcs12";
import { LocalSigningKey, type SignerCredential } from "./signing-key";

const OFFICIAL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * officials.json beside the keys: which competent authorities each official's certificate signs results for,
 * and the units (a desk) whose slips it signs besides those.
 */
type OfficialsFile = Record<string, { authorityCodes?: string[]; unitCodes?: string[] }>;

/**
 * Operators' keys, one official per file stem in `dir`: `<id>.p12` (PKCS#12)
 * or `<id>.key.pem` (encrypted PKCS#8) with `<id>.cert.pem` (the certificate,
 * then its CA chain). Every key must be encrypted at rest: an unencrypted PEM
 * key is refused. All open with one passphrase, read from a secret.
 */
export async function loadKeyDirectory(dir: string, passphrase: string): Promise<SignerCredential[]> {
  const names = await readdir(dir).catch((error: unknown) => {
    throw new SigningError("BAD_KEY_FILE", `key directory ${dir}: cannot be read`, { cause: error });
  });
  const officials = await readOfficials(dir);
  const credentials: SignerCredential[] = [];
  for (const name of names.sort()) {
    const stem = name.endsWith(".p12") ? name.slice(0, -4) : name.endsWith(".key.pem") ? name.slice(0, -8) : undefined;
    if (stem === undefined) continue;
    if (!OFFICIAL_ID.test(stem))
      throw new SigningError(
        "INVALID_SIGNER_ID",
        `key directory ${dir}: "${name}" is not <official id>.p12 or .key.pem`,
      );
    const file = path.join(dir, name);
    let key: KeyObject;
    let certificates;
    if (name.endsWith(".p12")) {
      const opened = await openPkcs12File(file, passphrase);
      key = opened.key;
      certificates = [opened.certificate, ...opened.others];
    } else {
      key = await openEncryptedKey(file, passphrase);
      const certificateFile = path.join(dir, `${stem}.cert.pem`);
      certificates = certificatesFromPem(await readFile(certificateFile, "utf8").catch(() => ""));
      if (certificates.length === 0)
        throw new SigningError(
          "BAD_KEY_FILE",
          `key directory ${dir}: ${stem}.cert.pem is missing or holds no certificate`,
        );
    }
    const [certificate, ...chain] = certificates;
    if (certificate === undefined || !toX509(certificate).checkPrivateKey(key)) {
      throw new SigningError("BAD_KEY_FILE", `key directory ${dir}: the certificate of ${stem} does not match its key`);
    }
    const { authorityCodes, unitCodes } = officials[stem] ?? {};
    credentials.push({
      officialId: stem,
      certificate,
      chain,
      key: new LocalSigningKey(key),
      ...(authorityCodes ? { authorityCodes } : {}),
      ...(unitCodes ? { unitCodes } : {}),
      subject: certificateSubject(toX509(certificate)),
    });
  }
  return credentials;
}

async function openEncryptedKey(file: string, passphrase: string): Promise<KeyObject> {
  const pem = await readFile(file, "utf8");
  if (!pem.includes("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
    throw new SigningError("BAD_KEY_FILE", `${file}: private keys must be encrypted (PKCS#8 with a passphrase)`);
  }
  try {
    return createPrivateKey({ key: pem, passphrase });
  } catch (error) {
    throw new SigningError("BAD_KEY_FILE", `${file}: wrong passphrase or not a private key`, { cause: error });
  }
}

async function readOfficials(dir: string): Promise<OfficialsFile> {
  let text: string;
  try {
    text = await readFile(path.join(dir, "officials.json"), "utf8");
  } catch {
    return {};
  }
  try {
    return JSON.parse(text) as OfficialsFile;
  } catch (error) {
    throw new SigningError("BAD_KEY_FILE", `key directory ${dir}: officials.json is not JSON`, { cause: error });
  }
}

/**
 * Officials whose keys live in an HSM or a remote signing service: only their
 * certificates are here, `<id>.cert.pem` in `dir` (the certificate, then its
 * chain); the key id sent to the hook is the official's id.
 */
export async function loadExternalSigners(dir: string, endpoint: string): Promise<SignerCredential[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".cert.pem")).sort();
  const officials = await readOfficials(dir);
  return Promise.all(
    names.map(async (name) => {
      const officialId = name.slice(0, -".cert.pem".length);
      const [certificate, ...chain] = certificatesFromPem(await readFile(path.join(dir, name), "utf8"));
      if (certificate === undefined) throw new SigningError("BAD_KEY_FILE", `${name}: holds no certificate`);
      const algorithm = signatureAlgorithmFor(toX509(certificate).publicKey);
      const { authorityCodes, unitCodes } = officials[officialId] ?? {};
      return {
        officialId,
        certificate,
        chain,
        key: new ExternalSigningKey(endpoint, officialId, certificate, algorithm),
        ...(authorityCodes ? { authorityCodes } : {}),
        ...(unitCodes ? { unitCodes } : {}),
        subject: certificateSubject(toX509(certificate)),
      };
    }),
  );
}
