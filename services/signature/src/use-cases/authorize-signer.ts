import { officialIdOf, checkSignerCertificate } from "../pki/signer-check";
import { SigningError } from "../pki/errors";
import type { SignerCredential } from "../pki/signing-key";
import type { SignaturePorts } from "./ports";
import type { SignerDirectory } from "./signer-directory";

/** The competent authority a signature is made for (routing's Agency). */
export interface CompetentAuthority {
  code: string;
  name: string;
}

/**
 * The authorization rules' answer for a decision's result: which official
 * signs for which authority (its leader, a deputy by delegation). The
 * signing core asks it before touching a key.
 */
export interface SigningAuthorization {
  allows(officialId: string, authority: CompetentAuthority): boolean | Promise<boolean>;
}

/**
 * The signer directory decides: an official signs results for the
 * authorities their key is declared for (officials.json beside operators'
 * keys, SIGNATURE_P12_AUTHORITY_CODES, the test PKI's sample leaders). A key
 * declared for no authority signs no decision's result.
 */
export function directoryLeaders(signers: SignerDirectory): SigningAuthorization {
  return {
    allows: (officialId, authority) =>
      signers.credential(officialId)?.authorityCodes?.includes(authority.code) === true,
  };
}

export interface SignerRequest {
  /** The official's identity, from the caller (a verified token or the decision event), never from a document. */
  officialId: string;
  /** The authority the document is issued for. */
  competentAuthority: CompetentAuthority;
  /**
   * What vouches that the official signs for the authority: for a
   * decision's result and an apology, the authorization rules; for a document an official
   * brings, their token (its role and units, checked in tenancy.ts); for the desk's slips,
   * routing, which checked the token of the official who performed the action (issue-slip.ts).
   */
  vouchedBy: "authorization_rules" | "token" | "routing_action";
}

/**
 * The one gate before every signature: the official has a key here, the
 * authorization rules let them sign a result for the authority, the
 * certificate is theirs and issued for that authority, and the certificate
 * checks of Circular 15/2025 pass (validity, key usage, chain, revocation).
 * Throws a SigningError with a stable code; returns the credential to sign with.
 */
export async function authorizeSigner(ports: SignaturePorts, request: SignerRequest): Promise<SignerCredential> {
  const credential = ports.signers.credential(request.officialId);
  if (credential === undefined) {
    throw new SigningError("UNKNOWN_SIGNER", "the official has no signing certificate here");
  }
  const authority = request.competentAuthority;
  if (!authority.code) {
    throw new SigningError("SIGNER_NOT_AUTHORIZED", "no competent authority is named to sign for");
  }
  if (
    request.vouchedBy === "authorization_rules" &&
    !(await ports.authorization.allows(request.officialId, authority))
  ) {
    throw new SigningError(
      "SIGNER_NOT_AUTHORIZED",
      "the official may not sign for the competent authority of this dossier",
    );
  }
  assertCertificateMatches(credential, request);
  if (request.vouchedBy === "routing_action") assertDeclaredFor(credential, authority);
  await checkSignerCertificate(credential, ports.trust, ports.now());
  return credential;
}

/**
 * A desk slip is vouched for by routing's record of who acted, which names the unit but not the key's: the key
 * itself must be declared for that unit (its units or authorities). A key declaring none would otherwise sign a
 * slip in the name of any unit an event names.
 */
function assertDeclaredFor(credential: SignerCredential, authority: CompetentAuthority): void {
  const declared = [...(credential.unitCodes ?? []), ...(credential.authorityCodes ?? [])];
  if (!declared.includes(authority.code)) {
    throw new SigningError(
      "SIGNER_NOT_AUTHORIZED",
      "the official's key is not declared for the unit issuing this slip",
    );
  }
}

/** The certificate held for the official names that official, and (when the key source says) that authority. */
export function assertCertificateMatches(
  credential: SignerCredential,
  request: Pick<SignerRequest, "officialId"> & { competentAuthority?: CompetentAuthority },
): void {
  const named = officialIdOf(credential.certificate);
  if (credential.officialId !== request.officialId || (named !== undefined && named !== request.officialId)) {
    throw new SigningError("SIGNER_NOT_AUTHORIZED", "the certificate held for this official names another person");
  }
  const code = request.competentAuthority?.code;
  if (code && credential.authorityCodes !== undefined && !credential.authorityCodes.includes(code)) {
    throw new SigningError(
      "SIGNER_NOT_AUTHORIZED",
      "the official's certificate is not issued for this competent authority",
    );
  }
}
