import { createCalendar, loadUnitsFile, sampleCatalog, sampleUnits } from "@lienthong/domain";
import type { InProcessBroker } from "@lienthong/messaging";
import { ServiceRuntime } from "@lienthong/runtime";
import { loadConfig } from "@lienthong/service-kit";
import { routingGrpc } from "./api/grpc";
import { routingRouter } from "./api/http";
import { routingEnv } from "./config";
import { routingEventHandler, routingTopics } from "./events/consumers";
import { routingCollections } from "./store/collections";
import type { RoutingPorts } from "./use-cases/ports";

export interface ServiceOptions {
  env?: NodeJS.ProcessEnv;
  broker?: InProcessBroker;
  ports?: { http?: number; grpc?: number };
}

/** The composition root of routing. */
export async function createRoutingService(options: ServiceOptions = {}): Promise<ServiceRuntime> {
  const env = loadConfig(routingEnv, options.env ?? process.env);
  const runtime = await ServiceRuntime.open({ service: "routing", env, collections: routingCollections, broker: options.broker, ports: options.ports });
  const ports: RoutingPorts = {
    store: runtime.store,
    commit: (ops) => runtime.commit(ops),
    catalog: sampleCatalog(),
    units: env.UNITS_FILE ? loadUnitsFile(env.UNITS_FILE) : sampleUnits(),
    calendar: createCalendar(),
    now: () => new Date(),
  };
  runtime.http.app.use(routingRouter(ports));
  runtime.serveGrpc(routingGrpc(ports));
  runtime.consume(routingTopics, routingEventHandler(ports));
  return runtime;
}
