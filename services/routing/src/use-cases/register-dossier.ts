import { common, type events } from "@lienthong/contracts";
import { DossierStatus, competenceCommuneOf } from "@lienthong/domain";
import { put, type WriteOp } from "@lienthong/storage";
import { assignments, type AssignmentRecord } from "../store/collections";
import { acceptanceOf, planAction, type Plan } from "./actions/plan-action";
import { planWrites } from "./actions/plan-writes";
import { settle } from "./deadline-clock";
import type { RoutingPorts } from "./ports";

/**
 * A validated application arrived: the dossier enters status 1 (Mới đăng ký)
 * in the receiving unit's queue, waiting for an official's intake check. With
 * AUTO_ACCEPT the check is skipped: accepted at once, or refused with the
 * reason when no procedure version or competent authority applies.
 * `traceparent` is the submission's trace, which the dossier keeps.
 */
export async function registerDossier(
  ports: RoutingPorts,
  submitted: events.ApplicationSubmitted,
  traceparent: string,
): Promise<WriteOp[]> {
  if (await ports.store.get(assignments, submitted.dossierId)) return [];

  const now = ports.now();
  const registered = settle(ports, newAssignment(ports, submitted, traceparent, now), now);
  if (!ports.autoAccept) return [put(assignments, registered.dossierId, registered, 0)];
  const acceptance = acceptanceOf(ports, registered, now);
  const plan: Plan =
    "problem" in acceptance
      ? planAction(ports, registered, { action: "refuse", officialId: "", reason: acceptance.reason }, now)
      : planAction(ports, registered, { action: "accept", officialId: "" }, now);
  return planWrites(0, plan);
}

function newAssignment(
  ports: RoutingPorts,
  submitted: events.ApplicationSubmitted,
  traceparent: string,
  now: Date,
): AssignmentRecord {
  return {
    dossierId: submitted.dossierId,
    dossierCode: submitted.dossierCode,
    state: "submitted",
    status: DossierStatus.SUBMITTED,
    procedureCode: submitted.procedureCode,
    procedureName: ports.catalog.find(submitted.procedureCode, now)?.name ?? "",
    procedureVersion: 0,
    channel: submitted.channel,
    submittedAt: submitted.submittedAt ?? now.toISOString(),
    receivingUnitCode: submitted.receivingUnitCode,
    receivingUnitName: submitted.receivingUnitName,
    receivingProvinceCode: ports.units.provinceOf(submitted.receivingUnitCode) ?? "",
    competenceCommuneCode: competenceCommuneOf(submitted).code,
    competentAuthority: null,
    competentAuthorityCode: "",
    competentCommuneCode: "",
    competentProvinceCode: "",
    queueAgencyCode: submitted.receivingUnitCode,
    queueKey: "",
    open: true,
    acceptedAt: null,
    acceptedBy: "",
    appointmentAt: null,
    originalAppointmentAt: null,
    pausedAt: null,
    missingItems: [],
    payment: null,
    reason: "",
    dueSoonAt: null,
    overdueCheckAt: null,
    dueSoonFiredFor: null,
    overdueFiredFor: null,
    overdue: false,
    apologies: 0,
    applicantFullName: submitted.applicant?.fullName ?? "",
    traceparent,
    decision: null,
    result: null,
    finishedAt: null,
    timeliness: common.Timeliness.TIMELINESS_UNSPECIFIED,
    updatedAt: now.toISOString(),
  };
}
