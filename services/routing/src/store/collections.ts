import type { DossierState, DossierStatus } from "@lienthong/domain";
import { defineCollection } from "@lienthong/storage";

export interface AgencyRecord {
  code: string;
  name: string;
  level: number;
  communeCode: string;
  provinceCode: string;
}

export interface DecisionRecord {
  outcome: number;
  officialId: string;
  summary: string;
  decidedAt: string;
  signatureRequestId: string;
}

export interface ResultRecord {
  documentId: string;
  downloadPath: string;
  issuedAt: string;
  timeliness: number;
}

/**
 * Routing's view of one dossier (collection `assignments`, id = dossier id).
 * Besides the workflow state it keeps the facts the indicators count and the
 * durable deadline timers, all as top-level fields so indexed queries find them.
 */
export interface AssignmentRecord {
  dossierId: string;
  dossierCode: string;
  /** Where the dossier is in the workflow (libs/domain workflow.ts). */
  state: DossierState;
  /** The status the portal sees (1–10), kept with the state for queues and indexes. */
  status: DossierStatus;
  procedureCode: string;
  procedureName: string;
  /** The catalog version valid at acceptance (DOMAIN.md §3); 0 before acceptance. */
  procedureVersion: number;
  channel: number;
  submittedAt: string;
  receivingUnitCode: string;
  /**
   * The receiving unit's name as intake sent it (`ApplicationSubmitted.receiving_unit_name`): the desk's slips name a
   * unit above the commune (a provincial centre) by it, which routing's own agencies do not hold. Absent on dossiers
   * registered before it was kept.
   */
  receivingUnitName?: string;
  receivingProvinceCode: string;
  /** Where competence is decided from: the land's commune when the application names one, else the applicant's. */
  competenceCommuneCode: string;
  /** Null until acceptance. */
  competentAuthority: AgencyRecord | null;
  /** Top-level copies of competentAuthority for the indexes ("" before acceptance or for a province agency's commune). */
  competentAuthorityCode: string;
  competentCommuneCode: string;
  competentProvinceCode: string;
  /** The agency whose queue holds the dossier: the receiving unit for the intake check, then the competent authority. */
  queueAgencyCode: string;
  /** `<appointmentAt>|<dossierId>`: the stable queue order, also the page cursor. */
  queueKey: string;
  /** False once the dossier can no longer change (statuses 3, 7, 10). */
  open: boolean;
  acceptedAt: string | null;
  acceptedBy: string;
  appointmentAt: string | null;
  /**
   * The first appointment, set at acceptance and never moved by an apology (a pause's push moves both, since it is
   * the same appointment counted later): kept for a province that scores timeliness by it. Absent on dossiers
   * accepted before it was kept.
   */
  originalAppointmentAt?: string | null;
  /** Start of the current pause (supplement, payment, stop); null while the clock runs or before it starts. */
  pausedAt: string | null;
  missingItems: string[];
  /** Supplement requests made so far; absent on dossiers registered before they were counted (then 0). */
  supplementRequests?: number;
  /**
   * The open supplement request: when it was made and the end of the working day by which the applicant should
   * supply (null without SUPPLEMENT_DEADLINE_WORKING_DAYS); absent on dossiers registered before (then null).
   */
  supplementRequestedAt?: string | null;
  supplementDueAt?: string | null;
  /** Durable timer: when the due date has passed (the next Vietnam day), armed while the supplement is awaited. */
  supplementOverdueAt?: string | null;
  /** The due date a supplementOverdue flag already fired for: one flag per request. */
  supplementOverdueFiredFor?: string | null;
  payment: { amountVnd: number; requestedAt: string; receiptNumber: string; recordedAt: string | null } | null;
  /** Why the dossier was refused, stopped, withdrawn or last transferred. */
  reason: string;
  /** Durable deadline timers: when the watcher must look at the dossier (null = nothing to fire). */
  dueSoonAt: string | null;
  overdueCheckAt: string | null;
  /** The appointment a due-soon notice / an overdue detection already fired for: one per appointment. */
  dueSoonFiredFor: string | null;
  overdueFiredFor: string | null;
  /** Set once the appointment passed without a result; such a dossier is judged late whatever new date it got. */
  overdue: boolean;
  apologies: number;
  /** Printed on the result document: personal data, payload only. */
  applicantFullName: string;
  /** The dossier's trace (W3C traceparent) so officials' later actions join it. */
  traceparent: string;
  decision: DecisionRecord | null;
  result: ResultRecord | null;
  /** When status 9 was reached, with its timeliness (0 before). */
  finishedAt: string | null;
  timeliness: number;
  updatedAt: string;
}

