import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
} from "express";
import {
  AUTHORIZATION_HEADER,
  CLIENT_KEY_HEADER,
  assertDeclaredAccess,
  authorize,
  type Access,
  type Authorized,
} from "./auth/access";
import { callerIds } from "./auth/caller";
import type { AuditEvent } from "./audit/audit-log";
import { documentTarget, dossierTarget, unitTarget } from "./audit/audit-targets";
import type { Identification, PresentedCredentials } from "./auth/identities";
import { PlatformError, invalidArgument, loggableError, toPlatformError } from "@lienthong/errors";
import { checkJsonBody, requireMediaType, unsupportedMediaType, wellFormedUrl } from "./http-input";
import { problemContentType, retryAfterSecondsOf, toProblem } from "./http-problem";
import type { Logger } from "./logger";
import type { ServiceMetrics } from "./metrics";
import type { Readiness } from "./readiness";
import { probeDocs, serveDocuments, type DocumentInfo } from "./openapi-routes";
import { requestTraceId } from "./trace-id";
import { PLATFORM_VERSION } from "./version";
import type { z } from "zod";

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  readiness: Readiness;
  metrics: ServiceMetrics;
  /**
   * Who is calling, from the request's headers; runs before a body is read.
   * Default: nobody (tests of the host). A refusal is answered, and audited
   * naming whoever the other credential proved.
   */
  identify?: (credentials: PresentedCredentials) => Promise<Identification>;
  /** Whether /metrics is served here too (else only on the ops listener). */
  serveMetrics?: boolean;
  /** Told every access decision: who asked for which endpoint, allowed or not. */
  audit?: (event: AuditEvent) => void;
  /** Counts a client's request against its rate limit; throws RESOURCE_EXHAUSTED past it. */
  admit?: (clientId: string) => void;
  /** Serves the service's OpenAPI document at /openapi.json and its reference page at /docs. */
  documents?: DocumentInfo;
}

/** How a route reads its body, after the caller is authenticated: JSON, raw bytes of one media type, or nothing. */
export type RouteBody = { json: { limitBytes: number } } | { raw: { type: string; limitBytes: number } } | "none";

/** A success answer of a route: JSON of a schema, or bytes of a media type. */
export type RouteResponse = { description: string; json: z.ZodType } | { description: string; bytes: string };

export type RouteResponses = Readonly<Record<number, RouteResponse>>;

/**
 * What integrators read of a route in the service's OpenAPI document
 * (openapi.ts). The request schemas are the ones its use case validates
 * with; refusals (4XX, 5XX) are problem documents on every route.
 */
export interface RouteDoc<R extends RouteResponses> {
  /** The operation's stable name, e.g. for generated clients (operationId). */
  operationId: string;
  summary: string;
  description?: string;
  /** Default: every `:name` of the path is a string. */
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Request headers read beyond the credentials (Idempotency-Key). */
  headers?: z.ZodObject;
  /** The JSON body, for a route that reads one. */
  body?: z.ZodType;
  responses: R;
}

/**
 * What a handler may send: the union of its documented answers, so the
 * compiler holds a route to its document at no cost per request. A route
 * without a document sends anything (the documents' test refuses it).
 */
export type ResponseBodyOf<R extends RouteResponses> = [R] extends [never]
  ? unknown
  : { [S in keyof R]: R[S] extends { json: infer J extends z.ZodType } ? z.input<J> : Uint8Array }[keyof R];

export interface RouteSpec<A extends Access, R extends RouteResponses = never> {
  method: "get" | "post" | "put" | "delete";
  path: string;
  access: A;
  /** Default: JSON up to 1 MiB for POST and PUT, nothing for GET and DELETE. */
  body?: RouteBody;
  /** Required of every service route (the API documents' test walks the registry); hosts' own tests may omit it. */
  doc?: RouteDoc<R>;
  handle(request: Request, response: Response<ResponseBodyOf<R>>, caller: Authorized<A>): Promise<void>;
}

