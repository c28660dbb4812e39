import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { ensureTestPki, loadPkcs12Signer } from "./pki";
import type { SignerDirectory } from "./use-cases/signer-directory";

/** The variables of signatureEnv this decision reads. */
interface SignerEnv {
  DATA_DIR: string;
  SIGNATURE_PKI_DIR?: string;
  SIGNATURE_P12_PATH?: string;
  SIGNATURE_P12_PASSWORD?: string;
  SIGNATURE_P12_OFFICIAL_ID: string;
  SIGNATURE_TRUSTED_CA_FILE?: string;
}

/**
 * The one place that decides where signing keys come from: an operator's
 * PKCS#12 when SIGNATURE_P12_PATH is set, else the local test PKI (generated
 * on first start, kept in SIGNATURE_PKI_DIR).
 */
export async function openSigners(
  env: SignerEnv,
): Promise<{ signers: SignerDirectory; trustedCaPems: string[]; source: string }> {
  if (env.SIGNATURE_P12_PATH) {
    const identity = await loadPkcs12Signer(env.SIGNATURE_P12_PATH, env.SIGNATURE_P12_PASSWORD ?? "");
    const trusted = env.SIGNATURE_TRUSTED_CA_FILE ? [await readFile(env.SIGNATURE_TRUSTED_CA_FILE, "utf8")] : [];
    return {
      signers: { signer: (officialId) => (officialId === env.SIGNATURE_P12_OFFICIAL_ID ? identity : undefined) },
      trustedCaPems: trusted,
      source: "pkcs12",
    };
  }
  const pki = await ensureTestPki(env.SIGNATURE_PKI_DIR ?? path.resolve(env.DATA_DIR, "signature", "pki"));
  return { signers: pki, trustedCaPems: [pki.caCertPem], source: "test-pki" };
}
