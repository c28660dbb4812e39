import { PlatformError, type PlatformErrorOptions } from "@lienthong/errors";
import { SigningError, type SigningErrorCode } from "../pki/errors";

/**
 * The signing core's refusals in the platform's error vocabulary, mapped once
 * for every transport — REST, gRPC and the event consumer (which retries
 * what is retriable and dead-letters nothing else: sign-result.ts answers it
 * with signatureFailed). The stable signing code travels as the reason and
 * in the details; anything that is not a SigningError passes unchanged.
 */
export function toSigningServiceError(error: unknown): unknown {
  if (!(error instanceof SigningError)) return error;
  const options: PlatformErrorOptions = { details: { signingError: error.code }, reason: error.code, cause: error };
  switch (error.code) {
    case "INVALID_PDF":
      return new PlatformError("INVALID_ARGUMENT", error.message, {
        ...options,
        violations: [{ field: "pdf", reason: error.message.replace(/^pdf: /, "") }],
      });
    case "INVALID_DOCUMENT_INPUT":
      return new PlatformError("INVALID_ARGUMENT", error.message, {
        ...options,
        violations: [{ field: "document", reason: error.message.replace(/^result document: /, "") }],
      });
    case "SIGNER_NOT_AUTHORIZED":
      return new PlatformError("PERMISSION_DENIED", error.message, options);
    case "EXTERNAL_SIGNER_FAILED":
    case "TIMESTAMP_FAILED":
      return new PlatformError("UNAVAILABLE", error.message, options);
    default:
      // UNKNOWN_SIGNER and the certificate checks: the request is fine, the official's certificate is not.
      return new PlatformError("FAILED_PRECONDITION", error.message, options);
  }
}

/** Why a result could not be signed, for the officials who see the signatureFailed event. */
const FAILURE_VI: Partial<Record<SigningErrorCode, string>> = {
  UNKNOWN_SIGNER: "Cán bộ không có chứng thư số tại dịch vụ ký số",
  SIGNER_NOT_AUTHORIZED: "Cán bộ không có thẩm quyền ký cho cơ quan giải quyết hồ sơ này",
  CERTIFICATE_EXPIRED: "Chứng thư số của người ký đã hết hạn",
  CERTIFICATE_NOT_YET_VALID: "Chứng thư số của người ký chưa có hiệu lực",
  CERTIFICATE_REVOKED: "Chứng thư số của người ký đã bị thu hồi",
  REVOCATION_UNKNOWN: "Không kiểm tra được tình trạng thu hồi của chứng thư số",
  KEY_USAGE_NOT_ALLOWED: "Chứng thư số không được cấp để ký số",
  UNTRUSTED_SIGNER: "Chứng thư số không thuộc tổ chức cung cấp dịch vụ chứng thực được tin cậy",
  WEAK_KEY: "Khóa của người ký không đạt yêu cầu về thuật toán và độ dài",
  INVALID_DOCUMENT_INPUT: "Nội dung văn bản kết quả không hợp lệ",
  // After the retry horizon (sign-result.ts): the official may decide again once the service is back.
  TIMESTAMP_FAILED: "Không lấy được dấu thời gian từ tổ chức cung cấp dịch vụ cấp dấu thời gian",
  EXTERNAL_SIGNER_FAILED: "Không kết nối được với hệ thống ký số của cán bộ",
};

/**
 * "[CODE] lý do": the stable code for programs, the reason in Vietnamese for
 * people; never the error's message, which may name a field's content.
 * Anything but a SigningError is a defect: "[INTERNAL]".
 */
export function failureReason(error: unknown): string {
  const code = error instanceof SigningError ? error.code : "INTERNAL";
  const reason = error instanceof SigningError ? FAILURE_VI[error.code] : undefined;
  return `[${code}] ${reason ?? "Không ký được văn bản kết quả"}`;
}
