import { DOSSIER_ACTIONS, roleNames, type Role } from "@lienthong/domain";
import type { Access } from "@lienthong/service-host";

/**
 * What routing's endpoints ask of their callers, REST and gRPC alike. Which
 * dossier, queue or unit a caller may reach is decided per resource in
 * use-cases/tenancy.ts; these say who may call at all. Nothing is public.
 */

/** Every role the workflow table lets take some action on a dossier (in the roles table's order). */
const DOSSIER_ACTING_ROLES: readonly Role[] = roleNames.filter((role) =>
  Object.values(DOSSIER_ACTIONS).some((rule) => rule.actor.roles.includes(role)),
);

/**
 * An assignment and an agency's queue: a commune system or the portal, with
 * or without the official it forwards. Officials' actions need neither
 * personal data nor an official to be read, and commune systems list their
 * queues on their own.
 */
export const CLIENT = { client: true } as const satisfies Access;

/**
 * Officials' actions (and the decision kept for existing callers): a commune
 * system forwarding an official who holds some role of the workflow. Which
 * role the action needs, and at which unit, is checked once the dossier is
 * known (tenancy.ts), so that another tenant's dossier answers 404.
 */
export const OFFICIAL_ACTION = { official: DOSSIER_ACTING_ROLES } as const satisfies Access;

/**
 * Progress indicators: management figures read by officials (a token alone
 * will do: a leader's dashboard, the province's operators), for the units
 * they belong to or, at the province level, for their province.
 */
export const INDICATORS = { staff: [...DOSSIER_ACTING_ROLES, "operator"] } as const satisfies Access;

/** Province IT: reads any dossier of its province (the operations console), acts on none. */
export const OPERATOR = { staff: ["operator"] } as const satisfies Access;
