export { OUTCOME_APPROVED, OUTCOME_REJECTED, renderResultDocument, type ResultDocumentInput } from "./result-document";
export { signPdf, type SignPdfOptions } from "./sign";
export { verifyPdf, type VerificationFailure, type VerificationReport } from "./verify";
export { formatVietnameseDate, formatVietnameseDateTime, VIETNAM_TIME_ZONE } from "./vietnamese-date";
