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
  private buffer: WriteOp[] = [];

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
    const at = event.at ?? this.now().toISOString();
    const record: AuditRecord = {
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
    return put(auditLog, record.order, record, 0);
  }

  /** Records an access decision on its own: buffered and committed within one flush interval. */
  append(event: AuditEvent): void {
    this.buffer.push(this.record(event));
  }

  /** Commits what append() buffered. */
  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      await this.store.commit(batch);
    } catch (error) {
      this.buffer = [...batch, ...this.buffer];
      throw error;
    }
  }

  /**
   * One round of sealing: the oldest unsealed entries get their sequence
   * number and hash, and the head moves, in one commit conditional on the
   * head's version — of two instances sealing at once, one wins and the
   * other tries again later. Returns how many were sealed.
   */
  async seal(): Promise<number> {
    const head = await this.store.get(auditHead, HEAD_ID);
    const pending = await this.store.find(auditLog, {
      where: { sealed: false },
      orderBy: { field: "order" },
      limit: SEAL_BATCH,
    });
    if (pending.length === 0) return 0;
    let seq = head?.data.seq ?? 0;
    let prevHash = head?.data.hash ?? GENESIS_HASH;
    const writes: WriteOp[] = [];
    for (const { id, version, data } of pending) {
      seq += 1;
      const hash = entryHash(data, seq, prevHash);
      const sealed: SealedFields = { seq, prevHash, hash };
      writes.push(put(auditLog, id, { ...data, ...sealed, sealed: true }, version));
      prevHash = hash;
    }
    writes.push(put(auditHead, HEAD_ID, { seq, hash: prevHash }, head?.version ?? 0));
    try {
      await this.store.commit(writes);
    } catch (error) {
      if (error instanceof ConflictError) return 0;
      throw error;
    }
    // The head leaves the store with the logs: an anchor for `audit verify --anchor` (decision 19).
    this.logger.info({ auditHead: { seq, hash: prevHash } }, "audit log sealed");
    return pending.length;
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

  /** Flushes and seals once (the background task's round); logs instead of throwing. */
  async round(): Promise<boolean> {
    try {
      await this.flush();
      return (await this.seal()) === SEAL_BATCH;
    } catch (error) {
      this.logger.error(loggableError(error), "audit log: flush or seal failed; retrying at the next round");
      return false;
    }
  }
}

function sealedView(record: AuditRecord): AuditContent & SealedFields {
  const { order: _order, sealed: _sealed, seq, prevHash, hash, ...content } = record;
  return { ...content, seq: seq ?? 0, prevHash: prevHash ?? "", hash: hash ?? "" };
}
