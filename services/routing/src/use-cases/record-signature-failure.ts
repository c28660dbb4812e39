import { events } from "@lienthong/contracts";
import type { DeliveredEvent } from "@lienthong/messaging";
import type { WriteOp } from "@lienthong/storage";
import { Collections, type AssignmentRecord } from "../store/collections";
import { settle } from "./deadline-clock";
import type { RoutingPorts } from "./ports";

/**
 * The result could not be signed: the decision is withdrawn so the official can
 * decide again (the dossier stays where it was, its clock as it was).
 */
export async function recordSignatureFailure(ports: RoutingPorts, event: DeliveredEvent): Promise<WriteOp[]> {
  const failed = events.SignatureFailed.decode(event.data);
  const stored = await ports.store.get<AssignmentRecord>(Collections.assignments, failed.dossierId);
  if (!stored || stored.data.decision?.signatureRequestId !== failed.requestId || stored.data.result) return [];
  const updated = settle(ports, { ...stored.data, decision: null }, ports.now());
  return [
    {
      kind: "put",
      collection: Collections.assignments,
      id: failed.dossierId,
      data: updated,
      expectedVersion: stored.version,
    },
  ];
}
