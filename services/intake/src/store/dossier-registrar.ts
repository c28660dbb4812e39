import { randomUUID } from "node:crypto";
import { MAX_DAILY_SEQUENCE, dossierSequenceKey, formatDossierCode, type ReceivingUnit } from "@lienthong/domain";
import { outboxWrites, type OutgoingEvent } from "@lienthong/messaging";
import { PlatformError } from "@lienthong/errors";
import { ConflictError, put, type DocumentStore, type WriteOp } from "@lienthong/storage";
import {
  applications,
  dossierSequences,
  idempotencyKeys,
  type ApplicationRecord,
  type IdempotencyRecord,
} from "./collections";

/** What a caller's Idempotency-Key claims: `<clientId>:<key>`, and the hash that tells a replay from another body. */
export interface IdempotencyClaim {
  id: string;
  requestHash: string;
}

/** A validated application waiting for its dossier code. */
export interface ApplicationDraft {
  /** Its `agencyCode` is what the dossier code begins with. */
  receivingUnit: ReceivingUnit;
  /** Present when the caller sent an Idempotency-Key. */
  idempotency?: IdempotencyClaim;
  /** The record and its events, once the dossier's id, code and receipt time are known. */
  build(dossier: { dossierId: string; dossierCode: string; submittedAt: Date }): {
    application: ApplicationRecord;
    events: OutgoingEvent[];
  };
}

interface Pending {
  draft: ApplicationDraft;
  resolve(application: ApplicationRecord): void;
  reject(error: unknown): void;
}

/** A day's counter of one printed prefix: its last code's number and the stored record's version. */
interface Counter {
  sequenceId: string;
  last: number;
  version: number;
}

/** Optimistic retries when another process allocated the same unit's next codes first. */
const MAX_ALLOCATION_ATTEMPTS = 50;
/** Drafts stored per commit: bounds one transaction's size under a burst. */
const MAX_BATCH = 200;

/**
 * Gives each application the next dossier code of its receiving unit
 * (`<agency>-<yyMMdd>-<nnnn>`, reset daily, consecutive, never reused) and
 * stores it with its events atomically. The agency part is the unit's
 * `agencyCode`: its official agency code when the deployment configures one,
 * else its unit code; the counter belongs to that printed part
 * (docs/decisions.md §48).
 *
 * Within this process, drafts for one unit queue up and are stored in group
 * commits: the drafts waiting when a commit starts take consecutive codes and
 * go into one atomic write with the counter, so a burst at a busy counter
 * costs one disk sync per batch instead of one per application. Across
 * processes the counter's version check guards: a lost race re-reads and
 * retries the whole batch.
 *
 * The registrar remembers each prefix's counter as its own last commit left
 * it, and the next batch starts from there without reading it back. Once a
 * batch started from a remembered counter loses the race, another process
 * takes that prefix's codes too, and each batch of the day reads the counter
 * first, as before (docs/decisions.md §70).
 */
export class DossierRegistrar {
  private readonly queues = new Map<string, Pending[]>();
  /** By printed prefix: the counter as this registrar's last commit left it (an entry per prefix; a new day replaces it). */
  private readonly committed = new Map<string, Counter>();
  /** By printed prefix: the day's sequence id once another process was found taking the prefix's codes too. */
  private readonly sharedToday = new Map<string, string>();

  constructor(
    private readonly store: DocumentStore,
    private readonly commit: (ops: WriteOp[]) => Promise<void>,
    private readonly now: () => Date,
  ) {}

  /** Resolves with the stored record; rejects with a ConflictError on the idempotency collection when the key was taken meanwhile. */
  register(draft: ApplicationDraft): Promise<ApplicationRecord> {
    return new Promise((resolve, reject) => {
      const unit = draft.receivingUnit.code;
      const queue = this.queues.get(unit);
      if (queue) {
        queue.push({ draft, resolve, reject });
        return;
      }
      this.queues.set(unit, [{ draft, resolve, reject }]);
      void this.drain(unit);
    });
  }

