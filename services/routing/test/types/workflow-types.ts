/**
 * Type-level tests, checked by `npm run typecheck`: each @ts-expect-error must
 * sit on a line that fails to compile (an unused directive fails the build).
 */
import type { routing } from "@lienthong/contracts";
import { DOSSIER_ACTIONS, type DossierAction } from "@lienthong/domain";
import type { AssignmentRecord } from "../../src/store/collections";

// A record field misspelt in a partial update (records have no index signature).
// @ts-expect-error "statsu" is not a field of an assignment
const misspelt: Partial<AssignmentRecord> = { statsu: 4 };
void misspelt;
// @ts-expect-error the status the portal sees is a code 1–10, not any number
const outOfRange: Partial<AssignmentRecord> = { status: 42 };
void outOfRange;
// @ts-expect-error the workflow state is one of its named states
const unknownState: Partial<AssignmentRecord> = { state: "decided_awaiting" };
void unknownState;

// The contract's DossierAction enum and the workflow name the same actions, both ways.
type ContractActionName = {
  [K in keyof typeof routing.DossierAction]: K extends `DOSSIER_ACTION_${infer Name}` ? Lowercase<Name> : never;
}[keyof typeof routing.DossierAction];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameActions: Same<Exclude<ContractActionName, "unspecified">, DossierAction> = true;
void sameActions;

// An enum number cannot pick an action by its position in the workflow's table.
declare const fromContract: routing.DossierAction;
// @ts-expect-error the table is keyed by the action's name, not by a number
void DOSSIER_ACTIONS[fromContract];
