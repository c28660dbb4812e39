import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import {
  Topics,
  decodeEvent,
  lifecycleEvent,
  signature as contract,
  type DecodedEvent,
  type EventTypeName,
  type PayloadOf,
} from "@lienthong/contracts";
import {
  InProcessBroker,
  deadLetterTopicFor,
  type DeliveredEvent,
  type EventBus,
  type Subscription,
} from "@lienthong/messaging";
import {
  AUTHORIZATION_HEADER,
  CLIENT_KEY_HEADER,
  DEVELOPMENT_CLIENTS,
  auditLog,
  openDevelopmentIssuer,
  type AuditRecord,
  type DevelopmentClient,
  type DevelopmentIssuer,
  type DevelopmentOfficial,
  type Logger,
  type RunningService,
  type ServiceHost,
} from "@lienthong/service-host";
import { tempDir, waitFor, type TempDir } from "@lienthong/testing";
import { createSignatureService } from "../../src";
import { MAX_MESSAGE_BYTES } from "../../src/use-cases/limits";

/**
 * Officials of Mường Lát who sign documents they bring, with the keys the
 * default test PKI holds for them; tokens signed by the same development
 * issuer as DEVELOPMENT_OFFICIALS'.
 */
export const OFFICER_MUONG_LAT: DevelopmentOfficial = {
  subject: "officer-demo",
  name: "Công chức Tư pháp - Hộ tịch xã Mường Lát",
  unitCodes: ["14845"],
  roles: ["document_signer"],
};
export const DEPUTY_MUONG_LAT: DevelopmentOfficial = {
  subject: "deputy-demo",
  name: "Phó Chủ tịch Ủy ban nhân dân xã Mường Lát",
  unitCodes: ["14845"],
  roles: ["document_signer"],
};
/** A document signer the signature service holds no key for. */
export const SIGNER_WITHOUT_KEY: DevelopmentOfficial = {
  subject: "chua-cap-chung-thu",
  name: "Công chức chưa được cấp chứng thư số",
  unitCodes: ["14845"],
  roles: ["document_signer"],
};

/** Who a request comes from: a commune system's API key, an official's token, both or neither. */
export interface Credentials {
  client?: DevelopmentClient;
  official?: DevelopmentOfficial;
}

/** The commune system of Mường Lát: forwards its officials by default. */
export const MUONG_LAT_SYSTEM = DEVELOPMENT_CLIENTS.muongLat;

/** A grpc-js callback method as a promise, called with the metadata that carries the caller's credentials. */
export function grpcCall<Req, Res>(
  method: (
    request: Req,
    metadata: grpc.Metadata,
    callback: (error: grpc.ServiceError | null, response: Res) => void,
  ) => unknown,
) {
  return (request: Req, metadata: grpc.Metadata = new grpc.Metadata()) =>
    new Promise<Res>((resolve, reject) => {
      method(request, metadata, (error, response) => (error ? reject(error) : resolve(response)));
    });
}

/** The rejection of a gRPC call that must fail. */
export async function refusal(call: Promise<unknown>): Promise<grpc.ServiceError> {
  return call.then(
    () => {
      throw new Error("the call succeeded");
    },
    (error: grpc.ServiceError) => error,
  );
}

export interface SignatureHarness {
  runtime: ServiceHost;
  running: RunningService;
  dataDir: string;
  /** The trust anchor of the service's test PKI (PEM file). */
  rootCertPath: string;
  identityDir: string;
  issuer: DevelopmentIssuer;
  /** A REST request with these credentials. */
  request(
    method: string,
    path: string,
    options?: { body?: Uint8Array | string; type?: string; as?: Credentials; headers?: Record<string, string> },
  ): Promise<Response>;
  headers(as: Credentials): Promise<Record<string, string>>;
  metadata(as: Credentials): Promise<grpc.Metadata>;
  grpc: {
    signDocument(request: contract.SignDocumentRequest, as: Credentials): Promise<contract.SignDocumentResponse>;
    verifyDocument(request: contract.VerifyDocumentRequest, as: Credentials): Promise<contract.VerifyDocumentResponse>;
    signFile(request: contract.SignFileRequest, as: Credentials): Promise<contract.SignFileResponse>;
    verifyFileSignature(
      request: contract.VerifyFileSignatureRequest,
      as: Credentials,
    ): Promise<contract.VerifyFileSignatureResponse>;
    listSlips(request: contract.ListSlipsRequest, as: Credentials): Promise<contract.ListSlipsResponse>;
    getDocument(request: contract.GetDocumentRequest, as: Credentials): Promise<contract.GetDocumentResponse>;
  };
  /** Publishes an event on routing's topic, as routing would. */
  publish<N extends EventTypeName>(name: N, payload: Partial<PayloadOf<N>> & { dossierId: string }): Promise<void>;
  /** signature's events about one dossier, decoded. */
  eventsOf<N extends EventTypeName>(dossierId: string, name: N): PayloadOf<N>[];
  waitForEvent<N extends EventTypeName>(dossierId: string, name: N): Promise<PayloadOf<N>>;
  /** Every event signature published, in order. */
  observed: DeliveredEvent[];
  /** What signature's consumer gave up on (nothing, ever: every request gets an outcome). */
  deadLetters: DeliveredEvent[];
  /** The audit log's entries (committed ones; access decisions within the host's flush interval). */
  auditEntries(): Promise<AuditRecord[]>;
  stop(): Promise<void>;
}

function isNamed<N extends EventTypeName>(
  event: DecodedEvent,
  name: N,
): event is DecodedEvent & { name: N; payload: PayloadOf<N> } {
  return event.name === name;
}

