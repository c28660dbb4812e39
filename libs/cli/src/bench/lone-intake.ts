import { DEVELOPMENT_CLIENTS } from "@lienthong/service-host";
import { startServiceProcess, stopServiceProcess } from "./kafka-platform";
import { BENCH_CLIENT_REQUESTS_PER_MINUTE, benchHost, type ChildHandle } from "./processes";

/** Intake in a process of its own, as distributed mode runs it, ready for load. */
export interface LoneIntake extends ChildHandle {
  /** POST here: the submissions endpoint. */
  applicationsUrl: string;
  /** host:port of its gRPC server. */
  grpcAddress: string;
  /** The development portal's key, accepted at every unit. */
  apiKey: string;
}

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/**
 * `node services/intake/dist/main.js` alone on a fresh data directory: its
 * own store, and its own bus journal where distributed mode has Kafka (no
 * broker runs here), so what is measured is intake's work for a submission —
 * telemetry and request logs included — and nothing of the other services.
 * With `tracing: false` the OpenTelemetry SDK is disabled (OTEL_SDK_DISABLED),
 * which is the only difference between the two runs of the tracing figure.
 */
export async function startLoneIntake(identityDir: string, options: { tracing: boolean }): Promise<LoneIntake> {
  const service = await startServiceProcess({
    name: "intake",
    baseEnv: { PATH: process.env.PATH },
    env: {
      HTTP_HOST: benchHost,
      IDENTITY_DIR: identityDir,
      BUS: "in-process",
      CLIENT_REQUESTS_PER_MINUTE: String(BENCH_CLIENT_REQUESTS_PER_MINUTE),
      ...(options.tracing ? {} : { OTEL_SDK_DISABLED: "true" }),
    },
    startTimeoutMs: START_TIMEOUT_MS,
  });
  return {
    pid: service.child.pid ?? 0,
    applicationsUrl: `${service.httpUrl}/v1/applications`,
    grpcAddress: `${benchHost}:${service.grpcPort}`,
    apiKey: DEVELOPMENT_CLIENTS.portal.key,
    stop: async () => {
      await stopServiceProcess(service, STOP_TIMEOUT_MS);
      await service.dataDir.remove();
    },
  };
}
