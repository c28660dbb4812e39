import { createHash } from "node:crypto";

/**
 * The hash chain of an audit log: each sealed entry's hash covers its own
 * content, its sequence number and the previous entry's hash, so editing one
 * byte of an entry, removing one or reordering two breaks the chain from
 * that point on, and `verifyChain` names the first entry that does not hold.
 */
export interface AuditContent {
  /** When the decision or action happened (ISO 8601). */
  at: string;
  service: string;
  /** What was decided or done: an endpoint ("GET /v1/applications/:dossierRef"), an action ("decide"). */
  action: string;
  outcome: "allowed" | "denied" | "not_found" | "done" | "refused";
  /** Ids only: a dossier id or code, a unit ("unit:14845"), a document id. Never personal data. */
  target: string;
  clientId: string;
  officialId: string;
  /** Why, when refused: a code or our own words, never a submitted value. */
  reason: string;
  traceId: string;
}

export interface SealedFields {
  seq: number;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = "0".repeat(64);

/** Field order fixed here, so the hash never depends on how a record was serialised. */
const CONTENT_FIELDS = [
  "at",
  "service",
  "action",
  "outcome",
  "target",
  "clientId",
  "officialId",
  "reason",
  "traceId",
] as const satisfies readonly (keyof AuditContent)[];

export function entryHash(content: AuditContent, seq: number, prevHash: string): string {
  const canonical = JSON.stringify([seq, prevHash, ...CONTENT_FIELDS.map((field) => content[field])]);
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}

export type ChainProblem =
  | { seq: number; problem: "edited"; detail: string }
  | { seq: number; problem: "missing"; detail: string }
  | { seq: number; problem: "out_of_order"; detail: string }
  | { seq: number; problem: "rewritten"; detail: string };

/** A head recorded outside the store (the sealer logs each one): the chain must still pass through it. */
export interface ChainAnchor {
  seq: number;
  hash: string;
}

export interface ChainReport {
  ok: boolean;
  entries: number;
  /** The first entry that does not hold; everything before it verified. */
  firstBad?: ChainProblem;
}

/**
 * Checks sealed entries in sequence order against the recorded head (the
 * last sequence number and hash the sealer wrote) and against anchors kept
 * elsewhere: a chain recomputed from scratch by someone who can write the
 * store verifies on its own, but no longer passes through an earlier head.
 */
export function verifyChain(
  entries: readonly (AuditContent & SealedFields)[],
  head: { seq: number; hash: string },
  anchors: readonly ChainAnchor[] = [],
): ChainReport {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  for (const entry of entries) {
    if (entry.seq !== expectedSeq) {
      const problem: ChainProblem =
        entry.seq > expectedSeq
          ? { seq: expectedSeq, problem: "missing", detail: `entries ${expectedSeq}–${entry.seq - 1} are gone` }
          : {
              seq: entry.seq,
              problem: "out_of_order",
              detail: `sequence ${entry.seq} appears after ${expectedSeq - 1}`,
            };
      return { ok: false, entries: entries.length, firstBad: problem };
    }
    if (entry.prevHash !== prevHash) {
      return {
        ok: false,
        entries: entries.length,
        firstBad: { seq: entry.seq, problem: "out_of_order", detail: "it does not follow the entry before it" },
      };
    }
    if (entryHash(entry, entry.seq, entry.prevHash) !== entry.hash) {
      return {
        ok: false,
        entries: entries.length,
        firstBad: { seq: entry.seq, problem: "edited", detail: "its content does not match its hash" },
      };
    }
    prevHash = entry.hash;
    expectedSeq += 1;
  }
  if (head.seq !== expectedSeq - 1 || head.hash !== prevHash) {
    return {
      ok: false,
      entries: entries.length,
      firstBad: {
        seq: expectedSeq,
        problem: "missing",
        detail: `the log's head records ${head.seq} sealed entries, ${expectedSeq - 1} are left`,
      },
    };
  }
  for (const anchor of [...anchors].sort((a, b) => a.seq - b.seq)) {
    const entry = entries[anchor.seq - 1];
    if (!entry || entry.hash !== anchor.hash) {
      const detail = entry
        ? "its hash differs from the head recorded outside the store: the chain was rewritten"
        : `the anchor names entry ${anchor.seq}, the log has ${entries.length}`;
      return { ok: false, entries: entries.length, firstBad: { seq: anchor.seq, problem: "rewritten", detail } };
    }
  }
  return { ok: true, entries: entries.length };
}
