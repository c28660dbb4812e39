import type { CollectionSpec } from "@lienthong/storage";

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
}

/** The application record intake owns (collection `applications`, id = dossier id). */
export interface ApplicationRecord {
  [field: string]: unknown;
  dossierId: string;
  dossierCode: string;
  status: number;
  procedureCode: string;
  receivingUnitCode: string;
  applicantCommuneCode: string;
  channel: number;
  /** Personal data: kept in the record, never in logs, spans or responses to commune systems. */
  applicant: ApplicantRecord;
  formFields: Record<string, string>;
  /** The commune system (tenant) that handed the application in. */
  clientId: string;
  submittedAt: string;
  appointmentAt: string | null;
  competentAuthorityCode: string | null;
  resultDocumentPath: string | null;
  timeline: TimelineEntry[];
  updatedAt: string;
}

/** Remembers what an Idempotency-Key was first used for (id = `<clientId>:<key>`). */
export interface IdempotencyRecord {
  [field: string]: unknown;
  dossierId: string;
  requestHash: string;
}

/** The daily dossier-code sequence of one receiving unit (id = dossierSequenceKey). */
export interface SequenceRecord {
  [field: string]: unknown;
  last: number;
}

export const Collections = {
  applications: "applications",
  idempotency: "idempotency_keys",
  sequences: "dossier_sequences",
} as const;

export const intakeCollections: CollectionSpec[] = [
  {
    name: Collections.applications,
    unique: [["dossierCode"]],
    indexes: [["clientId", "submittedAt"], ["receivingUnitCode", "submittedAt"], ["status"]],
  },
  { name: Collections.idempotency },
  { name: Collections.sequences },
];
