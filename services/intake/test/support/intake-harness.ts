import * as grpc from "@grpc/grpc-js";
import { EventTypes, Topics, intake, lifecycleEvent, type EventTypeName, type PayloadOf } from "@lienthong/contracts";
import { InProcessBroker, outbox, type DeliveredEvent, type Subscription } from "@lienthong/messaging";
import { parseKey, storedKeyOf, type Logger, type RunningService, type ServiceHost } from "@lienthong/service-host";
import { tempDir, waitFor, type TempDir } from "@lienthong/testing";
import { createIntakeService } from "../../src";
import { applications, type ApplicationRecord } from "../../src/store/collections";

/** Mường Lát (Thanh Hoá), a receiving unit of the built-in sample units. */
export const MUONG_LAT = "14845";
/** Tam Chung, another commune of Thanh Hoá in the sample units. */
export const TAM_CHUNG = "14848";
/** Marriage registration, in the built-in sample catalog. */
export const MARRIAGE_REGISTRATION = "1.000894";
/** Signature attestation, in the built-in sample catalog. */
export const SIGNATURE_ATTESTATION = "2.000884";

/** Thanh Hoá's provincial Public Administration Service Centre, as receiving-units.test.ts configures it. */
export const THANH_HOA_CENTRE = "38.TTPVHCC";
/** Hà Nội's, in another province. */
export const HA_NOI_CENTRE = "01.TTPVHCC";
/** Thanh Hoá's Department of Industry and Trade (Sở Công Thương): its stand-in code, as routing decides under it. */
export const THANH_HOA_TRADE = "38.SCT";
/** Hà Nội's Department of Industry and Trade, in another province. */
export const HA_NOI_TRADE = "01.SCT";

/** The commune systems of these tests, as CLIENTS registers them. */
export const clients = {
  muongLat: {
    key: "ltk.testmuonglat.test-key-muong-lat-commune-000000001",
    clientId: "muong-lat-commune-system",
    unitCodes: [MUONG_LAT],
  },
  tamChung: {
    key: "ltk.testtamchung.test-key-tam-chung-commune-000000002",
    clientId: "tam-chung-commune-system",
    unitCodes: [TAM_CHUNG],
  },
  provincialPolice: {
    key: "ltk.testpolice.test-key-thanh-hoa-police-0000000003",
    clientId: "thanh-hoa-provincial-police",
    unitCodes: ["38.CA"],
  },
  thanhHoaCentre: {
    key: "ltk.testthcentre.test-key-thanh-hoa-centre-00000000005",
    clientId: "thanh-hoa-centre",
    unitCodes: [THANH_HOA_CENTRE],
  },
  haNoiCentre: {
    key: "ltk.testhncentre.test-key-ha-noi-centre-0000000000006",
    clientId: "ha-noi-centre",
    unitCodes: [HA_NOI_CENTRE],
  },
  thanhHoaTrade: {
    key: "ltk.testthtrade.test-key-thanh-hoa-trade-00000000007",
    clientId: "thanh-hoa-industry-and-trade",
    unitCodes: [THANH_HOA_TRADE],
  },
  haNoiTrade: {
    key: "ltk.testhntrade.test-key-ha-noi-trade-000000000000008",
    clientId: "ha-noi-industry-and-trade",
    unitCodes: [HA_NOI_TRADE],
  },
  /** A provincial portal acting for every commune of Thanh Hoá in the sample (enough units to list by scanning). */
  thanhHoaPortal: {
    key: "ltk.testportal.test-key-thanh-hoa-portal-0000000004",
    clientId: "thanh-hoa-portal",
    unitCodes: [
      "14758",
      "14797",
      MUONG_LAT,
      TAM_CHUNG,
      "14854",
      "14857",
      "38.CA",
      "38.UBND",
      "38.STP",
      "38.SXD",
      "38.SCT",
      "38.SYT",
      "38.SNV",
    ],
  },
} as const;

