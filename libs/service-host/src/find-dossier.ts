import { DOSSIER_CODE_PATTERN } from "@lienthong/domain";
import type { Collection, DocumentStore, Query, Versioned } from "@lienthong/storage";

/**
 * Callers name a dossier by its code (what people read) or its id (what
 * events carry). A collection keyed by dossier id with an indexed
 * `dossierCode` field answers both.
 */
export async function findDossier<T extends { dossierCode: string }>(
  store: DocumentStore,
  collection: Collection<T>,
  dossierRef: string,
): Promise<Versioned<T> | undefined> {
  if (!DOSSIER_CODE_PATTERN.test(dossierRef)) return store.get(collection, dossierRef);
  // T is only known to have dossierCode; the query names exactly that field.
  const byCode = { where: { dossierCode: dossierRef }, limit: 1 } as unknown as Query<T>;
  const [found] = await store.find(collection, byCode);
  return found;
}
