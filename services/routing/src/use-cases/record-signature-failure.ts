import type { events } from "@lienthong/contracts";
import { put, type WriteOp } from "@lienthong/storage";
import { assignments } from "../store/collections";
import { settle } from "./deadline-clock";
import type { RoutingPorts } from "./ports";

/**
 * The result could not be signed: the decision is withdrawn so the official can
 * decide again (the dossier stays where it was, its clock as it was).
 */
export async function recordSignatureFailure(ports: RoutingPorts, failed: events.SignatureFailed): Promise<WriteOp[]> {
  const stored = await ports.store.get(assignments, failed.dossierId);
  if (!stored || stored.data.decision?.signatureRequestId !== failed.requestId || stored.data.result) return [];
  const updated = settle(ports, { ...stored.data, decision: null }, ports.now());
  return [put(assignments, failed.dossierId, updated, stored.version)];
}
