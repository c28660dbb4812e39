import { isOverdue, remainingWorkingHours } from "@lienthong/domain";
import { ConflictError, type Versioned } from "@lienthong/storage";
import { assignments, type AssignmentRecord } from "../store/collections";
import type { Plan } from "./actions/plan-action";
import { planWrites } from "./actions/plan-writes";
import { receivingUnitOf } from "./actions/receiving-unit";
import { routingEvent } from "./actions/routing-event";
import { provinceOf, settle } from "./deadline-clock";
import { inDossierTrace } from "./dossier-trace";
import type { RoutingPorts } from "./ports";

type TimerField = "dueSoonAt" | "overdueCheckAt" | "supplementOverdueAt";

/** Due-soon notice: once per appointment, skipped when the dossier is already overdue (the overdue timer speaks then). */
function planDueSoon(ports: RoutingPorts, data: AssignmentRecord, now: Date): Plan {
  const appointmentAt = new Date(data.appointmentAt ?? now);
  const fired = settle(ports, { ...data, dueSoonFiredFor: data.appointmentAt }, now);
  if (isOverdue(now, appointmentAt)) return { data: fired, events: [] };
  const remaining = remainingWorkingHours(now, appointmentAt, ports.calendar, provinceOf(data));
  return {
    data: fired,
    events: [
      routingEvent("deadlineDueSoon", data, {
        appointmentAt: data.appointmentAt ?? undefined,
        remainingWorkingHours: remaining,
      }),
    ],
  };
}

/**
 * The appointment passed without a result: the dossier is marked overdue (it
 * will be judged late) and flagged to its competent authority with an overdue
 * event that sets no new date. An apology with a new appointment is the
 * authority's act before the appointment (plan-apology.ts; DOMAIN.md §10,
 * docs/decisions.md), never the platform's after it; `apologiesIssued` = 0 is
 * "overdue without apology" in the queue.
 */
function planOverdue(ports: RoutingPorts, data: AssignmentRecord, now: Date): Plan {
  const marked: AssignmentRecord = { ...data, overdue: true, overdueFiredFor: data.appointmentAt };
  return {
    data: settle(ports, marked, now),
    events: [
      routingEvent("dossierOverdue", data, {
        detectedAt: now.toISOString(),
        previousAppointmentAt: data.appointmentAt ?? undefined,
        apologiesIssued: data.apologies,
        competentAuthority: data.competentAuthority ?? undefined,
      }),
    ],
  };
}

/**
 * The date by which the applicant should have supplied passed without the supplement: the dossier is flagged
 * to the unit that asked (its competent authority, or its receiving unit before acceptance) once per request,
 * and nothing else changes — that unit refuses, stops or waits (existing actions); the platform refuses nothing.
 */
function planSupplementOverdue(ports: RoutingPorts, data: AssignmentRecord, now: Date): Plan {
  const flagged = settle(ports, { ...data, supplementOverdueFiredFor: data.supplementDueAt }, now);
  return {
    data: flagged,
    events: [
      routingEvent("supplementOverdue", data, {
        detectedAt: now.toISOString(),
        supplementDueAt: data.supplementDueAt ?? undefined,
        requestedAt: data.supplementRequestedAt ?? undefined,
        competentAuthority: data.competentAuthority ?? undefined,
        receivingUnit: receivingUnitOf(ports, data),
      }),
    ],
  };
}

const PLANNERS: Record<TimerField, (ports: RoutingPorts, data: AssignmentRecord, now: Date) => Plan> = {
  dueSoonAt: planDueSoon,
  overdueCheckAt: planOverdue,
  supplementOverdueAt: planSupplementOverdue,
};

/**
 * One timer fires in one commit with its state change (the timer disarmed or
 * re-armed for a new appointment) and its event, conditional on the version
 * read: after a crash it fires again only if that commit never happened, and
 * an official's concurrent action wins (the next poll looks again).
 */
async function fire(
  ports: RoutingPorts,
  field: TimerField,
  stored: Versioned<AssignmentRecord>,
  now: Date,
): Promise<boolean> {
  return inDossierTrace(stored.data, `routing.timer.${field}`, async () => {
    try {
      await ports.commit(planWrites(stored.version, PLANNERS[field](ports, stored.data, now)));
      return true;
    } catch (error) {
      if (error instanceof ConflictError) return false;
      throw error;
    }
  });
}

export interface FiredTimers {
  dueSoon: number;
  overdue: number;
  supplementOverdue: number;
}

/** Fires every timer due at `ports.now()` (an indexed range query per timer kind), in batches. */
export async function fireDeadlineTimers(ports: RoutingPorts, batchSize = 100): Promise<FiredTimers> {
  const now = ports.now();
  const dueBy = new Date(now.getTime() + 1).toISOString();
  const counts: Record<TimerField, number> = { dueSoonAt: 0, overdueCheckAt: 0, supplementOverdueAt: 0 };
  for (const field of ["dueSoonAt", "overdueCheckAt", "supplementOverdueAt"] as const) {
    for (;;) {
      const due = await ports.store.find(assignments, {
        range: { field, lt: dueBy },
        orderBy: { field },
        limit: batchSize,
      });
      let fired = 0;
      for (const stored of due) if (await fire(ports, field, stored, now)) fired += 1;
      counts[field] += fired;
      // A full batch may hide more; a batch that fired nothing (all lost to concurrent actions) waits for the next poll.
      if (due.length < batchSize || fired === 0) break;
    }
  }
  return { dueSoon: counts.dueSoonAt, overdue: counts.overdueCheckAt, supplementOverdue: counts.supplementOverdueAt };
}
