import { outboxWrites } from "@lienthong/messaging";
import { put, type WriteOp } from "@lienthong/storage";
import { assignments } from "../../store/collections";
import type { Plan } from "./plan-action";

/**
 * The writes of a plan: the dossier, conditional on the version it was read
 * at (optimistic concurrency: of two concurrent actions one commit fails),
 * and its events in the outbox, in one atomic commit. Call inside the
 * dossier's span so the events carry its trace.
 */
export function planWrites(readAtVersion: number, plan: Plan): WriteOp[] {
  return [put(assignments, plan.data.dossierId, plan.data, readAtVersion), ...outboxWrites(plan.events)];
}