/**
 * signature through its composition root, on the local test PKI, with the
 * development identities: a fresh IDENTITY_DIR whose issuer signs the
 * officials' tokens, and the development commune systems' public API keys.
 */
export async function startSignature(
  options: { logger?: Logger; env?: Record<string, string> } = {},
): Promise<SignatureHarness> {
  const dataDir: TempDir = await tempDir("signature-test");
  const identityDir: TempDir = await tempDir("signature-identity");
  const broker = new InProcessBroker({ partitions: 1 });
  const runtime = await createSignatureService({
    env: {
      DATA_DIR: dataDir.path,
      HTTP_HOST: "127.0.0.1",
      BUS: "in-process",
      LOG_LEVEL: "silent",
      IDENTITY_DIR: identityDir.path,
      ...options.env,
    },
    broker,
    ports: { http: 0, grpc: 0, ops: 0 },
    logger: options.logger,
  });
  const running = await runtime.start();
  // Opened after the service made its key: the same issuer.
  const issuer = await openDevelopmentIssuer(identityDir.path);
  const tokens = new Map<string, Promise<string>>();
  const tokenOf = (official: DevelopmentOfficial) => {
    let token = tokens.get(official.subject);
    if (!token) tokens.set(official.subject, (token = issuer.sign(official)));
    return token;
  };
  const headers = async ({ client, official }: Credentials): Promise<Record<string, string>> => ({
    ...(client && { [CLIENT_KEY_HEADER]: client.key }),
    ...(official && { [AUTHORIZATION_HEADER]: `Bearer ${await tokenOf(official)}` }),
  });
  const metadata = async (as: Credentials) => {
    const result = new grpc.Metadata();
    for (const [key, value] of Object.entries(await headers(as))) result.set(key, value);
    return result;
  };
  // A signed PDF comes back a little larger than it went: callers raise grpc-js's 4 MiB default as the server does.
  const client = new contract.SignatureServiceClient(
    `127.0.0.1:${running.grpcPort}`,
    grpc.credentials.createInsecure(),
    {
      "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    },
  );
  const peer: EventBus = broker.bus("test-routing");
  const observed: DeliveredEvent[] = [];
  const deadLetters: DeliveredEvent[] = [];
  const deadLetterTopic = deadLetterTopicFor("signature");
  const observer: Subscription = await broker.bus("test-observer").subscribe({
    groupId: "test-observer",
    topics: [Topics.signature, deadLetterTopic],
    handler: (event) => {
      (event.topic === deadLetterTopic ? deadLetters : observed).push(event);
      return Promise.resolve();
    },
  });
  const eventsOf = <N extends EventTypeName>(dossierId: string, name: N): PayloadOf<N>[] =>
    observed
      .filter((event) => event.key === dossierId)
      .map((event) => decodeEvent(event.type, event.data))
      .flatMap((decoded) => (isNamed(decoded, name) ? [decoded.payload] : []));

  return {
    runtime,
    running,
    dataDir: dataDir.path,
    rootCertPath: path.join(dataDir.path, "signature", "pki", "root.cert.pem"),
    identityDir: identityDir.path,
    issuer,
    async request(method, target, { body, type, as = {}, headers: extra = {} } = {}) {
      return fetch(`${running.httpUrl}${target}`, {
        method,
        headers: { ...(type && { "content-type": type }), ...(await headers(as)), ...extra },
        body,
        signal: AbortSignal.timeout(30_000),
      });
    },
    headers,
    metadata,
    grpc: {
      signDocument: async (request, as) =>
        grpcCall<contract.SignDocumentRequest, contract.SignDocumentResponse>((r, m, c) =>
          client.signDocument(r, m, c),
        )(request, await metadata(as)),
      verifyDocument: async (request, as) =>
        grpcCall<contract.VerifyDocumentRequest, contract.VerifyDocumentResponse>((r, m, c) =>
          client.verifyDocument(r, m, c),
        )(request, await metadata(as)),
      signFile: async (request, as) =>
        grpcCall<contract.SignFileRequest, contract.SignFileResponse>((r, m, c) => client.signFile(r, m, c))(
          request,
          await metadata(as),
        ),
      verifyFileSignature: async (request, as) =>
        grpcCall<contract.VerifyFileSignatureRequest, contract.VerifyFileSignatureResponse>((r, m, c) =>
          client.verifyFileSignature(r, m, c),
        )(request, await metadata(as)),
      listSlips: async (request, as) =>
        grpcCall<contract.ListSlipsRequest, contract.ListSlipsResponse>((r, m, c) => client.listSlips(r, m, c))(
          request,
          await metadata(as),
        ),
      getDocument: async (request, as) =>
        grpcCall<contract.GetDocumentRequest, contract.GetDocumentResponse>((r, m, c) => client.getDocument(r, m, c))(
          request,
          await metadata(as),
        ),
    },
    async publish(name, payload) {
      await peer.publish([lifecycleEvent(name, payload)]);
    },
    eventsOf,
    async waitForEvent(dossierId, name) {
      await waitFor(() => eventsOf(dossierId, name).length > 0, {
        description: `a ${name} event for ${dossierId}`,
        timeoutMs: 30_000,
      });
      return eventsOf(dossierId, name)[0]!;
    },
    observed,
    deadLetters,
    async auditEntries() {
      return (await runtime.store.find(auditLog, {})).map(({ data }) => data);
    },
    async stop() {
      client.close();
      await observer.close();
      await runtime.stop();
      await broker.close();
      await dataDir.remove();
      await identityDir.remove();
    },
  };
}
