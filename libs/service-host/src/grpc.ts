import { readdirSync } from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation, protoPath as healthProtoPath, type ServingStatus } from "grpc-health-check";
import { PlatformError, invalidArgument, loggableError, toPlatformError, type FieldViolation } from "@lienthong/errors";
import {
  AUTHORIZATION_HEADER,
  CLIENT_KEY_HEADER,
  assertDeclaredAccess,
  authorize,
  type Access,
  type Authorized,
} from "./auth/access";
import { callerIds, type Caller } from "./auth/caller";
import type { AuditEvent } from "./audit/audit-log";
import type { Identification, PresentedCredentials } from "./auth/identities";
import { toGrpcError } from "./grpc-status";
import type { Logger } from "./logger";
import type { Readiness } from "./readiness";
import { activeTraceId } from "./trace-id";

export interface GrpcServiceRegistration {
  /** A ts-proto (`outputServices=grpc-js`) service definition. */
  definition: grpc.ServiceDefinition;
  /** Every method's handler made with `unary(access, …)`: a method without declared access is refused at start. */
  implementation: grpc.UntypedServiceImplementation;
}

export interface GrpcServerOptions {
  service: string;
  logger: Logger;
  services: GrpcServiceRegistration[];
  /** The proto/ folder (contracts' `protoRoot`): served through server reflection. */
  protoRoot?: string;
  /**
   * Upper bound on how long a call may run, whatever deadline the client
   * sent (or none): a stuck dependency must not pile up calls. Default 30 s.
   */
  maxCallDurationMs?: number;
  /** When given, the health status follows it: SERVING only while ready. */
  readiness?: Readiness;
  /**
   * Who is calling, from the call's metadata: run before the request message
   * is read. A refusal is answered, and audited naming whoever the other
   * credential proved.
   */
  identify?: (credentials: PresentedCredentials) => Promise<Identification>;
  /**
   * Told every access decision: who called which method, allowed or not.
   * Without a target: the resource is in the message, which is read only
   * after the decision; the use cases record the dossier or unit they act on.
   */
  audit?: (event: AuditEvent) => void;
  /** Counts a client's call against its rate limit; throws RESOURCE_EXHAUSTED past it. */
  admit?: (clientId: string) => void;
  serverOptions?: grpc.ServerOptions;
}

export interface GrpcServer {
  server: grpc.Server;
  health: HealthImplementation;
  /** Fully-qualified names of the application services, e.g. gov.lienthong.intake.v1.IntakeService. */
  serviceNames: string[];
  /** Sets the health status of "" and of every application service. */
  setServing: (serving: boolean) => void;
  /** Whether health follows a Readiness (else startGrpcServer marks SERVING). */
  readonly followsReadiness: boolean;
}

export const healthServiceName = "grpc.health.v1.Health";
const defaultMaxCallDurationMs = 30_000;

/** "/gov.lienthong.intake.v1.IntakeService/SubmitApplication" → "gov.lienthong.intake.v1.IntakeService". */
function serviceNameOf(definition: grpc.ServiceDefinition): string {
  const first = Object.values(definition)[0];
  if (!first) throw new Error("a gRPC service definition has no methods");
  return first.path.split("/")[1] ?? first.path;
}

/**
 * A grpc-js server with every unary handler wrapped (error mapping, deadline,
 * one log line per call), the standard health service, and server reflection
 * of the contracts.
 */
