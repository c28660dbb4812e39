/**
 * One service of the embedded platform on a worker thread of its own
 * (embedded.ts starts it): its store, HTTP, gRPC and ops servers, consumer,
 * relay and background tasks run here, and its bus reaches the platform's one
 * broker on the launching thread. Only this file's imports of node: modules
 * and types come before telemetry: http and grpc-js must be loaded after the
 * SDK, as in a process of its own.
 */
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import type { PlatformService } from "@lienthong/contracts";
import type { RunningService, ServiceFactoryOptions, ServiceHost } from "@lienthong/service-host";

/** What the launching thread hands a service's thread. */
export interface ServiceThreadData {
  service: PlatformService;
  env: NodeJS.ProcessEnv;
  ports: NonNullable<ServiceFactoryOptions["ports"]>;
  /** The broker's end of it is served by `serveBroker` on the launching thread. */
  broker: MessagePort;
}

/** What a service's thread tells the launching thread. */
export type ServiceThreadReport =
  | { kind: "started"; running: RunningService }
  | { kind: "failed"; error: string }
  /** Its host stopped; with what failed on the way, if something did. */
  | { kind: "stopped"; error?: string };

/** What the launching thread tells a service's thread: only to stop, in order (its host's stop). */
export type ServiceThreadOrder = { kind: "stop" };

async function run(port: MessagePort, data: ServiceThreadData): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports -- telemetry must start before the service's modules load */
  const { startTelemetry } =
    require("@lienthong/service-host/telemetry") as typeof import("@lienthong/service-host/telemetry");
  // Each thread's spans carry its service's name (OTEL_SERVICE_NAME still overrides it).
  const telemetry = startTelemetry({ serviceName: data.service.name });
  const { ThreadBroker } = require("@lienthong/messaging") as typeof import("@lienthong/messaging");
  const { createService } = require(data.service.package) as {
    createService: (options: ServiceFactoryOptions) => Promise<ServiceHost>;
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const report = (message: ServiceThreadReport) => port.postMessage(message);
  // Whatever fails on the way, the thread ends: telemetry flushed, the broker's port closed.
  const end = async () => {
    await telemetry.shutdown().catch(() => undefined);
    data.broker.close();
  };
  let host: ServiceHost | undefined;
  try {
    host = await createService({ env: data.env, broker: new ThreadBroker(data.broker), ports: data.ports });
    report({ kind: "started", running: await host.start() });
  } catch (error) {
    report({ kind: "failed", error: messageOf(error) });
    await host?.stop().catch(() => undefined);
    await end();
    return;
  }
  const started = host;
  port.once("message", (order: ServiceThreadOrder) => {
    if (order.kind !== "stop") return;
    void started
      .stop()
      .then(
        (): ServiceThreadReport => ({ kind: "stopped" }),
        (error: unknown): ServiceThreadReport => ({ kind: "stopped", error: messageOf(error) }),
      )
      .then(async (stopped) => {
        await end();
        report(stopped);
      });
  });
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

if (parentPort) void run(parentPort, workerData as ServiceThreadData);
