import { invalidArgument } from "@lienthong/errors";
import { verifyPdf } from "../pdf/verify";
import type { VerificationReport } from "../verification/report";
import { MAX_PDF_BYTES } from "./limits";
import type { SignaturePorts } from "./ports";

/** Verifies every signature of a PDF against the configured anchors; bad input gives a report with the reason, not an error. */
export async function verifyDocument(ports: SignaturePorts, pdf: Uint8Array): Promise<VerificationReport> {
  if (pdf.length > MAX_PDF_BYTES)
    throw invalidArgument([{ field: "pdf", reason: `must be at most ${MAX_PDF_BYTES} bytes` }]);
  return verifyPdf(pdf, { ...ports.trust, now: () => ports.now() });
}
