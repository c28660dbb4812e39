import { randomUUID } from "node:crypto";
import {
  EventTypes,
  decodeEvent,
  statusCarriedBy,
  type EventTypeName,
  type LifecycleEvent,
  type PayloadOf,
  type common,
} from "@lienthong/contracts";
import { DossierStatus, isDossierStatus } from "@lienthong/domain";
import { isPlatformId, type ConsumedEvent } from "@lienthong/service-host";
import { put, type WriteOp } from "@lienthong/storage";
import {
  applications,
  type ApplicationRecord,
  type SlipRecord,
  type SupplementRequestRecord,
  type TimelineEntry,
} from "../store/collections";
import type { IntakePorts } from "./ports";

/** What one event changes on the citizen-visible dossier; a field left out stays as it is. */
interface DossierChange {
  appointmentAt?: string;
  /** Widens who may see the dossier (boundary-free intake). */
  competentAuthority?: { code: string; name: string };
  /** The supplement request the event opens; `requestedAt` defaults to when the event occurred. */
  supplementRequest?: { requestedAt: string | undefined; missingItems: string[] };
  /** Where the signed result can be downloaded. */
  resultDocumentPath?: string;
  /** The signed result's document id. */
  resultDocumentId?: string;
  /** A signed slip, kept for the applicant's download links; `issuedAt` defaults to when the event occurred. */
  slip?: Omit<SlipRecord, "issuedAt"> & { issuedAt: string | undefined };
}

/** proto3 sends an unset string as "". */
function given(value: string | undefined): string | undefined {
  return value || undefined;
}

/** A document id as signature makes them (a UUID); anything else names nothing a link could serve. */
function documentId(value: string): string | undefined {
  return isPlatformId(value) ? value : undefined;
}

/** An agency without a code is an unset message field. */
function authority(agency: common.Agency | undefined): DossierChange["competentAuthority"] {
  return agency?.code ? { code: agency.code, name: agency.name } : undefined;
}

/**
 * What every lifecycle event of every service changes besides the status
 * (which the event catalog's statusCarriedBy says), by event name.
 * Exhaustive and typed by each event's payload: a new event type, or a
 * renamed proto field, fails to compile here instead of being skipped.
 */
const changes: { [N in EventTypeName]: (payload: PayloadOf<N>) => DossierChange } = {
  applicationSubmitted: () => ({}),
  applicationAccepted: (payload) => ({
    appointmentAt: given(payload.appointmentAt),
  }),
  applicationRefused: () => ({}),
  dossierRouted: (payload) => ({
    appointmentAt: given(payload.appointmentAt),
    competentAuthority: authority(payload.competentAuthority),
  }),
  supplementRequested: (payload) => ({
    supplementRequest: { requestedAt: given(payload.requestedAt), missingItems: payload.missingItems },
  }),
  dossierDecided: () => ({}),
  signatureRequested: (payload) => ({ competentAuthority: authority(payload.competentAuthority) }),
  resultIssued: (payload) => ({
    appointmentAt: given(payload.appointmentAt),
    resultDocumentPath: given(payload.downloadPath),
    resultDocumentId: documentId(payload.documentId),
  }),
  // intake's own: the supplement was already applied and the withdrawal noted when the request came in.
  supplementProvided: () => ({}),
  withdrawalRequested: () => ({}),
  dossierWithdrawn: () => ({}),
  dossierResumed: (payload) => ({
    appointmentAt: given(payload.appointmentAt),
  }),
  paymentRequested: () => ({}),
  paymentRecorded: () => ({}),
  dossierStopped: () => ({}),
  dossierTransferred: (payload) => ({ competentAuthority: authority(payload.toAuthority) }),
  deadlineDueSoon: (payload) => ({ appointmentAt: given(payload.appointmentAt) }),
  // Events from before apologies were the authority's act carried the new date; newer ones carry none.
  dossierOverdue: (payload) => ({ appointmentAt: given(payload.newAppointmentAt) }),
  apologyIssued: (payload) => ({ appointmentAt: given(payload.newAppointmentAt) }),
  // A flag to the unit that asked for the supplement: on the timeline only, the request stays open.
  supplementOverdue: () => ({}),
  resultReturned: () => ({}),
  documentSigned: (payload) => ({
    resultDocumentPath: given(payload.downloadPath),
    resultDocumentId: documentId(payload.documentId),
  }),
  signatureFailed: () => ({}),
  // Kept so that the public lookup hands the applicant a link to it, as to the result.
  slipIssued: (payload) => {
    const id = documentId(payload.documentId);
    return id === undefined ? {} : { slip: { kind: payload.kind, documentId: id, issuedAt: given(payload.issuedAt) } };
  },
  notificationDelivered: () => ({}),
  notificationFailed: () => ({}),
  // About a webhook endpoint, keyed by its id: no application matches, so nothing is recorded.
  notificationEndpointSuspended: () => ({}),
  notificationEndpointResumed: () => ({}),
};

