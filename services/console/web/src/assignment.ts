/** A dossier as routing shows it (GET /ops/dossiers/:ref, GET /v1/queues/:agencyCode). */
export interface Assignment {
  dossierId: string;
  dossierCode: string;
  status: number;
  procedureCode: string;
  procedureName: string;
  receivingUnitCode: string;
  competentAuthority?: { code: string; name: string };
  acceptedAt?: string;
  appointmentAt?: string;
  clock: "not_started" | "running" | "paused" | "stopped";
  deadlineState: "within_deadline" | "due_soon" | "overdue";
}
