import { vietnameseDateTime } from "@lienthong/domain";
import { formatIsoVietnam } from "../documents/vietnamese-date";

/** ETSI EN 319 102-1 main indications. */
export type Indication = "TOTAL_PASSED" | "INDETERMINATE" | "TOTAL_FAILED";

/** Why a signature did not pass, for programs; the messages say it for people. */
export type VerificationReason =
  | "NOT_SIGNED"
  | "FORMAT_FAILURE"
  | "HASH_FAILURE"
  | "SIG_CRYPTO_FAILURE"
  | "CHANGED_AFTER_SIGNING"
  | "REVOKED"
  | "SIGNING_CERTIFICATE_MISMATCH"
  | "WEAK_ALGORITHM"
  | "NO_CERTIFICATE_CHAIN_FOUND"
  | "KEY_USAGE_NOT_ALLOWED"
  | "OUT_OF_BOUNDS"
  | "REVOKED_NO_POE"
  | "TIMESTAMP_INVALID"
  | "REVOCATION_UNKNOWN";

/** Each reason's indication, most severe first: a signature is reported with its first reason in this order. */
export const REASONS: readonly [VerificationReason, Indication][] = [
  ["NOT_SIGNED", "TOTAL_FAILED"],
  ["FORMAT_FAILURE", "INDETERMINATE"],
  ["HASH_FAILURE", "TOTAL_FAILED"],
  ["SIG_CRYPTO_FAILURE", "TOTAL_FAILED"],
  ["CHANGED_AFTER_SIGNING", "TOTAL_FAILED"],
  ["REVOKED", "TOTAL_FAILED"],
  ["SIGNING_CERTIFICATE_MISMATCH", "INDETERMINATE"],
  ["WEAK_ALGORITHM", "INDETERMINATE"],
  ["NO_CERTIFICATE_CHAIN_FOUND", "INDETERMINATE"],
  ["KEY_USAGE_NOT_ALLOWED", "INDETERMINATE"],
  ["OUT_OF_BOUNDS", "INDETERMINATE"],
  ["REVOKED_NO_POE", "INDETERMINATE"],
  ["TIMESTAMP_INVALID", "INDETERMINATE"],
  ["REVOCATION_UNKNOWN", "INDETERMINATE"],
];

export interface CertificateInfo {
  /** Most specific part first ("CN=…, OU=…, O=…, C=VN"). */
  subject: string;
  issuer: string;
  serialNumber: string;
  commonName?: string;
}

/** One signature's verdict. */
export interface SignatureReport {
  /** 1-based, in the order the signatures were made. */
  index: number;
  indication: Indication;
  reason?: VerificationReason;
  /** "ETSI.CAdES.detached", "adbe.pkcs7.detached", or "CAdES" for a detached .p7s. */
  format: string;
  /** PAdES/CAdES baseline level the signature reaches structurally: B-B, B-T, B-LT. */
  level?: "B-B" | "B-T" | "B-LT";
  signer?: CertificateInfo;
  signingTime?: Date;
  /** timestamp: an RFC 3161 token proves it; claimed: the signer's own clock (/M or signing-time). */
  signingTimeSource: "timestamp" | "claimed" | "none";
  algorithm?: string;
  /**
   * RSASSA-PSS or ECDSA, as Circular 15/2025/TT-BKHCN asks of new signatures.
   * Older PKCS#1 v1.5 signatures still verify; this flags them.
   */
  algorithmApproved?: boolean;
  integrity: {
    /** The bytes covered are those signed and the signature value verifies. */
    intact: boolean;
    /** PDF: the signature covers the file up to its end (no later revision). */
    coversWholeDocument?: boolean;
    /** PDF: a later revision changed page content or resources (not only added signatures or validation data). */
    changedAfterSigning?: boolean;
  };
  chain: {
    /** The signer certificate chains to a configured trust anchor. */
    trusted: boolean;
    /** Subjects from the signer up to the anchor. */
    path: string[];
  };
  revocation: { status: "good" | "revoked" | "unknown"; revokedAt?: Date; source?: "document" | "service" };
  timestamp?: { valid: boolean; time?: Date; authority?: string };
  messageVi: string;
  messageEn: string;
}