export const assignments = defineCollection<AssignmentRecord>("assignments", {
  unique: [["dossierCode"]],
  indexes: [
    // Queues.
    ["queueAgencyCode", "open", "queueKey"],
    ["queueAgencyCode", "status", "queueKey"],
    // Deadline timers.
    ["dueSoonAt"],
    ["overdueCheckAt"],
    ["supplementOverdueAt"],
    // Indicators: received by the receiving unit, finished and overdue at the competent authority.
    ["receivingUnitCode", "channel", "acceptedAt"],
    ["receivingProvinceCode", "channel", "acceptedAt"],
    ["receivingUnitCode", "acceptedAt"],
    ["receivingProvinceCode", "acceptedAt"],
    ["competentCommuneCode", "timeliness", "finishedAt"],
    ["competentProvinceCode", "timeliness", "finishedAt"],
    // Open dossiers, overdue or within the deadline, accepted by the end of a period.
    ["competentCommuneCode", "status", "overdue", "acceptedAt"],
    ["competentProvinceCode", "status", "overdue", "acceptedAt"],
    // Of those overdue, the ones without an apology (decision 59).
    ["competentCommuneCode", "status", "overdue", "apologies", "acceptedAt"],
    ["competentProvinceCode", "status", "overdue", "apologies", "acceptedAt"],
  ],
});

/**
 * The indicators' figures of one closed Vietnam day for one commune or
 * province (collection `indicator_days`, id = `<unitCode>:<day>`), counted
 * once from `assignments` by get-indicators.ts and kept: acceptance and
 * status 9 are stamped with the time they happen, so no later write lands on
 * a closed day, and a year's figures are then a few hundred small reads
 * instead of counts over every dossier of the year (docs/decisions.md §30).
 */
export interface IndicatorDayRecord {
  unitCode: string;
  /** Vietnam day number (days since 1970-01-01, Vietnam time). */
  day: number;
  received: number;
  receivedOnline: number;
  finishedEarly: number;
  finishedOnTime: number;
  finishedLate: number;
}

export const indicatorDays = defineCollection<IndicatorDayRecord>("indicator_days", {
  indexes: [["unitCode", "day"]],
});

/** What a day's figures count, absent where nothing counted (a province's quiet communes cost nothing). */
type KeptFigures = Partial<Omit<IndicatorDayRecord, "unitCode" | "day">>;

/**
 * The indicators' figures of one closed Vietnam day for a province and every
 * one of its communes at once (collection `province_indicator_days`, id =
 * `<provinceCode>:<day>`), counted once from `assignments` by a province-wide
 * read and kept, so a year of a province's ranking is one read of at most
 * 366 documents (docs/decisions.md §42). Counted by the same rule as
 * `indicator_days`, kept apart from them: a commune's figures are read alone
 * far more often than a province's all together, and these would otherwise
 * be 166 documents a day.
 */
export interface ProvinceIndicatorDayRecord {
  provinceCode: string;
  /** Vietnam day number (days since 1970-01-01, Vietnam time). */
  day: number;
  /** The province's own figures (its provincial agencies' dossiers included). */
  province: KeptFigures;
  /** Each commune's, by commune code; a commune with nothing that day is absent. */
  communes: Record<string, KeptFigures>;
}

export const provinceIndicatorDays = defineCollection<ProvinceIndicatorDayRecord>("province_indicator_days", {
  indexes: [["provinceCode", "day"]],
});

export const routingCollections = [assignments, indicatorDays, provinceIndicatorDays];
