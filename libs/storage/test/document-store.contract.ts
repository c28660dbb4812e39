/**
 * The DocumentStore contract: every adapter runs this same suite
 * (ARCHITECTURE.md §3), so services can rely on identical semantics in
 * embedded and distributed mode.
 */
import {
  ConflictError,
  InvalidStoreRequestError,
  defineCollection,
  put,
  remove,
  type DocumentStore,
  type Filter,
  type Scalar,
  type WriteOp,
} from "../src";

interface Dossier {
  code?: string | null;
  status: string;
  receivingUnit: string;
  receivedAt: string;
  pages?: number | string;
  urgent?: boolean;
}

/** One number per receiving unit and day, never reused: a dossier-code sequence. */
interface SequenceNumber {
  unitCode: string;
  day: string;
  number: number;
}

interface Counter {
  n: number;
}

/** A record with nested objects, arrays, Vietnamese text and edge-case numbers, for the round-trip test. */
const SAMPLE = {
  procedure: {
    code: "1.000894",
    name: "Đăng ký kết hôn",
    agency: { code: "000.00.06.H56", name: "UBND phường Hạc Thành" },
  },
  note: "Hồ sơ đã được tiếp nhận — hẹn trả ngày 03/11/2023 (thứ Sáu)",
  attachments: [
    { title: "Tờ khai đăng ký kết hôn", pages: 2 },
    { title: "Giấy xác nhận tình trạng hôn nhân", pages: 1 },
  ],
  steps: ["tiếp nhận", "thụ lý", "trả kết quả"],
  fee: 0,
  ratio: -12.375,
  big: 9007199254740991,
  flags: { online: true, paid: false },
  missing: null,
  empty: { list: [], object: {} },
};

const dossiers = defineCollection<Dossier>("dossiers", {
  indexes: [["status"], ["receivingUnit", "receivedAt"]],
  unique: [["code"]],
});
const sequences = defineCollection<SequenceNumber>("sequences", { unique: [["unitCode", "day", "number"]] });
const counters = defineCollection<Counter>("counters");
const samples = defineCollection<typeof SAMPLE>("samples");
const COLLECTIONS = [dossiers, sequences, counters, samples];

/**
 * The dossiers collection as an untyped caller (plain JavaScript, a careless
 * cast) sees it: any field name, any scalar value. The Dossier type forbids
 * such queries at compile time, but the adapters must still refuse or compare
 * them correctly at run time; tests reach that input only through this.
 */
const untypedDossiers = defineCollection<Record<string, Scalar>>("dossiers");

function dossier(id: string, fields: Partial<Dossier> = {}, expectedVersion?: number): WriteOp {
  return put(
    dossiers,
    id,
    { status: "received", receivingUnit: "000.00.06.H56", receivedAt: "2025-07-01T08:00:00Z", ...fields },
    expectedVersion,
  );
}

async function conflictOf(promise: Promise<unknown>): Promise<ConflictError> {
  const error: unknown = await promise.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  if (!(error instanceof ConflictError)) {
    throw new Error(
      `expected a ConflictError, got ${error instanceof Error ? `${error.name}: ${error.message}` : "success"}`,
    );
  }
  return error;
}

const INVALID_REQUEST = { code: "INTERNAL", reason: "INVALID_STORE_REQUEST", retriable: false };

