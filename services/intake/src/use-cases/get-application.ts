import { DOSSIER_CODE_PATTERN } from "@lienthong/domain";
import { notFound } from "@lienthong/service-kit";
import { Collections, type ApplicationRecord } from "../store/collections";
import type { IntakePorts } from "./ports";

/** Finds a dossier by id or by dossier code. */
export async function getApplication(ports: IntakePorts, dossierRef: string): Promise<ApplicationRecord> {
  const found = await findApplication(ports, dossierRef);
  if (!found) throw notFound("application", dossierRef);
  return found;
}

export async function findApplication(ports: IntakePorts, dossierRef: string): Promise<ApplicationRecord | undefined> {
  if (DOSSIER_CODE_PATTERN.test(dossierRef)) {
    const [byCode] = await ports.store.find<ApplicationRecord>(Collections.applications, {
      where: { dossierCode: dossierRef },
      limit: 1,
    });
    return byCode?.data;
  }
  return (await ports.store.get<ApplicationRecord>(Collections.applications, dossierRef))?.data;
}

/** What a commune system sees of a dossier: everything but the applicant's personal data. */
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
    timeline: record.timeline,
    resultDocumentPath: record.resultDocumentPath ?? "",
  };
}
export type ApplicationView = ReturnType<typeof applicationView>;
