import { verifyPdf } from "../pdf/verify";
import type { VerificationReport } from "../verification/report";
import type { SignaturePorts } from "./ports";

/** Verifies every signature of a PDF against the configured anchors; bad input gives a report with the reason, not an error. */
export async function verifyDocument(ports: SignaturePorts, pdf: Uint8Array): Promise<VerificationReport> {
  return verifyPdf(pdf, { ...ports.trust, now: () => ports.now() });
}
