import type { common, events } from "@lienthong/contracts";
import type { DossierStatus } from "@lienthong/domain";
import { defineCollection } from "@lienthong/storage";

/** One status change on the citizen-visible timeline (a projection of every service's events). */
export interface TimelineEntry {
  /** The status after the event; 0 for events that do not change it. */
  status: number;
  eventType: string;
  occurredAt: string;
  source: string;
  eventId: string;
}

export interface ApplicantRecord {
  fullName: string;
  citizenId: string;
  phone: string;
  email: string;
  address: string;
  /** The channels the applicant agreed to be told on; absent when the submission did not ask (decision 60). */
  notificationPreferences?: common.NotificationPreferences;
}

/** An attachment as metadata: intake keeps no content, only what identifies it. */
export interface AttachmentRecord {
  name: string;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
}

/** The open supplement request (status 5), from routing's SupplementRequested. */
export interface SupplementRequestRecord {
  requestedAt: string;
  missingItems: string[];
}

/** A signed slip of the dossier (decision 58): what the applicant's download link names. */
export interface SlipRecord {
  kind: events.SlipKind;
  documentId: string;
  issuedAt: string;
}

/** The application record intake owns (collection `applications`, id = dossier id). */
export interface ApplicationRecord {
  dossierId: string;
  dossierCode: string;
  /** The status the portal sees (1–10), projected from every service's events. */
  status: DossierStatus;
  procedureCode: string;
  receivingUnitCode: string;
  applicantCommuneCode: string;
  /** Land and construction procedures: where the land lies (decides competence); null otherwise. */
  landCommuneCode: string | null;
  channel: number;
  /** Personal data: kept in the record, never in logs, spans or responses to commune systems. */
  applicant: ApplicantRecord;
  formFields: Record<string, string>;
  attachments: AttachmentRecord[];
  /** The commune system (tenant) that handed the application in. */
  clientId: string;
  submittedAt: string;
  /** `<submittedAt>|<dossierId>`: a unique, time-ordered key for newest-first listing and its cursor. */
  listKey: string;
  appointmentAt: string | null;
  /** Set by routing (DossierRouted, DossierTransferred); with boundary-free intake it may differ from the receiving unit. */
  competentAuthorityCode: string | null;
  competentAuthorityName: string | null;
  /** Open while the dossier waits for the applicant's supplement; cleared once it is provided. */
  supplementRequest: SupplementRequestRecord | null;
  /** When the applicant asked to withdraw; routing decides and answers with DossierWithdrawn. */
  withdrawalRequestedAt: string | null;
  resultDocumentPath: string | null;
  /**
   * The signed result's document id (DocumentSigned, ResultIssued): what the
   * applicant's download link names. Absent until the result is signed, and
   * on records projected before it was kept (then read from resultDocumentPath).
   */
  resultDocumentId?: string;
  /** The desk's signed slips (SlipIssued), oldest first; absent until the first. */
  slips?: SlipRecord[];
  timeline: TimelineEntry[];
  updatedAt: string;
}

/**
 * Listing reads one tenant unit at a time, as the receiving unit or as the
 * competent authority, newest first (listKey), optionally by status; a caller
 * acting for many units scans listKey (optionally by status) instead. Each of
 * those reads has its index.
 */
export const applications = defineCollection<ApplicationRecord>("applications", {
  unique: [["dossierCode"]],
  indexes: [
    ["receivingUnitCode", "listKey"],
    ["receivingUnitCode", "status", "listKey"],
    ["competentAuthorityCode", "listKey"],
    ["competentAuthorityCode", "status", "listKey"],
    ["listKey"],
    ["status", "listKey"],
  ],
});

/** Remembers what an Idempotency-Key was first used for (id = `<clientId>:<key>`). */
export interface IdempotencyRecord {
  dossierId: string;
  requestHash: string;
}

export const idempotencyKeys = defineCollection<IdempotencyRecord>("idempotency_keys");

/** The daily dossier-code sequence of one receiving unit (id = dossierSequenceKey). */
export interface SequenceRecord {
  last: number;
}

export const dossierSequences = defineCollection<SequenceRecord>("dossier_sequences");

/** Everything intake stores, for ensureCollections at start. */
export const intakeCollections = [applications, idempotencyKeys, dossierSequences];
