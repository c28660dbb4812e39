import { PlatformError, failedPrecondition, invalidArgument } from "@lienthong/errors";
import { SigningError } from "../pki/errors";

/**
 * The signing core's refusals in the platform's error vocabulary, mapped once
 * for every transport; the stable signing code travels in the details.
 */
export function toSigningServiceError(error: unknown, signerField = "signerId"): unknown {
  if (!(error instanceof SigningError)) return error;
  const details = { signingError: error.code };
  switch (error.code) {
    case "INVALID_PDF":
    case "INVALID_DOCUMENT_INPUT":
      return invalidArgument([{ field: error.code === "INVALID_PDF" ? "pdf" : "document", reason: error.message }]);
    case "UNKNOWN_SIGNER":
      return invalidArgument([{ field: signerField, reason: "has no signing certificate here" }]);
    case "SIGNER_NOT_AUTHORIZED":
      return new PlatformError("PERMISSION_DENIED", error.message, { details, cause: error });
    case "EXTERNAL_SIGNER_FAILED":
    case "TIMESTAMP_FAILED":
      return new PlatformError("UNAVAILABLE", error.message, { details, cause: error });
    default:
      return failedPrecondition(error.message, details);
  }
}
