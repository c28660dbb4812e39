import { randomUUID } from "node:crypto";
import { ConflictError, defineCollection, put, type DocumentStore, type WriteOp } from "@lienthong/storage";
import { loggableError } from "@lienthong/errors";
import { activeTraceId } from "../trace-id";
import { GENESIS_HASH, entryHash, type AuditContent, type SealedFields } from "./audit-chain";

/**
 * An audit entry as stored. Written unsealed — by a use case in the same
 * commit as the action it records, or in a small batch for access decisions
 * — and sealed into the chain shortly after, in `order` (time, then a
 * per-process counter). Once sealed an entry is never written again.
 */
export interface AuditRecord extends AuditContent {
  order: string;
  sealed: boolean;
  seq: number | null;
  prevHash: string | null;
  hash: string | null;
}

/** The chain's head: the last sealed sequence number and hash. */
export interface AuditHead {
  seq: number;
  hash: string;
}

export const auditLog = defineCollection<AuditRecord>("audit_log", {
  indexes: [["sealed", "order"], ["seq"]],
});
export const auditHead = defineCollection<AuditHead>("audit_head");
export const auditCollections = [auditLog, auditHead];
const HEAD_ID = "head";
const SEAL_BATCH = 500;

export type AuditEvent = Pick<AuditContent, "action" | "outcome"> & Partial<Omit<AuditContent, "action" | "outcome">>;

let counter = 0;
const processId = randomUUID().slice(0, 8);

/** A unique, time-ordered key: entries are sealed in the order they happened. */
function nextOrder(at: string): string {
  counter = (counter + 1) % 1_000_000;
  return `${at}|${processId}|${String(counter).padStart(6, "0")}`;
}

export class AuditLog {
  /** Access decisions appended since the last round: sealed by it, or committed unsealed when they must wait. */
  private buffer: AuditRecord[] = [];
  /**
   * The flush or seal in progress. They take turns: a seal empties the
   * buffer before it commits, so a flush running beside it would find
   * nothing and return while those decisions were not yet stored.
   */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: DocumentStore,
    private readonly service: string,
    private readonly now: () => Date,
    private readonly logger: {
      info(details: object, message: string): void;
      error(details: object, message: string): void;
    },
  ) {}

  /** The write that records an event; commit it with the action it records. */
  record(event: AuditEvent): WriteOp {
    const record = this.entry(event);
    return put(auditLog, record.order, record, 0);
  }

  /** Records an access decision on its own: buffered, and sealed into the chain by the next round. */
  append(event: AuditEvent): void {
    this.buffer.push(this.entry(event));
  }

  /** Commits what append() buffered, unsealed (the next seal takes them from the store), once the round in progress is done. */
  flush(): Promise<void> {
    return this.inTurn(() => this.storeBuffered());
  }

  private async storeBuffered(): Promise<void> {
    const appended = this.buffer.splice(0);
    try {
      await this.keepUnsealed(appended);
    } catch (error) {
      this.buffer.unshift(...appended);
      throw error;
    }
  }

  /**
   * One round of sealing: the oldest unsealed entries — the stored ones and
   * those appended since the last round — get their sequence number and hash,
   * and the head moves, in one commit conditional on the head's version. An
   * appended entry is thus written once, already sealed, instead of written
   * then rewritten (decision 65). Of two instances sealing at once one wins;
   * the other commits its appended entries unsealed and seals later. Returns
   * how many were sealed.
   */
  seal(): Promise<number> {
    return this.inTurn(() => this.sealRound());
  }

  private async sealRound(): Promise<number> {
    let appended = this.buffer.splice(0);
    try {
      const head = await this.store.get(auditHead, HEAD_ID);
      const stored = await this.store.find(auditLog, {
        where: { sealed: false },
        orderBy: { field: "order" },
        limit: SEAL_BATCH,
      });
      if (stored.length === SEAL_BATCH && appended.length > 0) {
        // Behind a backlog the appended entries wait their turn in the store: the chain keeps the order of events.
        await this.keepUnsealed(appended);
        appended = [];
      }
      const pending = [
        ...stored.map(({ version, data }) => ({ data, expectedVersion: version })),
        ...appended.map((data) => ({ data, expectedVersion: 0 })),
      ].sort((a, b) => (a.data.order < b.data.order ? -1 : 1));
      if (pending.length === 0) return 0;
      let seq = head?.data.seq ?? 0;
      let prevHash = head?.data.hash ?? GENESIS_HASH;
      const writes: WriteOp[] = [];
      for (const { data, expectedVersion } of pending) {
        seq += 1;
        const hash = entryHash(data, seq, prevHash);
        const sealed: SealedFields = { seq, prevHash, hash };
        writes.push(put(auditLog, data.order, { ...data, ...sealed, sealed: true }, expectedVersion));
        prevHash = hash;
      }
      writes.push(put(auditHead, HEAD_ID, { seq, hash: prevHash }, head?.version ?? 0));
      try {
        await this.store.commit(writes);
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        await this.keepUnsealed(appended);
        return 0;
      }
      // The head leaves the store with the logs: an anchor for `audit verify --anchor` (decision 19).
      this.logger.info({ auditHead: { seq, hash: prevHash } }, "audit log sealed");
      return stored.length === SEAL_BATCH ? SEAL_BATCH : pending.length;
    } catch (error) {
      // Not written: the next round tries them again.
      this.buffer.unshift(...appended);
      throw error;
    }
  }

  /** Sealed entries after `afterSeq`, in order (what auditors read and `verify` checks). */
  async sealedAfter(afterSeq: number, limit: number): Promise<(AuditContent & SealedFields)[]> {
    const found = await this.store.find(auditLog, {
      range: { field: "seq", gte: afterSeq + 1 },
      orderBy: { field: "seq" },
      limit,
    });
    return found.map(({ data }) => sealedView(data));
  }

  async head(): Promise<AuditHead> {
    return (await this.store.get(auditHead, HEAD_ID))?.data ?? { seq: 0, hash: GENESIS_HASH };
  }

  /** Seals once (the background task's round); logs instead of throwing. True when a backlog remains. */
  async round(): Promise<boolean> {
    try {
      return (await this.seal()) >= SEAL_BATCH;
    } catch (error) {
      this.logger.error(loggableError(error), "audit log: sealing failed; retrying at the next round");
      return false;
    }
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const done = this.turn.then(work);
    this.turn = done.catch(() => undefined);
    return done;
  }

  private entry(event: AuditEvent): AuditRecord {
    const at = event.at ?? this.now().toISOString();
    return {
      at,
      service: this.service,
      action: event.action,
      outcome: event.outcome,
      target: event.target ?? "",
      clientId: event.clientId ?? "",
      officialId: event.officialId ?? "",
      reason: event.reason ?? "",
      // The trace of the request or event being handled, unless the caller names another.
      traceId: event.traceId ?? activeTraceId() ?? "",
      order: nextOrder(at),
      sealed: false,
      seq: null,
      prevHash: null,
      hash: null,
    };
  }

  /** Stores appended entries unsealed, in one commit. */
  private async keepUnsealed(entries: AuditRecord[]): Promise<void> {
    if (entries.length > 0) await this.store.commit(entries.map((entry) => put(auditLog, entry.order, entry, 0)));
  }
}

function sealedView(record: AuditRecord): AuditContent & SealedFields {
  const { order: _order, sealed: _sealed, seq, prevHash, hash, ...content } = record;
  return { ...content, seq: seq ?? 0, prevHash: prevHash ?? "", hash: hash ?? "" };
}
