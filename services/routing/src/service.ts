import { type ServiceFactoryOptions, ServiceHost, loadConfig } from "@lienthong/service-host";
import type { WorkingCalendar } from "@lienthong/domain";
import { routingGrpc } from "./api/grpc";
import { routingRoutes } from "./api/http";
import { routingCalendar, routingEnv } from "./config";
import { routingEventHandler, routingTopics } from "./events/consumers";
import { deadlineWatcher } from "./events/deadline-watcher";
import { registerRoutingMetrics } from "./metrics";
import { assignments, routingCollections } from "./store/collections";
import type { RoutingAudit, RoutingPorts } from "./use-cases/ports";

export type ServiceOptions = ServiceFactoryOptions;

/** The composition root of routing. */
export async function createRoutingService(options: ServiceOptions = {}): Promise<ServiceHost> {
  const env = loadConfig(routingEnv, options.env ?? process.env);
  const host = await ServiceHost.open({ service: "routing", env, collections: routingCollections }, options);
  const { reference } = host;
  let calendar: WorkingCalendar;
  try {
    calendar = routingCalendar(env, reference);
  } catch (error) {
    // A refused configuration: close the store and bus just opened, and report the refusal.
    await host.stop().catch(() => undefined);
    throw error;
  }
  // Ids only (DOMAIN.md §7), with the trace that tells which request or dossier step it was.
  const audit: RoutingAudit = {
    decided: (decision) => host.audit.append(decision),
    done: (record) => host.audit.record(record),
  };
  const ports: RoutingPorts = {
    store: host.store,
    commit: (ops) => host.commit(ops),
    catalog: reference.catalog,
    units: reference.units,
    calendar,
    deadlines: {
      dueSoonWorkingHours: env.DUE_SOON_WORKING_HOURS,
      apologyMax: env.APOLOGY_MAX,
      apologyMinLeadWorkingHours: env.APOLOGY_MIN_LEAD_WORKING_HOURS,
    },
    supplementMax: env.SUPPLEMENT_MAX,
    supplementDeadlineWorkingDays: env.SUPPLEMENT_DEADLINE_WORKING_DAYS,
    practice: { supplementBeforeAcceptance: env.SUPPLEMENT_BEFORE_ACCEPTANCE },
    autoAccept: env.AUTO_ACCEPT,
    audit,
    now: options.clock ?? (() => new Date()),
  };
  routingRoutes(host.http, ports);
  host.serveGrpc(routingGrpc(ports));
  host.dossierProvince(async (dossierId) => (await host.store.get(assignments, dossierId))?.data.receivingProvinceCode);
  host.consume(routingTopics, routingEventHandler(ports));
  registerRoutingMetrics(host.metrics, ports, host.logger);
  host.runInBackground(deadlineWatcher(ports, { intervalMs: env.DEADLINE_POLL_INTERVAL_MS, logger: host.logger }));
  return host;
}
