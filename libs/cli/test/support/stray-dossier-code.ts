import { formatDossierCode } from "@lienthong/domain";
import { defineCollection, put, remove, type DocumentStore } from "@lienthong/storage";

/** Routing's stored dossiers, as far as a stray record needs them: a code. */
const assignments = defineCollection<Record<string, unknown>>("assignments");
const strayId = (code: string) => `stray-${code}`;

/**
 * A fault that dead-letters a dossier's submission at routing: a stray record
 * in routing's store holds the code the unit's next dossier gets (as a
 * botched data migration would leave), so routing cannot take the dossier in.
 * Held for the code of the unit's first dossier of the day, today and (should
 * a test straddle midnight) tomorrow; `release` mends it. `routing` is its
 * service host, or its store opened beside its process.
 */
export async function holdNextDossierCode(
  routing: { store: DocumentStore },
  unitCode: string,
): Promise<{ codes: string[]; release: () => Promise<void> }> {
  const codes = [
    ...new Set([0, 10 * 60_000].map((ahead) => formatDossierCode(unitCode, new Date(Date.now() + ahead), 1))),
  ];
  await routing.store.commit(codes.map((code) => put(assignments, strayId(code), { dossierCode: code }, 0)));
  return {
    codes,
    release: () => routing.store.commit(codes.map((code) => remove(assignments, strayId(code)))),
  };
}
