import { toPlatformError, unavailable } from "@lienthong/errors";
import { backoffDelay } from "@lienthong/messaging";
import type { WriteOp } from "@lienthong/storage";
import { documents } from "../store/collections";
import type { SignaturePorts } from "./ports";
import { toSigningServiceError } from "./service-errors";

/** What one attempt at a request came to: the writes recording its outcome, or a failure that may heal. */
export type Attempt = { writes: WriteOp[] } | { transient: unknown };

/** The first retry of a parked request, doubling up to the longest wait between two (docs/decisions.md §26). */
export const FIRST_RETRY_MS = 5_000;
const LONGEST_RETRY_MS = 5 * 60_000;

/** When a request parked `attempts` times is tried next, spread out so one outage's requests do not return in step. */
export function nextAttemptAt(now: Date, attempts: number): string {
  return new Date(
    now.getTime() + backoffDelay({ initialMs: FIRST_RETRY_MS, maxMs: LONGEST_RETRY_MS }, attempts),
  ).toISOString();
}

/** The stable code of a failure that may heal (TIMESTAMP_FAILED, EXTERNAL_SIGNER_FAILED, UNAVAILABLE), for the parking and the logs. */
export function transientReason(error: unknown): string {
  return toPlatformError(toSigningServiceError(error)).reason;
}

/**
 * Stores a signed document's bytes under its id, once. Another member handling the same request or event
 * (after a rebalance) may have stored its own signing first: the record must describe the bytes on disk, and
 * if that member has committed its record already there is nothing left to do (`committed`). A disk that
 * refuses the write is a failure that may heal.
 */
export async function storeSignedOnce(
  ports: Pick<SignaturePorts, "files" | "store">,
  documentId: string,
  signed: Buffer,
  what: string,
): Promise<{ bytes: Buffer } | { committed: true } | { transient: unknown }> {
  try {
    const stored = await ports.files.write(documentId, signed);
    if (!stored.equals(signed) && (await ports.store.get(documents, documentId))) return { committed: true };
    return { bytes: stored };
  } catch (error) {
    return { transient: unavailable(`the signed ${what} could not be written to the documents directory`, error) };
  }
}
