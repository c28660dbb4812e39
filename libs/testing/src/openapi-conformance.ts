import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";

/**
 * Records the answers a test's REST calls get (through the global fetch the
 * harnesses use) and checks them, at the end, against the OpenAPI document
 * each answering service serves at /openapi.json: the status is documented
 * for the operation the request matched, with its media type, and a JSON body
 * validates against the documented schema (problem documents included). So a
 * scenario's real answers, not examples, hold the documents to the truth.
 */
export interface ResponseRecorder {
  /** What did not conform, one line each ("POST /v1/applications 201: /application must NOT have …"). */
  nonConforming(): Promise<string[]>;
  /** How many answers were checked against a document by the last `nonConforming`. */
  readonly checked: number;
  /** The operations answered ("intake POST /v1/applications 201"), by the last `nonConforming`. */
  readonly answered: ReadonlySet<string>;
  /** Puts the original fetch back. */
  stop(): void;
}

interface Exchange {
  method: string;
  url: URL;
  status: number;
  contentType: string;
  body: Promise<string>;
}

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface OpenApi {
  openapi: string;
  info: { title: string };
  paths: Record<string, Record<string, Operation>>;
}

export function recordResponses(): ResponseRecorder {
  const original = globalThis.fetch;
  const exchanges: Exchange[] = [];
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await original(input, init);
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    exchanges.push({
      method,
      url,
      status: response.status,
      contentType: response.headers.get("content-type") ?? "",
      // A clone: the test reads the original as it always did.
      body: response.clone().text(),
    });
    return response;
  };
  const recorder = {
    checked: 0,
    answered: new Set<string>(),
    stop() {
      globalThis.fetch = original;
    },
    async nonConforming() {
      const problems: string[] = [];
      const documents = new Map<string, Promise<CheckedDocument | undefined>>();
      recorder.checked = 0;
      recorder.answered.clear();
      for (const exchange of exchanges) {
        const { origin } = exchange.url;
        if (!documents.has(origin)) documents.set(origin, documentOf(original, origin));
        const document = await documents.get(origin);
        // Peers that serve no OpenAPI document (webhook sinks, OTLP receivers) are not the services'.
        if (!document) continue;
        const problem = await document.check(exchange);
        recorder.checked += 1;
        if (problem) problems.push(problem);
      }
      return problems;
    },
  };
  return recorder;

  async function documentOf(fetch: typeof globalThis.fetch, origin: string): Promise<CheckedDocument | undefined> {
    const response = await fetch(`${origin}/openapi.json`).catch(() => undefined);
    if (!response?.ok) return undefined;
    const document = (await response.json().catch(() => undefined)) as OpenApi | undefined;
    if (!document?.openapi?.startsWith("3.1")) return undefined;
    return checkedDocument(document, (operation) => recorder.answered.add(operation));
  }
}

interface CheckedDocument {
  check(exchange: Exchange): Promise<string | undefined>;
}

function checkedDocument(document: OpenApi, answered: (operation: string) => void): CheckedDocument {
  // OpenAPI 3.1 schemas are JSON Schema 2020-12; the document's own keywords (paths, x-…) are not schema keywords.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const id = "urn:lienthong:openapi";
  ajv.addSchema(document, id);
  const validators = new Map<string, ValidateFunction>();
  const templates = Object.keys(document.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
    // A literal segment wins over a parameter (/v1/documents/verify, not /v1/documents/{documentId}).
    parameters: (template.match(/\{/g) ?? []).length,
  }));

  return {
    async check({ method, url, status, contentType, body }) {
      const label = `${method} ${url.pathname} ${status}`;
      const matched = templates
        .filter(
          ({ pattern, template }) => pattern.test(url.pathname) && document.paths[template]![method.toLowerCase()],
        )
        .sort((a, b) => a.parameters - b.parameters)[0];
      const text = await body;
      let pointer: string[];
      let responses: NonNullable<Operation["responses"]>;
      if (matched) {
        pointer = ["paths", matched.template, method.toLowerCase(), "responses"];
        responses = document.paths[matched.template]![method.toLowerCase()]!.responses ?? {};
        answered(`${document.info.title} ${method} ${matched.template} ${status}`);
      } else if (status === 404 || status === 405) {
        // No route: the host's fallback answers a problem document, as every refusal.
        pointer = [];
        responses = {};
      } else {
        return `${label}: no operation in "${document.info.title}" matches`;
      }
      const range = `${String(status)[0]}XX`;
      const key = [String(status), range, "default"].find((candidate) => responses[candidate] !== undefined);
      const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
      let schemaPointer: string[];
      if (!matched) {
        if (mediaType !== "application/problem+json") return `${label}: not a problem document (${mediaType})`;
        schemaPointer = ["components", "schemas", "Problem"];
      } else {
        if (!key) return `${label}: status not documented`;
        const content = responses[key]!.content ?? {};
        if (!(mediaType in content)) return `${label}: ${mediaType || "no content type"} not documented`;
        if (content[mediaType]!.schema === undefined) return undefined;
        schemaPointer = [...pointer, key, "content", mediaType, "schema"];
      }
      const ref = `${id}#/${schemaPointer.map((segment) => encodeURIComponent(segment.replace(/~/g, "~0").replace(/\//g, "~1"))).join("/")}`;
      let validate = validators.get(ref);
      if (!validate) {
        validate = ajv.compile({ $ref: ref });
        validators.set(ref, validate);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return `${label}: documented as JSON, answered ${text.length} bytes that do not parse`;
      }
      if (validate(parsed)) return undefined;
      const errors = (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? ""}`);
      return `${label}: ${errors.join("; ")}`;
    },
  };
}