export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const accessByPath = new Map<string, Access>();
  const server = new grpc.Server({
    ...options.serverOptions,
    interceptors: [
      deciding(accessByPath, {
        identify: options.identify ?? (() => Promise.resolve<Identification>({ caller: {} })),
        audit: options.audit,
        admit: options.admit,
      }),
    ],
  });
  const serviceNames = options.services.map((s) => serviceNameOf(s.definition));
  const maxCallDurationMs = options.maxCallDurationMs ?? defaultMaxCallDurationMs;

  for (const { definition, implementation } of options.services) {
    const wrapped: grpc.UntypedServiceImplementation = {};
    for (const [name, method] of Object.entries(definition)) {
      const handler = implementation[name];
      const access = handler && declaredAccessOf(handler);
      if (!handler || !access || method.requestStream || method.responseStream) {
        throw new Error(`gRPC method ${method.path}: no unary(access, …) handler`);
      }
      assertDeclaredAccess(access, `gRPC method ${method.path}`);
      accessByPath.set(method.path, access);
      wrapped[name] = wrapUnary(
        method.path,
        access,
        handler as grpc.handleUnaryCall<unknown, unknown>,
        options.logger,
        maxCallDurationMs,
        options.audit,
      );
    }
    server.addService(tolerantOfBadRequests(definition), wrapped);
  }

  const health = new HealthImplementation(
    Object.fromEntries(["", ...serviceNames].map((name) => [name, "NOT_SERVING" satisfies ServingStatus])),
  );
  health.addToServer(server);
  const setServing = (serving: boolean) => {
    for (const name of ["", ...serviceNames]) health.setStatus(name, serving ? "SERVING" : "NOT_SERVING");
  };

  if (options.protoRoot) {
    const reflection = new ReflectionService(loadContracts(options.protoRoot), {
      services: [...serviceNames, healthServiceName],
    });
    reflection.addToServer(server);
  }

  if (options.readiness) {
    const readiness = options.readiness;
    setServing(readiness.state === "ready");
    readiness.onChange((state) => setServing(state === "ready"));
  }

  return { server, health, serviceNames, setServing, followsReadiness: options.readiness !== undefined };
}

/** Every .proto under protoRoot plus the health proto, as one package definition. */
function loadContracts(protoRoot: string) {
  const files = protoFilesUnder(protoRoot);
  // health.proto sits at <root>/health/v1/health.proto inside grpc-health-check.
  const healthRoot = path.resolve(path.dirname(healthProtoPath), "../..");
  return loadSync([...files, path.relative(healthRoot, healthProtoPath)], {
    includeDirs: [protoRoot, healthRoot],
  });
}

function protoFilesUnder(root: string, dir = ""): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return protoFilesUnder(root, relative);
    return entry.name.endsWith(".proto") ? [relative] : [];
  });
}

// --------------------------------------------------------------- unary calls

/** Stands in for a request whose bytes are not a message of the method's request type: why, naming the field. */
class UndecodableRequest {
  constructor(readonly violation: FieldViolation) {}
}

/**
 * grpc-js answers INTERNAL when a request cannot be decoded. Decoding instead
 * yields a marker the call wrapper answers with INVALID_ARGUMENT, as any other
 * bad input is answered. A string field must hold UTF-8 (proto3); the decoder
 * would turn bad bytes into U+FFFD and the platform would store them, so a
 * U+FFFD that the bytes did not carry refuses the request.
 */
function tolerantOfBadRequests(definition: grpc.ServiceDefinition): grpc.ServiceDefinition {
  return Object.fromEntries(
    Object.entries(definition).map(([name, method]) => [
      name,
      {
        ...method,
        requestDeserialize: (bytes: Buffer): unknown => {
          let request: unknown;
          try {
            request = method.requestDeserialize(bytes);
          } catch {
            return new UndecodableRequest({
              field: "body",
              reason: "is not a valid protobuf message of this method's request type",
            });
          }
          const replaced = replacedString(request, bytes);
          if (replaced !== undefined) return new UndecodableRequest({ field: replaced, reason: "is not valid UTF-8" });
          return request;
        },
      },
    ]),
  );
}

/**
 * The path of the first string in a decoded message ("applicant.fullName")
 * whose U+FFFD the decoder wrote, else undefined. A string the bytes carry as
 * such, U+FFFD and all, was sent that way; the check is per string, since a
 * bytes field (an attachment) may hold EF BF BD by chance. Strings without
 * U+FFFD cost one scan.
 */
