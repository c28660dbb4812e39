import { createHmac, timingSafeEqual } from "node:crypto";
import { PlatformError, invalidArgument, type FieldViolation } from "@lienthong/errors";
import { isPlatformId } from "./audit/audit-targets";

/**
 * Signed, short-lived links to a dossier's signed result, for its applicant
 * (docs/decisions.md §23). intake makes one when the public status lookup's
 * second factor matches; signature serves the document to whoever presents
 * it before it expires. Like a presigned URL, the link is the capability:
 * the two services share a secret (PUBLIC_LINK_SECRET) and nothing else — no
 * call between them, and signature never learns who the applicant is.
 *
 * The signature is HMAC-SHA256 over a canonical string: a purpose prefix, so
 * that a MAC made with the same key for anything else never passes for a
 * link, then the document id and the expiry, one a line. Both have fixed
 * shapes without a newline (a UUID, decimal digits), so two different links
 * never share a canonical string.
 */

/** Where signature serves documents to a link's holder. */
export const PUBLIC_DOCUMENTS_PATH = "/v1/public/documents";
/** How long a link stays valid after the lookup that made it. */
export const PUBLIC_LINK_TTL_SECONDS = 10 * 60;
const PURPOSE = "lienthong.public-document-link.v1";
/** Unix seconds, decimal. */
const EXPIRES_SHAPE = /^\d{1,12}$/;
/** An HMAC-SHA256 in base64url without padding: 43 characters. */
const SIGNATURE_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** The keys of links: the current one signs and verifies; during a rotation the previous one still verifies. */
export interface PublicLinkSecrets {
  current: string;
  previous?: string;
}

export interface PublicDocumentLink {
  /** `/v1/public/documents/{documentId}?expires=…&signature=…`, on signature's REST API. */
  path: string;
  expiresAt: Date;
}

/** A link as a request presents it: the path's document id, the query's `expires` and `signature` as parsed. */
export interface PresentedLink {
  documentId: string;
  expires: unknown;
  signature: unknown;
}

function signatureOf(secret: string, documentId: string, expires: string): string {
  return createHmac("sha256", secret).update(`${PURPOSE}\n${documentId}\n${expires}`).digest("base64url");
}

/** A link to the document valid for PUBLIC_LINK_TTL_SECONDS from `now`, signed with the current secret. */
export function signPublicDocumentLink(secrets: PublicLinkSecrets, documentId: string, now: Date): PublicDocumentLink {
  if (!isPlatformId(documentId)) throw new Error("a public link names a signed document by its id (a UUID)");
  const expires = String(Math.floor(now.getTime() / 1000) + PUBLIC_LINK_TTL_SECONDS);
  const signature = signatureOf(secrets.current, documentId, expires);
  return {
    path: `${PUBLIC_DOCUMENTS_PATH}/${documentId}?expires=${expires}&signature=${signature}`,
    expiresAt: new Date(Number(expires) * 1000),
  };
}

/**
 * The document id a presented link grants. Refusals, in this order:
 * INVALID_ARGUMENT naming each malformed part (`documentId`, `expires`,
 * `signature`); PERMISSION_DENIED `LINK_SIGNATURE_INVALID` when neither
 * secret signed it (an altered id or expiry, another secret);
 * PERMISSION_DENIED `LINK_EXPIRED` for a genuine link past its time. Nothing
 * is looked up before, so no refusal tells whether the document exists.
 */
export function verifyPublicDocumentLink(secrets: PublicLinkSecrets, link: PresentedLink, now: Date): string {
  const { documentId, expires, signature } = link;
  const violations: FieldViolation[] = [];
  if (!isPlatformId(documentId)) violations.push({ field: "documentId", reason: "is not a document id" });
  if (typeof expires !== "string" || !EXPIRES_SHAPE.test(expires))
    violations.push({ field: "expires", reason: "must be one time in Unix seconds" });
  if (typeof signature !== "string" || !SIGNATURE_SHAPE.test(signature))
    violations.push({ field: "signature", reason: "must be one HMAC-SHA256 in base64url (43 characters)" });
  if (violations.length > 0 || typeof expires !== "string" || typeof signature !== "string") {
    throw invalidArgument(violations, "The link is malformed: look the dossier up again for a new one");
  }
  // Every secret is compared, in constant time, whatever matched: no hint of which one signed it.
  const presented = Buffer.from(signature);
  const signedBy = [secrets.current, secrets.previous]
    .filter((secret): secret is string => secret !== undefined)
    .map((secret) => timingSafeEqual(Buffer.from(signatureOf(secret, documentId, expires)), presented));
  if (!signedBy.includes(true)) {
    throw new PlatformError("PERMISSION_DENIED", "The link's signature is not valid", {
      reason: "LINK_SIGNATURE_INVALID",
    });
  }
  if (Number(expires) * 1000 <= now.getTime()) {
    throw new PlatformError("PERMISSION_DENIED", "The link has expired: look the dossier up again for a new one", {
      reason: "LINK_EXPIRED",
    });
  }
  return documentId;
}
