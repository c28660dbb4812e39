import { EventTypes, Topics, common, encodeEvent, events } from "@lienthong/contracts";
import { classifyTimeliness } from "@lienthong/domain";
import { outboxWrites, type DeliveredEvent } from "@lienthong/messaging";
import type { WriteOp } from "@lienthong/storage";
import { Collections, type AssignmentRecord } from "../store/collections";
import type { RoutingPorts } from "./ports";

const { DossierStatus, Timeliness } = common;

const TIMELINESS = {
  early: Timeliness.TIMELINESS_EARLY,
  on_time: Timeliness.TIMELINESS_ON_TIME,
  late: Timeliness.TIMELINESS_LATE,
} as const;

/**
 * The result document of a decision was signed: the dossier reaches status 9
 * (Đã xử lý xong) and is judged early / on time / late against its appointment.
 * A signature for a request this dossier no longer waits for is ignored.
 */
export async function issueResult(ports: RoutingPorts, event: DeliveredEvent): Promise<WriteOp[]> {
  const signed = events.DocumentSigned.decode(event.data);
  const stored = await ports.store.get<AssignmentRecord>(Collections.assignments, signed.dossierId);
  const assignment = stored?.data;
  if (!stored || !assignment?.decision || assignment.decision.signatureRequestId !== signed.requestId || assignment.result) return [];

  const issuedAt = ports.now();
  const timeliness = TIMELINESS[classifyTimeliness(issuedAt, new Date(assignment.appointmentAt))];
  const updated: AssignmentRecord = {
    ...assignment,
    status: DossierStatus.DOSSIER_STATUS_DECIDED,
    result: { documentId: signed.documentId, downloadPath: signed.downloadPath, issuedAt: issuedAt.toISOString(), timeliness },
    updatedAt: issuedAt.toISOString(),
  };
  return [
    { kind: "put", collection: Collections.assignments, id: assignment.dossierId, data: updated, expectedVersion: stored.version },
    ...outboxWrites([
      {
        topic: Topics.routing,
        key: assignment.dossierId,
        type: EventTypes.resultIssued.type,
        data: encodeEvent("resultIssued", {
          dossierId: assignment.dossierId,
          dossierCode: assignment.dossierCode,
          status: DossierStatus.DOSSIER_STATUS_DECIDED,
          issuedAt: issuedAt.toISOString(),
          outcome: assignment.decision.outcome,
          documentId: signed.documentId,
          downloadPath: signed.downloadPath,
          appointmentAt: assignment.appointmentAt,
          timeliness,
        }),
      },
    ]),
  ];
}