/** The CLIENTS registry of these tests: only salted hashes of the keys, as in a deployment. */
export const testClients = JSON.stringify({
  clients: Object.values(clients).map(({ key, clientId, unitCodes }) => {
    const { id, secret } = parseKey(key)!;
    return { clientId, unitCodes, keys: [storedKeyOf(id, secret)] };
  }),
});

/** Personal data the tests submit and then look for where it must never appear. */
export const applicantData = {
  fullName: "Lò Thị Mai Phương",
  citizenId: "038195004217",
  phone: "0912345678",
  email: "mai.phuong@example.vn",
} as const;

/** The marriage registration form (the procedure's form schema in the sample catalog). */
export const marriageForm = {
  applicantFullName: applicantData.fullName,
  applicantCitizenId: applicantData.citizenId,
  husbandFullName: "Hà Văn Minh",
  husbandCitizenId: "038189054321",
  wifeFullName: applicantData.fullName,
  wifeCitizenId: applicantData.citizenId,
} as const;

export interface IntakeHarness {
  runtime: ServiceHost;
  running: RunningService;
  broker: InProcessBroker;
  /** Every event on every platform topic, as an independent consumer group sees it. */
  observed: DeliveredEvent[];
  dataDir: string;
  /** Waits until every event committed so far left the outbox and reached `observed`. */
  allObserved(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * intake through its composition root, in-process, on a memory-only broker
 * and a fresh data directory, with the test API keys. `partitions: 1` keeps
 * every topic in one order, so an event seen after another proves the earlier
 * one was published first.
 */
export async function startIntake(
  options: {
    partitions?: number;
    env?: Record<string, string>;
    logger?: Logger;
    /** Another harness's data directory: a second intake instance on the same store (left in place at stop). */
    sharedDataDir?: string;
  } = {},
): Promise<IntakeHarness> {
  const dataDir: TempDir | undefined = options.sharedDataDir === undefined ? await tempDir("intake-test") : undefined;
  const dataPath = options.sharedDataDir ?? dataDir!.path;
  const broker = new InProcessBroker({ partitions: options.partitions ?? 4 });
  const runtime = await createIntakeService({
    env: {
      DATA_DIR: dataPath,
      HTTP_HOST: "127.0.0.1",
      BUS: "in-process",
      LOG_LEVEL: "silent",
      CLIENTS: testClients,
      ...options.env,
    },
    broker,
    ports: { http: 0, grpc: 0, ops: 0 },
    logger: options.logger,
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
    dataDir: dataPath,
    async allObserved() {
      const observerBus = broker.bus("test-observer");
      await waitFor(
        async () =>
          (await runtime.store.count(outbox)) === 0 &&
          (await observerBus.consumerLag("test-observer", Object.values(Topics))).every(({ lag }) => lag === 0),
        { description: "every committed event published and observed" },
      );
    },
    async stop() {
      await observer.close();
      await runtime.stop();
      await broker.close();
      await dataDir?.remove();
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
    formFields: { ...marriageForm },
    ...overrides,
  };
}

/** A valid signature attestation (another procedure, another form). */
export function attestationApplication(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return validApplication({
    procedureCode: SIGNATURE_ATTESTATION,
    formFields: {
      applicantFullName: applicantData.fullName,
      applicantCitizenId: applicantData.citizenId,
      documentTitle: "Giấy ủy quyền",
    },
    ...overrides,
  });
}

export interface HttpReply {
  status: number;
  contentType: string;
  headers: Headers;
  text: string;
  body: unknown;
}

/** One REST call; `apiKey: null` sends none. */
export async function call(
  baseUrl: string,
  method: "GET" | "POST",
  path: string,
  options: {
    body?: string | Record<string, unknown>;
    apiKey?: string | null;
    headers?: Record<string, string>;
    /** A reply slower than this fails the call; bursts on a busy machine need more than the default. */
    timeoutMs?: number;
  } = {},
): Promise<HttpReply> {
  const apiKey = options.apiKey === undefined ? clients.muongLat.key : options.apiKey;
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined && { "content-type": "application/json" }),
      ...(apiKey !== null && { "x-api-key": apiKey }),
      ...options.headers,
    },
    body: typeof options.body === "string" || options.body === undefined ? options.body : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
  });
  const text = await response.text();
  const contentType = response.headers.get("content-type") ?? "";
  return {
    status: response.status,
    contentType,
    headers: response.headers,
    text,
    body: contentType.includes("json") ? JSON.parse(text) : undefined,
  };
}