/** The verdict on a whole document: every signature, and the summary older clients read. */
export interface VerificationReport {
  /** Every signature TOTAL_PASSED. */
  valid: boolean;
  /** No signature's bytes were altered. */
  integrityOk: boolean;
  /** Every signer chains to a trust anchor. */
  chainTrusted: boolean;
  /** Of the last signature. */
  signerSubject?: string;
  issuerSubject?: string;
  signedAt?: Date;
  /** The first reason of the first signature that did not pass. */
  failure?: VerificationReason;
  reportVi: string;
  reportEn: string;
  signatures: SignatureReport[];
}

/** The summary of a document's signatures. */
export function documentReport(signatures: SignatureReport[]): VerificationReport {
  if (signatures.length === 0) {
    return {
      valid: false,
      integrityOk: false,
      chainTrusted: false,
      failure: "NOT_SIGNED",
      reportVi: "Tài liệu không có chữ ký số.",
      reportEn: "The document has no digital signature.",
      signatures,
    };
  }
  const last = signatures[signatures.length - 1];
  const failed = signatures.find((signature) => signature.indication !== "TOTAL_PASSED");
  const many = signatures.length > 1;
  return {
    valid: failed === undefined,
    integrityOk: signatures.every(
      (signature) => signature.integrity.intact && !signature.integrity.changedAfterSigning,
    ),
    chainTrusted: signatures.every((signature) => signature.chain.trusted),
    ...(last?.signer ? { signerSubject: last.signer.subject, issuerSubject: last.signer.issuer } : {}),
    ...(last?.signingTime ? { signedAt: last.signingTime } : {}),
    ...(failed?.reason ? { failure: failed.reason } : {}),
    reportVi: signatures.map((s) => (many ? `Chữ ký ${s.index}: ${s.messageVi}` : s.messageVi)).join(" "),
    reportEn: signatures.map((s) => (many ? `Signature ${s.index}: ${s.messageEn}` : s.messageEn)).join(" "),
    signatures,
  };
}

interface MessageFacts {
  signer: string;
  issuer: string;
  signingTime?: Date;
  revokedAt?: Date;
  outOfBounds?: { name: string; from: Date; to: Date };
}