export function describeDocumentStoreContract(name: string, open: () => Promise<DocumentStore>): void {
  describe(`DocumentStore contract: ${name}`, () => {
    let store: DocumentStore;

    beforeEach(async () => {
      store = await open();
      await store.ensureCollections(COLLECTIONS);
    });

    afterEach(async () => {
      await store.close();
    });

    it("reports itself ready and names its adapter", async () => {
      expect(await store.ping()).toBe(true);
      expect(store.adapter).toBe(name);
    });

    it("stores a document at version 1 and increments the version on every put", async () => {
      expect(await store.get(dossiers, "d-1")).toBeUndefined();
      await store.commit([dossier("d-1", { status: "received" })]);
      expect(await store.get(dossiers, "d-1")).toEqual({
        id: "d-1",
        version: 1,
        data: { status: "received", receivingUnit: "000.00.06.H56", receivedAt: "2025-07-01T08:00:00Z" },
      });
      await store.commit([dossier("d-1", { status: "accepted" })]);
      await store.commit([dossier("d-1", { status: "decided" })]);
      const stored = await store.get(dossiers, "d-1");
      expect(stored?.version).toBe(3);
      expect(stored?.data.status).toBe("decided");
    });

    it("keeps data across ensureCollections calls (idempotent)", async () => {
      await store.commit([dossier("d-1", { code: "000.00.06.H56-250701-0001" })]);
      await store.ensureCollections(COLLECTIONS);
      expect((await store.get(dossiers, "d-1"))?.version).toBe(1);
      await expect(store.commit([dossier("d-2", { code: "000.00.06.H56-250701-0001" })])).rejects.toBeInstanceOf(
        ConflictError,
      );
    });

    it("rejects expectedVersion 0 on an existing document with a retriable ConflictError naming collection and id", async () => {
      await store.commit([dossier("d-1")]);
      const conflict = await conflictOf(store.commit([dossier("d-1", { status: "secret-value" }, 0)]));
      expect(conflict).toMatchObject({
        code: "CONFLICT",
        reason: "VERSION_MISMATCH",
        retriable: true,
        collection: "dossiers",
        id: "d-1",
        conflict: { kind: "version", expected: 0, actual: 1 },
      });
      expect(conflict.message).toContain("dossiers");
      expect(conflict.message).toContain("d-1");
      expect(conflict.message).not.toContain("secret-value");
      expect((await store.get(dossiers, "d-1"))?.data.status).toBe("received");
    });

    it("applies a put only at the expected version", async () => {
      await store.commit([dossier("d-1", {}, 0)]);
      await store.commit([dossier("d-1", { status: "accepted" }, 1)]);
      const stale = await conflictOf(store.commit([dossier("d-1", { status: "rejected" }, 1)]));
      expect(stale.conflict).toEqual({ kind: "version", expected: 1, actual: 2 });
      const missing = await conflictOf(store.commit([dossier("d-404", {}, 3)]));
      expect(missing.conflict).toEqual({ kind: "version", expected: 3, actual: undefined });
      expect(await store.get(dossiers, "d-404")).toBeUndefined();
      const stored = await store.get(dossiers, "d-1");
      expect(stored).toMatchObject({ version: 2, data: { status: "accepted" } });
    });

    it("writes nothing of a batch when its third operation conflicts", async () => {
      await store.commit([dossier("existing", { status: "received" }), put(counters, "c", { n: 1 })]);
      const conflict = await conflictOf(
        store.commit([
          dossier("new-one"),
          dossier("existing", { status: "accepted" }),
          put(counters, "c", { n: 2 }, 0),
        ]),
      );
      expect(conflict).toMatchObject({ collection: "counters", id: "c" });
      expect(await store.get(dossiers, "new-one")).toBeUndefined();
      expect(await store.get(dossiers, "existing")).toMatchObject({ version: 1, data: { status: "received" } });
      expect(await store.get(counters, "c")).toMatchObject({ version: 1, data: { n: 1 } });
    });

    it("applies a batch touching one document twice in order", async () => {
      await store.commit([dossier("d-1", { status: "received" }, 0), dossier("d-1", { status: "accepted" }, 1)]);
      expect(await store.get(dossiers, "d-1")).toMatchObject({ version: 2, data: { status: "accepted" } });
    });

    it("rejects a unique-index violation with a ConflictError naming the fields, not the value, and rolls the batch back", async () => {
      const code = "000.00.06.H56-250701-0361";
      await store.commit([dossier("d-1", { code })]);
      const conflict = await conflictOf(
        store.commit([dossier("d-3", { code: "000.00.06.H56-250701-0362" }), dossier("d-2", { code })]),
      );
      expect(conflict).toMatchObject({
        code: "CONFLICT",
        reason: "UNIQUE_VIOLATION",
        retriable: true,
        collection: "dossiers",
        id: "d-2",
        conflict: { kind: "unique", fields: ["code"] },
      });
      expect(conflict.message).toContain("code");
      expect(conflict.message).not.toContain(code);
      expect(await store.get(dossiers, "d-3")).toBeUndefined();
      // Rewriting the owner with its own value is not a violation.
      await store.commit([dossier("d-1", { code, status: "accepted" })]);
      expect((await store.get(dossiers, "d-1"))?.version).toBe(2);
    });

    it("enforces uniqueness only when the fields are present and not null", async () => {
      await store.commit([dossier("a"), dossier("b"), dossier("c", { code: null }), dossier("d", { code: null })]);
      expect(await store.count(dossiers)).toBe(4);
      const sequence = (id: string, number: number): WriteOp =>
        put(sequences, id, { unitCode: "000.00.06.H56", day: "250701", number });
      await store.commit([sequence("s-1", 1), sequence("s-2", 2)]);
      const conflict = await conflictOf(store.commit([sequence("s-3", 2)]));
      expect(conflict.conflict).toEqual({ kind: "unique", fields: ["unitCode", "day", "number"] });
    });

    describe("queries", () => {
      beforeEach(async () => {
        await store.commit([
          dossier("d-1", { status: "received", receivingUnit: "U1", receivedAt: "2025-07-01T08:00:00Z", pages: 5 }),
          dossier("d-2", {
            status: "accepted",
            receivingUnit: "U1",
            receivedAt: "2025-07-02T08:00:00Z",
            pages: "5",
            urgent: true,
          }),
          dossier("d-3", {
            status: "received",
            receivingUnit: "U2",
            receivedAt: "2025-07-03T08:00:00Z",
            pages: 12,
            urgent: false,
          }),
          dossier("d-4", { status: "received", receivingUnit: "U1", receivedAt: "2025-07-04T08:00:00Z", pages: 1 }),
          dossier("d-5", { status: "decided", receivingUnit: "U1", receivedAt: "2025-07-05T08:00:00Z" }),
        ]);
      });

      const ids = (documents: { id: string }[]): string[] => documents.map((document) => document.id);

      it("returns every document in insertion order without a query", async () => {
        expect(ids(await store.find(dossiers))).toEqual(["d-1", "d-2", "d-3", "d-4", "d-5"]);
      });

      it("filters on equality of several fields", async () => {
        expect(ids(await store.find(dossiers, { where: { status: "received", receivingUnit: "U1" } }))).toEqual([
          "d-1",
          "d-4",
        ]);
        expect(await store.find(dossiers, { where: { status: "withdrawn" } })).toEqual([]);
      });

      it("ignores a where key whose value is undefined: it filters nothing", async () => {
        // What a typed caller builds from optional inputs; unlike null, undefined does not mean "absent".
        const filter = (receivingUnit?: string, status?: string): Filter<Dossier> => ({
          where: { receivingUnit, status },
        });
        expect(ids(await store.find(dossiers, filter()))).toEqual(["d-1", "d-2", "d-3", "d-4", "d-5"]);
        expect(ids(await store.find(dossiers, filter("U1")))).toEqual(["d-1", "d-2", "d-4", "d-5"]);
        expect(ids(await store.find(dossiers, filter(undefined, "received")))).toEqual(["d-1", "d-3", "d-4"]);
        expect(await store.count(dossiers, filter())).toBe(5);
        expect(await store.count(dossiers, filter("U1", undefined))).toBe(4);
        expect(await store.count(dossiers, { where: { urgent: undefined } })).toBe(5);
        expect(
          ids(await store.find(dossiers, { where: { urgent: undefined, pages: 5 }, orderBy: { field: "receivedAt" } })),
        ).toEqual(["d-1"]);
      });

      it("compares values by type: a number never equals a string, true never equals 1", async () => {
        expect(ids(await store.find(dossiers, { where: { pages: 5 } }))).toEqual(["d-1"]);
        expect(ids(await store.find(dossiers, { where: { pages: "5" } }))).toEqual(["d-2"]);
        expect(ids(await store.find(dossiers, { where: { urgent: true } }))).toEqual(["d-2"]);
        expect(ids(await store.find(dossiers, { where: { urgent: false } }))).toEqual(["d-3"]);
        // Dossier.urgent is a boolean, so `urgent: 1` does not compile: only an untyped caller can send it.
        expect(await store.find(untypedDossiers, { where: { urgent: 1 } })).toEqual([]);
        // The port documents null as matching an absent field, but Query<Dossier> types where.urgent as
        // boolean | undefined (the record does not declare null), hence the untyped collection here too.
        expect(ids(await store.find(untypedDossiers, { where: { urgent: null } }))).toEqual(["d-1", "d-4", "d-5"]);
      });

      it("filters on a range with an inclusive lower and exclusive upper bound", async () => {
        expect(
          ids(
            await store.find(dossiers, {
              range: { field: "receivedAt", gte: "2025-07-02T00:00:00Z", lt: "2025-07-04T08:00:00Z" },
            }),
          ),
        ).toEqual(["d-2", "d-3"]);
        expect(
          ids(await store.find(dossiers, { range: { field: "receivedAt", gte: "2025-07-04T08:00:00Z" } })),
        ).toEqual(["d-4", "d-5"]);
        // Numeric bounds range over numbers only, never over the string "5".
        expect(ids(await store.find(dossiers, { range: { field: "pages", gte: 2, lt: 100 } }))).toEqual(["d-1", "d-3"]);
      });

      it("holds every range of a list at once, on indexed and other fields, with order and limit", async () => {
        const inU1Before4th = await store.find(dossiers, {
          where: { receivingUnit: "U1" },
          range: [
            { field: "receivedAt", lt: "2025-07-05T00:00:00Z" },
            { field: "pages", gte: 1 },
          ],
          orderBy: { field: "receivedAt", direction: "desc" },
          limit: 5,
        });
        // d-2's pages are the string "5": a numeric bound never ranges over it; d-5 is after the date bound.
        expect(ids(inU1Before4th)).toEqual(["d-4", "d-1"]);
        expect(
          await store.count(dossiers, {
            range: [
              { field: "pages", lt: 10 },
              { field: "receivedAt", gte: "2025-07-02" },
            ],
          }),
        ).toBe(1);
        expect(ids(await store.find(dossiers, { range: [] }))).toEqual(["d-1", "d-2", "d-3", "d-4", "d-5"]);
        await expect(
          store.find(untypedDossiers, {
            range: [
              { field: "pages", gte: 1 },
              { field: "$where", lt: 1 },
            ],
          }),
        ).rejects.toBeInstanceOf(InvalidStoreRequestError);
      });

      it("orders, limits and combines every clause", async () => {
        expect(
          ids(await store.find(dossiers, { orderBy: { field: "receivedAt", direction: "desc" }, limit: 2 })),
        ).toEqual(["d-5", "d-4"]);
        expect(ids(await store.find(dossiers, { orderBy: { field: "pages" } }))).toEqual([
          "d-5",
          "d-4",
          "d-1",
          "d-3",
          "d-2",
        ]);
        const newestReceivedInU1 = await store.find(dossiers, {
          where: { receivingUnit: "U1", status: "received" },
          range: { field: "receivedAt", lt: "2025-07-05T00:00:00Z" },
          orderBy: { field: "receivedAt", direction: "desc" },
          limit: 1,
        });
        expect(newestReceivedInU1).toEqual([
          {
            id: "d-4",
            version: 1,
            data: { status: "received", receivingUnit: "U1", receivedAt: "2025-07-04T08:00:00Z", pages: 1 },
          },
        ]);
      });

      it("keeps insertion order among equal sort keys", async () => {
        expect(ids(await store.find(dossiers, { orderBy: { field: "status" } }))).toEqual([
          "d-2",
          "d-5",
          "d-1",
          "d-3",
          "d-4",
        ]);
        expect(ids(await store.find(dossiers, { orderBy: { field: "status", direction: "desc" } }))).toEqual([
          "d-4",
          "d-3",
          "d-1",
          "d-5",
          "d-2",
        ]);
      });

      it("counts with the same filters", async () => {
        expect(await store.count(dossiers)).toBe(5);
        expect(await store.count(dossiers, { where: { receivingUnit: "U1" } })).toBe(4);
        expect(
          await store.count(dossiers, {
            where: { receivingUnit: "U1" },
            range: { field: "receivedAt", gte: "2025-07-02" },
          }),
        ).toBe(3);
        expect(await store.count(counters)).toBe(0);
      });

      it("rejects field names that are not plain identifiers, and non-scalar values, instead of running them", async () => {
        // None of these compiles against Dossier; untyped callers can still send them, so the adapters refuse them.
        const injection = "status') IS NULL OR 1=1 --";
        await expect(store.find(untypedDossiers, { where: { [injection]: "x" } })).rejects.toMatchObject(
          INVALID_REQUEST,
        );
        await expect(store.find(untypedDossiers, { orderBy: { field: "a.b" } })).rejects.toBeInstanceOf(
          InvalidStoreRequestError,
        );
        await expect(store.count(untypedDossiers, { range: { field: "$where", gte: 1 } })).rejects.toBeInstanceOf(
          InvalidStoreRequestError,
        );
        // An operator object where a scalar belongs (a NoSQL injection): even the untyped record type forbids it.
        await expect(
          store.count(untypedDossiers, { where: { status: { $ne: "withdrawn" } as never } }),
        ).rejects.toBeInstanceOf(InvalidStoreRequestError);
        await expect(store.find(dossiers, { limit: 0 })).rejects.toBeInstanceOf(InvalidStoreRequestError);
        expect(await store.count(dossiers)).toBe(5);
      });
    });

    it("rejects collections that were not declared", async () => {
      // Defined in code but never passed to ensureCollections: the types cannot know, the store must refuse.
      const undeclared = defineCollection<Partial<Counter>>("undeclared");
      await expect(store.get(undeclared, "x")).rejects.toThrow(/collection "undeclared" is not declared/);
      await expect(store.commit([put(undeclared, "x", {})])).rejects.toMatchObject(INVALID_REQUEST);
      await expect(store.commit([remove(undeclared, "x")])).rejects.toBeInstanceOf(InvalidStoreRequestError);
    });

    it("deletes documents, honouring expectedVersion", async () => {
      await store.commit([dossier("d-1"), dossier("d-2"), dossier("d-2")]);
      await store.commit([remove(dossiers, "d-1")]);
      expect(await store.get(dossiers, "d-1")).toBeUndefined();
      await store.commit([remove(dossiers, "never-existed")]);

      const stale = await conflictOf(store.commit([remove(dossiers, "d-2", 1)]));
      expect(stale.conflict).toEqual({ kind: "version", expected: 1, actual: 2 });
      expect(await store.get(dossiers, "d-2")).toBeDefined();
      await store.commit([remove(dossiers, "d-2", 2)]);
      expect(await store.count(dossiers)).toBe(0);

      // A deleted id starts over at version 1.
      await store.commit([dossier("d-1", {}, 0)]);
      expect((await store.get(dossiers, "d-1"))?.version).toBe(1);
    });

    it("loses no update when many callers increment one counter with optimistic retries", async () => {
      const callers = 8;
      const incrementsEach = 10;
      let conflicts = 0;
      const increment = async (): Promise<void> => {
        for (;;) {
          const current = await store.get(counters, "visits");
          try {
            await store.commit([put(counters, "visits", { n: (current?.data.n ?? 0) + 1 }, current?.version ?? 0)]);
            return;
          } catch (error) {
            if (!(error instanceof ConflictError)) throw error;
            conflicts += 1;
          }
        }
      };
      await Promise.all(
        Array.from({ length: callers }, async () => {
          for (let i = 0; i < incrementsEach; i += 1) await increment();
        }),
      );
      const counter = await store.get(counters, "visits");
      expect(counter).toMatchObject({ version: callers * incrementsEach, data: { n: callers * incrementsEach } });
      // The callers really raced: otherwise this test would prove nothing.
      expect(conflicts).toBeGreaterThan(0);
    });

    it("round-trips nested objects, Vietnamese text, arrays and numbers exactly", async () => {
      await store.commit([put(samples, "unicode-ỷ-🇻🇳", SAMPLE)]);
      const stored = await store.get(samples, "unicode-ỷ-🇻🇳");
      expect(stored?.data).toEqual(SAMPLE);
      expect(JSON.stringify(stored?.data)).toBe(JSON.stringify(SAMPLE));
      expect(await store.find(samples, { where: { note: SAMPLE.note } })).toHaveLength(1);
    });
  });
}
