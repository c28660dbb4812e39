import { applyDossierAction } from "./apply-action";
import type { RoutingPorts } from "./ports";
import type { ActingCaller } from "./tenancy";

/**
 * The competent authority's leader decides (POST /v1/dossiers/:ref/decision
 * and the DecideDossier RPC, kept for existing callers): the "decide" action.
 */
export function decideDossier(ports: RoutingPorts, caller: ActingCaller, dossierRef: string, input: unknown) {
  return applyDossierAction(ports, caller, dossierRef, "decide", input);
}
