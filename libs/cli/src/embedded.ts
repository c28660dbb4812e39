import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { MessageChannel, Worker } from "node:worker_threads";
import { loadConsoleConfig, serviceUrlVariable, startConsole, type RunningConsole } from "@lienthong/console";
import { PLATFORM_SERVICES, type PlatformService } from "@lienthong/contracts";
import { InProcessBroker, serveBroker } from "@lienthong/messaging";
import { DEVELOPMENT_WEBHOOK_SECRET } from "@lienthong/notification";
import type { RunningService, ServiceFactoryOptions, ServiceHost } from "@lienthong/service-host";
import { startCommuneSimulator } from "./commune-simulator";
import type { ServiceThreadData, ServiceThreadOrder, ServiceThreadReport } from "./service-thread";

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
  /**
   * Each service on a worker thread of its own, so the platform uses every core (`lienthong start`); by
   * default all on this thread, where tests reach each service's host and a moved clock reaches every rule.
   */
  threads?: boolean;
}

export interface EmbeddedPlatform {
  services: RunningService[];
  /**
   * Each service's host, in service order: its routes and gRPC registrations, for tests that walk them. None
   * with `threads`: each host is then on its own thread.
   */
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

/** A service the launcher started, on this thread or on its own. */
interface StartedService {
  running: RunningService;
  /** Only for a service on this thread. */
  host?: ServiceHost;
  stop(): Promise<void>;
}

async function startOnThisThread(
  service: PlatformService,
  options: ServiceFactoryOptions,
  started: StartedService[],
): Promise<void> {
  const host = await serviceModule(service).createService(options);
  const stop = () => host.stop();
  // Listed before it starts: a start that fails half-way is stopped with the others.
  const entry: StartedService = { running: undefined as unknown as RunningService, host, stop };
  started.push(entry);
  entry.running = await host.start();
}

/**
 * Starts `service` on a worker thread of its own, its bus served by `broker` on this thread. A service whose
 * thread fails once started takes the process down, as an uncaught error on this thread would: a supervisor
 * restarts the whole platform, whose journal and stores lose nothing acknowledged.
 */
function startOnItsThread(
  service: PlatformService,
  env: NodeJS.ProcessEnv,
  ports: ServiceThreadData["ports"],
  broker: InProcessBroker,
): Promise<StartedService> {
  const channel = new MessageChannel();
  serveBroker(broker, channel.port1, service.name);
  const data: ServiceThreadData = { service, env, ports, broker: channel.port2 };
  const worker = new Worker(path.join(__dirname, "service-thread.js"), {
    workerData: data,
    transferList: [channel.port2],
    env,
  });
  let stopping = false;
  const stop = () =>
    new Promise<void>((resolve) => {
      stopping = true;
      // Its host stops in order (consumer, relay, servers, store); then nothing of it is left to keep.
      worker.once("message", () => void worker.terminate().then(() => resolve()));
      worker.once("exit", () => resolve());
      worker.postMessage({ kind: "stop" } satisfies ServiceThreadOrder);
    });
  return new Promise((resolve, reject) => {
    const notStarted = (why: string) => {
      channel.port1.close();
      void worker.terminate();
      reject(new Error(`${service.name} did not start on its thread: ${why}`));
    };
    worker.once("error", (error) => notStarted(error.message));
    worker.once("exit", (code) => notStarted(`its thread ended (exit code ${code})`));
    worker.once("message", (report: ServiceThreadReport) => {
      if (report.kind !== "started") return notStarted(report.kind === "failed" ? report.message : report.kind);
      worker.removeAllListeners("error").removeAllListeners("exit");
      worker.on("error", (error) => {
        throw error;
      });
      worker.on("exit", (code) => {
        if (!stopping) throw new Error(`${service.name}'s thread ended (exit code ${code})`);
      });
      resolve({ running: report.running, stop });
    });
  });
}

/**
 * The whole platform in one process (ARCHITECTURE.md §3): every service of the
 * platform's list shares one journaled in-process broker, each keeps its own
 * store under the data directory, and a simulated commune system receives
 * their webhooks.
 */
export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedPlatform> {
  if (options.threads && options.clock) {
    throw new Error("a moved clock cannot reach services on their own threads: start them on this thread");
  }
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
  const started: StartedService[] = [];
  const services: RunningService[] = [];
  let operationsConsole: RunningConsole | undefined;
  try {
    // One after another: a service's first start creates what the next may read (keys, the development issuer).
    for (const [index, service] of PLATFORM_SERVICES.entries()) {
      const ports = {
        http: portAt(options.httpBase, index),
        grpc: portAt(options.grpcBase, index),
        ops: portAt(options.opsBase, index),
      };
      if (options.threads) started.push(await startOnItsThread(service, env, ports, broker));
      else await startOnThisThread(service, { env, broker, clock: options.clock, ports }, started);
      services.push(started.at(-1)!.running);
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
    await Promise.allSettled(started.map((service) => service.stop()));
    await simulator.close();
    await broker.close();
    throw error;
  }
  return {
    services,
    hosts: started.flatMap((service) => (service.host ? [service.host] : [])),
    communeSimulatorUrl: simulator.url,
    consoleUrl: operationsConsole?.url,
    stop: async () => {
      await operationsConsole?.close();
      await Promise.all(started.map((service) => service.stop()));
      await broker.close();
      await simulator.close();
    },
  };
}