/** POST /v1/applications as Mường Lát's commune system unless headers say otherwise. */
export function postApplication(
  baseUrl: string,
  body: string | Record<string, unknown>,
  headers: Record<string, string> = {},
  timeoutMs?: number,
): Promise<HttpReply> {
  return call(baseUrl, "POST", "/v1/applications", { body, headers, apiKey: headers["x-api-key"], timeoutMs });
}

export interface ApplicationBody {
  dossierId: string;
  dossierCode: string;
  status: number;
  receivingUnitCode: string;
  competentAuthorityCode: string;
  competentAuthorityName: string;
  submittedAt: string;
  appointmentAt?: string;
  attachments: { name: string; mediaType: string; sizeBytes: number; sha256: string }[];
  timeline: { status: number; eventType: string }[];
}

/** Submits a valid application and returns it, failing the test on anything but 201. */
export async function submitValid(
  harness: IntakeHarness,
  overrides: Record<string, unknown> = {},
  apiKey: string = clients.muongLat.key,
): Promise<ApplicationBody> {
  const reply = await call(harness.running.httpUrl, "POST", "/v1/applications", {
    body: validApplication(overrides),
    apiKey,
  });
  if (reply.status !== 201) throw new Error(`submission failed with ${reply.status}: ${reply.text}`);
  return (reply.body as { application: ApplicationBody }).application;
}

/** Publishes a routing event for a dossier, exactly as routing would (its topic, its ce_type, protobuf payload). */
export async function publishRoutingEvent<N extends EventTypeName>(
  harness: IntakeHarness,
  name: N,
  payload: Partial<PayloadOf<N>> & { dossierId: string },
): Promise<void> {
  await harness.broker.bus(EventTypes[name].producer).publish([lifecycleEvent(name, payload)]);
}

/** Waits until intake's stored record of the dossier satisfies `predicate` (e.g. the projection caught up). */
export async function waitForRecord(
  harness: IntakeHarness,
  dossierId: string,
  predicate: (record: ApplicationRecord) => boolean,
  description: string,
): Promise<ApplicationRecord> {
  let record: ApplicationRecord | undefined;
  await waitFor(
    async () => {
      record = (await harness.runtime.store.get(applications, dossierId))?.data;
      return record !== undefined && predicate(record);
    },
    // The projection follows the bus: room for a busy machine.
    { description, timeoutMs: 15_000 },
  );
  return record!;
}

/** An IntakeService client on the harness's gRPC port. */
export function intakeClient(harness: IntakeHarness): intake.IntakeServiceClient {
  return new intake.IntakeServiceClient(`127.0.0.1:${harness.running.grpcPort}`, grpc.credentials.createInsecure());
}

/** Metadata carrying an API key, as a commune system sends it over gRPC. */
export function withApiKey(key: string = clients.muongLat.key): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set("x-api-key", key);
  return metadata;
}

/** Calls a unary method of a ts-proto grpc-js client as a promise, with a deadline. */
export function unaryCall<Req, Res>(
  method: (
    request: Req,
    metadata: grpc.Metadata,
    options: Partial<grpc.CallOptions>,
    callback: (error: grpc.ServiceError | null, response: Res) => void,
  ) => grpc.ClientUnaryCall,
  request: Req,
  metadata: grpc.Metadata = new grpc.Metadata(),
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, metadata, { deadline: new Date(Date.now() + 10_000) }, (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

/** The gRPC error of a call that must fail. */
export async function grpcError(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error as grpc.ServiceError,
  );
  if (!outcome) throw new Error("the call succeeded but was expected to fail");
  return outcome;
}
