import { applyDossierAction } from "./apply-action";
import type { RoutingPorts } from "./ports";

/**
 * The competent official decides (POST /v1/dossiers/:ref/decision and the
 * DecideDossier RPC, kept for existing callers): the "decide" action.
 */
export function decideDossier(ports: RoutingPorts, dossierRef: string, input: unknown) {
  return applyDossierAction(ports, dossierRef, "decide", input);
}
