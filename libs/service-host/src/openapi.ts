import { z } from "zod";
import {
  createDocument,
  type ZodOpenApiContentObject,
  type ZodOpenApiObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponsesObject,
} from "zod-openapi";
import { AUTHORIZATION_HEADER, CLIENT_KEY_HEADER, type Access } from "./auth/access";
import { problemContentType, problemSchema } from "./http-problem";
import type { RegisteredRoute, RouteBody, RouteResponses } from "./http";

/** What the document says of the service as a whole. */
export interface DocumentInfo {
  title: string;
  version: string;
  description: string;
}

export type OpenApiDocument = ReturnType<typeof createDocument>;

/** The credentials of docs/decisions.md §18, as OpenAPI security schemes. */
const securitySchemes = {
  apiKey: {
    type: "apiKey",
    in: "header",
    name: CLIENT_KEY_HEADER,
    description: "A commune system's or the portal's API key",
  },
  officialToken: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: `An official's token from the province's identity provider, in the ${AUTHORIZATION_HEADER} header`,
  },
} as const;

/**
 * The OpenAPI 3.1 document of a service, from its route registry: each
 * route's request schemas are the zod schemas its use case validates with,
 * its answers the schemas its handler is typed against. Built once, when the
 * routes are all registered, never per request. Undocumented routes are left
 * out; the documents' test finds them.
 */
export function openApiDocument(info: DocumentInfo, routes: readonly RegisteredRoute[]): OpenApiDocument {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    if (!route.doc) continue;
    const template = openApiPath(route.path);
    const method = route.method.toLowerCase() as "get" | "post" | "put" | "delete";
    paths[template] = { ...paths[template], [method]: operationOf(route, route.doc) };
  }
  const document: ZodOpenApiObject = {
    openapi: "3.1.0",
    info: { ...info, license: { name: "Apache-2.0", identifier: "Apache-2.0" } },
    // Relative: the document is served by the service it describes, wherever that is reached.
    servers: [{ url: "/" }],
    paths,
    components: { securitySchemes },
  };
  return createDocument(document, {
    override: ({ jsonSchema, zodSchema, io }) => {
      // An answer's Date is sent as JSON.stringify sends it: an ISO 8601 string.
      if (zodSchema._zod.def.type === "date" && io === "output") {
        jsonSchema.type = "string";
        jsonSchema.format = "date-time";
      }
    },
  });
}

/** Express's `/v1/applications/:dossierRef` as OpenAPI's `/v1/applications/{dossierRef}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

/** The names of a route's path parameters, in order. */
export function pathParameterNames(expressPath: string): string[] {
  return [...expressPath.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1]!);
}

function operationOf(route: RegisteredRoute, doc: NonNullable<RegisteredRoute["doc"]>): ZodOpenApiOperationObject {
  const names = pathParameterNames(route.path);
  const pathParams =
    doc.params ??
    (names.length > 0 ? z.object(Object.fromEntries(names.map((name) => [name, z.string()]))) : undefined);
  const requestBody = requestBodyOf(route.body, doc.body);
  return {
    operationId: doc.operationId,
    summary: doc.summary,
    description: [doc.description, `Access: ${accessText(route.access)}.`].filter(Boolean).join("\n\n"),
    tags: [tagOf(route.path)],
    security: securityOf(route.access),
    "x-lienthong-access": route.access,
    requestParams: {
      ...(pathParams && { path: pathParams }),
      ...(doc.query && { query: doc.query }),
      ...(doc.headers && { header: doc.headers }),
    },
    ...(requestBody && { requestBody }),
    responses: responsesOf(doc.responses),
  };
}

function requestBodyOf(body: RouteBody, schema: z.ZodType | undefined): ZodOpenApiOperationObject["requestBody"] {
  if (body === "none") return undefined;
  if ("json" in body) {
    // A JSON route without its schema is left bodiless here: the documents' test names it.
    if (!schema) return undefined;
    return { required: true, content: { "application/json": { schema } } };
  }
  return {
    required: true,
    description: `At most ${body.raw.limitBytes} bytes`,
    content: { [body.raw.type]: {} },
  };
}

function responsesOf(responses: RouteResponses): ZodOpenApiResponsesObject {
  const documented: ZodOpenApiResponsesObject = {};
  for (const [status, response] of Object.entries(responses)) {
    const content: ZodOpenApiContentObject =
      "json" in response ? { "application/json": { schema: response.json } } : { [response.bytes]: {} };
    documented[status as `${1 | 2 | 3 | 4 | 5}${string}`] = { description: response.description, content };
  }
  const problem: ZodOpenApiContentObject = { [problemContentType]: { schema: problemSchema } };
  return {
    ...documented,
    "4XX": { description: "Refused: the problem document names the code, reason and fields", content: problem },
    "5XX": {
      description: "Failed or unavailable: quote the trace id; retriable says whether to retry",
      content: problem,
    },
  };
}

function securityOf(access: Access): Record<string, string[]>[] {
  if ("public" in access) return [];
  if ("client" in access) return [{ apiKey: [] }];
  if ("official" in access) return [{ apiKey: [], officialToken: [] }];
  return [{ officialToken: [] }];
}

function accessText(access: Access): string {
  if ("public" in access) return `public (${access.public})`;
  if ("client" in access) return "a commune system's or the portal's API key";
  if ("official" in access)
    return `a commune system's API key forwarding the token of an official with one of the roles ${access.official.join(", ")}`;
  return `an official's token with one of the roles ${access.staff.join(", ")}`;
}

/** Groups operations by what they serve: `/v1/applications/…` → "applications", `/ops/…` → "operations". */
function tagOf(path: string): string {
  const [first, second] = path.split("/").filter(Boolean);
  if (first === "ops") return "operations";
  if (first === "v1" && second) return second;
  return "service";
}
