import type { BackgroundTask } from "@lienthong/runtime";
import { loggableError, type Logger } from "@lienthong/service-kit";
import { fireDeadlineTimers } from "../use-cases/fire-deadline-timers";
import type { RoutingPorts } from "../use-cases/ports";

/**
 * Polls the durable timers stored with the dossiers. Nothing lives only in
 * memory: after a restart the first poll finds whatever came due meanwhile.
 */
export function deadlineWatcher(ports: RoutingPorts, options: { intervalMs: number; logger: Logger }): BackgroundTask {
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  let stopped = true;

  const poll = () => {
    polling = fireDeadlineTimers(ports)
      .then(
        (fired) => {
          if (fired.dueSoon + fired.overdue > 0) options.logger.info(fired, "deadline timers fired");
        },
        (error: unknown) => options.logger.error(loggableError(error), "deadline watch failed; retrying at the next poll"),
      )
      .finally(() => {
        polling = undefined;
        if (!stopped) timer = setTimeout(poll, options.intervalMs);
      });
  };

  return {
    name: "deadline-watcher",
    start() {
      stopped = false;
      timer = setTimeout(poll, 0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await polling;
    },
  };
}
