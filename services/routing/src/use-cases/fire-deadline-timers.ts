import { computeAppointment, isOverdue, remainingWorkingHours, vietnameseDate } from "@lienthong/domain";
import { ConflictError, type Versioned } from "@lienthong/storage";
import { assignments, type AssignmentRecord } from "../store/collections";
import type { Plan } from "./actions/plan-action";
import { planWrites } from "./actions/plan-writes";
import { routingEvent } from "./actions/routing-event";
import { dossierTerms, provinceOf, settle } from "./deadline-clock";
import { inDossierTrace } from "./dossier-trace";
import type { RoutingPorts } from "./ports";

type TimerField = "dueSoonAt" | "overdueCheckAt";

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
 * will be judged late) and, while the deployment's APOLOGY_MAX and the
 * procedure allow it, gets an apology letter (phiếu xin lỗi) with a new
 * appointment: the procedure's processing time (for the dossier's channel) again from detection, or
 * APOLOGY_EXTENSION_WORKING_DAYS when set.
 */
function planOverdue(ports: RoutingPorts, data: AssignmentRecord, now: Date): Plan {
  const marked: AssignmentRecord = { ...data, overdue: true, overdueFiredFor: data.appointmentAt };
  const procedure = ports.catalog.version(data.procedureCode, data.procedureVersion);
  const province = provinceOf(data);
  const { apologyMax, apologyExtensionWorkingDays } = ports.deadlines;
  const newAppointment =
    data.apologies >= apologyMax || procedure?.allowsExtension === false
      ? undefined
      : apologyExtensionWorkingDays > 0
        ? ports.calendar.addWorkingDays(now, apologyExtensionWorkingDays, province)
        : procedure && computeAppointment(now, dossierTerms(procedure, data).processingTime, ports.calendar, province);
  if (!newAppointment || !data.appointmentAt) return { data: settle(ports, marked, now), events: [] };

  const newAppointmentAt = newAppointment.toISOString();
  const apologyText =
    `${data.competentAuthority?.name ?? "Cơ quan giải quyết"} xin lỗi vì hồ sơ ${data.dossierCode} chưa được giải quyết ` +
    `đúng hẹn ${vietnameseDate(new Date(data.appointmentAt))}; hẹn trả kết quả mới ${vietnameseDate(newAppointment)}.`;
  return {
    data: settle(ports, { ...marked, appointmentAt: newAppointmentAt, apologies: data.apologies + 1 }, now),
    events: [
      routingEvent("dossierOverdue", data, {
        detectedAt: now.toISOString(),
        previousAppointmentAt: data.appointmentAt,
        newAppointmentAt,
        apologyText,
      }),
    ],
  };
}

const PLANNERS: Record<TimerField, (ports: RoutingPorts, data: AssignmentRecord, now: Date) => Plan> = {
  dueSoonAt: planDueSoon,
  overdueCheckAt: planOverdue,
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
}

/** Fires every timer due at `ports.now()` (an indexed range query per timer kind), in batches. */
export async function fireDeadlineTimers(ports: RoutingPorts, batchSize = 100): Promise<FiredTimers> {
  const now = ports.now();
  const dueBy = new Date(now.getTime() + 1).toISOString();
  const counts: Record<TimerField, number> = { dueSoonAt: 0, overdueCheckAt: 0 };
  for (const field of ["dueSoonAt", "overdueCheckAt"] as const) {
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
  return { dueSoon: counts.dueSoonAt, overdue: counts.overdueCheckAt };
}
