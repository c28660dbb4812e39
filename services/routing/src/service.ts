import { type ServiceFactoryOptions, ServiceHost, loadConfig, referenceDataFrom } from "@lienthong/service-host";
import { routingGrpc } from "./api/grpc";
import { routingRouter } from "./api/http";
import { routingEnv } from "./config";
import { routingEventHandler, routingTopics } from "./events/consumers";
import { deadlineWatcher } from "./events/deadline-watcher";
import { routingCollections } from "./store/collections";
import type { RoutingPorts } from "./use-cases/ports";

export type ServiceOptions = ServiceFactoryOptions;

/** The composition root of routing. */
export async function createRoutingService(options: ServiceOptions = {}): Promise<ServiceHost> {
  const env = loadConfig(routingEnv, options.env ?? process.env);
  const host = await ServiceHost.open({ service: "routing", env, collections: routingCollections }, options);
  const reference = referenceDataFrom(env);
  host.logger.info(reference.sources, "reference data loaded");
  const ports: RoutingPorts = {
    store: host.store,
    commit: (ops) => host.commit(ops),
    catalog: reference.catalog,
    units: reference.units,
    calendar: reference.calendar,
    deadlines: {
      dueSoonWorkingHours: env.DUE_SOON_WORKING_HOURS,
      apologyMax: env.APOLOGY_MAX,
      apologyExtensionWorkingDays: env.APOLOGY_EXTENSION_WORKING_DAYS,
    },
    autoAccept: env.AUTO_ACCEPT,
    now: options.clock ?? (() => new Date()),
  };
  host.http.app.use(routingRouter(ports));
  host.serveGrpc(routingGrpc(ports));
  host.consume(routingTopics, routingEventHandler(ports));
  host.runInBackground(deadlineWatcher(ports, { intervalMs: env.DEADLINE_POLL_INTERVAL_MS, logger: host.logger }));
  return host;
}
