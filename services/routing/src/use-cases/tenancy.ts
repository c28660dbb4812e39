import { actorOf, rolesFor, ruleFor, type DossierAction, type Role } from "@lienthong/domain";
import { PlatformError, notFound } from "@lienthong/errors";
import {
  assertAnyRole,
  callerIds,
  dossierTarget,
  findDossier,
  unitTarget,
  type Caller,
  type OfficialIdentity,
} from "@lienthong/service-host";
import type { Versioned } from "@lienthong/storage";
import { assignments, type AssignmentRecord } from "../store/collections";
import type { RoutingPorts } from "./ports";

/**
 * Who may reach which dossier, queue and unit: routing's one place for
 * tenancy (docs/decisions.md §10) and for the workflow's rule of who takes
 * which action where. The transports only ask for a caller of the right kind
 * (api/access.ts); everything that depends on the resource is decided here,
 * and every decision is one audit entry with ids only.
 *
 * A caller may present two identities: the commune system (client) and the
 * official it forwards. Each identity presented must reach the resource: the
 * system acts for the unit, and the official reads or acts as themself.
 */

type Identity = NonNullable<Caller["client"] | Caller["official"]>;

/** A caller taking an action: always an official's token, usually forwarded by a commune system. */
export interface ActingCaller extends Caller {
  official: OfficialIdentity;
}

function identitiesOf(caller: Caller): Identity[] {
  return [caller.client, caller.official].filter((identity): identity is Identity => identity !== undefined);
}

/** Whether every identity the caller presented belongs to a unit that `covers` the resource. */
function everyIdentityIn(caller: Caller, covers: (unitCode: string) => boolean): boolean {
  const identities = identitiesOf(caller);
  return identities.length > 0 && identities.every((identity) => [...identity.unitCodes].some(covers));
}

/** The dossier's tenants: its receiving unit and, once accepted, its competent authority. */
function tenantsOf(dossier: AssignmentRecord): string[] {
  return dossier.competentAuthority
    ? [dossier.receivingUnitCode, dossier.competentAuthority.code]
    : [dossier.receivingUnitCode];
}

/**
 * The unit where an action is taken. Before acceptance a dossier has no
 * competent authority and is held by its receiving unit: its officials are
 * then told by the workflow that the action is not allowed yet (409), which
 * every competent-authority action is before acceptance.
 */
function unitTakingAction(ports: RoutingPorts, dossier: AssignmentRecord, action: DossierAction): string {
  return actorOf(action, dossier.state, ports.practice).at === "receiving_unit"
    ? dossier.receivingUnitCode
    : (dossier.competentAuthority?.code ?? dossier.receivingUnitCode);
}

/**
 * A dossier the caller may read: a commune system (and the official it
 * forwards) of its receiving unit or its competent authority. Any other
 * dossier answers exactly like a missing one.
 */
export async function readableDossier(
  ports: RoutingPorts,
  caller: Caller,
  dossierRef: string,
): Promise<Versioned<AssignmentRecord>> {
  const found = await findDossier(ports.store, assignments, dossierRef);
  const tenants = found ? tenantsOf(found.data) : [];
  const outcome = !found
    ? "not_found"
    : everyIdentityIn(caller, (unit) => tenants.includes(unit))
      ? "allowed"
      : "denied";
  ports.audit.decided({
    action: "read_assignment",
    outcome,
    target: found?.data.dossierId ?? dossierTarget(dossierRef),
    ...callerIds(caller),
  });
  if (!found || outcome !== "allowed") throw notFound("dossier", dossierRef);
  return found;
}

/**
 * A dossier as province IT reads it (the operations console): an operator of
 * the province one of its tenants belongs to. Any other dossier answers
 * exactly like a missing one.
 */
export async function dossierForOperator(
  ports: RoutingPorts,
  operator: OfficialIdentity,
  dossierRef: string,
): Promise<Versioned<AssignmentRecord>> {
  const found = await findDossier(ports.store, assignments, dossierRef);
  const provinces = found ? tenantsOf(found.data).map((unit) => ports.units.provinceOf(unit)) : [];
  const outcome = !found
    ? "not_found"
    : provinces.some((province) => province !== undefined && operator.unitCodes.has(province))
      ? "allowed"
      : "denied";
  ports.audit.decided({
    action: "read_assignment_as_operator",
    outcome,
    target: found?.data.dossierId ?? dossierTarget(dossierRef),
    officialId: operator.subject,
  });
  if (!found || outcome !== "allowed") throw notFound("dossier", dossierRef);
  return found;
}

