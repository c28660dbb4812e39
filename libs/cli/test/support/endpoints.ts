import * as grpc from "@grpc/grpc-js";
import { routing } from "@lienthong/contracts";
import { declaredAccessOf, type Access, type RouteBody } from "@lienthong/service-host";
import { readGrpcErrorDetails } from "@lienthong/testing";
import type { EmbeddedPlatform } from "../../src/embedded";

/** What an endpoint answered, in its transport's terms. */
export interface Answer {
  /** The HTTP status ("404") or the gRPC status name ("NOT_FOUND"). */
  status: string;
  /** The platform's finer reason (problem `reason`, gRPC ErrorInfo metadata), "" on success. */
  reason: string;
  /** The readable refusal (problem `detail`, gRPC `details`), "" on success. */
  message: string;
}

/** What a call fills in beyond the walk's defaults. */
export interface Request {
  /** By name: REST path parameters and gRPC request fields alike. */
  fields?: Readonly<Record<string, unknown>>;
  /** REST only: what a route reads from its query string and JSON body, which its path does not show. */
  query?: Readonly<Record<string, string>>;
  body?: Readonly<Record<string, unknown>>;
}

export interface Endpoint {
  service: string;
  kind: "REST" | "gRPC";
  /** "GET /v1/dossiers/:dossierRef" or the gRPC method path. */
  name: string;
  access: Access;
  /** What a caller names in it: the parameters of its path (REST) or the fields of its request message (gRPC). */
  names: readonly string[];
  /** Calls it with `headers` (gRPC metadata); without `request`, with an empty body or message. */
  call(headers: Record<string, string>, request?: Request): Promise<Answer>;
  /** Where it is served, for calls the walk's own cannot make (raw bytes, malformed paths). */
  target: RestTarget | GrpcTarget;
}

/** A REST route: its service's base URL, its method, its path template ("/v1/dossiers/:dossierRef") and body. */
export interface RestTarget {
  kind: "REST";
  baseUrl: string;
  method: string;
  path: string;
  body: RouteBody;
}

/** A gRPC method: its server's address, its definition (the request's codec) and the largest request accepted. */
export interface GrpcTarget {
  kind: "gRPC";
  address: string;
  method: grpc.MethodDefinition<unknown, unknown>;
  maxRequestBytes: number;
}

/** What grpc-js accepts when a service sets no maximum (grpc.max_receive_message_length). */
const GRPC_JS_MAX_RECEIVE_BYTES = 4 * 1024 * 1024;

/** The same answer in each transport's terms (service-host's http-problem.ts and grpc-status.ts map them once). */
const ANSWERS = {
  ok: { REST: "200", gRPC: "OK" },
  unauthenticated: { REST: "401", gRPC: "UNAUTHENTICATED" },
  permissionDenied: { REST: "403", gRPC: "PERMISSION_DENIED" },
  notFound: { REST: "404", gRPC: "NOT_FOUND" },
} as const;

export function answeredAs(endpoint: Endpoint, answer: Answer, expected: keyof typeof ANSWERS): boolean {
  return answer.status === ANSWERS[expected][endpoint.kind];
}

export function labelOf(endpoint: Endpoint): string {
  return `${endpoint.service} ${endpoint.kind} ${endpoint.name}`;
}

/**
 * Every registered REST route and gRPC method of every service, from the
 * hosts' own registries, so that a new endpoint is walked without an edit here.
 */
