import type { events } from "@lienthong/contracts";
import { afterOutcome } from "@lienthong/domain";
import { put, type WriteOp } from "@lienthong/storage";
import { assignments } from "../store/collections";
import { settle } from "./deadline-clock";
import type { RoutingPorts } from "./ports";

/**
 * The result could not be signed: the workflow gives the dossier back to the
 * official (decide again, stop or transfer), the decision withdrawn, the
 * clock as it was. A failure for a request the dossier no longer waits for
 * is ignored.
 */
export async function recordSignatureFailure(ports: RoutingPorts, failed: events.SignatureFailed): Promise<WriteOp[]> {
  const stored = await ports.store.get(assignments, failed.dossierId);
  const dossier = stored?.data;
  if (!stored || dossier?.state !== "awaiting_signature" || dossier.decision?.signatureRequestId !== failed.requestId) {
    return [];
  }
  const back = afterOutcome({ state: dossier.state, status: dossier.status }, "signature_failed");
  const updated = settle(ports, { ...dossier, ...back, decision: null }, ports.now());
  return [put(assignments, failed.dossierId, updated, stored.version)];
}
