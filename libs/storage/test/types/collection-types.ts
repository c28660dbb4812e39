/**
 * Type-level tests of the typed storage port: compiled by the package's
 * typecheck (tsconfig.json includes test/), never run. Each
 * `@ts-expect-error` sits on the one line that must fail to compile; should
 * the types ever loosen, tsc reports the directive as unused and the
 * typecheck fails.
 */
import {
  defineCollection,
  put,
  remove,
  type AnyCollection,
  type DocumentStore,
  type Filter,
  type Query,
  type Versioned,
  type WriteOp,
} from "../../src";

/** A record with scalar, optional, nullable, nested and array fields, and no index signature. */
interface Dossier {
  code?: string | null;
  status: string;
  receivingUnit: string;
  receivedAt: string;
  pages?: number;
  urgent?: boolean;
  applicant: { name: string; phone?: string };
  attachments: { title: string; pages: number }[];
}

interface Counter {
  n: number;
}

const dossiers = defineCollection<Dossier>("dossiers", {
  indexes: [["status"], ["receivingUnit", "receivedAt"]],
  unique: [["code"]],
});
const counters = defineCollection<Counter>("counters");

const received: Dossier = {
  status: "received",
  receivingUnit: "000.00.06.H56",
  receivedAt: "2025-07-01T08:00:00Z",
  applicant: { name: "Nguyễn Văn A" },
  attachments: [{ title: "Tờ khai", pages: 2 }],
};

/** Correct usages: all of these compile. */
export async function correctUsages(store: DocumentStore): Promise<void> {
  await store.ensureCollections([dossiers, counters]);

  const ops: WriteOp[] = [
    put(dossiers, "d-1", received, 0),
    put(dossiers, "d-2", { ...received, code: null, pages: 3, urgent: true }),
    put(counters, "visits", { n: 1 }),
    remove(dossiers, "d-3"),
    remove(counters, "visits", 1),
  ];
  await store.commit(ops);

  const one: Versioned<Dossier> | undefined = await store.get(dossiers, "d-1");
  const name: string | undefined = one?.data.applicant.name;
  const visits: number | undefined = (await store.get(counters, "visits"))?.data.n;

  const query: Query<Dossier> = {
    where: { receivingUnit: "U1", status: "received", code: null, urgent: undefined },
    range: { field: "receivedAt", gte: "2025-07-01", lt: "2025-08-01" },
    orderBy: { field: "receivedAt", direction: "desc" },
    limit: 10,
  };
  const found: Versioned<Dossier>[] = await store.find(dossiers, query);
  const filter: Filter<Dossier> = { where: { pages: 3 }, range: { field: "pages", gte: 1 } };
  const counted: number = await store.count(dossiers, filter);
  await store.find(dossiers);
  await store.count(counters, { where: { n: 1 } });

  // A typed collection is still any collection where only names and indexes matter.
  const declared: AnyCollection[] = [dossiers, counters];
  void [name, visits, found, counted, declared];
}

/** What must not compile. */
export async function rejectedUsages(store: DocumentStore): Promise<void> {
  // A misspelt field in a record passed to put().
  put(dossiers, "d-1", {
    ...received,
    // @ts-expect-error -- "urgnet" is not a field of Dossier
    urgnet: true,
  });
  // A record of the wrong type for the collection.
  // @ts-expect-error -- a Counter record in the dossiers collection
  put(dossiers, "d-1", { n: 1 });
  // A field of the wrong type in a record.
  // @ts-expect-error -- Counter.n is a number
  put(counters, "visits", { n: "1" });

  // A misspelt field in where, orderBy and range.
  // @ts-expect-error -- "stauts" is not a field of Dossier
  await store.find(dossiers, { where: { stauts: "received" } });
  // @ts-expect-error -- "recievedAt" is not a field of Dossier
  await store.find(dossiers, { orderBy: { field: "recievedAt" } });
  // @ts-expect-error -- "recievedAt" is not a field of Dossier
  await store.count(dossiers, { range: { field: "recievedAt", gte: "2025-07-01" } });
  // A where value of the wrong type.
  // @ts-expect-error -- Dossier.urgent is a boolean, not a number
  await store.find(dossiers, { where: { urgent: 1 } });

  // A non-scalar field (an object, an array) in where, orderBy or range.
  // @ts-expect-error -- applicant is an object
  await store.find(dossiers, { where: { applicant: { name: "Nguyễn Văn A" } } });
  // @ts-expect-error -- attachments is an array
  await store.count(dossiers, { where: { attachments: [] } });
  // @ts-expect-error -- applicant is an object
  await store.find(dossiers, { orderBy: { field: "applicant" } });

  // A misspelt or non-scalar field in the indexes of defineCollection.
  // @ts-expect-error -- "stauts" is not a field of Dossier
  defineCollection<Dossier>("dossiers", { indexes: [["stauts"]] });
  // @ts-expect-error -- "recievedAt" is not a field of Dossier
  defineCollection<Dossier>("dossiers", { indexes: [["receivingUnit", "recievedAt"]] });
  // @ts-expect-error -- "cdoe" is not a field of Dossier
  defineCollection<Dossier>("dossiers", { unique: [["cdoe"]] });
  // @ts-expect-error -- applicant is an object
  defineCollection<Dossier>("dossiers", { indexes: [["applicant"]] });
  // @ts-expect-error -- attachments is an array
  defineCollection<Dossier>("dossiers", { unique: [["attachments"]] });

  // An object literal is not a WriteOp: writes are made by put() and remove() only.
  // @ts-expect-error -- a put without put()
  const literalPut: WriteOp = { kind: "put", collection: "dossiers", id: "d-1", data: received };
  // @ts-expect-error -- a delete without remove()
  const literalDelete: WriteOp = { kind: "delete", collection: "dossiers", id: "d-1" };
  await store.commit([
    // @ts-expect-error -- an object literal in a commit
    { kind: "put", collection: "counters", id: "visits", data: { n: 1 } },
  ]);

  // Collections are objects, not names.
  // @ts-expect-error -- a collection name instead of a Collection
  await store.get("dossiers", "d-1");
  // @ts-expect-error -- a collection name instead of a Collection
  await store.ensureCollections(["dossiers"]);

  void [literalPut, literalDelete];
}
