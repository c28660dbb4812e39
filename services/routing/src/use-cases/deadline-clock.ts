import { common } from "@lienthong/contracts";
import {
  DossierStatus,
  clockEffect,
  computeAppointment,
  deadlineState,
  instantOfDay,
  isTerminalStatus,
  resumeAppointment,
  termsFor,
  vietnamDayNumber,
  type ChannelTerms,
  type DeadlineState,
  type FilingChannel,
  type Procedure,
} from "@lienthong/domain";
import type { AssignmentRecord } from "../store/collections";
import type { RoutingPorts } from "./ports";

const LATE: number = common.Timeliness.TIMELINESS_LATE;
const ONLINE: number = common.Channel.CHANNEL_ONLINE;

/** The clock as the public contract names it. */
export type ClockState = "not_started" | "running" | "paused" | "stopped";

/** The clock of a dossier; before acceptance an open dossier's has not started, whatever its status (a supplement asked before acceptance shows 5). */
export function clockOf(data: Pick<AssignmentRecord, "status" | "acceptedAt">): ClockState {
  if (data.acceptedAt === null && !isTerminalStatus(data.status)) return "not_started";
  switch (clockEffect(data.status)) {
    case "not_started":
      return "not_started";
    case "starts":
    case "runs":
      return "running";
    case "paused":
      return "paused";
    default:
      return "stopped";
  }
}

/**
 * The catalog's terms tell online filing from the rest: a dossier at the
 * counter and one sent by post are received alike (Decree 118/2025 art. 17),
 * and one whose channel is unknown is taken as in person.
 */
export function filingChannelOf(channel: number): FilingChannel {
  return channel === ONLINE ? "online" : "in_person";
}

/** The time limit and fee of `procedure` for the channel the dossier was filed through. */
export function dossierTerms(procedure: Procedure, data: Pick<AssignmentRecord, "channel">): ChannelTerms {
  return termsFor(procedure, filingChannelOf(data.channel));
}

/** The terms of the procedure version the dossier was accepted under, or undefined when the catalog no longer holds it. */
export function acceptedTerms(ports: RoutingPorts, data: AssignmentRecord): ChannelTerms | undefined {
  const procedure = ports.catalog.version(data.procedureCode, data.procedureVersion);
  return procedure && dossierTerms(procedure, data);
}

/** Working hours and holidays follow the competent authority's province (the receiving one before acceptance). */
export function provinceOf(data: AssignmentRecord): string {
  return data.competentAuthority?.provinceCode || data.receivingProvinceCode;
}

/** Whether the dossier waits for the applicant's supplement (asked after or, where practice allows, before acceptance). */
export function awaitingSupplement(data: Pick<AssignmentRecord, "state">): boolean {
  return data.state === "supplement_requested" || data.state === "supplement_before_acceptance";
}

/**
 * The end of the working day by which the applicant should supply, for a request at `requestedAt`: the
 * configured working days counted as an appointment's are (computeAppointment), on the calendar of the
 * authority's province (the receiving one before acceptance), Vietnam time; judged by its date. Null when
 * the deployment sets no deadline.
 */
export function supplementDueAt(ports: RoutingPorts, data: AssignmentRecord, requestedAt: Date): string | null {
  const days = ports.supplementDeadlineWorkingDays;
  if (days === 0) return null;
  const province = provinceOf(data);
  const last = computeAppointment(requestedAt, { value: days, unit: "working_days" }, ports.calendar, province);
  return ports.calendar.endOfWorkingDay(last, province).toISOString();
}

/** The first instant at which `appointmentAt` counts as passed (judged by date: the next Vietnam day). */
export function overdueInstant(appointmentAt: Date): Date {
  return instantOfDay(vietnamDayNumber(appointmentAt) + 1);
}

/** The instant at which only `windowHours` of working time are left before the appointment (now, when fewer already are). */
export function dueSoonInstant(ports: RoutingPorts, now: Date, appointmentAt: Date, provinceCode: string): Date {
  const left = ports.calendar.workingHoursBetween(now, appointmentAt, provinceCode);
  const window = ports.deadlines.dueSoonWorkingHours;
  return left <= window ? now : ports.calendar.addWorkingHours(now, left - window, provinceCode);
}

/**
 * The appointment after the current pause ends at `now`, moved in the unit of
 * the dossier's procedure version and channel (calendar days for a calendar-day limit),
 * and the working hours it waited. A version the catalog no longer holds is
 * taken as working days, the unit of most procedures.
 */
export function endPause(
  ports: RoutingPorts,
  data: AssignmentRecord,
  now: Date,
): { appointmentAt: string | null; waitedWorkingHours: number } {
  if (!data.pausedAt || !data.appointmentAt) return { appointmentAt: data.appointmentAt, waitedWorkingHours: 0 };
  const resumed = resumeAppointment(
    new Date(data.appointmentAt),
    new Date(data.pausedAt),
    now,
    acceptedTerms(ports, data)?.processingTime.unit ?? "working_days",
    ports.calendar,
    provinceOf(data),
  );
  return { appointmentAt: resumed.appointmentAt.toISOString(), waitedWorkingHours: resumed.waitedWorkingHours };
}

/**
 * Re-derives every field that follows from the others: whose queue holds the
 * dossier, its queue order, whether it is open, and its durable timers. The
 * timers are armed only while the clock runs, once per appointment, so a
 * pause disarms them and a new appointment (resume, apology) re-arms them.
 */
export function settle(ports: RoutingPorts, data: AssignmentRecord, now: Date): AssignmentRecord {
  const authority = data.competentAuthority;
  const running = data.status === DossierStatus.PROCESSING && data.appointmentAt !== null;
  const appointment = data.appointmentAt ? new Date(data.appointmentAt) : undefined;
  const supplementDue = awaitingSupplement(data) ? data.supplementDueAt : null;
  return {
    ...data,
    competentAuthorityCode: authority?.code ?? "",
    competentCommuneCode: authority?.communeCode ?? "",
    competentProvinceCode: authority?.provinceCode ?? "",
    queueAgencyCode: authority?.code ?? data.receivingUnitCode,
    queueKey: `${data.appointmentAt ?? ""}|${data.dossierId}`,
    open: !isTerminalStatus(data.status),
    dueSoonAt:
      running && appointment && data.dueSoonFiredFor !== data.appointmentAt
        ? dueSoonInstant(ports, now, appointment, provinceOf(data)).toISOString()
        : null,
    overdueCheckAt:
      running && appointment && data.overdueFiredFor !== data.appointmentAt
        ? overdueInstant(appointment).toISOString()
        : null,
    supplementOverdueAt:
      supplementDue && data.supplementOverdueFiredFor !== supplementDue
        ? overdueInstant(new Date(supplementDue)).toISOString()
        : null,
    updatedAt: now.toISOString(),
  };
}

/** within_deadline / due_soon / overdue as of `now`; a paused dossier is judged as if it resumed now. */
export function deadlineStateOf(ports: RoutingPorts, data: AssignmentRecord, now: Date): DeadlineState {
  if (!data.appointmentAt) return "within_deadline";
  if (data.finishedAt) return data.timeliness === LATE ? "overdue" : "within_deadline";
  if (data.overdue) return "overdue";
  if (clockOf(data) === "stopped") return "within_deadline";
  const appointmentAt = new Date(endPause(ports, data, now).appointmentAt ?? data.appointmentAt);
  return deadlineState(now, appointmentAt, ports.calendar, {
    dueSoonWorkingHours: ports.deadlines.dueSoonWorkingHours,
    provinceCode: provinceOf(data),
  });
}
