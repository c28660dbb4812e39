import { randomUUID } from "node:crypto";
import { common, decodeEvent, lifecycleEvent, type EventTypeName, type PayloadOf } from "@lienthong/contracts";
import { createLogger, type ConsumedEvent } from "@lienthong/service-host";
import { ConflictError, openDocumentStore, type DocumentStore, type WriteOp } from "@lienthong/storage";
import { tempDir, type TempDir } from "@lienthong/testing";
import { deliveries, notificationCollections, parkedEvents } from "../src/store/collections";
import { planDeliveries } from "../src/use-cases/plan-deliveries";
import type { NotificationPorts } from "../src/use-cases/ports";
import { loadTemplates } from "../src/templates/catalog";

/**
 * The submission and an event that overtook it handled at the same moment
 * (two topics, two partitions, two replicas): each reads before the other
 * commits. Both write the dossier's parked-events document with its version,
 * so the second commit conflicts (retriable: the consumer runner handles the
 * event again) and, handled again, sees what the first stored. Without that,
 * the event would be parked after the submission released the others, and
 * wait for ever.
 */
describe("notification: parking raced by the submission", () => {
  let dir: TempDir;
  let store: DocumentStore;
  let ports: NotificationPorts;

  beforeAll(async () => {
    dir = await tempDir("notification-race");
    store = await openDocumentStore({ kind: "embedded", path: `${dir.path}/store.db` });
    await store.ensureCollections(notificationCollections);
    ports = {
      store,
      commit: (ops) => store.commit(ops),
      webhooks: {
        of: () => ({ id: "0123456789abcdef", url: "http://127.0.0.1:8089/hooks", secrets: ["s".repeat(32)] }),
        all: () => [],
      },
      phone: {},
      templates: loadTemplates(),
      provinceOf: () => undefined,
      audit: () => undefined,
      logger: createLogger({ service: "notification", level: "silent" }),
      now: () => new Date(),
    };
  });

  afterAll(async () => {
    await store?.close();
    await dir?.remove();
  });

  const consumed = <N extends EventTypeName>(name: N, payload: Partial<PayloadOf<N>> & { dossierId: string }) => {
    const event = lifecycleEvent(name, payload);
    return {
      ...event,
      ...decodeEvent(event.type, event.data),
      id: randomUUID(),
      partition: 0,
      offset: "0",
      source: "test",
      time: new Date().toISOString(),
      subject: "",
      contentType: "application/protobuf",
      headers: {},
    } as ConsumedEvent;
  };

  const dossier = () => {
    const dossierId = randomUUID();
    const ids = { dossierId, dossierCode: `14845-261207-${dossierId.slice(0, 4)}` };
    return {
      dossierId,
      submitted: consumed("applicationSubmitted", {
        ...ids,
        status: common.DossierStatus.DOSSIER_STATUS_SUBMITTED,
        clientId: "muong-lat-commune-system",
        receivingUnitCode: "14845",
        applicant: { fullName: "Lò Thị Mai", citizenId: "", phone: "", email: "mai@example.vn", address: "" },
      }),
      accepted: consumed("applicationAccepted", { ...ids, status: common.DossierStatus.DOSSIER_STATUS_ACCEPTED }),
    };
  };

  const conflictOf = (commit: Promise<void>) =>
    commit.then(
      () => undefined,
      (error: unknown) => error,
    );
  const triggers = async (dossierId: string) =>
    (await store.find(deliveries, { where: { dossierId }, orderBy: { field: "createdAt" } })).map(
      ({ data }) => `${data.triggerType.split(".").at(-2)}/${data.channel}`,
    );

  test("the event parks first: the submission's commit conflicts, and handled again it plans the parked event", async () => {
    const { dossierId, submitted, accepted } = dossier();
    const parking: WriteOp[] = await planDeliveries(ports, accepted);
    const releasing: WriteOp[] = await planDeliveries(ports, submitted);
    await store.commit(parking);
    expect(await conflictOf(store.commit(releasing))).toBeInstanceOf(ConflictError);

    await store.commit(await planDeliveries(ports, submitted));
    expect(await triggers(dossierId)).toEqual(["submitted/3", "accepted/1", "accepted/3"]);
    expect((await store.get(parkedEvents, dossierId))?.data).toMatchObject({ contactKnown: true, events: [] });
  });

  test("the submission commits first: the parking conflicts, and handled again the event is planned at once", async () => {
    const { dossierId, submitted, accepted } = dossier();
    const parking = await planDeliveries(ports, accepted);
    const releasing = await planDeliveries(ports, submitted);
    await store.commit(releasing);
    expect(await conflictOf(store.commit(parking))).toBeInstanceOf(ConflictError);

    await store.commit(await planDeliveries(ports, accepted));
    expect(await triggers(dossierId)).toEqual(["submitted/3", "accepted/1", "accepted/3"]);
    expect((await store.get(parkedEvents, dossierId))?.data.events).toEqual([]);
  });
});
