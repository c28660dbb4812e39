import { outboxWrites } from "@lienthong/messaging";
import type { WriteOp } from "@lienthong/storage";
import { Collections } from "../../store/collections";
import type { Plan } from "./plan-action";

/**
 * The writes of a plan: the dossier, conditional on the version it was read
 * at (optimistic concurrency: of two concurrent actions one commit fails),
 * and its events in the outbox, in one atomic commit. Call inside the
 * dossier's span so the events carry its trace.
 */
export function planWrites(readAtVersion: number, plan: Plan): WriteOp[] {
  return [
    {
      kind: "put",
      collection: Collections.assignments,
      id: plan.data.dossierId,
      data: plan.data,
      expectedVersion: readAtVersion,
    },
    ...outboxWrites(plan.events),
  ];
}