/** The change of one decoded event: its name picks the entry typed for its payload. */
function changeOf<N extends EventTypeName>(event: { name: N; payload: PayloadOf<N> }): DossierChange {
  return changes[event.name](event.payload);
}

/** An event as the timeline keeps it: the status it carries (0 for none), its type, time, producer and id. */
function timelineEntry(
  event: { type: string; time: string; source: string; id: string },
  carried: number | undefined,
): TimelineEntry {
  return {
    status: isDossierStatus(carried) ? carried : 0,
    eventType: event.type,
    occurredAt: event.time,
    source: event.source,
    eventId: event.id,
  };
}

/** One of intake's own events, as its use cases make it: time set, id not yet. */
export type OwnEvent = LifecycleEvent & { time: string; headers?: Record<string, string> };

/**
 * Intake's own events with the dossier they were made for: each gets its id now, and its timeline entry goes
 * into the same commit as the event's outbox record. Intake never reads them back from the bus (its
 * `consumes` leaves its own topic out): the entry is there from the moment the event exists, before any other
 * service's answer to it.
 */
export function withOwnEvents(
  record: ApplicationRecord,
  events: readonly OwnEvent[],
): { record: ApplicationRecord; events: (OwnEvent & { id: string })[] } {
  const identified = events.map((event) => ({ ...event, id: randomUUID() }));
  const entries = identified.map((event) => {
    const decoded = decodeEvent(event.type, event.data);
    return timelineEntry({ ...event, source: EventTypes[decoded.name].producer }, statusCarriedBy(decoded));
  });
  return { record: { ...record, timeline: [...record.timeline, ...entries] }, events: identified };
}

/**
 * Keeps the citizen-visible timeline: every lifecycle event of another
 * service adds an entry once (its id in the entry tells a repeated delivery), and the dossier takes what the event changes (see
 * `changes`); intake's own events are entered as they are made (withOwnEvents).
 * Events for dossiers this intake never stored are ignored (another
 * province's intake owns them).
 */
export async function recordLifecycleEvent(ports: IntakePorts, event: ConsumedEvent): Promise<WriteOp[]> {
  const stored = await ports.store.get(applications, event.key);
  if (!stored) return [];
  // The entry's event id is the consumer's idempotency: a repeated delivery finds it and changes nothing.
  if (stored.data.timeline.some((entry) => entry.eventId === event.id)) return [];
  const record = stored.data;
  const change = changeOf(event);
  const carried = statusCarriedBy(event);
  const status = isDossierStatus(carried) ? carried : undefined;

  const updated: ApplicationRecord = {
    ...record,
    status: status ?? record.status,
    timeline: [...record.timeline, timelineEntry(event, carried)],
    appointmentAt: change.appointmentAt ?? record.appointmentAt,
    competentAuthorityCode: change.competentAuthority?.code ?? record.competentAuthorityCode,
    competentAuthorityName: change.competentAuthority?.name ?? record.competentAuthorityName ?? null,
    supplementRequest: supplementRequestAfter(change, status, event.time, record),
    resultDocumentPath: change.resultDocumentPath ?? record.resultDocumentPath,
    ...(change.resultDocumentId !== undefined && { resultDocumentId: change.resultDocumentId }),
    ...(change.slip !== undefined && { slips: withSlip(record.slips ?? [], change.slip, event.time) }),
    updatedAt: ports.now().toISOString(),
  };
  return [put(applications, record.dossierId, updated, stored.version)];
}

/** Opened by SupplementRequested; a status leaving 5 closes it (intake clears it itself when the supplement is provided). */
function supplementRequestAfter(
  change: DossierChange,
  status: DossierStatus | undefined,
  occurredAt: string,
  record: ApplicationRecord,
): SupplementRequestRecord | null {
  if (change.supplementRequest) {
    const { requestedAt, missingItems } = change.supplementRequest;
    return { requestedAt: requestedAt ?? occurredAt, missingItems };
  }
  const leavesSupplement = status !== undefined && status !== DossierStatus.SUPPLEMENT_REQUESTED;
  return leavesSupplement ? null : (record.supplementRequest ?? null);
}

/** The slips with one more, unless it is already there (a replayed event comes back under a new id). */
function withSlip(slips: readonly SlipRecord[], slip: NonNullable<DossierChange["slip"]>, occurredAt: string) {
  if (slips.some((kept) => kept.documentId === slip.documentId)) return [...slips];
  return [...slips, { ...slip, issuedAt: slip.issuedAt ?? occurredAt }];
}
