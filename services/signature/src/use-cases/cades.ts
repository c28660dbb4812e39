import { type FieldViolation, invalidArgument } from "@lienthong/errors";
import { signDetached, verifyDetached } from "../cades/detached";
import type { VerificationReport } from "../verification/report";
import { authorizeSigner } from "./authorize-signer";
import type { SignaturePorts } from "./ports";
import { toSigningServiceError } from "./service-errors";
import { levelOf } from "./signing-options";

const MAX_FILE_BYTES = 50 * 1024 * 1024;

/** A detached CAdES signature (.p7s, DER) over any file: attachments, XML, office documents. */
export async function signFile(
  ports: SignaturePorts,
  input: { content: Uint8Array; signerId: string; level?: string },
): Promise<Buffer> {
  const violations: FieldViolation[] = [];
  if (input.content.length === 0) violations.push({ field: "content", reason: "is required" });
  else if (input.content.length > MAX_FILE_BYTES)
    violations.push({ field: "content", reason: `must be at most ${MAX_FILE_BYTES} bytes` });
  if (!input.signerId) violations.push({ field: "signerId", reason: "is required" });
  if (violations.length > 0) throw invalidArgument(violations);
  try {
    const level = levelOf(ports, input.level);
    const credential = await authorizeSigner(ports, { officialId: input.signerId });
    return await signDetached(input.content, credential, {
      level,
      ...(ports.timestampAuthority ? { timestampAuthority: ports.timestampAuthority } : {}),
      revocation: ports.trust.revocation,
      at: ports.now(),
    });
  } catch (error) {
    throw toSigningServiceError(error);
  }
}

/** Verifies a detached CAdES signature over a file, with the same report as a PDF. */
export async function verifyFileSignature(
  ports: SignaturePorts,
  input: { content: Uint8Array; signature: Uint8Array },
): Promise<VerificationReport> {
  if (input.signature.length === 0) throw invalidArgument([{ field: "signature", reason: "is required" }]);
  return verifyDetached(input.signature, input.content, { ...ports.trust, now: () => ports.now() });
}
