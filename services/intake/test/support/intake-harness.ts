import { Topics } from "@lienthong/contracts";
import { InProcessBroker, type DeliveredEvent, type Subscription } from "@lienthong/messaging";
import type { RunningService, ServiceRuntime } from "@lienthong/runtime";
import { tempDir, type TempDir } from "@lienthong/testing";
import { createIntakeService } from "../../src";

/** Mường Lát (Thanh Hoá), a receiving unit of the built-in sample units. */
export const MUONG_LAT = "14845";
/** Marriage registration, in the built-in sample catalog. */
export const MARRIAGE_REGISTRATION = "1.000894";

/** Personal data the tests submit and then look for where it must never appear. */
export const applicantData = {
  fullName: "Lò Thị Mai Phương",
  citizenId: "038195004217",
  phone: "0912345678",
  email: "mai.phuong@example.vn",
} as const;

export interface IntakeHarness {
  runtime: ServiceRuntime;
  running: RunningService;
  broker: InProcessBroker;
  /** Every event on every platform topic, as an independent consumer group sees it. */
  observed: DeliveredEvent[];
  stop(): Promise<void>;
}

/**
 * intake through its composition root, in-process, on a memory-only broker
 * and a fresh data directory. `partitions: 1` keeps every topic in one order,
 * so an event seen after another proves the earlier one was published first.
 */
export async function startIntake(options: { partitions?: number } = {}): Promise<IntakeHarness> {
  const dataDir: TempDir = await tempDir("intake-test");
  const broker = new InProcessBroker({ partitions: options.partitions ?? 4 });
  const runtime = await createIntakeService({
    env: { DATA_DIR: dataDir.path, HTTP_HOST: "127.0.0.1", BUS: "in-process", LOG_LEVEL: "silent" },
    broker,
    ports: { http: 0, grpc: 0 },
  });
  const running = await runtime.start();
  const observed: DeliveredEvent[] = [];
  const observer: Subscription = await broker.bus("test-observer").subscribe({
    groupId: "test-observer",
    topics: Object.values(Topics),
    handler: (event) => {
      observed.push(event);
      return Promise.resolve();
    },
  });
  return {
    runtime,
    running,
    broker,
    observed,
    async stop() {
      await observer.close();
      await runtime.stop();
      await broker.close();
      await dataDir.remove();
    },
  };
}

/** A valid application as a commune system posts it over REST. */
export function validApplication(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    procedureCode: MARRIAGE_REGISTRATION,
    receivingUnitCode: MUONG_LAT,
    applicant: { ...applicantData },
    channel: "counter",
    ...overrides,
  };
}

export interface HttpReply {
  status: number;
  contentType: string;
  text: string;
  body: unknown;
}

export async function postApplication(
  baseUrl: string,
  body: string | Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<HttpReply> {
  const response = await fetch(`${baseUrl}/v1/applications`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const contentType = response.headers.get("content-type") ?? "";
  return { status: response.status, contentType, text, body: contentType.includes("json") ? JSON.parse(text) : undefined };
}