  private async drain(unit: string): Promise<void> {
    const queue = this.queues.get(unit) ?? [];
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      await this.storeBatch(batch);
    }
    this.queues.delete(unit);
  }

  /** Never rejects: every outcome is delivered to the drafts' own promises. */
  private async storeBatch(batch: Pending[]): Promise<void> {
    try {
      await this.storeWithNextCodes(batch);
    } catch (error) {
      if (!(error instanceof ConflictError) || batch.length === 1) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      // One draft's idempotency key was taken (by a draft in this batch or elsewhere): store them one by one.
      for (const pending of batch) await this.storeBatch([pending]);
    }
  }

  private async storeWithNextCodes(batch: Pending[]): Promise<void> {
    // A batch is one unit's queue, never empty. New communes have no confirmed agency codes yet (DOMAIN.md §5):
    // where none is configured the unit code stands in.
    const { code: unit, agencyCode: prefix } = batch[0]!.draft.receivingUnit;
    for (let attempt = 1; ; attempt++) {
      const now = this.now();
      // Keyed by the prefix printed, so a code is never issued twice even if a unit's prefix changes today.
      const sequenceId = dossierSequenceKey(prefix, now);
      const lastCommitted = this.lastCommitted(prefix, sequenceId);
      // No read, and no await, between a batch that knows its counter and its commit.
      const counter = lastCommitted ?? (await this.readCounter(sequenceId));
      const { last } = counter;
      const accepted = batch.slice(0, Math.max(0, MAX_DAILY_SEQUENCE - last));
      for (const pending of batch.slice(accepted.length)) {
        pending.reject(
          new PlatformError(
            "RESOURCE_EXHAUSTED",
            `Receiving unit ${unit} has issued all ${MAX_DAILY_SEQUENCE} dossier codes of today`,
          ),
        );
      }
      if (accepted.length === 0) return;

      const stored = accepted.map((pending, index) => {
        const dossierCode = formatDossierCode(prefix, now, last + 1 + index);
        return pending.draft.build({ dossierId: randomUUID(), dossierCode, submittedAt: now });
      });
      const ops: WriteOp[] = [put(dossierSequences, sequenceId, { last: last + accepted.length }, counter.version)];
      accepted.forEach(({ draft }, index) => {
        const { application, events } = stored[index]!;
        ops.push(put(applications, application.dossierId, application, 0), ...outboxWrites(events));
        if (draft.idempotency) {
          const { id, requestHash } = draft.idempotency;
          const remembered: IdempotencyRecord = { dossierId: application.dossierId, requestHash };
          ops.push(put(idempotencyKeys, id, remembered, 0));
        }
      });
      try {
        await this.commit(ops);
      } catch (error) {
        const lostCounterRace = error instanceof ConflictError && error.collection === dossierSequences.name;
        // The next batch reads what the store holds: another process's codes, or a write whose outcome is unknown.
        this.committed.delete(prefix);
        if (lostCounterRace && lastCommitted) this.sharedToday.set(prefix, sequenceId);
        if (lostCounterRace && attempt < MAX_ALLOCATION_ATTEMPTS) continue;
        throw error;
      }
      // A put makes the stored version the previous one + 1 (DocumentStore).
      this.committed.set(prefix, { sequenceId, last: last + accepted.length, version: counter.version + 1 });
      accepted.forEach((pending, index) => pending.resolve(stored[index]!.application));
      return;
    }
  }

  /** The counter as this registrar's last commit left it today, unless others take the prefix's codes too. */
  private lastCommitted(prefix: string, sequenceId: string): Counter | undefined {
    if (this.sharedToday.get(prefix) === sequenceId) return undefined;
    const counter = this.committed.get(prefix);
    return counter?.sequenceId === sequenceId ? counter : undefined;
  }

  private async readCounter(sequenceId: string): Promise<Counter> {
    const stored = await this.store.get(dossierSequences, sequenceId);
    return { sequenceId, last: stored?.data.last ?? 0, version: stored?.version ?? 0 };
  }
}
