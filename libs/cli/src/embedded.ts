import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { loadConsoleConfig, serviceUrlVariable, startConsole, type RunningConsole } from "@lienthong/console";
import { PLATFORM_SERVICES, type PlatformService } from "@lienthong/contracts";
import { InProcessBroker } from "@lienthong/messaging";
import { DEVELOPMENT_WEBHOOK_SECRET } from "@lienthong/notification";
import type { RunningService, ServiceFactoryOptions, ServiceHost } from "@lienthong/service-host";
import { startCommuneSimulator } from "./commune-simulator";

export interface EmbeddedOptions {
  dataDir: string;
  /** HTTP and gRPC ports of the first service; the others count up in the platform's service order. 0 = any free ports. */
  httpBase: number;
  grpcBase: number;
  /** Metrics and probes (the ops listener) of the first service, counting up likewise. */
  opsBase: number;
  /** Where the simulated commune system receives webhooks; 0 = any free port. */
  simulatorPort: number;
  host: string;
  env?: NodeJS.ProcessEnv;
  /** One clock for every service (tests move it); the system clock by default. */
  clock?: () => Date;
  /** Where the operations console listens (0 = any free port); without it, no console. */
  consolePort?: number;
}

export interface EmbeddedPlatform {
  services: RunningService[];
  /** Each service's host, in service order: its routes and gRPC registrations, for tests that walk them. */
  hosts: readonly ServiceHost[];
  communeSimulatorUrl: string;
  /** The operations console, when one was asked for. */
  consoleUrl: string | undefined;
  stop(): Promise<void>;
}

/** What every service package exports: its composition root. */
interface ServiceModule {
  createService(options: ServiceFactoryOptions): Promise<ServiceHost>;
}

/**
 * A service's composition root, loaded by package name from the platform's
 * service list, so a service added with `lienthong new service` runs here
 * without an edit to this file.
 */
function serviceModule(service: PlatformService): ServiceModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the package name comes from the service list
  return require(service.package) as ServiceModule;
}

/**
 * The whole platform in one process (ARCHITECTURE.md §3): every service of the
 * platform's list shares one journaled in-process broker, each keeps its own
 * store under the data directory, and a simulated commune system receives
 * their webhooks.
 */
export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedPlatform> {
  const dataDir = path.resolve(options.dataDir);
  const secret = options.env?.WEBHOOK_SIGNING_SECRET ?? DEVELOPMENT_WEBHOOK_SECRET;
  const portAt = (base: number, offset: number) => (base === 0 ? 0 : base + offset);
  const simulator = await startCommuneSimulator(secret, options.simulatorPort, options.host);
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    DATA_DIR: dataDir,
    HTTP_HOST: options.host,
    BUS: "in-process",
    WEBHOOK_SIGNING_SECRET: secret,
    WEBHOOK_DEFAULT_URL: options.env?.WEBHOOK_DEFAULT_URL ?? `${simulator.url}/webhooks`,
  };
  mkdirSync(dataDir, { recursive: true });
  const broker = new InProcessBroker({ journalPath: path.join(dataDir, "bus.db") });
  const hosts: ServiceHost[] = [];
  const services: RunningService[] = [];
  let operationsConsole: RunningConsole | undefined;
  try {
    for (const [index, service] of PLATFORM_SERVICES.entries()) {
      const host = await serviceModule(service).createService({
        env,
        broker,
        clock: options.clock,
        ports: {
          http: portAt(options.httpBase, index),
          grpc: portAt(options.grpcBase, index),
          ops: portAt(options.opsBase, index),
        },
      });
      hosts.push(host);
      services.push(await host.start());
    }
    if (options.consolePort !== undefined) {
      // The console reaches the services as any browser's calls would, over their REST URLs.
      const serviceUrls = Object.fromEntries(
        services.map((service) => [serviceUrlVariable(service.name), service.httpUrl]),
      );
      operationsConsole = await startConsole(
        loadConsoleConfig({
          ...env,
          ...serviceUrls,
          HTTP_PORT: String(options.consolePort),
        }),
      );
    }
  } catch (error) {
    await Promise.allSettled(hosts.map((host) => host.stop()));
    await simulator.close();
    await broker.close();
    throw error;
  }
  return {
    services,
    hosts,
    communeSimulatorUrl: simulator.url,
    consoleUrl: operationsConsole?.url,
    stop: async () => {
      await operationsConsole?.close();
      await Promise.all(hosts.map((host) => host.stop()));
      await broker.close();
      await simulator.close();
    },
  };
}
