import { EventTypes, decodeEvent } from "@lienthong/contracts";
import type { DeliveredEvent } from "@lienthong/messaging";
import type { WriteOp } from "@lienthong/storage";
import { Collections, type ApplicationRecord, type SupplementRequestRecord } from "../store/collections";
import type { IntakePorts } from "./ports";

/**
 * Keeps the citizen-visible timeline: every lifecycle event of every service
 * adds an entry, and those that change the status move the dossier's status.
 * Routing's events also set the competent authority (which widens who may see
 * the dossier), the appointment and the open supplement request.
 * Events for dossiers this intake never stored are ignored (another
 * province's intake owns them).
 */
export async function recordLifecycleEvent(ports: IntakePorts, event: DeliveredEvent): Promise<WriteOp[]> {
  const stored = await ports.store.get<ApplicationRecord>(Collections.applications, event.key);
  if (!stored) return [];
  const payload = decodeEvent(event.type, event.data);
  const record = stored.data;
  const status = typeof payload.status === "number" ? payload.status : 0;
  const authority = competentAuthority(payload);

  const updated: ApplicationRecord = {
    ...record,
    status: status > 0 ? status : record.status,
    timeline: [
      ...record.timeline,
      { status, eventType: event.type, occurredAt: event.time, source: event.source, eventId: event.id },
    ],
    appointmentAt:
      stringField(payload, "appointmentAt") ?? stringField(payload, "newAppointmentAt") ?? record.appointmentAt,
    competentAuthorityCode: authority?.code ?? record.competentAuthorityCode,
    competentAuthorityName: authority ? authority.name : (record.competentAuthorityName ?? null),
    supplementRequest: supplementRequest(event, payload, record),
    resultDocumentPath: stringField(payload, "downloadPath") ?? record.resultDocumentPath,
    updatedAt: ports.now().toISOString(),
  };
  return [
    {
      kind: "put",
      collection: Collections.applications,
      id: record.dossierId,
      data: updated,
      expectedVersion: stored.version,
    },
  ];
}

function stringField(payload: Record<string, unknown>, field: string): string | undefined {
  const value = payload[field];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** DossierRouted names the competent authority; DossierTransferred moves the dossier to another one. */
function competentAuthority(payload: Record<string, unknown>): { code: string; name: string } | undefined {
  const authority = (payload.competentAuthority ?? payload.toAuthority) as { code?: string; name?: string } | undefined;
  return authority?.code ? { code: authority.code, name: authority.name ?? "" } : undefined;
}

/** Opened by SupplementRequested; a status leaving 5 closes it (intake clears it itself when the supplement is provided). */
function supplementRequest(
  event: DeliveredEvent,
  payload: Record<string, unknown>,
  record: ApplicationRecord,
): SupplementRequestRecord | null {
  if (event.type === EventTypes.supplementRequested.type) {
    const missingItems = Array.isArray(payload.missingItems)
      ? payload.missingItems.filter((item): item is string => typeof item === "string")
      : [];
    return { requestedAt: stringField(payload, "requestedAt") ?? event.time, missingItems };
  }
  const status = typeof payload.status === "number" ? payload.status : 0;
  return status > 0 && status !== 5 ? null : (record.supplementRequest ?? null);
}
