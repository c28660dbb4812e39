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

/** A background task that can also be woken at once (after a commit that gave it work). */
export interface PollingTask extends BackgroundTask {
  notify(): void;
}

/**
 * The loop behind every store-polling worker (deadline timers, deliveries):
 * a round on start, then every `intervalMs`, at once again while a round says
 * there is more, and at once when notified. A failed round is logged and the
 * next poll retries. stop() waits for the round in flight. Nothing is kept in
 * memory between rounds, so a restart loses nothing. With `lingerMs`, a
 * notification starts the round that much later; those that come meanwhile
 * join it rather than push it back.
 */
export function pollingTask(options: PollingTaskOptions): PollingTask {
  const lingerMs = options.lingerMs ?? 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;
  let lingering = false;

  const schedule = (delayMs: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      lingering = false;
      running = runRound().finally(() => {
        running = undefined;
        if (!stopped) schedule(again ? 0 : options.intervalMs);
        again = false;
      });
    }, delayMs);
  };

  const runRound = async () => {
    try {
      again = (await options.round()) || again;
    } catch (error) {
      options.logger.error(loggableError(error), `${options.name}: round failed; retrying at the next poll`);
    }
  };

  return {
    name: options.name,
    start() {
      stopped = false;
      schedule(0);
    },
    notify() {
      if (stopped || lingering) return;
      if (running) again = true;
      else {
        lingering = lingerMs > 0;
        schedule(lingerMs);
      }
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
