import { createPrivateKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import * as pkijs from "pkijs";
import { certificateDer } from "../cades/signed-data";
import { toX509 } from "./certificates";
import { SigningError } from "./errors";

const BAG = {
  key: "1.2.840.113549.1.12.10.1.1",
  shroudedKey: "1.2.840.113549.1.12.10.1.2",
  certificate: "1.2.840.113549.1.12.10.1.3",
} as const;

interface Decryptable {
  parseInternalValues(parameters: { password: ArrayBuffer }): Promise<void>;
}

export interface OpenedPkcs12 {
  key: KeyObject;
  /** The certificate of the key. */
  certificate: pkijs.Certificate;
  /** The other certificates of the file (the CA chain), as found. */
  others: pkijs.Certificate[];
}

/**
 * Opens an operator's PKCS#12 (RSA or EC key, PBES2 or the legacy PKCS#12
 * ciphers pkijs reads) and finds the certificate of its key. It is done once at
 * start, so a wrong passphrase fails the start, not the first signature.
 */
export async function openPkcs12File(path: string, passphrase: string): Promise<OpenedPkcs12> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new SigningError("BAD_PKCS12", `PKCS#12 file ${path}: cannot be read`, { cause: error });
  }
  return openPkcs12(bytes, passphrase, `PKCS#12 file ${path}`);
}

export async function openPkcs12(bytes: Uint8Array, passphrase: string, label = "PKCS#12"): Promise<OpenedPkcs12> {
  const password = new Uint8Array(Buffer.from(passphrase, "utf8")).buffer;
  const bags: pkijs.SafeBag[] = [];
  try {
    const pfx = pkijs.PFX.fromBER(bytes);
    await pfx.parseInternalValues({ password, checkIntegrity: true });
    const safe = pfx.parsedValue?.authenticatedSafe;
    if (safe === undefined) throw new Error("no authenticated safe");
    await safe.parseInternalValues({ safeContents: safe.safeContents.map(() => ({ password })) });
    // pkijs types the parsed safe contents as any.
    const parsed = safe.parsedValue as { safeContents?: { value: pkijs.SafeContents }[] } | undefined;
    for (const contents of parsed?.safeContents ?? []) bags.push(...contents.value.safeBags);
    for (const bag of bags) {
      // Public in pkijs's JavaScript, protected only in its typings.
      if (bag.bagId === BAG.shroudedKey)
        await (bag.bagValue as unknown as Decryptable).parseInternalValues({ password });
    }
  } catch (error) {
    throw new SigningError("BAD_PKCS12", `${label}: wrong passphrase or not a PKCS#12 file`, { cause: error });
  }
  const keys = bags.flatMap((bag) => {
    if (bag.bagId === BAG.key) return [bag.bagValue as pkijs.PrivateKeyInfo];
    if (bag.bagId === BAG.shroudedKey) {
      const parsed = (bag.bagValue as pkijs.PKCS8ShroudedKeyBag).parsedValue;
      return parsed ? [parsed] : [];
    }
    return [];
  });
  const keyInfo = keys[0];
  if (keyInfo === undefined) throw new SigningError("BAD_PKCS12", `${label}: holds no private key`);
  const key = createPrivateKey({ key: Buffer.from(keyInfo.toSchema().toBER()), format: "der", type: "pkcs8" });
  const certificates = bags
    .filter((bag) => bag.bagId === BAG.certificate)
    .map((bag): unknown => (bag.bagValue as pkijs.CertBag).parsedValue)
    .filter((cert): cert is pkijs.Certificate => cert instanceof pkijs.Certificate);
  const certificate = certificates.find((cert) => toX509(cert).checkPrivateKey(key));
  if (certificate === undefined)
    throw new SigningError("BAD_PKCS12", `${label}: no certificate matches its private key`);
  const own = certificateDer(certificate);
  return { key, certificate, others: certificates.filter((cert) => !certificateDer(cert).equals(own)) };
}