/** The verdict in Vietnamese and in English; names come from certificates, never from the document's content. */
export function messages(reason: VerificationReason | undefined, facts: MessageFacts): { vi: string; en: string } {
  const at = facts.signingTime;
  const viTime = at ? ` (${vietnameseDateTime(at)})` : "";
  const enTime = at ? ` (${formatIsoVietnam(at)})` : "";
  const intactVi = "Tài liệu không bị thay đổi sau khi ký, nhưng";
  const intactEn = "The document has not changed since it was signed, but";
  switch (reason) {
    case undefined:
      if (facts.revokedAt) {
        return {
          vi:
            `Chữ ký hợp lệ: tài liệu không bị thay đổi sau khi ký; chứng thư số của ${facts.signer} do ${facts.issuer} cấp ` +
            `bị thu hồi${revokedVi(facts)}, sau thời điểm ký${viTime} đã được dấu thời gian chứng minh.`,
          en:
            `Valid signature: the document has not changed since it was signed; the certificate of ${facts.signer}, issued by ` +
            `${facts.issuer}, was revoked${revokedEn(facts)}, after the signing time${enTime} proven by the timestamp.`,
        };
      }
      return {
        vi:
          `Chữ ký hợp lệ: tài liệu không bị thay đổi sau khi ký; chứng thư số của ${facts.signer} do ${facts.issuer} cấp, ` +
          `được tin cậy, chưa bị thu hồi và còn hiệu lực tại thời điểm ký${viTime}.`,
        en:
          `Valid signature: the document has not changed since it was signed; the certificate of ${facts.signer}, issued by ` +
          `${facts.issuer}, is trusted, not revoked and was valid when signing${enTime}.`,
      };
    case "NOT_SIGNED":
      return { vi: "Tài liệu không có chữ ký số.", en: "The document has no digital signature." };
    case "FORMAT_FAILURE":
      return {
        vi: "Không đọc được chữ ký số trong tài liệu: cấu trúc chữ ký bị hỏng.",
        en: "The digital signature cannot be read: its structure is damaged.",
      };
    case "HASH_FAILURE":
      return {
        vi: "Chữ ký không hợp lệ: nội dung tài liệu đã bị thay đổi sau khi ký (giá trị băm không khớp với giá trị đã ký).",
        en: "Invalid signature: the document was changed after it was signed (its digest differs from the signed one).",
      };
    case "SIG_CRYPTO_FAILURE":
      return {
        vi: "Chữ ký không hợp lệ: giá trị chữ ký không khớp với khóa công khai trong chứng thư số của người ký.",
        en: "Invalid signature: the signature value does not match the public key of the signer's certificate.",
      };
    case "CHANGED_AFTER_SIGNING":
      return {
        vi: "Chữ ký không hợp lệ: nội dung trang của tài liệu đã bị sửa trong một lần cập nhật sau khi ký.",
        en: "Invalid signature: the pages of the document were altered by an update made after signing.",
      };
    case "REVOKED":
      return {
        vi: `Chữ ký không hợp lệ: chứng thư số của ${facts.signer} đã bị thu hồi${revokedVi(facts)}, trước thời điểm ký.`,
        en: `Invalid signature: the certificate of ${facts.signer} was revoked${revokedEn(facts)}, before the signing time.`,
      };
    case "REVOKED_NO_POE":
      return {
        vi: `Chưa xác định được: chứng thư số của ${facts.signer} đã bị thu hồi${revokedVi(facts)} và không có dấu thời gian chứng minh chữ ký được tạo trước đó.`,
        en: `Indeterminate: the certificate of ${facts.signer} has been revoked${revokedEn(facts)} and no timestamp proves the signature was made before.`,
      };
    case "SIGNING_CERTIFICATE_MISMATCH":
      return {
        vi: "Chưa xác định được người ký: thuộc tính signing-certificate của chữ ký không khớp với chứng thư số đi kèm.",
        en: "Indeterminate signer: the signature's signing-certificate attribute does not match the certificate it carries.",
      };
    case "WEAK_ALGORITHM":
      return {
        vi: "Chưa xác định được: chữ ký dùng hàm băm không còn được chấp nhận (chỉ chấp nhận SHA-256, SHA-384, SHA-512).",
        en: "Indeterminate: the signature uses a digest no longer accepted (SHA-256, SHA-384 or SHA-512 only).",
      };
    case "NO_CERTIFICATE_CHAIN_FOUND":
      return {
        vi: `${intactVi} chứng thư số của ${facts.signer} do ${facts.issuer} cấp không thuộc tổ chức cung cấp dịch vụ chứng thực được tin cậy.`,
        en: `${intactEn} the certificate of ${facts.signer}, issued by ${facts.issuer}, does not chain to a trusted certification authority.`,
      };
    case "KEY_USAGE_NOT_ALLOWED":
      return {
        vi: `${intactVi} chứng thư số của ${facts.signer} không được phép dùng để ký số.`,
        en: `${intactEn} the certificate of ${facts.signer} is not allowed to make digital signatures.`,
      };
    case "OUT_OF_BOUNDS": {
      const cert = facts.outOfBounds;
      return {
        vi:
          `${intactVi} chứng thư số của ${cert?.name ?? facts.signer} không có hiệu lực tại thời điểm ký${viTime}` +
          (cert ? `; hiệu lực từ ${vietnameseDateTime(cert.from)} đến ${vietnameseDateTime(cert.to)}.` : "."),
        en:
          `${intactEn} the certificate of ${cert?.name ?? facts.signer} was not valid at the signing time${enTime}` +
          (cert ? `; it is valid from ${formatIsoVietnam(cert.from)} to ${formatIsoVietnam(cert.to)}.` : "."),
      };
    }
    case "TIMESTAMP_INVALID":
      return {
        vi: `${intactVi} dấu thời gian đi kèm chữ ký không hợp lệ hoặc không do đơn vị cấp dấu thời gian được tin cậy cấp.`,
        en: `${intactEn} its timestamp is invalid or not issued by a trusted time-stamping authority.`,
      };
    case "REVOCATION_UNKNOWN":
      return {
        vi: `${intactVi} chưa xác định được tình trạng thu hồi của chứng thư số của ${facts.signer}; hãy kiểm tra lại sau.`,
        en: `${intactEn} the revocation status of the certificate of ${facts.signer} cannot be established; try again later.`,
      };
  }
}

function revokedVi(facts: MessageFacts): string {
  return facts.revokedAt ? ` từ ${vietnameseDateTime(facts.revokedAt)}` : "";
}

function revokedEn(facts: MessageFacts): string {
  return facts.revokedAt ? ` on ${formatIsoVietnam(facts.revokedAt)}` : "";
}
