import { DOSSIER_CODE_PATTERN } from "@lienthong/domain";
import type { DocumentData, DocumentStore, Versioned } from "@lienthong/storage";

/**
 * Callers name a dossier by its code (what people read) or its id (what
 * events carry). A collection keyed by dossier id with an indexed
 * `dossierCode` field answers both.
 */
export async function findDossier<T extends DocumentData>(
  store: DocumentStore,
  collection: string,
  dossierRef: string,
): Promise<Versioned<T> | undefined> {
  if (!DOSSIER_CODE_PATTERN.test(dossierRef)) return store.get<T>(collection, dossierRef);
  const [byCode] = await store.find<T>(collection, { where: { dossierCode: dossierRef }, limit: 1 });
  return byCode;
}
