import { verifyPdf } from "../documents";
import type { SignaturePorts } from "./ports";

/** Verifies any signed PDF against the CAs this service trusts; bad input gives an invalid report, not an error. */
export async function verifyDocument(ports: SignaturePorts, pdf: Uint8Array) {
  return verifyPdf(pdf, ports.trustedCaPems);
}
