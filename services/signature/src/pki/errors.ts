/** Stable codes of the signing core's failures; transports map them once. */
export type SigningErrorCode =
  | "INVALID_SIGNER_ID"
  | "BAD_PKCS12"
  | "TEST_PKI_UNREADABLE"
  | "INVALID_DOCUMENT_INPUT"
  | "INVALID_PDF"
  | "ALREADY_SIGNED";

/**
 * Error of the PKI and document core. Messages name the field or file and the
 * reason, never document content: a document carries personal data.
 */
export class SigningError extends Error {
  override readonly name = "SigningError";
  /** None of these failures heals by retrying the same input. */
  readonly retriable = false;

  constructor(
    readonly code: SigningErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
