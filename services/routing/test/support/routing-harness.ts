import { randomUUID } from "node:crypto";
import {
  Topics,
  common,
  decodeEvent,
  lifecycleEvent,
  type DecodedEvent,
  type EventTypeName,
  type PayloadOf,
} from "@lienthong/contracts";
import { actorOf, isDossierAction, vietnamDate } from "@lienthong/domain";
import { InProcessBroker, outbox, type DeliveredEvent, type EventBus, type Subscription } from "@lienthong/messaging";
import {
  AUTHORIZATION_HEADER,
  CLIENT_KEY_HEADER,
  DEVELOPMENT_CLIENTS,
  DEVELOPMENT_OFFICIALS,
  openDevelopmentIssuer,
  type DevelopmentClient,
  type DevelopmentIssuer,
  type DevelopmentOfficial,
  type Logger,
  type RunningService,
  type ServiceHost,
} from "@lienthong/service-host";
import { tempDir, waitFor, type TempDir } from "@lienthong/testing";
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import { createRoutingService } from "../../src";
import type { assignmentView } from "../../src/use-cases/find-assignment";
import type { routing as routingContract } from "@lienthong/contracts";
import { assignments } from "../../src/store/collections";

/** Receiving units and procedures of the built-in samples (Thanh Hoá, province 38). */
export const MUONG_LAT = "14845";
export const TAM_CHUNG = "14848";
export const HAC_THANH = "14797";
export const MARRIAGE_REGISTRATION = "1.000894";
/** 3 working days, extension allowed. */
export const HOUSEHOLD_BUSINESS = "1.001612";
export const CRIMINAL_RECORD_CERTIFICATE = "3.000333";
/** First land-use certificate: a commune-level procedure decided where the land lies. */
export const FIRST_LAND_CERTIFICATE = "1.012753";

/** Monday 6 October 2025, 08:00 in Vietnam: a week with no holiday. */
export const MONDAY = vietnamDate(2025, 10, 6, 8, 0);

export const at = (day: number, hour: number, minute = 0) => vietnamDate(2025, 10, day, hour, minute);

type AssignmentView = ReturnType<typeof assignmentView>;

/**
 * Hắc Thành has no sample official in the development identities: the tests'
 * own, signed by the same development issuer, forwarded by the portal (which
 * receives at every commune).
 */
export const HAC_THANH_RECEIVING_OFFICER: DevelopmentOfficial = {
  subject: "tiep-nhan-hac-thanh",
  name: "Cán bộ tiếp nhận xã Hắc Thành",
  unitCodes: [HAC_THANH],
  roles: ["receiving_officer", "result_clerk"],
};

const SAMPLE_OFFICIALS: readonly DevelopmentOfficial[] = [
  ...Object.values(DEVELOPMENT_OFFICIALS),
  HAC_THANH_RECEIVING_OFFICER,
];

/**
 * The sample official of `unitCode` with a role the workflow table asks for
 * `action` (an unknown action name: the unit's first official, so that only
 * the name is wrong).
 */
export function officialFor(action: string, unitCode = MUONG_LAT): DevelopmentOfficial {
  const atUnit = SAMPLE_OFFICIALS.filter((official) => official.unitCodes.includes(unitCode));
  const roles = isDossierAction(action) ? actorOf(action).roles : undefined;
  const found = roles ? atUnit.find((official) => official.roles.some((role) => roles.includes(role))) : atUnit[0];
  if (!found) throw new Error(`no sample official of ${unitCode} may ${action}`);
  return found;
}

/** The development commune system of the official's unit (the portal for a commune without one of its own). */
export function clientOf(official: DevelopmentOfficial): DevelopmentClient {
  const own = Object.values(DEVELOPMENT_CLIENTS).find(
    (client: DevelopmentClient) =>
      client.unitCodes !== "*" && official.unitCodes.some((unit) => client.unitCodes.includes(unit)),
  );
  return own ?? DEVELOPMENT_CLIENTS.portal;
}

