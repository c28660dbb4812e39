import { dossierSequenceKey, parseDossierCode, type ReceivingUnit } from "@lienthong/domain";
import { StoreCannotWriteError, openDocumentStore, put, type DocumentStore, type WriteOp } from "@lienthong/storage";
import { tempDir, type TempDir } from "@lienthong/testing";
import { dossierSequences, intakeCollections, type ApplicationRecord } from "../src/store/collections";
import { DossierRegistrar, type ApplicationDraft } from "../src/store/dossier-registrar";

const UNIT: ReceivingUnit = {
  kind: "commune_centre",
  code: "14845",
  provinceCode: "14",
  name: "UBND xã Mường Lát",
  agencyCode: "14845",
};

/** What the registrar stores of a draft: only the fields its collections index matter here. */
function draft(): ApplicationDraft {
  return {
    receivingUnit: UNIT,
    build: ({ dossierId, dossierCode, submittedAt }) => ({
      application: {
        dossierId,
        dossierCode,
        receivingUnitCode: UNIT.code,
        status: 1,
        competentAuthorityCode: null,
        listKey: `${submittedAt.toISOString()}|${dossierId}`,
      } as ApplicationRecord,
      events: [],
    }),
  };
}

const sequenceOf = (application: ApplicationRecord) => parseDossierCode(application.dossierCode)?.sequence;

describe("dossier registrar: the counter it committed last", () => {
  let dir: TempDir;
  let store: DocumentStore;
  let now: Date;
  /** The registrar's commit; a test may make the next one fail. */
  let failNextCommit: boolean;
  let registrar: DossierRegistrar;
  let counterReads: jest.SpyInstance;

  beforeEach(async () => {
    dir = await tempDir("intake-registrar");
    store = await openDocumentStore({ kind: "embedded", path: dir.file("store.db") });
    await store.ensureCollections(intakeCollections);
    now = new Date("2026-12-07T03:00:00Z");
    failNextCommit = false;
    const commit = async (ops: WriteOp[]) => {
      if (failNextCommit) {
        failNextCommit = false;
        throw new StoreCannotWriteError("the disk is full");
      }
      await store.commit(ops);
    };
    registrar = new DossierRegistrar(store, commit, () => now);
    counterReads = jest.spyOn(store, "get");
  });

  afterEach(async () => {
    await store?.close();
    await dir?.remove();
  });

  const readsOfCounter = () => counterReads.mock.calls.filter(([collection]) => collection === dossierSequences).length;
  const counterId = () => dossierSequenceKey(UNIT.agencyCode, now);

  test("a unit's next batch starts from the counter its last commit left, without reading it back", async () => {
    const first = await registrar.register(draft());
    const second = await registrar.register(draft());
    const third = await registrar.register(draft());

    expect([first, second, third].map(sequenceOf)).toEqual([1, 2, 3]);
    expect(readsOfCounter()).toBe(1);
    expect((await store.get(dossierSequences, counterId()))?.data.last).toBe(3);
  });

  test("codes another process took meanwhile: the batch loses the race, reads, takes the next free code; each later batch of the day reads first", async () => {
    expect(sequenceOf(await registrar.register(draft()))).toBe(1);
    // Another intake on the same store issues codes 2 to 5.
    await store.commit([put(dossierSequences, counterId(), { last: 5 }, 1)]);

    expect(sequenceOf(await registrar.register(draft()))).toBe(6);
    expect(readsOfCounter()).toBe(2);
    expect(sequenceOf(await registrar.register(draft()))).toBe(7);
    expect(readsOfCounter()).toBe(3);

    // A new day's counter is remembered again until it, too, is found shared.
    now = new Date("2026-12-08T03:00:00Z");
    expect(sequenceOf(await registrar.register(draft()))).toBe(1);
    expect(sequenceOf(await registrar.register(draft()))).toBe(2);
    expect(readsOfCounter()).toBe(4);
  });

  test("a commit that failed: the next batch reads the counter as the store holds it", async () => {
    expect(sequenceOf(await registrar.register(draft()))).toBe(1);
    failNextCommit = true;
    await expect(registrar.register(draft())).rejects.toBeInstanceOf(StoreCannotWriteError);

    expect(sequenceOf(await registrar.register(draft()))).toBe(2);
    expect(readsOfCounter()).toBe(2);
  });
});
