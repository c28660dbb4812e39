import { decodeEvent } from "@lienthong/contracts";
import type { DeliveredEvent } from "@lienthong/messaging";
import type { WriteOp } from "@lienthong/storage";
import { Collections, type ApplicationRecord } from "../store/collections";
import type { IntakePorts } from "./ports";

/**
 * Keeps the citizen-visible timeline: every lifecycle event of every service
 * adds an entry, and those that change the status move the dossier's status.
 * Events for dossiers this intake never stored are ignored (another
 * province's intake owns them).
 */
export async function recordLifecycleEvent(ports: IntakePorts, event: DeliveredEvent): Promise<WriteOp[]> {
  const stored = await ports.store.get<ApplicationRecord>(Collections.applications, event.key);
  if (!stored) return [];
  const payload = decodeEvent(event.type, event.data);
  const record = stored.data;
  const status = typeof payload.status === "number" ? payload.status : 0;

  const updated: ApplicationRecord = {
    ...record,
    status: status > 0 ? status : record.status,
    timeline: [
      ...record.timeline,
      { status, eventType: event.type, occurredAt: event.time, source: event.source, eventId: event.id },
    ],
    appointmentAt: stringField(payload, "appointmentAt") ?? record.appointmentAt,
    competentAuthorityCode: competentAuthorityCode(payload) ?? record.competentAuthorityCode,
    resultDocumentPath: stringField(payload, "downloadPath") ?? record.resultDocumentPath,
    updatedAt: ports.now().toISOString(),
  };
  return [{ kind: "put", collection: Collections.applications, id: record.dossierId, data: updated, expectedVersion: stored.version }];
}

function stringField(payload: Record<string, unknown>, field: string): string | undefined {
  const value = payload[field];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function competentAuthorityCode(payload: Record<string, unknown>): string | undefined {
  const authority = payload.competentAuthority as { code?: string } | undefined;
  return authority?.code || undefined;
}
