import { PlatformError, loggableError } from "@lienthong/errors";
import { ConflictError, defineCollection, put, remove, type DocumentStore } from "@lienthong/storage";

/**
 * Requests per client per minute, counted across every replica of a service:
 * each instance counts in memory, answers at once from its own count plus
 * what the shared store says the others used, and adds its count to the
 * store's total a few times a second. Across replicas the limit can be
 * overshot by what arrives between two syncs; within one instance it holds
 * exactly. The store is the service's own (SQLite or MongoDB), so nothing
 * else has to run.
 */
export interface RateCount {
  clientId: string;
  /** The minute counted, ISO "2026-12-05T01:02". */
  window: string;
  count: number;
}

export const rateCounts = defineCollection<RateCount>("client_rate_counts", { indexes: [["window"]] });

const WINDOW_MS = 60_000;

interface WindowState {
  window: string;
  /** Counted here and not yet added to the store. */
  pending: number;
  /** The store's total as last read (this instance's synced requests included). */
  shared: number;
}

function idOf(clientId: string, state: WindowState): string {
  return `${clientId}|${state.window}`;
}

export class ClientRateLimiter {
  private readonly windows = new Map<string, WindowState>();

  constructor(
    private readonly store: DocumentStore,
    private readonly limitOf: (clientId: string) => number,
    private readonly now: () => Date,
    private readonly logger: { warn(details: object, message: string): void },
  ) {}

  /** Counts one request of the client, or refuses it with 429 / RESOURCE_EXHAUSTED and when to come back. */
  admit(clientId: string): void {
    const now = this.now();
    const window = now.toISOString().slice(0, 16);
    let state = this.windows.get(clientId);
    if (!state || state.window !== window) {
      state = { window, pending: 0, shared: 0 };
      this.windows.set(clientId, state);
    }
    const limit = this.limitOf(clientId);
    if (state.shared + state.pending >= limit) {
      const retryAfterSeconds = Math.max(1, Math.ceil((WINDOW_MS - (now.getTime() % WINDOW_MS)) / 1000));
      throw new PlatformError("RESOURCE_EXHAUSTED", `More than ${limit} requests a minute from this client`, {
        reason: "CLIENT_RATE_LIMITED",
        details: { retryAfterSeconds, limitPerMinute: limit },
      });
    }
    state.pending += 1;
  }

  /**
   * Adds what was counted here to the shared totals and reads the others'
   * use back, in one commit conditional on the totals read (another replica
   * adding first makes it read and add again).
   */
  async sync(): Promise<void> {
    const tracked = [...this.windows];
    const active = tracked.filter(([, state]) => state.pending > 0);
    // Clients idle here may be busy elsewhere: their shared totals are read back too.
    for (const [clientId, state] of tracked.filter(([, candidate]) => candidate.pending === 0)) {
      state.shared = (await this.store.get(rateCounts, idOf(clientId, state)))?.data.count ?? state.shared;
    }
    for (let attempt = 0; attempt < 3 && active.length > 0; attempt += 1) {
      const stored = await Promise.all(
        active.map(([clientId, state]) => this.store.get(rateCounts, idOf(clientId, state))),
      );
      const totals = active.map(([, state], index) => (stored[index]?.data.count ?? 0) + state.pending);
      const pending = active.map(([, state]) => state.pending);
      try {
        await this.store.commit(
          active.map(([clientId, state], index) =>
            put(
              rateCounts,
              idOf(clientId, state),
              { clientId, window: state.window, count: totals[index]! },
              stored[index]?.version ?? 0,
            ),
          ),
        );
      } catch (error) {
        if (error instanceof ConflictError) continue;
        throw error;
      }
      active.forEach(([, state], index) => {
        state.pending -= pending[index]!;
        state.shared = totals[index]!;
      });
      break;
    }
    this.forgetPastWindows();
  }

  /** The background round: sync, and drop counts of windows an hour old; never throwing (the next round retries). */
  async round(): Promise<boolean> {
    try {
      await this.sync();
      const hourAgo = new Date(this.now().getTime() - 3_600_000).toISOString().slice(0, 16);
      const old = await this.store.find(rateCounts, { range: { field: "window", lt: hourAgo }, limit: 100 });
      if (old.length > 0) await this.store.commit(old.map(({ id }) => remove(rateCounts, id)));
    } catch (error) {
      this.logger.warn(loggableError(error), "client rate limits: sync failed; counting locally until the next round");
    }
    return false;
  }

  private forgetPastWindows(): void {
    const current = this.now().toISOString().slice(0, 16);
    for (const [clientId, state] of this.windows) {
      if (state.window < current && state.pending === 0) this.windows.delete(clientId);
    }
  }
}
