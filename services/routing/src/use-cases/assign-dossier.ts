import { EventTypes, Topics, common, encodeEvent, events } from "@lienthong/contracts";
import { computeAppointment, resolveCompetentAuthority } from "@lienthong/domain";
import { outboxWrites, type DeliveredEvent } from "@lienthong/messaging";
import type { WriteOp } from "@lienthong/storage";
import { Collections, type AgencyRecord, type AssignmentRecord } from "../store/collections";
import type { RoutingPorts } from "./ports";

const { DossierStatus } = common;

/**
 * A validated application arrived: find the competent authority from the
 * catalog and the applicant's commune, accept it (the deadline clock starts),
 * compute the appointment on the working-day calendar and start processing.
 * An application no authority can handle is refused with the reason.
 */
export async function assignDossier(ports: RoutingPorts, event: DeliveredEvent): Promise<WriteOp[]> {
  const submitted = events.ApplicationSubmitted.decode(event.data);
  if (await ports.store.get(Collections.assignments, submitted.dossierId)) return [];

  const now = ports.now();
  const procedure = ports.catalog.find(submitted.procedureCode, now);
  if (!procedure) return refuse(submitted, now, "Thủ tục không có trong danh mục đang áp dụng");

  let authority: AgencyRecord;
  try {
    const agency = resolveCompetentAuthority({ procedure, applicantCommuneCode: submitted.applicantCommuneCode, units: ports.units });
    authority = {
      code: agency.code,
      name: agency.name,
      level: agency.level === "commune" ? common.AgencyLevel.AGENCY_LEVEL_COMMUNE : common.AgencyLevel.AGENCY_LEVEL_PROVINCE,
      communeCode: agency.communeCode ?? "",
      provinceCode: agency.provinceCode,
    };
  } catch {
    return refuse(submitted, now, "Không xác định được cơ quan có thẩm quyền giải quyết");
  }

  const acceptedAt = now.toISOString();
  const appointmentAt = computeAppointment(now, procedure.processingTime, ports.calendar, authority.provinceCode).toISOString();
  const assignment: AssignmentRecord = {
    dossierId: submitted.dossierId,
    dossierCode: submitted.dossierCode,
    status: DossierStatus.DOSSIER_STATUS_PROCESSING,
    procedureCode: procedure.code,
    procedureName: procedure.name,
    competentAuthority: authority,
    competentAuthorityCode: authority.code,
    receivingUnitCode: submitted.receivingUnitCode,
    acceptedAt,
    appointmentAt,
    applicantFullName: submitted.applicant?.fullName ?? "",
    traceparent: event.headers.traceparent ?? "",
    decision: null,
    result: null,
    updatedAt: acceptedAt,
  };
  const ids = { dossierId: submitted.dossierId, dossierCode: submitted.dossierCode };
  return [
    { kind: "put", collection: Collections.assignments, id: submitted.dossierId, data: assignment, expectedVersion: 0 },
    ...outboxWrites([
      {
        topic: Topics.routing,
        key: submitted.dossierId,
        type: EventTypes.applicationAccepted.type,
        data: encodeEvent("applicationAccepted", { ...ids, status: DossierStatus.DOSSIER_STATUS_ACCEPTED, acceptedAt, appointmentAt }),
      },
      {
        topic: Topics.routing,
        key: submitted.dossierId,
        type: EventTypes.dossierRouted.type,
        data: encodeEvent("dossierRouted", {
          ...ids,
          status: DossierStatus.DOSSIER_STATUS_PROCESSING,
          routedAt: acceptedAt,
          competentAuthority: authority,
          procedureCode: procedure.code,
          appointmentAt,
        }),
      },
    ]),
  ];
}

function refuse(submitted: events.ApplicationSubmitted, now: Date, reason: string): WriteOp[] {
  return outboxWrites([
    {
      topic: Topics.routing,
      key: submitted.dossierId,
      type: EventTypes.applicationRefused.type,
      data: encodeEvent("applicationRefused", {
        dossierId: submitted.dossierId,
        dossierCode: submitted.dossierCode,
        status: DossierStatus.DOSSIER_STATUS_REFUSED,
        refusedAt: now.toISOString(),
        reason,
      }),
    },
  ]);
}