/** A route as the registry lists it: what an endpoint is and what it asks of its caller. */
export interface RegisteredRoute {
  method: string;
  path: string;
  access: Access;
  /** How it reads its body (the bad-input tests send each kind what it reads). */
  body: RouteBody;
  /** What the OpenAPI document says of it; undefined for an undocumented route. */
  doc?: RouteDoc<RouteResponses>;
}

export interface HttpApp {
  app: Express;
  /**
   * Registers an endpoint: authenticate → authorize → count against the
   * client's rate limit → audit → read the body → handle. A route without a
   * declared access (or one nobody can meet) is refused with an Error.
   */
  route<A extends Access, R extends RouteResponses = never>(spec: RouteSpec<A, R>): void;
  /** Every route registered with `route`, and the probes. */
  routes(): readonly RegisteredRoute[];
  /**
   * Adds the 404 fallback and the problem+json error handler; call after
   * registering routes. With `documents`, the OpenAPI document is built here,
   * once, from the registry.
   */
  mountErrorHandler: () => void;
}

const DEFAULT_JSON_LIMIT_BYTES = 1024 * 1024;
/** Pending connections the kernel may hold for the server (capped by net.core.somaxconn). */
const CONNECTION_BACKLOG = 4096;

export const traceIdHeader = "x-trace-id";
const probePaths = new Set(["/healthz", "/readyz", "/metrics"]);

/** The route template ("/applications/:ref"), never the raw URL, which may carry codes. */
function routeOf(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  if (!route || route.path === undefined) return "unmatched";
  const template =
    typeof route.path === "string" ? route.path : Array.isArray(route.path) ? route.path.join("|") : "pattern";
  // A router's root route reads "/applications", not "/applications/".
  return req.baseUrl && template === "/" ? req.baseUrl : `${req.baseUrl}${template}`;
}

/**
 * An express app with what every service needs around its routers: trace id
 * header, request log and metrics, probes, JSON bodies, and errors mapped once
 * to application/problem+json.
 */
