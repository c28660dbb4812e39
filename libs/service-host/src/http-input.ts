import { isUtf8 } from "node:buffer";
import type { IncomingMessage } from "node:http";
import type { RequestHandler } from "express";
import { visit } from "jsonc-parser";
import { PlatformError, invalidArgument, type FieldViolation } from "@lienthong/errors";
import { UNSUPPORTED_MEDIA_TYPE } from "./http-problem";

/**
 * Checks of a REST request's form that every route shares, made before any
 * route reads it, so malformed input is the caller's 400 or 415 with the
 * field named — never a 500 from a decoder deep inside (issue 8). Reasons
 * name the field, never echo its value.
 */

/** Deeper than any request of the platform (a submission nests 3 levels), shallow enough for recursive readers. */
export const MAX_JSON_DEPTH = 32;

/**
 * The path's segments and the query's names and values must be valid
 * percent-encoded UTF-8 (`%ff`, `%c0%af` are not), and no query parameter may
 * be given twice: which of two values counts differs between proxies and
 * frameworks (HTTP parameter pollution), so the platform takes neither.
 */
export const wellFormedUrl: RequestHandler = (request, _response, next) => {
  const raw = request.originalUrl;
  const queryStart = raw.indexOf("?");
  const path = queryStart === -1 ? raw : raw.slice(0, queryStart);
  const violations: FieldViolation[] = [];
  const segments = path.split("/");
  segments.forEach((segment, index) => {
    if (!decodes(segment)) {
      violations.push({ field: "path", reason: `segment ${index} is not valid percent-encoded UTF-8` });
    }
  });
  if (queryStart !== -1) violations.push(...queryViolations(raw.slice(queryStart + 1)));
  next(violations.length > 0 ? invalidArgument(violations, "The request URL is malformed") : undefined);
};

function queryViolations(query: string): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    const rawValue = equals === -1 ? "" : pair.slice(equals + 1);
    const name = decoded(rawName);
    if (name === undefined) {
      violations.push({ field: "query", reason: "a parameter name is not valid percent-encoded UTF-8" });
      continue;
    }
    if (decoded(rawValue) === undefined) {
      violations.push({ field: name, reason: "is not valid percent-encoded UTF-8" });
    }
    if (seen.has(name)) repeated.add(name);
    seen.add(name);
  }
  for (const name of repeated) violations.push({ field: name, reason: "is given more than once; give it once" });
  return violations;
}

/** The form-urlencoded value ("+" is a space), or undefined when it is not valid percent-encoded UTF-8. */
function decoded(component: string): string | undefined {
  try {
    return decodeURIComponent(component.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
}

function decodes(component: string): boolean {
  return decoded(component) !== undefined;
}

/**
 * A route that reads a body of `mediaType` refuses a body of another type with
 * 415, rather than reading none and failing later on a missing field.
 * `*` in the route's type accepts anything.
 */
export function requireMediaType(mediaType: string): RequestHandler {
  return (request, _response, next) => {
    if (mediaType === "*/*" || !hasBody(request) || request.is(mediaType)) {
      next();
      return;
    }
    next(unsupportedMediaType("content-type", `must be ${mediaType}`));
  };
}

/** A request carries a body when it says so (Transfer-Encoding or a non-zero Content-Length). */
function hasBody(request: IncomingMessage): boolean {
  const length = request.headers["content-length"];
  return request.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

export function unsupportedMediaType(field: string, reason: string): PlatformError {
  return new PlatformError("INVALID_ARGUMENT", `${field}: ${reason}`, {
    reason: UNSUPPORTED_MEDIA_TYPE,
    violations: [{ field, reason }],
  });
}

/**
 * body-parser's `verify` for JSON bodies, run on the decoded bytes before
 * JSON.parse: UTF-8 only (RFC 8259 §8.1; the lenient decoder would turn bad
 * bytes into U+FFFD and store them), no key twice in an object (JSON.parse
 * keeps the last silently), no `__proto__` or `constructor.prototype` keys
 * (prototype pollution in any code that copies the body with assignment), at
 * most MAX_JSON_DEPTH levels. Syntax errors are left to JSON.parse, which
 * answers "malformed JSON".
 */
export function checkJsonBody(_request: IncomingMessage, _response: unknown, bytes: Buffer, charset: string): void {
  if (charset !== "utf-8") throw unsupportedMediaType("content-type", "a JSON body must be UTF-8");
  if (!isUtf8(bytes)) throw invalidArgument([{ field: "body", reason: "is not valid UTF-8" }], "The body is invalid");
  const violations: FieldViolation[] = [];
  const keys: Set<string>[] = [];
  let depth = 0;
  let syntaxError = false;
  const fieldOf = (path: (string | number)[], property?: string) =>
    [...path, ...(property === undefined ? [] : [property])].join(".") || "body";
  const enter = (pathSupplier: () => (string | number)[]) => {
    depth += 1;
    // Thrown, not collected: the visitor recurses, and a body nested thousands deep would overflow the stack.
    if (depth > MAX_JSON_DEPTH) {
      throw invalidArgument([{ field: fieldOf(pathSupplier()), reason: `nests deeper than ${MAX_JSON_DEPTH} levels` }]);
    }
  };
  visit(
    bytes.toString("utf8"),
    {
      onObjectBegin: (_offset, _length, _line, _character, pathSupplier) => {
        enter(pathSupplier);
        keys.push(new Set());
      },
      onObjectEnd: () => {
        depth -= 1;
        keys.pop();
      },
      onArrayBegin: (_offset, _length, _line, _character, pathSupplier) => enter(pathSupplier),
      onArrayEnd: () => {
        depth -= 1;
      },
      // The supplier copies the path: asked for only when a field is to be named, not for every property.
      onObjectProperty: (property, _offset, _length, _line, _character, pathSupplier) => {
        const own = keys[keys.length - 1];
        if (own?.has(property)) {
          violations.push({ field: fieldOf(pathSupplier(), property), reason: "is given more than once" });
        }
        own?.add(property);
        if (property === "__proto__" || (property === "prototype" && pathSupplier().at(-1) === "constructor")) {
          violations.push({ field: fieldOf(pathSupplier(), property), reason: "is not an accepted field name" });
        }
      },
      onError: () => {
        syntaxError = true;
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  // JSON.parse names the syntax error; violations found in a body that is not JSON would mislead.
  if (!syntaxError && violations.length > 0) throw invalidArgument(violations, "The body is invalid");
}
