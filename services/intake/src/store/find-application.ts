import { DOSSIER_CODE_PATTERN } from "@lienthong/domain";
import type { DocumentStore, Versioned } from "@lienthong/storage";
import { Collections, type ApplicationRecord } from "./collections";

/** A dossier by dossier code or by id, with its version for a conditional update. */
export async function findApplication(store: DocumentStore, dossierRef: string): Promise<Versioned<ApplicationRecord> | undefined> {
  if (DOSSIER_CODE_PATTERN.test(dossierRef)) {
    const [byCode] = await store.find<ApplicationRecord>(Collections.applications, { where: { dossierCode: dossierRef }, limit: 1 });
    return byCode;
  }
  return store.get<ApplicationRecord>(Collections.applications, dossierRef);
}
