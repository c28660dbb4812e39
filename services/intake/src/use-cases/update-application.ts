import { outboxWrites } from "@lienthong/messaging";
import { PlatformError } from "@lienthong/errors";
import { ConflictError, put } from "@lienthong/storage";
import { visibleApplication } from "../auth/access";
import { applications, type ApplicationRecord } from "../store/collections";
import type { Caller, IntakePorts } from "./ports";
import { withOwnEvents, type OwnEvent } from "./record-lifecycle-event";

/** Retries when the timeline projection (or another request) updated the dossier in between. */
const MAX_UPDATE_ATTEMPTS = 10;

/**
 * A caller's change to one of its dossiers: `change` sees the current record
 * and returns the new one with its events (or nothing, for a no-op); the
 * record and the events are committed atomically, against the version read.
 */
export async function updateApplication(
  ports: IntakePorts,
  caller: Caller,
  dossierRef: string,
  action: string,
  change: (record: ApplicationRecord) => { record: ApplicationRecord; events: OwnEvent[] } | undefined,
): Promise<ApplicationRecord> {
  let current = await visibleApplication(ports, caller, dossierRef, action);
  for (let attempt = 1; ; attempt++) {
    const changed = change(current.data);
    if (!changed) return current.data;
    const outcome = withOwnEvents(changed.record, changed.events);
    try {
      await ports.commit([
        put(applications, current.id, outcome.record, current.version),
        ...outboxWrites(outcome.events),
      ]);
      return outcome.record;
    } catch (error) {
      if (!(error instanceof ConflictError) || error.collection !== applications.name || attempt >= MAX_UPDATE_ATTEMPTS)
        throw error;
      const reread = await ports.store.get(applications, current.id);
      if (!reread) throw new PlatformError("INTERNAL", "The dossier disappeared while it was being updated");
      current = reread;
    }
  }
}