export function walkEndpoints(platform: EmbeddedPlatform): Endpoint[] {
  const endpoints: Endpoint[] = [];
  for (const [index, host] of platform.hosts.entries()) {
    const running = platform.services[index]!;
    for (const route of host.routes()) {
      endpoints.push({
        service: host.name,
        kind: "REST",
        name: `${route.method} ${route.path}`,
        access: route.access,
        names: [...route.path.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1]!),
        call: (headers, request = {}) =>
          callRest(`${running.httpUrl}${concretePath(route.path, request)}`, route.method, headers, request.body),
        target: { kind: "REST", baseUrl: running.httpUrl, method: route.method, path: route.path, body: route.body },
      });
    }
    for (const { definition, implementation } of host.grpcRegistrations()) {
      const Client = grpc.makeGenericClientConstructor(definition, "walk");
      for (const [name, method] of Object.entries(definition)) {
        const address = `127.0.0.1:${running.grpcPort}`;
        endpoints.push({
          service: host.name,
          kind: "gRPC",
          name: method.path,
          access: accessOfHandler(implementation[name]),
          names: Object.keys(emptyRequest(method)),
          call: (headers, request = {}) => {
            const client = new Client(address, grpc.credentials.createInsecure());
            return callUnary(client, name, requestWith(emptyRequest(method), request.fields ?? {}), headers).finally(
              () => client.close(),
            );
          },
          target: {
            kind: "gRPC",
            address,
            method,
            maxRequestBytes: host.maxRequestBytes ?? GRPC_JS_MAX_RECEIVE_BYTES,
          },
        });
      }
    }
  }
  return endpoints;
}

/**
 * A path with its parameters filled — from the request's fields, else with
 * values that exist nowhere (no endpoint may reveal anything for them) — and
 * its query. The action is `accept`, as in the gRPC requests, so both
 * transports reach the same checks.
 */
function concretePath(template: string, { fields = {}, query = {} }: Request): string {
  const filled = template.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = fields[name];
    if (typeof value === "string") return encodeURIComponent(value);
    return name === "action" ? "accept" : `no-such-${name}`;
  });
  const search = new URLSearchParams(query).toString();
  return search ? `${filled}?${search}` : filled;
}

async function callRest(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: Request["body"] = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(method === "GET" ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // Refusals are RFC 9457 problem documents; successes are whatever the endpoint returns.
  const problem = response.ok ? {} : (parseJson(text) as { reason?: unknown; detail?: unknown });
  return {
    status: String(response.status),
    reason: typeof problem.reason === "string" ? problem.reason : "",
    message: typeof problem.detail === "string" ? problem.detail : "",
  };
}

function parseJson(text: string): object {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

/** The request message with every field at its default, as a decoder makes it from no bytes. */
function emptyRequest(method: grpc.MethodDefinition<unknown, unknown>): Record<string, unknown> {
  return method.requestDeserialize(Buffer.alloc(0)) as Record<string, unknown>;
}

function requestWith(
  request: Record<string, unknown>,
  fields: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  for (const [name, value] of Object.entries(fields)) if (name in request) request[name] = value;
  if ("action" in request) request.action = routing.DossierAction.DOSSIER_ACTION_ACCEPT;
  return request;
}

type UnaryCall = (
  this: grpc.Client,
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null) => void,
) => void;

function callUnary(
  client: grpc.Client,
  name: string,
  request: Record<string, unknown>,
  headers: Record<string, string>,
): Promise<Answer> {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  return new Promise((resolve) => {
    (client as unknown as Record<string, UnaryCall>)[name]!.call(
      client,
      request,
      metadata,
      // Generous: a busy two-core machine runs four services and the test in one process.
      { deadline: Date.now() + 30_000 },
      (error) => {
        if (!error) return resolve({ status: "OK", reason: "", message: "" });
        const trailer = error.metadata?.get("grpc-status-details-bin")[0];
        const info = trailer instanceof Buffer ? readGrpcErrorDetails(trailer).info : undefined;
        resolve({ status: grpc.status[error.code], reason: info?.metadata.reason ?? "", message: error.details });
      },
    );
  });
}

/** The access a gRPC handler was declared with (unary(access, …) records it; the host refuses handlers without). */
function accessOfHandler(handler: unknown): Access {
  const access = typeof handler === "function" ? declaredAccessOf(handler) : undefined;
  if (!access) throw new Error("a gRPC handler without declared access");
  return access;
}
