import { type FieldViolation, invalidArgument } from "@lienthong/errors";
import { callerIds } from "@lienthong/service-host";
import { signDetached, verifyDetached } from "../cades/detached";
import type { SignerCredential } from "../pki/signing-key";
import type { VerificationReport } from "../verification/report";
import { authorizeSigner } from "./authorize-signer";
import type { SignaturePorts } from "./ports";
import { toSigningServiceError } from "./service-errors";
import { sha256Hex, signingEntry, type SignedThing } from "./signing-audit";
import { MAX_FILE_BYTES } from "./limits";
import { levelOf } from "./signing-options";
import { signingAuthority, type SigningCaller } from "./tenancy";

/**
 * A detached CAdES signature (.p7s, DER) over any file — attachments, XML,
 * office documents — with the key of the official whose token the call
 * carries. Nothing is kept but the audit entry naming the file's hash.
 */
export async function signFile(
  ports: SignaturePorts,
  caller: SigningCaller,
  input: { content: Uint8Array; level?: string; competentAuthorityCode?: string },
): Promise<Buffer> {
  const violations: FieldViolation[] = [];
  if (input.content.length === 0) violations.push({ field: "content", reason: "is required" });
  else if (input.content.length > MAX_FILE_BYTES)
    violations.push({ field: "content", reason: `must be at most ${MAX_FILE_BYTES} bytes` });
  if (violations.length > 0) throw invalidArgument(violations);

  const authority = signingAuthority(ports, caller, "sign_file", input.competentAuthorityCode ?? "");
  const signed: SignedThing = { sha256: sha256Hex(input.content), authority };
  const who = callerIds(caller);
  let signature: Buffer;
  let credential: SignerCredential;
  try {
    const level = levelOf(ports, input.level);
    credential = await authorizeSigner(ports, {
      officialId: caller.official.subject,
      competentAuthority: authority,
      vouchedBy: "token",
    });
    signature = await signDetached(input.content, credential, {
      level,
      ...(ports.timestampAuthority ? { timestampAuthority: ports.timestampAuthority } : {}),
      revocation: ports.trust.revocation,
      at: ports.now(),
    });
  } catch (error) {
    const refusal = toSigningServiceError(error);
    const held = ports.signers.credential(caller.official.subject)?.certificate;
    ports.audit.decided(signingEntry("sign_file", who, { ...signed, certificate: held }, refusal));
    throw refusal;
  }
  // Committed before the signature is handed out: no signature leaves without its entry.
  await ports.commit([
    ports.audit.record(signingEntry("sign_file", who, { ...signed, certificate: credential.certificate })),
  ]);
  return signature;
}

/** Verifies a detached CAdES signature over a file, with the same report as a PDF. */
export async function verifyFileSignature(
  ports: SignaturePorts,
  input: { content: Uint8Array; signature: Uint8Array },
): Promise<VerificationReport> {
  if (input.signature.length === 0) throw invalidArgument([{ field: "signature", reason: "is required" }]);
  if (input.content.length > MAX_FILE_BYTES)
    throw invalidArgument([{ field: "content", reason: `must be at most ${MAX_FILE_BYTES} bytes` }]);
  return verifyDetached(input.signature, input.content, { ...ports.trust, now: () => ports.now() });
}
