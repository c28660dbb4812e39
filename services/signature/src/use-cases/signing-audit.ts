import { createHash } from "node:crypto";
import type * as pkijs from "pkijs";
import { toX509 } from "../pki/certificates";
import { formatDistinguishedName } from "../pki/distinguished-name";
import type { CompetentAuthority } from "./authorize-signer";
import type { AuditEntry } from "./ports";

/** What a signing names in the audit log: ids and the document's hash only. */
export interface SignedThing {
  /** The stored document's id (PDFs); none for a CAdES signature, which is not kept. */
  documentId?: string;
  /** SHA-256 (hex) of the signed document, or of the file a CAdES signature covers; of the input when refused. */
  sha256: string;
  authority: CompetentAuthority;
  /** A decision's result: the dossier and the signature request. */
  dossierId?: string;
  requestId?: string;
  /** The certificate signed with; when refused, the one held for the official, if any. */
  certificate?: pkijs.Certificate;
}

/**
 * `document:<id> sha256:<hex> authority:<code> dossier:<id> request:<id>
 * certificate:<hex> serial:<hex> issuer:<name>`, the parts that apply.
 * The certificate is named by the SHA-256 of its DER, its serial number and
 * its issuer (RFC 4514 order, as signerSubject), never by its subject: a
 * public-duty certificate's subject holds the official's own name, and the
 * entry already names the official by staff id. The issuer, a CA's name with
 * spaces in it, comes last and runs to the end of the target.
 */
export function signingTarget(thing: SignedThing): string {
  const x509 = thing.certificate && toX509(thing.certificate);
  const parts: [string, string | undefined][] = [
    ["document", thing.documentId],
    ["sha256", thing.sha256],
    ["authority", thing.authority.code],
    ["dossier", thing.dossierId],
    ["request", thing.requestId],
    ["certificate", x509 && sha256Hex(x509.raw)],
    ["serial", x509?.serialNumber.toLowerCase()],
    ["issuer", x509 && formatDistinguishedName(x509.issuer)],
  ];
  return parts.flatMap(([name, value]) => (value ? [`${name}:${value}`] : [])).join(" ");
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Why a signing was refused, for the audit log: the platform's or the signing core's stable code. */
export function refusalReason(error: unknown): string {
  const reason = (error as { reason?: unknown } | null)?.reason;
  return typeof reason === "string" ? reason : "INTERNAL";
}

export type SigningAction = "sign_document" | "sign_file" | "sign_result" | "issue_slip";

export function signingEntry(
  action: SigningAction,
  who: Pick<AuditEntry, "clientId" | "officialId">,
  thing: SignedThing,
  refusal?: unknown,
): AuditEntry {
  return {
    action,
    outcome: refusal === undefined ? "done" : "refused",
    target: signingTarget(thing),
    ...who,
    ...(refusal !== undefined && { reason: refusalReason(refusal) }),
  };
}