function replacedString(value: unknown, bytes: Buffer, path: readonly string[] = []): string | undefined {
  if (typeof value === "string")
    return value.includes("\uFFFD") && !bytes.includes(Buffer.from(value, "utf8"))
      ? path.join(".") || "body"
      : undefined;
  // Byte fields (Uint8Array), dates and numbers hold no text.
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value) || value instanceof Date)
    return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = replacedString(inner, bytes, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

export interface UnaryContext<C = Caller> {
  metadata: grpc.Metadata;
  /** Who is calling, authenticated and authorized for the method's access. */
  caller: C;
  /** Aborted when the call's time is up or the client cancels: pass it to downstream work. */
  signal: AbortSignal;
  /** When the call's time is up (the earlier of the client's deadline and the server's maximum). */
  deadline: Date;
  /** The client's address as grpc-js reports it ("ipv4:10.0.0.7:51234"), for per-address limits. */
  peer: string;
}

const callContexts = new WeakMap<object, UnaryContext>();
const declaredAccess = new WeakMap<object, Access>();
/** Callers authenticated from a call's metadata, before its message was read. */
const callers = new WeakMap<grpc.Metadata, Caller>();

/** The access a handler was made with by `unary(access, …)`; undefined for any other function. */
export function declaredAccessOf(handler: object): Access | undefined {
  return declaredAccess.get(handler);
}

/**
 * Adapts an async use-case call to a grpc-js unary handler with the access the
 * method asks of its caller: resolve with the response, throw a PlatformError;
 * the server wrapper authenticates, authorizes, maps errors and logs.
 */
export function unary<A extends Access, Req, Res>(
  access: A,
  fn: (request: Req, context: UnaryContext<Authorized<A>>) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  const handler: grpc.handleUnaryCall<Req, Res> = (call, callback) => {
    const context = callContexts.get(call) as UnaryContext<Authorized<A>> | undefined;
    if (!context) {
      callback(toGrpcError(new Error("a unary handler ran outside the server's call wrapper")));
      return;
    }
    // The error goes out unmapped: the server wrapper maps every error once.
    fn(call.request, context).then(
      (response) => callback(null, response),
      (err: unknown) => callback(err as grpc.ServerErrorResponse),
    );
  };
  declaredAccess.set(handler, access);
  return handler;
}

/** The credentials a call presents in its metadata (a client's API key, an official's bearer token). */
function credentialsOf(metadata: grpc.Metadata): PresentedCredentials {
  const first = (key: string) => {
    const value = metadata.get(key)[0];
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  return { apiKey: first(CLIENT_KEY_HEADER), authorization: first(AUTHORIZATION_HEADER) };
}

interface AccessDecision {
  identify: (credentials: PresentedCredentials) => Promise<Identification>;
  audit: ((event: AuditEvent) => void) | undefined;
  admit: ((clientId: string) => void) | undefined;
}

/**
 * Decides each call from its metadata before its message is read —
 * authenticate, authorize, count against the client's rate limit — so a
 * caller who may not make the call never gets a message decoded. A refusal
 * is audited here; an allowed call is audited by the call wrapper, where its
 * trace id is known. Health and reflection stay open; methods of our
 * services declare their access.
 */
function deciding(accessByPath: ReadonlyMap<string, Access>, decision: AccessDecision): grpc.ServerInterceptor {
  const { identify, audit, admit } = decision;
  return (method, call) => {
    const refuse = (error: unknown) => {
      const refused = toGrpcError(error);
      call.sendStatus({ code: refused.code, details: refused.details, metadata: refused.metadata });
    };
    return new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (metadata, proceed) => {
            const access = accessByPath.get(method.path);
            if (!access) {
              proceed(metadata);
              return;
            }
            identify(credentialsOf(metadata))
              .catch((error: unknown): Identification => ({ caller: {}, refusal: toPlatformError(error) }))
              .then(({ caller, refusal }) => {
                try {
                  if (refusal) throw refusal;
                  authorize(access, caller);
                  if (caller.client) admit?.(caller.client.clientId);
                } catch (error) {
                  // No target: the message naming the resource is never read for a refused call.
                  audit?.({
                    action: method.path,
                    outcome: "denied",
                    ...callerIds(caller),
                    reason: toPlatformError(error).reason,
                  });
                  refuse(error);
                  return;
                }
                callers.set(metadata, caller);
                proceed(metadata);
              })
              .catch(refuse);
          },
        });
      },
    });
  };
}

