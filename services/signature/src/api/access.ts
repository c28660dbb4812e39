import type { Access } from "@lienthong/service-host";

/**
 * What signature's endpoints ask of their callers, REST and gRPC alike.
 * Which document a caller may read and which authority an official may sign
 * for are decided per resource in use-cases/tenancy.ts. One endpoint is
 * public: a decision's result for the holder of a link intake signed (README,
 * "Who may call what").
 */

/**
 * Verifying a signed PDF or a CAdES signature: a commune system or the
 * portal, by its API key. Not public: verification parses untrusted files of
 * up to 20 MB and checks every signature, and only clients are metered by the
 * per-client rate limit; citizens and third parties verify through the
 * portal, or offline, since every document carries its chain.
 */
export const VERIFY = { client: true } as const satisfies Access;

/**
 * Signing a PDF or any file an official brings, with the official's own key:
 * a commune system forwarding the token of a document signer or a leader.
 * The signer is the token's subject, never a request field.
 */
export const SIGN = { official: ["document_signer", "leader"] } as const satisfies Access;

/** A signed document: a commune system (with or without its official) of the dossier's receiving unit or competent authority. */
export const READ_DOCUMENT = { client: true } as const satisfies Access;

/**
 * A dossier's desk slips (list and download): as a signed document — the
 * desk's commune system, with or without the official who prints them; which
 * dossier is the caller's is decided in use-cases/list-slips.ts.
 */
export const READ_SLIPS = READ_DOCUMENT;

/**
 * A decision's result for whoever holds the link intake handed its applicant
 * after checking the second factor: the link is the credential
 * (use-cases/public-download.ts, docs/decisions.md §23).
 */
export const PUBLIC_DOWNLOAD = {
  public: "a signed link from the applicant's status lookup (second factor checked by intake); expires in minutes",
} as const satisfies Access;
