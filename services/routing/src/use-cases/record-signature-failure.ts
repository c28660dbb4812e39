import { events } from "@lienthong/contracts";
import type { DeliveredEvent } from "@lienthong/messaging";
import type { WriteOp } from "@lienthong/storage";
import { Collections, type AssignmentRecord } from "../store/collections";
import type { RoutingPorts } from "./ports";

/**
 * The result could not be signed: the decision is withdrawn so the official can
 * decide again (the dossier stays in processing, its clock running).
 */
export async function recordSignatureFailure(ports: RoutingPorts, event: DeliveredEvent): Promise<WriteOp[]> {
  const failed = events.SignatureFailed.decode(event.data);
  const stored = await ports.store.get<AssignmentRecord>(Collections.assignments, failed.dossierId);
  if (!stored || stored.data.decision?.signatureRequestId !== failed.requestId || stored.data.result) return [];
  const updated: AssignmentRecord = { ...stored.data, decision: null, updatedAt: ports.now().toISOString() };
  return [{ kind: "put", collection: Collections.assignments, id: failed.dossierId, data: updated, expectedVersion: stored.version }];
}
