/** Stable codes of the signing core's failures; transports map them once. */
export type SigningErrorCode =
  | "INVALID_SIGNER_ID"
  | "BAD_PKCS12"
  | "BAD_KEY_FILE"
  | "TEST_PKI_UNREADABLE"
  | "INVALID_DOCUMENT_INPUT"
  | "INVALID_PDF"
  | "WEAK_KEY"
  | "UNKNOWN_SIGNER"
  | "SIGNER_NOT_AUTHORIZED"
  | "CERTIFICATE_NOT_YET_VALID"
  | "CERTIFICATE_EXPIRED"
  | "CERTIFICATE_REVOKED"
  | "REVOCATION_UNKNOWN"
  | "KEY_USAGE_NOT_ALLOWED"
  | "UNTRUSTED_SIGNER"
  | "EXTERNAL_SIGNER_FAILED"
  | "TIMESTAMP_FAILED"
  | "SIGNATURE_TOO_LARGE";

/** Failures that may heal on a later try (a remote signer or TSA out of reach); everything else will not. */
const RETRIABLE: ReadonlySet<SigningErrorCode> = new Set(["EXTERNAL_SIGNER_FAILED", "TIMESTAMP_FAILED"]);

/**
 * Error of the PKI and document core. Messages name the field, file or
 * certificate rule and the reason, never document content nor key material:
 * a document carries personal data.
 */
export class SigningError extends Error {
  override readonly name = "SigningError";
  readonly retriable: boolean;

  constructor(
    readonly code: SigningErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.retriable = RETRIABLE.has(code);
  }
}
