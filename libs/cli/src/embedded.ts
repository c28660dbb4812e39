import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { createIntakeService } from "@lienthong/intake";
import { InProcessBroker } from "@lienthong/messaging";
import { createNotificationService } from "@lienthong/notification";
import { createRoutingService } from "@lienthong/routing";
import { type RunningService, type ServiceHost } from "@lienthong/service-host";
import { createSignatureService } from "@lienthong/signature";
import { startCommuneSimulator } from "./commune-simulator";

export interface EmbeddedOptions {
  dataDir: string;
  /** First of the HTTP ports (intake, routing, signature, notification; the commune simulator at +9); 0 = any free ports. */
  httpBase: number;
  grpcBase: number;
  host: string;
  env?: NodeJS.ProcessEnv;
  /** One clock for every service (tests move it); the system clock by default. */
  clock?: () => Date;
}

export interface EmbeddedPlatform {
  services: RunningService[];
  communeSimulatorUrl: string;
  stop(): Promise<void>;
}

const WEBHOOK_SECRET_DEFAULT = "lienthong-development-webhook-secret";

/**
 * The whole platform in one process (ARCHITECTURE.md §3): the four services
 * share one journaled in-process broker, each keeps its own store under the
 * data directory, and a simulated commune system receives their webhooks.
 * Services are started consumers-first so nothing waits on a missing peer.
 */
export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedPlatform> {
  const dataDir = path.resolve(options.dataDir);
  const secret = options.env?.WEBHOOK_SIGNING_SECRET ?? WEBHOOK_SECRET_DEFAULT;
  const portAt = (base: number, offset: number) => (base === 0 ? 0 : base + offset);
  const simulator = await startCommuneSimulator(secret, portAt(options.httpBase, 9), options.host);
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
  const factories = [createIntakeService, createRoutingService, createSignatureService, createNotificationService];
  const runtimes: ServiceHost[] = [];
  const services: RunningService[] = [];
  try {
    for (const [index, create] of factories.entries()) {
      const runtime = await create({
        env,
        broker,
        clock: options.clock,
        ports: { http: portAt(options.httpBase, index), grpc: portAt(options.grpcBase, index) },
      });
      runtimes.push(runtime);
      services.push(await runtime.start());
    }
  } catch (error) {
    await Promise.allSettled(runtimes.map((runtime) => runtime.stop()));
    await simulator.close();
    await broker.close();
    throw error;
  }
  return {
    services,
    communeSimulatorUrl: simulator.url,
    stop: async () => {
      await Promise.all(runtimes.map((runtime) => runtime.stop()));
      await broker.close();
      await simulator.close();
    },
  };
}