/**
 * A dossier an official may take `action` on. First the role the workflow
 * table asks for the action (403 naming it, whatever the dossier, so it
 * reveals nothing), then the unit: an official of the receiving unit for the
 * intake check and the hand-over, of the competent authority for everything
 * in between. Any other official is another tenant: 404, exactly like a
 * missing dossier. This is also what makes the leader who decides, and so
 * the signer the signature request names, one of the competent authority.
 */
export async function dossierForAction(
  ports: RoutingPorts,
  caller: ActingCaller,
  action: DossierAction,
  dossierRef: string,
): Promise<Versioned<AssignmentRecord>> {
  const { official } = caller;
  const assertRoles = (roles: readonly Role[], target: string) => {
    try {
      assertAnyRole(official, roles);
    } catch (error) {
      ports.audit.decided({ action, outcome: "denied", target, reason: "MISSING_ROLE", ...callerIds(caller) });
      throw error;
    }
  };
  assertRoles(rolesFor(action, ports.practice), dossierTarget(dossierRef));
  const found = await findDossier(ports.store, assignments, dossierRef);
  const outcome = !found
    ? "not_found"
    : official.unitCodes.has(unitTakingAction(ports, found.data, action))
      ? "allowed"
      : "denied";
  ports.audit.decided({
    action,
    outcome,
    target: found?.data.dossierId ?? dossierTarget(dossierRef),
    ...callerIds(caller),
  });
  if (!found || outcome !== "allowed") throw notFound("dossier", dossierRef);
  // A practice may give an action to other roles from other states (a supplement asked at the counter before
  // acceptance): the roles of the rule that applies now, told only to a tenant. No rule: the workflow's 409.
  const rule = ruleFor(action, found.data.state, ports.practice);
  if (rule) assertRoles(rule.actor.roles, found.data.dossierId);
  return found;
}

/**
 * An agency's queue is read only on behalf of that agency. Agency codes are
 * published reference data, so refusing says nothing a caller could not
 * know: 403 naming the agency, as for any unit the caller does not act for.
 */
export function assertActsForAgency(ports: RoutingPorts, caller: Caller, agencyCode: string): void {
  // Province IT reads the queues of its province's agencies and communes (the console), with its token alone.
  const province = ports.units.provinceOf(agencyCode);
  const operatorOfProvince =
    caller.client === undefined &&
    caller.official?.roles.has("operator") === true &&
    province !== undefined &&
    caller.official.unitCodes.has(province);
  const allowed = operatorOfProvince || everyIdentityIn(caller, (unit) => unit === agencyCode);
  ports.audit.decided({
    action: "list_queue",
    outcome: allowed ? "allowed" : "denied",
    target: unitTarget(agencyCode),
    ...callerIds(caller),
  });
  if (!allowed) {
    throw new PlatformError("PERMISSION_DENIED", `The caller does not act for agency ${agencyCode}`, {
      reason: "NOT_ACTING_FOR_UNIT",
      details: { unitCode: agencyCode },
    });
  }
}

/** The province a unit code stands for when it is province-level: the province (38) or a provincial agency (38.CA). */
function provinceLevelOf(unitCode: string): string | undefined {
  return /^(\d{2})(\.[0-9A-Z.]+)?$/.exec(unitCode)?.[1];
}

/**
 * The indicators of a commune or a province are read by its own officials
 * and by those of its province: the province itself (operators, province
 * staff) and its provincial agencies. A commune's province comes from the
 * units list; `provinceCode` is that province (the unit itself for a province).
 * `action` names the read in the audit chain: a unit's figures, or every
 * commune's of a province at once.
 */
export function assertActsForUnit(
  ports: RoutingPorts,
  caller: Caller,
  unitCode: string,
  provinceCode: string,
  action: "read_indicators" | "read_commune_indicators" = "read_indicators",
): void {
  const allowed = everyIdentityIn(caller, (unit) => unit === unitCode || provinceLevelOf(unit) === provinceCode);
  ports.audit.decided({
    action,
    outcome: allowed ? "allowed" : "denied",
    target: unitTarget(unitCode),
    ...callerIds(caller),
  });
  if (!allowed) {
    throw new PlatformError(
      "PERMISSION_DENIED",
      `The caller acts neither for unit ${unitCode} nor at the level of its province ${provinceCode}`,
      { reason: "NOT_ACTING_FOR_UNIT", details: { unitCode } },
    );
  }
}
