import { PADES_LEVELS, type PadesLevel, type PadesOptions } from "../pdf/pades";
import { SigningError, type SigningErrorCode } from "../pki/errors";
import type { SignaturePorts } from "./ports";

/** The level asked for, else the configured one; a level the setup cannot reach is refused before any key is used. */
export function levelOf(ports: SignaturePorts, requested: string | undefined): PadesLevel {
  const level = requested ? PADES_LEVELS.find((candidate) => candidate === requested) : ports.defaultLevel;
  if (level === undefined)
    throw new SigningError("INVALID_DOCUMENT_INPUT", `level must be one of ${PADES_LEVELS.join(", ")}`);
  if (level !== "B-B" && ports.timestampAuthority === undefined) {
    throw new SigningError("TIMESTAMP_FAILED", `level ${level} needs a time-stamping authority (SIGNATURE_TSA_URL)`);
  }
  return level;
}

export function padesOptions(
  ports: SignaturePorts,
  level: PadesLevel,
  fields: Pick<PadesOptions, "reason" | "location" | "signedAt" | "slot" | "heading">,
): PadesOptions {
  return {
    ...fields,
    level,
    ...(ports.timestampAuthority ? { timestampAuthority: ports.timestampAuthority } : {}),
    revocation: ports.trust.revocation,
  };
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
};

/** "[CODE] lý do": the stable code for programs, the reason in Vietnamese for people. */
export function failureReason(error: SigningError): string {
  return `[${error.code}] ${FAILURE_VI[error.code] ?? "Không ký được văn bản kết quả"}`;
}
