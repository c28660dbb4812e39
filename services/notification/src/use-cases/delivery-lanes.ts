import { loggableError } from "@lienthong/errors";
import type { Logger } from "@lienthong/messaging";

/**
 * The deliveries in flight: one at a time per lane, at most `limit` at once.
 * The dispatcher starts work here and goes on; a lane that ends wakes the
 * dispatcher for what is due next. So a recipient slow to answer holds up its
 * own lane only, never a round.
 */
export class DeliveryLanes {
  private readonly busy = new Map<string, Promise<void>>();

  constructor(
    private readonly limit: number,
    private readonly logger: Logger,
    /** Told each time a lane ends, whether or not its delivery committed anything (the dispatcher's wake-up). */
    private readonly onFree: () => void = () => undefined,
  ) {}

  /** How many deliveries are in flight. */
  get size(): number {
    return this.busy.size;
  }

  /** How many more deliveries may start now, each in a lane of its own. */
  get room(): number {
    return this.limit - this.busy.size;
  }

  /** Whether `start` would start work in `lane` now. */
  free(lane: string): boolean {
    return !this.busy.has(lane) && this.room > 0;
  }

  /** Starts `work` in `lane`; false (nothing started) while the lane is busy or the limit is reached. */
  start(lane: string, work: () => Promise<void>): boolean {
    if (!this.free(lane)) return false;
    const running = work()
      .catch((error: unknown) => {
        // What it could not record stays pending and is due again at the next poll.
        this.logger.error(loggableError(error), "delivery-dispatcher: a delivery failed; retrying at the next poll");
      })
      .finally(() => {
        this.busy.delete(lane);
        this.onFree();
      });
    this.busy.set(lane, running);
    return true;
  }

  /** Resolves once nothing is in flight (at shutdown, after the dispatcher stopped starting work). */
  async settled(): Promise<void> {
    while (this.busy.size > 0) await Promise.allSettled([...this.busy.values()]);
  }
}
