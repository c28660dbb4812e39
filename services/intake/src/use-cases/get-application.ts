import { visibleApplication } from "../auth/access";
import type { ApplicationRecord } from "../store/collections";
import type { Caller, IntakePorts } from "./ports";

/** One dossier by id or by dossier code, when the caller may see it (NOT_FOUND otherwise). */
export async function getApplication(
  ports: IntakePorts,
  caller: Caller,
  dossierRef: string,
): Promise<ApplicationRecord> {
  return (await visibleApplication(ports, caller, dossierRef, "get")).data;
}

/** What a commune system sees of a dossier: everything but the applicant's personal data and the form. */
export function applicationView(record: ApplicationRecord) {
  return {
    dossierId: record.dossierId,
    dossierCode: record.dossierCode,
    status: record.status,
    procedureCode: record.procedureCode,
    receivingUnitCode: record.receivingUnitCode,
    applicantCommuneCode: record.applicantCommuneCode,
    channel: record.channel,
    submittedAt: record.submittedAt,
    appointmentAt: record.appointmentAt ?? undefined,
    competentAuthorityCode: record.competentAuthorityCode ?? "",
    competentAuthorityName: record.competentAuthorityName ?? "",
    attachments: (record.attachments ?? []).map(({ name, mediaType, sizeBytes, sha256 }) => ({
      name,
      mediaType,
      sizeBytes,
      sha256,
    })),
    timeline: record.timeline,
    resultDocumentPath: record.resultDocumentPath ?? "",
  };
}
export type ApplicationView = ReturnType<typeof applicationView>;
