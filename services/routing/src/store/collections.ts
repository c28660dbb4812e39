import type { CollectionSpec } from "@lienthong/storage";

export interface AgencyRecord {
  code: string;
  name: string;
  level: number;
  communeCode: string;
  provinceCode: string;
}

/** Routing's view of one dossier (collection `assignments`, id = dossier id). */
export interface AssignmentRecord {
  [field: string]: unknown;
  dossierId: string;
  dossierCode: string;
  status: number;
  procedureCode: string;
  procedureName: string;
  competentAuthority: AgencyRecord;
  /** Top-level copy of competentAuthority.code, for the per-agency queue index. */
  competentAuthorityCode: string;
  receivingUnitCode: string;
  acceptedAt: string;
  appointmentAt: string;
  /** Printed on the result document: personal data, payload only. */
  applicantFullName: string;
  /** The dossier's trace (W3C traceparent) so officials' later actions join it. */
  traceparent: string;
  decision: { outcome: number; officialId: string; summary: string; decidedAt: string; signatureRequestId: string } | null;
  result: { documentId: string; downloadPath: string; issuedAt: string; timeliness: number } | null;
  updatedAt: string;
}

export const Collections = { assignments: "assignments" } as const;

export const routingCollections: CollectionSpec[] = [
  {
    name: Collections.assignments,
    unique: [["dossierCode"]],
    indexes: [["competentAuthorityCode", "status"], ["status", "appointmentAt"]],
  },
];