/** Who a request comes from: a commune system's API key, an official's token, both or neither. */
export interface Credentials {
  client?: DevelopmentClient;
  official?: DevelopmentOfficial;
}

/** Reads default to the portal, a tenant of every dossier received at a commune. */
const PORTAL: Credentials = { client: DEVELOPMENT_CLIENTS.portal };

/** What routing's REST answers hold, as the tests read them (each reply has some of these). */
export interface ReplyBody {
  assignment: AssignmentView;
  assignments: AssignmentView[];
  nextPageToken: string;
  indicators: routingContract.Indicators;
  code: string;
  detail: string;
  retriable: boolean;
  details: Record<string, unknown>;
  violations: { field: string; reason: string }[];
}

export interface Reply {
  status: number;
  body: ReplyBody;
}

/** Narrows a decoded event to one name, and with it its payload. */
function isNamed<N extends EventTypeName>(
  event: DecodedEvent,
  name: N,
): event is DecodedEvent & { name: N; payload: PayloadOf<N> } {
  return event.name === name;
}

/** The events the harness publishes as intake or the signature service would. */
type PeerEventName =
  "applicationSubmitted" | "supplementProvided" | "withdrawalRequested" | "documentSigned" | "signatureFailed";

/** A grpc-js callback method as a promise, called with the metadata that carries the caller's credentials. */
export function grpcCall<Req, Res>(
  method: (request: Req, metadata: Metadata, callback: (error: ServiceError | null, response: Res) => void) => unknown,
) {
  return (request: Req, metadata: Metadata = new Metadata()) =>
    new Promise<Res>((resolve, reject) => {
      method(request, metadata, (error, response) => (error ? reject(error) : resolve(response)));
    });
}

export interface RoutingHarness {
  runtime: ServiceHost;
  running: RunningService;
  /** Every event routing published, in order. */
  observed: DeliveredEvent[];
  /** Moves the clock and waits until the deadline watcher fired whatever came due. */
  setClock(date: Date): Promise<void>;
  now(): Date;
  /** Publishes ApplicationSubmitted as intake would and waits until routing registered it; returns the dossier id. */
  submit(overrides?: Partial<SubmitOptions>): Promise<{ dossierId: string; dossierCode: string }>;
  /** Publishes an intake or signature event about a dossier, on its producer's topic. */
  publish<N extends PeerEventName>(name: N, payload: Partial<PayloadOf<N>> & { dossierId: string }): Promise<void>;
  /** Signs the dossier's pending decision as the signature service would, and waits for status 9. */
  sign(dossierId: string): Promise<void>;
  /**
   * An official's action over REST, with the official's token and their
   * commune system's API key (default: the official of Mường Lát whose role
   * the workflow asks for the action, forwarded by Mường Lát's system).
   */
  act(
    dossierRef: string,
    action: string,
    body?: Record<string, unknown>,
    official?: DevelopmentOfficial,
    client?: DevelopmentClient,
  ): Promise<Reply>;
  /** A GET with these credentials (default: the portal's API key). */
  get(path: string, as?: Credentials): Promise<Reply>;
  request(method: string, path: string, body: unknown, as: Credentials): Promise<Reply>;
  assignment(dossierRef: string): Promise<AssignmentView>;
  /** The headers that carry these credentials (REST). */
  headers(as: Credentials): Promise<Record<string, string>>;
  /** The metadata that carries these credentials (gRPC). */
  metadata(as: Credentials): Promise<Metadata>;
  /** The development issuer the service trusts (its key lives in the harness's IDENTITY_DIR). */
  issuer: DevelopmentIssuer;
  identityDir: string;
  /** Routing's events of one type about one dossier, decoded into that type's message. */
  eventsOf<N extends EventTypeName>(dossierId: string, name: N): PayloadOf<N>[];
  waitForEvent<N extends EventTypeName>(dossierId: string, name: N, count?: number): Promise<PayloadOf<N>>;
  /**
   * Waits until every event routing committed so far left the outbox and reached `observed`: an event that
   * is not there then was not emitted (for assertions that something did not happen).
   */
  allObserved(): Promise<void>;
  /** Stops the service and starts it again on the same data directory and bus. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface SubmitOptions {
  procedureCode: string;
  receivingUnitCode: string;
  applicantCommuneCode: string;
  /** Land and construction procedures: where the land lies. */
  landCommuneCode: string;
  channel: common.Channel;
}

