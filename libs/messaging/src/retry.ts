import { setTimeout as delay } from "node:timers/promises";

/**
 * The single retry policy of the messaging lib (consumer runner, in-process
 * redelivery, Kafka redelivery, outbox relay): exponential backoff with full
 * jitter between initialMs and maxMs, so many consumers failing at once do not
 * retry in lockstep.
 */
export interface RetryPolicy {
  /** Total number of attempts, the first one included. */
  attempts: number;
  initialMs: number;
  maxMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, initialMs: 200, maxMs: 10_000 };

/** How long to wait after failed attempt number `attempt` (1-based). */
export function backoffDelay(policy: Pick<RetryPolicy, "initialMs" | "maxMs">, attempt: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  // Half fixed, half random: never zero (which would hot-loop), still spread out.
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

export function validateRetryPolicy(policy: RetryPolicy): RetryPolicy {
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw new RangeError(`retry.attempts must be an integer >= 1, got ${policy.attempts}`);
  }
  if (!(policy.initialMs >= 0) || !(policy.maxMs >= policy.initialMs)) {
    throw new RangeError(
      `retry needs 0 <= initialMs <= maxMs, got initialMs=${policy.initialMs} maxMs=${policy.maxMs}`,
    );
  }
  return policy;
}

/** Waits `ms`; rejects with an AbortError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal });
}