export function createHttpApp(options: HttpAppOptions): HttpApp {
  const { logger, readiness, metrics } = options;
  const app = express();
  app.disable("x-powered-by");

  const requests = metrics.counter({
    name: "http_requests_total",
    help: "HTTP requests handled, by route template and status",
    labelNames: ["method", "route", "status"],
  });
  const durations = metrics.histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration in seconds, by route template and status",
    labelNames: ["method", "route", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });

  const observe: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    const traceId = requestTraceId(req.headers.traceparent);
    res.locals.traceId = traceId;
    res.setHeader(traceIdHeader, traceId);
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { method: req.method, route: routeOf(req), status: String(res.statusCode) };
      requests.inc(labels);
      durations.observe(labels, seconds);
      const line = { ...labels, duration_ms: Math.round(seconds * 1e4) / 10, trace_id: traceId };
      // Probes arrive every few seconds; at info they would bury the traffic.
      if (probePaths.has(req.path)) logger.debug(line, "http request");
      else logger.info(line, "http request");
    });
    next();
  };
  app.use(observe);
  app.use(wellFormedUrl);

  const registered: RegisteredRoute[] = [];
  const identify = options.identify ?? (() => Promise.resolve<Identification>({ caller: {} }));

  function route<A extends Access, R extends RouteResponses = never>(spec: RouteSpec<A, R>): void {
    const action = `${spec.method.toUpperCase()} ${spec.path}`;
    assertDeclaredAccess(spec.access, action);
    const body =
      spec.body ?? (spec.method === "post" || spec.method === "put" ? jsonUpTo(DEFAULT_JSON_LIMIT_BYTES) : "none");
    registered.push({ method: spec.method.toUpperCase(), path: spec.path, access: spec.access, body, doc: spec.doc });
    const authenticated: RequestHandler = (request, response, next) => {
      const decision = { action, target: auditTargetOf(request), traceId: traceIdOf(response) };
      identify(credentialsOf(request))
        .catch((error: unknown): Identification => ({ caller: {}, refusal: toPlatformError(error) }))
        .then(({ caller, refusal }) => {
          try {
            if (refusal) throw refusal;
            response.locals.caller = authorize(spec.access, caller);
            if (caller.client) options.admit?.(caller.client.clientId);
          } catch (error) {
            const reason = toPlatformError(error).reason;
            options.audit?.({ ...decision, outcome: "denied", ...callerIds(caller), reason });
            throw error;
          }
          options.audit?.({ ...decision, outcome: "allowed", ...callerIds(caller) });
          next();
        })
        .catch(next);
    };
    const handlers: RequestHandler[] = [authenticated, ...bodyReader(body)];
    app[spec.method](spec.path, ...handlers, async (request, response) => {
      await spec.handle(request, response as Response<ResponseBodyOf<R>>, response.locals.caller as Authorized<A>);
    });
  }

  const probes: Access = { public: "health probes of load balancers and orchestrators" };
  registered.push(
    { method: "GET", path: "/healthz", access: probes, body: "none", doc: probeDocs.healthz },
    { method: "GET", path: "/readyz", access: probes, body: "none", doc: probeDocs.readyz },
  );
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok", service: options.service });
  });
  app.get("/readyz", async (_req, res) => {
    const report = await readiness.evaluate();
    res.status(report.ready ? 200 : 503).json({ ...report, version: PLATFORM_VERSION });
  });
  const documents = options.documents ? serveDocuments(route, options.documents) : undefined;
  if (options.serveMetrics) {
    app.get("/metrics", async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }

  let mounted = false;
  function mountErrorHandler(): void {
    if (mounted) return;
    mounted = true;
    documents?.build(registered);
    app.use((_req, _res, next) => {
      next(new PlatformError("NOT_FOUND", "No route matches this method and path"));
    });
    const handleError: ErrorRequestHandler = (err: unknown, _req, res, next) => {
      if (res.headersSent) {
        next(err);
        return;
      }
      const error = clientErrorOf(err) ?? err;
      const problem = toProblem(error, res.locals.traceId as string | undefined);
      const retryAfterSeconds = retryAfterSecondsOf(error);
      if (retryAfterSeconds !== undefined) res.setHeader("retry-after", String(retryAfterSeconds));
      if (problem.status >= 500)
        logger.error({ err: loggableError(error), trace_id: problem.traceId }, "request failed");
      // A refusal describes this request only (a link's credential may be in its URL): no cache keeps it.
      res.status(problem.status).type(problemContentType).setHeader("cache-control", "no-store").json(problem);
    };
    app.use(handleError);
  }

  return { app, route, routes: () => [...registered], mountErrorHandler };
}

function traceIdOf(response: Response): string {
  return typeof response.locals.traceId === "string" ? response.locals.traceId : "";
}

/**
 * The path parameters that name the resource a route acts on, recorded as the
 * use cases record them (audit/audit-targets.ts); the first present wins. gRPC
 * carries the resource in the message, read after the access decision, so
 * over gRPC the use cases record targets themselves.
 */
const auditTargets: readonly { param: string; target: (value: string) => string }[] = [
  { param: "dossierRef", target: dossierTarget },
  { param: "dossierCode", target: dossierTarget },
  { param: "documentId", target: documentTarget },
  { param: "agencyCode", target: unitTarget },
  { param: "unitCode", target: unitTarget },
];

function auditTargetOf(request: Request): string {
  const params = request.params as Record<string, string | undefined>;
  for (const { param, target } of auditTargets) {
    const value = params[param];
    if (value !== undefined) return target(value);
  }
  return "";
}

function credentialsOf(request: Request): PresentedCredentials {
  return { apiKey: request.header(CLIENT_KEY_HEADER), authorization: request.header(AUTHORIZATION_HEADER) };
}

