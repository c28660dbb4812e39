import { loggableError } from "@lienthong/errors";
import type { Logger } from "./logger";
import type { BackgroundTask } from "./host";

export interface PollingTaskOptions {
  name: string;
  intervalMs: number;
  logger: Logger;
  /** One round of work; resolves true when there may be more to do right away. */
  round(): Promise<boolean>;
  /**
   * How long a notified round waits, so that what is committed meanwhile is
   * handled in the same round (default 0: at once; docs/decisions.md §68).
   */
  lingerMs?: number;
}

/** A background task that can also be woken (after a commit that gave it work). */
export interface PollingTask extends BackgroundTask {
  notify(): void;
}

/**
 * The loop behind every store-polling worker (deadline timers, deliveries):
 * a round on start, then every `intervalMs`, at once again while a round says
 * there is more, and `lingerMs` after a notification (at once by default). A
 * notification never puts a round off: one already due sooner (the next poll,
 * or more work) takes what was committed, and those during a linger join it.
 * One during a round makes the next round come `lingerMs` after it. A failed
 * round is logged and the next poll retries. stop() waits for the round in
 * flight. Nothing is kept in memory between rounds, so a restart loses nothing.
 */
export function pollingTask(options: PollingTaskOptions): PollingTask {
  const lingerMs = options.lingerMs ?? 0;
  if (!Number.isInteger(lingerMs) || lingerMs < 0) {
    throw new RangeError(`${options.name}: lingerMs must be an integer >= 0, got ${lingerMs}`);
  }
  let timer: NodeJS.Timeout | undefined;
  /** When the pending timer fires (performance.now()); Infinity when none is pending. */
  let dueAt = Infinity;
  let running: Promise<void> | undefined;
  let notifiedDuringRound = false;
  let stopped = true;

  const schedule = (delayMs: number) => {
    clearTimeout(timer);
    dueAt = performance.now() + delayMs;
    timer = setTimeout(() => {
      dueAt = Infinity;
      running = runRound().then((more) => {
        running = undefined;
        if (!stopped) schedule(more ? 0 : notifiedDuringRound ? lingerMs : options.intervalMs);
        notifiedDuringRound = false;
      });
    }, delayMs);
  };

  /** Whether there may be more to do right away; a failed round waits for the next poll. */
  const runRound = async (): Promise<boolean> => {
    try {
      return await options.round();
    } catch (error) {
      options.logger.error(loggableError(error), `${options.name}: round failed; retrying at the next poll`);
      return false;
    }
  };

  return {
    name: options.name,
    start() {
      stopped = false;
      schedule(0);
    },
    notify() {
      if (stopped) return;
      if (running) notifiedDuringRound = true;
      else if (dueAt > performance.now() + lingerMs) schedule(lingerMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      dueAt = Infinity;
      await running;
    },
  };
}
