import { events } from "@lienthong/contracts";
import { ConflictError, put, remove, type WriteOp } from "@lienthong/storage";
import { signatureRetries, type SignatureRetryRecord } from "../store/collections";
import { attemptIssueSlip, refusedSlip, type SlipRequest } from "./issue-slip";
import { nextAttemptAt, transientReason, type Attempt } from "./parking";
import type { SignaturePorts } from "./ports";
import { attemptSignResult, refused } from "./sign-result";

/** One parked request: how to try it again, and how it is answered once the horizon has passed. */
interface ParkedJob {
  attempt(): Promise<Attempt>;
  giveUp(transient: unknown): WriteOp[];
}

function jobOf(ports: SignaturePorts, parked: SignatureRetryRecord): ParkedJob {
  if (parked.slipRequest !== undefined) {
    const slip = JSON.parse(parked.slipRequest) as SlipRequest;
    // refusedSlip tells operators, as for a slip that could never be issued: the dossier went on without it.
    return { attempt: () => attemptIssueSlip(ports, slip), giveUp: (transient) => refusedSlip(ports, slip, transient) };
  }
  const request = events.SignatureRequested.decode(Buffer.from(parked.requestBase64, "base64"));
  return {
    attempt: () => attemptSignResult(ports, request),
    giveUp: (transient) => {
      ports.logger.error(
        {
          dossierId: parked.dossierId,
          requestId: parked.requestId,
          attempts: parked.attempts + 1,
          reason: transientReason(transient),
        },
        "a result could not be signed within the retry horizon; answered with signatureFailed",
      );
      return refused(ports, request, transient);
    },
  };
}

/**
 * One round of the retry worker: every parked request that is due — a
 * decision's result or a desk slip — is tried again; signed or refused, it
 * leaves the parking with its outcome; failing again, it waits twice as
 * long, until the horizon (SIGNATURE_RETRY_HORIZON_MS) is passed — then a
 * result is answered with signatureFailed, a slip is refused, and operators
 * are told. Each request moves in one commit, conditional on the version
 * read, so two instances never both settle it. Resolves true when a full
 * batch may hide more.
 */
export async function retryParkedSignatures(ports: SignaturePorts, batchSize = 20): Promise<boolean> {
  const now = ports.now();
  const due = await ports.store.find(signatureRetries, {
    range: { field: "nextAttemptAt", lt: new Date(now.getTime() + 1).toISOString() },
    orderBy: { field: "nextAttemptAt" },
    limit: batchSize,
  });
  for (const { id, version, data: parked } of due) {
    const job = jobOf(ports, parked);
    const attempt = await job.attempt();
    let writes: WriteOp[];
    if ("writes" in attempt) {
      writes = [...attempt.writes, remove(signatureRetries, id, version)];
    } else if (now.getTime() - Date.parse(parked.firstFailedAt) >= ports.retryHorizonMs) {
      writes = [...job.giveUp(attempt.transient), remove(signatureRetries, id, version)];
    } else {
      const retried: SignatureRetryRecord = {
        ...parked,
        lastError: transientReason(attempt.transient),
        attempts: parked.attempts + 1,
        nextAttemptAt: nextAttemptAt(now, parked.attempts + 1),
      };
      writes = [put(signatureRetries, id, retried, version)];
    }
    try {
      await ports.commit(writes);
    } catch (error) {
      // Another instance settled it first.
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  return due.length === batchSize;
}
