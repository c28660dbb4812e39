import { findDossier } from "@lienthong/service-host";
import type { DocumentStore, Versioned } from "@lienthong/storage";
import { applications, type ApplicationRecord } from "./collections";

/** A dossier by dossier code or by id, with its version for a conditional update. */
export function findApplication(
  store: DocumentStore,
  dossierRef: string,
): Promise<Versioned<ApplicationRecord> | undefined> {
  return findDossier(store, applications, dossierRef);
}
