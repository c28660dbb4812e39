export {
  completePdfSignature,
  PADES_LEVELS,
  preparePdfSignature,
  renderAndSignResult,
  signPdf,
  type PadesLevel,
  type PadesOptions,
  type PadesSigner,
  type PreparedPdfSignature,
} from "./pades";
export {
  draftResultDocument,
  OUTCOME_APPROVED,
  OUTCOME_REJECTED,
  renderResultDocument,
  type ResultDocumentInput,
  type SignatureSlot,
} from "./result-document";
export { verifyPdf } from "./verify";
export { runSigningJob, type SigningJob } from "./signing-job";
