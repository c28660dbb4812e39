import { ROLES, isRole, type Role } from "@lienthong/domain";
import { PlatformError, permissionDenied, unauthenticated } from "@lienthong/errors";
import type { Caller, ClientIdentity, OfficialIdentity } from "./caller";

/**
 * What an endpoint asks of its caller, declared next to it (REST route or
 * gRPC method) so that no endpoint exists without one:
 * - public: anyone (the reason is documented, e.g. the citizen's status lookup);
 * - client: a commune system or the portal, by its API key;
 * - official: a client forwarding the token of an official with one of the roles;
 * - staff: an official's token alone, with one of the roles (operators, auditors).
 */
export type Access = { public: string } | { client: true } | { official: readonly Role[] } | { staff: readonly Role[] };

/** A caller that satisfied its endpoint's access: what the endpoint may rely on being present. */
export type Authorized<A extends Access> = A extends { client: true }
  ? { client: ClientIdentity; official?: OfficialIdentity }
  : A extends { official: readonly Role[] }
    ? { client: ClientIdentity; official: OfficialIdentity }
    : A extends { staff: readonly Role[] }
      ? { client?: ClientIdentity; official: OfficialIdentity }
      : Caller;

export const CLIENT_KEY_HEADER = "x-api-key";
export const AUTHORIZATION_HEADER = "authorization";

/**
 * Refuses, at registration, an endpoint whose access is missing or cannot be
 * met: one kind only, a public endpoint says why, an official's or staff
 * endpoint names at least one known role. A programming error (plain Error):
 * the service does not start rather than serve an endpoint nobody decided on.
 */
export function assertDeclaredAccess(access: unknown, endpoint: string): asserts access is Access {
  const refuse = (why: string): never => {
    throw new Error(`${endpoint}: ${why}`);
  };
  if (typeof access !== "object" || access === null) refuse("no access declared (public, client, official or staff)");
  const kinds = Object.keys(access as object);
  if (kinds.length !== 1)
    refuse(`access must be exactly one of public, client, official, staff (got ${kinds.join(", ") || "none"})`);
  const declared = access as Record<string, unknown>;
  if ("public" in declared) {
    if (typeof declared.public !== "string" || declared.public.trim() === "")
      refuse("a public endpoint must say why it is public");
  } else if ("client" in declared) {
    if (declared.client !== true) refuse("client access is declared as { client: true }");
  } else if ("official" in declared || "staff" in declared) {
    const roles = declared.official ?? declared.staff;
    if (!Array.isArray(roles) || roles.length === 0)
      refuse("an official's or staff endpoint must name at least one role");
    const unknown = (roles as unknown[]).filter((role) => !isRole(role));
    if (unknown.length > 0) refuse(`unknown role ${unknown.map(String).join(", ")}`);
  } else refuse(`unknown access kind "${kinds[0]}"`);
}

/**
 * Decides whether an authenticated caller may use an endpoint: 401 for what
 * is missing, 403 naming the role that is missing. Resource-level checks
 * (which dossiers) stay with the use cases, which answer other tenants 404.
 */
export function authorize<A extends Access>(access: A, caller: Caller): Authorized<A> {
  if ("public" in access) return caller as Authorized<A>;
  if ("client" in access || "official" in access) {
    if (!caller.client) throw unauthenticated(`A valid API key is required in the ${CLIENT_KEY_HEADER} header`);
  }
  if ("official" in access || "staff" in access) {
    const roles = "official" in access ? access.official : access.staff;
    if (!caller.official) {
      throw unauthenticated(`A valid official's token is required in the ${AUTHORIZATION_HEADER} header (Bearer)`);
    }
    assertAnyRole(caller.official, roles);
  }
  if ("official" in access && caller.client && caller.official) assertSameTenancy(caller.client, caller.official);
  return caller as Authorized<A>;
}

/** 403 unless the official has one of the roles, naming them. */
export function assertAnyRole(official: OfficialIdentity, roles: readonly Role[]): void {
  if (roles.some((role) => official.roles.has(role))) return;
  throw permissionDenied(
    `This needs the role ${roles.map((role) => `"${role}" (${ROLES[role]})`).join(" or ")}, which the official's token does not carry`,
    { missingRole: roles.length === 1 ? roles[0] : roles },
  );
}

/** A commune system forwards only its own officials: one of the official's units must be one the client acts for. */
function assertSameTenancy(client: ClientIdentity, official: OfficialIdentity): void {
  for (const unit of official.unitCodes) if (client.unitCodes.has(unit)) return;
  throw new PlatformError("PERMISSION_DENIED", "The official does not belong to a unit this client acts for", {
    reason: "OFFICIAL_OF_ANOTHER_CLIENT",
  });
}
