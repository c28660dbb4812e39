import { platformService } from "@lienthong/contracts";
import {
  envBoolean,
  envInteger,
  envList,
  envOptionalString,
  envString,
  productionRulesApply,
  publicLinkEnv,
  serviceEnv,
} from "@lienthong/service-host";
import { z } from "zod";

export const signatureEnv = serviceEnv(platformService("signature"), {
  /** The secret the applicant's download links are checked with: intake signs them with it (README, "Configuration"). */
  ...publicLinkEnv,
  /** Where the local test PKI lives; generated on first start when no production keys are given. Default: DATA_DIR/signature/pki. */
  SIGNATURE_PKI_DIR: envOptionalString(),
  /** Production: one operator-provided PKCS#12 holding one official's key and certificate chain. */
  SIGNATURE_P12_PATH: envOptionalString(),
  SIGNATURE_P12_PASSWORD: envOptionalString(),
  /** The staff id that operator key belongs to. */
  SIGNATURE_P12_OFFICIAL_ID: envString("official-demo"),
  /** The competent authorities that official signs decisions' results for (comma-separated codes); none: no results. */
  SIGNATURE_P12_AUTHORITY_CODES: envList(),
  /** Production: a directory of officials' keys, <id>.p12 or <id>.key.pem + <id>.cert.pem (see README). */
  SIGNATURE_KEYS_DIR: envOptionalString(),
  /** The passphrase of every key in SIGNATURE_KEYS_DIR (keys are encrypted at rest). */
  SIGNATURE_KEYS_PASSPHRASE: envOptionalString(),
  /** Production: the signing hook of an HSM or remote signing service, and the officials' certificates it signs for. */
  SIGNATURE_EXTERNAL_SIGNER_URL: envOptionalString(),
  SIGNATURE_EXTERNAL_CERTS_DIR: envOptionalString(),
  /** Trust anchors for signing and verifying (the national root), PEM; the test root in embedded mode. */
  SIGNATURE_TRUSTED_CA_FILE: envOptionalString(),
  /** CRL files (DER or PEM) of the CAs, checked before signing and when verifying. */
  SIGNATURE_CRL_FILES: envList(),
  /** Also fetch CRLs from the distribution points certificates name. */
  SIGNATURE_FETCH_CRLS: envBoolean(true),
  /** PAdES/CAdES level when a request names none. */
  SIGNATURE_LEVEL: z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
    z.enum(["B-B", "B-T", "B-LT"]).default("B-T"),
  ),
  /** An external RFC 3161 TSA; the test PKI's TSA in embedded mode. */
  SIGNATURE_TSA_URL: envOptionalString(),
  /** The public tracking page of a dossier, printed as a QR code; {code} is replaced by the dossier code. */
  SIGNATURE_TRACKING_URL: envString("http://localhost:8081/v1/public/status/{code}"),
  /**
   * How long a decision's signature is retried after a failure that may heal
   * (TSA or signing hook out of reach) before it is answered with
   * signatureFailed and the dossier goes back to its officials. Default 1 hour.
   */
  SIGNATURE_RETRY_HORIZON_MS: envInteger(3_600_000, 0, 7 * 24 * 3_600_000),
  /** How often the retry worker looks for parked signature requests that are due. */
  SIGNATURE_RETRY_POLL_MS: envInteger(5_000, 10, 3_600_000),
}).superRefine((env, ctx) => {
  // Without operators' keys the service signs with the local test PKI: anyone with this repository has its CA.
  if (
    productionRulesApply(env) &&
    !env.SIGNATURE_KEYS_DIR &&
    !env.SIGNATURE_P12_PATH &&
    !env.SIGNATURE_EXTERNAL_SIGNER_URL
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["SIGNATURE_P12_PATH"],
      message:
        "the local test PKI is refused when NODE_ENV=production: give officials' keys (SIGNATURE_P12_PATH, " +
        "SIGNATURE_KEYS_DIR or SIGNATURE_EXTERNAL_SIGNER_URL), or set ALLOW_EMBEDDED_IN_PRODUCTION=true for a demonstration",
    });
  }
});
