import { loadUnitsFile, sampleCatalog, sampleUnits } from "@lienthong/domain";
import type { InProcessBroker } from "@lienthong/messaging";
import { ServiceRuntime } from "@lienthong/runtime";
import { loadConfig } from "@lienthong/service-kit";
import { intakeGrpc } from "./api/grpc";
import { intakeRouter } from "./api/http";
import { intakeEnv } from "./config";
import { intakeTopics, intakeEventHandler } from "./events/consumers";
import { intakeCollections } from "./store/collections";
import type { IntakePorts } from "./use-cases/ports";

export interface ServiceOptions {
  env?: NodeJS.ProcessEnv;
  broker?: InProcessBroker;
  ports?: { http?: number; grpc?: number };
}

/** The composition root of intake: config → adapters → use cases → transports. */
export async function createIntakeService(options: ServiceOptions = {}): Promise<ServiceRuntime> {
  const env = loadConfig(intakeEnv, options.env ?? process.env);
  const runtime = await ServiceRuntime.open({ service: "intake", env, collections: intakeCollections, broker: options.broker, ports: options.ports });
  const ports: IntakePorts = {
    store: runtime.store,
    commit: (ops) => runtime.commit(ops),
    catalog: sampleCatalog(),
    units: env.UNITS_FILE ? loadUnitsFile(env.UNITS_FILE) : sampleUnits(),
    now: () => new Date(),
  };
  runtime.http.app.use(intakeRouter(ports));
  runtime.serveGrpc(intakeGrpc(ports));
  runtime.consume(intakeTopics, intakeEventHandler(ports));
  return runtime;
}
