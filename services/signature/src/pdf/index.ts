export {
  completePdfSignature,
  PADES_LEVELS,
  preparePdfSignature,
  renderAndSignResult,
  renderAndSignSlip,
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
} from "./result-document";
export type { SignatureSlot } from "./layout";
export { draftSlipDocument, renderSlipDocument, SLIP_FORMS, type SlipInput, type SlipKind } from "./slip-document";
export { verifyPdf } from "./verify";
export { runSigningJob, type SigningJob } from "./signing-job";
