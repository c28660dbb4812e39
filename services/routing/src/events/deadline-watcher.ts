import { type BackgroundTask, type Logger, pollingTask } from "@lienthong/service-host";
import { fireDeadlineTimers } from "../use-cases/fire-deadline-timers";
import type { RoutingPorts } from "../use-cases/ports";

/**
 * Polls the durable timers stored with the dossiers. Nothing lives only in
 * memory: after a restart the first poll finds whatever came due meanwhile.
 */
export function deadlineWatcher(ports: RoutingPorts, options: { intervalMs: number; logger: Logger }): BackgroundTask {
  return pollingTask({
    name: "deadline-watcher",
    intervalMs: options.intervalMs,
    logger: options.logger,
    round: async () => {
      const fired = await fireDeadlineTimers(ports);
      if (fired.dueSoon + fired.overdue + fired.supplementOverdue > 0)
        options.logger.info(fired, "deadline timers fired");
      return false;
    },
  });
}
