import { readFile } from "node:fs/promises";
import * as path from "node:path";
import type { ServiceEnv } from "@lienthong/service-kit";
import { ensureTestPki, loadPkcs12Signer } from "./pki";
import type { signatureEnv } from "./config";
import type { SignerDirectory } from "./use-cases/signer-directory";
import type { z } from "zod";

type SignatureEnv = ServiceEnv & z.output<typeof signatureEnv>;

/**
 * The one place that decides where signing keys come from: an operator's
 * PKCS#12 when SIGNATURE_P12_PATH is set, else the local test PKI (generated
 * on first start, kept in SIGNATURE_PKI_DIR).
 */
export async function openSigners(env: SignatureEnv): Promise<{ signers: SignerDirectory; trustedCaPems: string[]; source: string }> {
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
