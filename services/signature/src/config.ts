import { platformService } from "@lienthong/contracts";
import { envOptionalString, envString, serviceEnv } from "@lienthong/service-host";

export const signatureEnv = serviceEnv(platformService("signature"), {
  /** Where the local test PKI lives; generated on first start when no PKCS#12 is given. Default: DATA_DIR/signature/pki. */
  SIGNATURE_PKI_DIR: envOptionalString(),
  /** Production: an operator-provided PKCS#12 holding the signing official's key and certificate chain. */
  SIGNATURE_P12_PATH: envOptionalString(),
  SIGNATURE_P12_PASSWORD: envOptionalString(),
  /** The staff id that operator key belongs to. */
  SIGNATURE_P12_OFFICIAL_ID: envString("official-demo"),
  /** A PEM file of CA certificates trusted when verifying, for production keys. */
  SIGNATURE_TRUSTED_CA_FILE: envOptionalString(),
});