let sequence = 0;

/**
 * routing through its composition root, with the development identities: a
 * fresh IDENTITY_DIR whose issuer signs the sample officials' tokens, and the
 * development commune systems' public API keys.
 */
export async function startRouting(
  env: Record<string, string> = {},
  start: Date = MONDAY,
  options: { logger?: Logger } = {},
): Promise<RoutingHarness> {
  const dataDir: TempDir = await tempDir("routing-test");
  const identityDir: TempDir = await tempDir("routing-identity");
  const broker = new InProcessBroker({ partitions: 1 });
  let now = start;
  const clock = () => new Date(now.getTime());
  const open = async () => {
    const runtime = await createRoutingService({
      env: {
        DATA_DIR: dataDir.path,
        HTTP_HOST: "127.0.0.1",
        BUS: "in-process",
        LOG_LEVEL: "silent",
        DEADLINE_POLL_INTERVAL_MS: "20",
        IDENTITY_DIR: identityDir.path,
        ...env,
      },
      broker,
      ports: { http: 0, grpc: 0, ops: 0 },
      clock,
      logger: options.logger,
    });
    return { runtime, running: await runtime.start() };
  };
  let service = await open();
  // Opened after the service made its key; tokens are checked against the real time, not the test's clock.
  const issuer = await openDevelopmentIssuer(identityDir.path);
  const tokens = new Map<string, Promise<string>>();
  const tokenOf = (official: DevelopmentOfficial) => {
    let token = tokens.get(official.subject);
    if (!token) tokens.set(official.subject, (token = issuer.sign(official)));
    return token;
  };
  const credentialsOf = async ({ client, official }: Credentials): Promise<Record<string, string>> => ({
    ...(client && { [CLIENT_KEY_HEADER]: client.key }),
    ...(official && { [AUTHORIZATION_HEADER]: `Bearer ${await tokenOf(official)}` }),
  });
  const peer: EventBus = broker.bus("test-peer");
  const observed: DeliveredEvent[] = [];
  const observer: Subscription = await broker.bus("test-observer").subscribe({
    groupId: "test-observer",
    topics: [Topics.routing],
    handler: (event) => {
      observed.push(event);
      return Promise.resolve();
    },
  });

  const request = async (method: string, path: string, body: unknown, as: Credentials): Promise<Reply> => {
    const response = await fetch(`${service.running.httpUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(await credentialsOf(as)) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as ReplyBody };
  };

  const timersDue = async () => {
    const dueBy = new Date(now.getTime() + 1).toISOString();
    const store = service.runtime.store;
    return (
      (await store.count(assignments, { range: { field: "dueSoonAt", lt: dueBy } })) +
      (await store.count(assignments, { range: { field: "overdueCheckAt", lt: dueBy } })) +
      (await store.count(assignments, { range: { field: "supplementOverdueAt", lt: dueBy } }))
    );
  };

  const eventsOf = <N extends EventTypeName>(dossierId: string, name: N): PayloadOf<N>[] =>
    observed
      .filter((event) => event.key === dossierId)
      .map((event) => decodeEvent(event.type, event.data))
      .flatMap((decoded) => (isNamed(decoded, name) ? [decoded.payload] : []));

  const harness: RoutingHarness = {
    get runtime() {
      return service.runtime;
    },
    get running() {
      return service.running;
    },
    observed,
    now: clock,
    async setClock(date) {
      now = date;
      await waitFor(async () => (await timersDue()) === 0, {
        description: "the deadline watcher to fire every due timer",
        timeoutMs: 15_000,
      });
    },
    async submit(overrides = {}) {
      const options: SubmitOptions = {
        procedureCode: MARRIAGE_REGISTRATION,
        receivingUnitCode: MUONG_LAT,
        applicantCommuneCode: MUONG_LAT,
        landCommuneCode: "",
        channel: common.Channel.CHANNEL_COUNTER,
        ...overrides,
      };
      sequence += 1;
      const dossierId = randomUUID();
      const dossierCode = `${options.receivingUnitCode}-251006-${String(sequence).padStart(4, "0")}`;
      await peer.publish([
        lifecycleEvent("applicationSubmitted", {
          dossierId,
          dossierCode,
          status: common.DossierStatus.DOSSIER_STATUS_SUBMITTED,
          submittedAt: now.toISOString(),
          applicant: { fullName: "Lò Văn Test", citizenId: "038095000001", phone: "", email: "", address: "" },
          ...options,
        }),
      ]);
      await waitFor(async () => (await request("GET", `/v1/dossiers/${dossierId}`, undefined, PORTAL)).status === 200, {
        description: `dossier ${dossierCode} registered`,
      });
      return { dossierId, dossierCode };
    },
    async publish(name, payload) {
      await peer.publish([lifecycleEvent(name, payload)]);
    },
    async sign(dossierId) {
      // Events leave through the outbox after the decision's answer: wait for the request.
      await waitFor(() => eventsOf(dossierId, "signatureRequested").length > 0, {
        description: `a signature requested for ${dossierId}`,
        timeoutMs: 15_000,
      });
      const requested = eventsOf(dossierId, "signatureRequested").at(-1);
      if (!requested) throw new Error(`no signature was requested for ${dossierId}`);
      await harness.publish("documentSigned", {
        dossierId,
        dossierCode: requested.dossierCode,
        requestId: requested.requestId,
        signedAt: now.toISOString(),
        documentId: randomUUID(),
        downloadPath: "/v1/documents/test",
      });
      await waitFor(async () => (await harness.assignment(dossierId)).status === 9, {
        description: `dossier ${dossierId} at status 9`,
      });
    },
    act: (dossierRef, action, body = {}, official = officialFor(action), client = clientOf(official)) =>
      request("POST", `/v1/dossiers/${dossierRef}/actions/${action}`, body, { official, client }),
    get: (path, as = PORTAL) => request("GET", path, undefined, as),
    request,
    headers: credentialsOf,
    async metadata(as) {
      const metadata = new Metadata();
      for (const [key, value] of Object.entries(await credentialsOf(as))) metadata.set(key, value);
      return metadata;
    },
    issuer,
    identityDir: identityDir.path,
    async assignment(dossierRef) {
      const reply = await request("GET", `/v1/dossiers/${dossierRef}`, undefined, PORTAL);
      if (reply.status !== 200) throw new Error(`GET dossier ${dossierRef}: ${reply.status}`);
      return reply.body.assignment;
    },
    eventsOf,
    async waitForEvent(dossierId, name, count = 1) {
      await waitFor(() => eventsOf(dossierId, name).length >= count, {
        description: `${count} ${name} event(s) for ${dossierId}`,
      });
      return eventsOf(dossierId, name)[count - 1]!;
    },
    async allObserved() {
      const observerBus = broker.bus("test-observer");
      await waitFor(
        async () =>
          (await service.runtime.store.count(outbox)) === 0 &&
          (await observerBus.consumerLag("test-observer", [Topics.routing])).every(({ lag }) => lag === 0),
        { description: "every committed event published and observed" },
      );
    },
    async restart() {
      await service.runtime.stop();
      service = await open();
    },
    async stop() {
      await observer.close();
      await service.runtime.stop();
      await broker.close();
      await dataDir.remove();
      await identityDir.remove();
    },
  };
  return harness;
}
