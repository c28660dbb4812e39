import { once } from "node:events";
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
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

/** A service started on a thread of its own: what it serves, and how to stop it. */
interface ServiceOnItsThread {
  running: RunningService;
  stop: () => Promise<void>;
}

/** What a service's thread did: told something, failed, or ended. */
type ThreadEvent = ServiceThreadReport | { kind: "error"; error: Error } | { kind: "exit"; code: number };

/** How long a thread that failed to start may take to end after cleaning up, before it is ended. */
const THREAD_END_TIMEOUT_MS = 10_000;

function described(event: ThreadEvent): string {
  switch (event.kind) {
    case "failed":
    case "stopped":
      return event.error ?? event.kind;
    case "error":
      return event.error.message;
    case "exit":
      return `its thread ended (exit code ${event.code})`;
    case "started":
      return event.kind;
  }
}

/**
 * Starts `service` on a worker thread of its own, its bus served by `broker` on this thread. A service whose
 * thread fails once started takes the process down, as an uncaught error on this thread would: a supervisor
 * restarts the whole platform, whose journal and stores lose nothing acknowledged.
 */
async function startOnItsThread(
  service: PlatformService,
  env: NodeJS.ProcessEnv,
  ports: ServiceThreadData["ports"],
  broker: InProcessBroker,
): Promise<ServiceOnItsThread> {
  const channel = new MessageChannel();
  const data: ServiceThreadData = { service, env, ports, broker: channel.port2 };
  let worker: Worker;
  try {
    worker = new Worker(path.join(__dirname, "service-thread.js"), {
      workerData: data,
      transferList: [channel.port2],
      env,
    });
  } catch (error) {
    channel.port1.close();
    throw error;
  }
  serveBroker(broker, channel.port1, service.name);
  let running = false;
  const events: ThreadEvent[] = [];
  let waiting: ((event: ThreadEvent) => void) | undefined;
  const happened = (event: ThreadEvent) => {
    if (running && (event.kind === "error" || event.kind === "exit")) {
      throw event.kind === "error" ? event.error : new Error(`${service.name}: ${described(event)}`);
    }
    if (waiting) waiting(event);
    else events.push(event);
    waiting = undefined;
  };
  const next = () =>
    new Promise<ThreadEvent>((resolve) => (events.length > 0 ? resolve(events.shift()!) : (waiting = resolve)));
  worker.on("message", (report: ServiceThreadReport) => happened(report));
  worker.on("error", (error) => happened({ kind: "error", error }));
  worker.on("exit", (code) => happened({ kind: "exit", code }));
  const ended = async () => {
    await worker.terminate();
    channel.port1.close();
  };

  const first = await next();
  if (first.kind !== "started") {
    // After a failed start the thread stops what it had started, then ends; one that does not end soon is ended.
    // (threadId is -1 once it is no longer running, before its exit is told.)
    if (first.kind === "failed" && worker.threadId !== -1) {
      await Promise.race([
        once(worker, "exit").catch(() => undefined),
        sleep(THREAD_END_TIMEOUT_MS, undefined, { ref: false }),
      ]);
    }
    await ended();
    throw new Error(`${service.name} did not start on its thread: ${described(first)}`);
  }
  running = true;
  return {
    running: first.running,
    stop: async () => {
      running = false;
      // Its host stops in order (consumer, relay, servers, store); then nothing of the thread is left to keep.
      worker.postMessage({ kind: "stop" } satisfies ServiceThreadOrder);
      const last = await next();
      await ended();
      if (last.kind !== "stopped" || last.error !== undefined) {
        throw new Error(`${service.name} did not stop in order: ${described(last)}`);
      }
    },
  };
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
  const hosts: ServiceHost[] = [];
  const stops: (() => Promise<void>)[] = [];
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
      if (options.threads) {
        const thread = await startOnItsThread(service, env, ports, broker);
        stops.push(thread.stop);
        services.push(thread.running);
      } else {
        const host = await serviceModule(service).createService({ env, broker, clock: options.clock, ports });
        hosts.push(host);
        // Listed before it starts: a start that fails half-way is stopped with the others.
        stops.push(() => host.stop());
        services.push(await host.start());
      }
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
    await Promise.allSettled(stops.map((stop) => stop()));
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
      await Promise.all(stops.map((stop) => stop()));
      await broker.close();
      await simulator.close();
    },
  };
}