function deadlineMillis(deadline: grpc.Deadline): number {
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

function wrapUnary(
  methodPath: string,
  access: Access,
  handler: grpc.handleUnaryCall<unknown, unknown>,
  logger: Logger,
  maxCallDurationMs: number,
  audit: ((event: AuditEvent) => void) | undefined,
): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    const started = process.hrtime.bigint();
    const traceId = activeTraceId();
    const controller = new AbortController();
    const deadline = Math.min(deadlineMillis(call.getDeadline()), Date.now() + maxCallDurationMs);
    let timer: NodeJS.Timeout | undefined = undefined;
    let settled = false;

    const log = (code: grpc.status, err?: unknown, extra: Record<string, number> = {}) => {
      const line = {
        grpc_method: methodPath,
        grpc_code: grpc.status[code],
        duration_ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
        ...(traceId && { trace_id: traceId }),
        ...extra,
      };
      if (code === grpc.status.INTERNAL || code === grpc.status.UNKNOWN) {
        logger.error({ ...line, err: loggableError(err) }, "grpc call");
      } else logger.info(line, "grpc call");
    };

    // Accepts anything a handler may throw or pass; grpc-js only ever sees the mapped error.
    const reply = (err: unknown, value?: unknown, trailer?: grpc.Metadata, flags?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        const mapped = toGrpcError(err);
        if (traceId) mapped.metadata.set(traceIdKey, traceId);
        log(mapped.code, err);
        callback(mapped);
        return;
      }
      const trailers = trailer ?? new grpc.Metadata();
      if (traceId) trailers.set(traceIdKey, traceId);
      log(grpc.status.OK);
      callback(null, value, trailers, flags);
    };

    call.on("cancelled", () => {
      // grpc-js also reports the stream closing after a reply: a settled call has nothing left to abort (its
      // deadline timer aborted it already if that is what settled it), and building the error cost every call.
      if (settled) return;
      controller.abort(new PlatformError("DEADLINE_EXCEEDED", "The caller cancelled the call or its deadline passed"));
      settled = true;
      clearTimeout(timer);
      // A client whose own deadline passed cancels the call a little before the
      // server's copy of that deadline (it was computed later, on receipt):
      // the time left tells the two cases apart when reading the log.
      log(grpc.status.CANCELLED, undefined, { deadline_left_ms: Math.max(0, deadline - Date.now()) });
    });

    if (call.request instanceof UndecodableRequest) {
      reply(invalidArgument([call.request.violation]));
      return;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      reply(new PlatformError("DEADLINE_EXCEEDED", "The deadline passed before the call was handled"));
      return;
    }
    timer = setTimeout(() => {
      const exceeded = new PlatformError("DEADLINE_EXCEEDED", "The call did not finish before its deadline");
      controller.abort(exceeded);
      reply(exceeded);
    }, remaining);

    // Decided before the message was read (see `deciding`); authorizing again
    // types the caller for the handler and refuses a call that escaped it.
    const authenticated = callers.get(call.metadata) ?? {};
    const decided = (outcome: "allowed" | "denied", reason = "") =>
      audit?.({ action: methodPath, outcome, reason, ...callerIds(authenticated), traceId: traceId ?? "" });
    try {
      const caller = authorize(access, authenticated);
      decided("allowed");
      callContexts.set(call, {
        metadata: call.metadata,
        caller,
        signal: controller.signal,
        deadline: new Date(deadline),
        peer: call.getPeer(),
      });
      const result = handler(call, reply) as unknown;
      if (result instanceof Promise) result.catch(reply);
    } catch (err) {
      if (!callContexts.has(call)) decided("denied", toPlatformError(err).reason);
      reply(err);
    }
  };
}

/** Trailer carrying the trace id back to the caller, like x-trace-id over HTTP. */
export const traceIdKey = "x-trace-id";

// ---------------------------------------------------------------- lifecycle

export interface GrpcServerStartOptions {
  host: string;
  /** 0 asks the OS for a free port; the handle reports the one bound. */
  port: number;
  /**
   * TLS (and mutual TLS) for the listener: what grpcServerTransport made of
   * GRPC_TLS, as ServiceHost passes it. Plaintext when left out.
   */
  credentials?: grpc.ServerCredentials;
  /** How long close() lets in-flight calls finish before cutting them. Default 5 s. */
  shutdownTimeoutMs?: number;
}

export interface GrpcServerHandle {
  port: number;
  /** Marks NOT_SERVING, stops accepting calls, waits for in-flight ones, forces after the timeout. */
  close: () => Promise<void>;
}

export async function startGrpcServer(
  grpcServer: GrpcServer,
  options: GrpcServerStartOptions,
): Promise<GrpcServerHandle> {
  const { server } = grpcServer;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const port = await new Promise<number>((resolve, reject) => {
    const credentials = options.credentials ?? grpc.ServerCredentials.createInsecure();
    server.bindAsync(`${host}:${options.port}`, credentials, (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  if (!grpcServer.followsReadiness) grpcServer.setServing(true);

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      grpcServer.setServing(false);
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, options.shutdownTimeoutMs ?? 5_000);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    }));

  return { port, close };
}

/** Call options with a deadline `ms` from now: every client call sets one. */
export function withDeadline(ms: number): Partial<grpc.CallOptions> {
  return { deadline: new Date(Date.now() + ms) };
}
