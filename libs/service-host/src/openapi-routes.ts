import { z } from "zod";
import type { Access } from "./auth/access";
import type { HttpApp, RegisteredRoute, RouteDoc, RouteResponses } from "./http";
import { openApiDocument, type DocumentInfo, type OpenApiDocument } from "./openapi";
import { PLATFORM_VERSION } from "./version";

export type { DocumentInfo } from "./openapi";

/** The API documents are published: commune-system vendors build against them before they hold a key. */
export const API_DOCUMENTS: Access = {
  public: "the API documents are published for integrators, who read them before they hold a key",
};

/** What the OpenAPI document says of a platform service as a whole. */
export function apiDocumentInfo(service: string): DocumentInfo {
  return {
    title: `LiênThông ${service} API`,
    version: PLATFORM_VERSION,
    description: [
      `The REST API of the ${service} service of LiênThông, generated from the schemas its routes validate with.`,
      "Every refusal is an RFC 9457 problem document (application/problem+json) with the platform's code, reason and the offending fields.",
      "The events the platform publishes are described by its AsyncAPI document (docs/api/events.asyncapi.json).",
    ].join("\n\n"),
  };
}

/** Redoc's self-contained bundle, served from node_modules: the page loads nothing from elsewhere. */
const REDOC_BUNDLE = require.resolve("redoc/bundles/redoc.standalone.js");

/**
 * The reference page's own policy: its script and the document come from
 * here; Redoc writes its styles inline and runs its search in a blob worker.
 */
const DOCS_PAGE_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
].join("; ");

const readinessReportSchema = z
  .looseObject({
    ready: z.boolean(),
    state: z.enum(["starting", "ready", "shutting_down"]),
    checks: z.record(z.string(), z.enum(["ok", "failed"])),
    version: z.string().meta({ description: "The platform release this service runs" }),
  })
  .meta({
    id: "ReadinessReport",
    description: "Whether to send traffic here, with each dependency's check; may gain fields (a loose object)",
  });

/** The probes' documents: createHttpApp registers them itself, outside `route`. */
export const probeDocs = {
  healthz: {
    operationId: "health",
    summary: "Liveness: the process answers",
    responses: {
      200: { description: "Alive", json: z.object({ status: z.literal("ok"), service: z.string() }) },
    },
  },
  readyz: {
    operationId: "readiness",
    summary: "Readiness: started, not shutting down, and every dependency answers",
    responses: {
      200: { description: "Ready", json: readinessReportSchema },
      503: { description: "Not ready (starting, shutting down or a dependency failing)", json: readinessReportSchema },
    },
  },
} satisfies Record<string, RouteDoc<RouteResponses>>;

/** The OpenAPI document as /openapi.json answers it: a loose description, the document describes itself. */
const openApiDocumentSchema = z.looseObject({
  openapi: z.literal("3.1.0"),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

export interface ServedDocuments {
  /** Builds the document from the registry, once every route is registered. */
  build(routes: readonly RegisteredRoute[]): void;
}

/** Registers /openapi.json, /docs and the page's script as public routes; the document is built by `build`. */
export function serveDocuments(route: HttpApp["route"], info: DocumentInfo): ServedDocuments {
  let document: OpenApiDocument | undefined;
  const page = Buffer.from(referencePage(info.title));
  route({
    method: "get",
    path: "/openapi.json",
    access: API_DOCUMENTS,
    doc: {
      operationId: "openApiDocument",
      summary: "This service's OpenAPI 3.1 document",
      responses: { 200: { description: "The document", json: openApiDocumentSchema } },
    },
    handle: async (_request, response) => {
      if (!document) throw new Error("the OpenAPI document is built when the error handler is mounted");
      response.json(document as z.input<typeof openApiDocumentSchema>);
    },
  });
  route({
    method: "get",
    path: "/docs",
    access: API_DOCUMENTS,
    doc: {
      operationId: "apiReferencePage",
      summary: "The API reference, rendered from /openapi.json",
      responses: { 200: { description: "An HTML page", bytes: "text/html" } },
    },
    handle: async (_request, response) => {
      response.type("html").setHeader("content-security-policy", DOCS_PAGE_POLICY).send(page);
    },
  });
  route({
    method: "get",
    path: "/docs/redoc.standalone.js",
    access: API_DOCUMENTS,
    doc: {
      operationId: "apiReferenceScript",
      summary: "The reference page's renderer (Redoc)",
      responses: { 200: { description: "JavaScript", bytes: "text/javascript" } },
    },
    handle: async (_request, response) => {
      await new Promise<void>((resolve, reject) =>
        response.type("text/javascript").sendFile(REDOC_BUNDLE, (error) => (error ? reject(error) : resolve())),
      );
    },
  });
  return {
    build(routes) {
      document = openApiDocument(info, routes);
    },
  };
}

function referencePage(title: string): string {
  const escaped = title.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  // Relative URLs: the page works behind a proxy that serves the service under a path prefix.
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escaped}</title>
  </head>
  <body>
    <redoc spec-url="openapi.json"></redoc>
    <script src="docs/redoc.standalone.js"></script>
  </body>
</html>
`;
}