function jsonUpTo(limitBytes: number): RouteBody {
  return { json: { limitBytes } };
}

function bodyReader(body: RouteBody): RequestHandler[] {
  if (body === "none") return [];
  if ("json" in body) {
    return [requireMediaType("application/json"), express.json({ limit: body.json.limitBytes, verify: checkJsonBody })];
  }
  return [requireMediaType(body.raw.type), express.raw({ type: body.raw.type, limit: body.raw.limitBytes })];
}

/** body-parser's Content-Encoding decoders: the encodings a body may come in. */
const CONTENT_ENCODINGS = "identity, gzip, deflate or br";

/**
 * The client's errors that express, its router and body-parser report as
 * http-errors (a `type`, a 4xx `status`), as platform errors with the field
 * named. Their own messages are not passed on: some quote the request (a path
 * parameter that does not decode). A platform error (thrown by checkJsonBody)
 * passes as it is.
 */
function clientErrorOf(err: unknown): PlatformError | undefined {
  if (err instanceof PlatformError || typeof err !== "object" || err === null) return undefined;
  const { type, status, code } = err as { type?: unknown; status?: unknown; code?: unknown };
  const invalidBody = (reason: string) => invalidArgument([{ field: "body", reason }], "The request body is invalid");
  switch (type) {
    case "entity.too.large":
      return new PlatformError("PAYLOAD_TOO_LARGE", "The request body is larger than the accepted size", {
        violations: [{ field: "body", reason: "larger than the accepted size" }],
      });
    case "entity.parse.failed":
      return invalidBody("malformed JSON");
    case "encoding.unsupported":
      return unsupportedMediaType("content-encoding", `must be ${CONTENT_ENCODINGS}`);
    case "charset.unsupported":
      return unsupportedMediaType("content-type", "the charset must be utf-8");
    case "request.aborted":
      return invalidBody("request aborted before the body was complete");
    case "request.size.invalid":
      return invalidBody("body length does not match Content-Length");
  }
  if (typeof status !== "number" || status < 400 || status > 499) return undefined;
  // zlib's errors (Z_DATA_ERROR, ERR__ERROR_FORMAT_PADDING_1…): the bytes are not what Content-Encoding says.
  if (typeof code === "string" && /^(Z_|ERR_)/.test(code))
    return invalidBody("does not decode as its Content-Encoding");
  if (status === 413) return clientErrorOf({ type: "entity.too.large" });
  if (status === 415) return unsupportedMediaType("content-type", "is not accepted here");
  return invalidArgument([{ field: "request", reason: "cannot be read" }], "The request is malformed");
}

export interface HttpServerOptions {
  host: string;
  /** 0 asks the OS for a free port; the handle reports the one bound. */
  port: number;
}

export interface HttpServerHandle {
  url: string;
  port: number;
  server: Server;
  /** Stops accepting connections and resolves when in-flight requests have finished. */
  close: () => Promise<void>;
}

export async function startHttpServer(app: Express, options: HttpServerOptions): Promise<HttpServerHandle> {
  const server = createServer(app);
  const inFlight = new Set<ServerResponse>();
  let closing = false;

  server.on("request", (_req, res: ServerResponse) => {
    inFlight.add(res);
    res.on("close", () => {
      inFlight.delete(res);
      // A keep-alive socket that just went idle would hold close() open.
      if (closing) server.closeIdleConnections();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Bursts of connections (a province's commune systems at 08:00) queue here rather than being reset.
    server.listen({ port: options.port, host: options.host, backlog: CONNECTION_BACKLOG }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  let closed: Promise<void> | undefined;
  function close(): Promise<void> {
    closed ??= new Promise<void>((resolve, reject) => {
      closing = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader("connection", "close");
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeIdleConnections();
    });
    return closed;
  }

  return { url, port, server, close };
}
