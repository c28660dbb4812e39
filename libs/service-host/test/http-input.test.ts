/**
 * The host's checks of a request's form (http-input.ts), made before any
 * route reads it: each malformed input is the caller's 4xx naming the field,
 * and the handler never runs. libs/cli/test/bad-input.test.ts sends the same
 * kinds to every endpoint of the platform.
 */
import { gzipSync } from "node:zlib";
import {
  createHttpApp,
  createMetrics,
  createReadiness,
  startHttpServer,
  type HttpServerHandle,
  type Problem,
} from "@lienthong/service-host";
import { captureLogger } from "./support/capture";

const anyone = { public: "tests of the request checks" } as const;

describe("malformed REST input is refused before any route reads it", () => {
  let server: HttpServerHandle;
  let handled = 0;

  beforeAll(async () => {
    const { logger } = captureLogger("intake", "silent");
    const http = createHttpApp({
      service: "intake",
      logger,
      readiness: createReadiness(),
      metrics: createMetrics({ service: "intake" }),
    });
    http.route({
      method: "post",
      path: "/notes/:noteId",
      access: anyone,
      handle: async (request, response) => {
        handled += 1;
        response.json({ received: request.body as unknown });
      },
    });
    http.route({
      method: "post",
      path: "/documents",
      access: anyone,
      body: { raw: { type: "application/pdf", limitBytes: 1024 } },
      handle: async (_request, response) => {
        handled += 1;
        response.status(204).end();
      },
    });
    http.mountErrorHandler();
    server = await startHttpServer(http.app, { host: "127.0.0.1", port: 0 });
  });

  afterAll(() => server?.close());

  async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
    const response = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
    const text = await response.text();
    const problem = response.ok ? undefined : (JSON.parse(text) as Problem);
    return {
      status: response.status,
      cacheControl: response.headers.get("cache-control"),
      reason: problem?.reason,
      fields: problem?.violations?.map((violation) => `${violation.field}: ${violation.reason}`),
    };
  }

  it.each([
    ["a path segment that is not UTF-8", "/notes/%c0%af", "{}", "path: segment 2 is not valid percent-encoded UTF-8"],
    ["a path segment with a broken escape", "/notes/%zz", "{}", "path: segment 2 is not valid percent-encoded UTF-8"],
    ["a query value that is not UTF-8", "/notes/n1?from=%ff", "{}", "from: is not valid percent-encoded UTF-8"],
    [
      "a repeated query parameter",
      "/notes/n1?status=1&status=2",
      "{}",
      "status: is given more than once; give it once",
    ],
    ["a key given twice", "/notes/n1", '{"a": {"b": 1, "b": 2}}', "a.b: is given more than once"],
    ["a __proto__ key", "/notes/n1", '{"x": [{"__proto__": {}}]}', "x.0.__proto__: is not an accepted field name"],
    [
      "a constructor.prototype key",
      "/notes/n1",
      '{"constructor": {"prototype": 1}}',
      "constructor.prototype: is not an accepted field name",
    ],
    [
      "JSON nested too deep",
      "/notes/n1",
      `${"[".repeat(5000)}${"]".repeat(5000)}`,
      `${Array(32).fill(0).join(".")}: nests deeper than 32 levels`,
    ],
    [
      "a body that is not UTF-8",
      "/notes/n1",
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
      "body: is not valid UTF-8",
    ],
  ])("%s: 400 naming it", async (_what, path, body, violation) => {
    const before = handled;
    const answer = await post(path, body);
    expect(answer).toMatchObject({ status: 400, reason: "INVALID_ARGUMENT", fields: [violation] });
    expect(answer.cacheControl).toBe("no-store");
    expect(handled).toBe(before);
  });

  it("answers a body that does not decode as its Content-Encoding 400, and reads one that does", async () => {
    expect(await post("/notes/n1", "{} not gzip", { "content-encoding": "gzip" })).toMatchObject({
      status: 400,
      fields: ["body: does not decode as its Content-Encoding"],
    });
    expect(await post("/notes/n1", "{} not brotli", { "content-encoding": "br" })).toMatchObject({ status: 400 });
    expect(await post("/notes/n1", gzipSync('{"a": 1}'), { "content-encoding": "gzip" })).toMatchObject({
      status: 200,
    });
  });

  it("answers 415 to a media type, charset or encoding the route does not read", async () => {
    const unsupported = { status: 415, reason: "UNSUPPORTED_MEDIA_TYPE" };
    expect(await post("/notes/n1", "{}", { "content-type": "text/plain" })).toMatchObject({
      ...unsupported,
      fields: ["content-type: must be application/json"],
    });
    expect(await post("/notes/n1", "{}", { "content-type": "application/json; charset=utf-16" })).toMatchObject(
      unsupported,
    );
    expect(await post("/notes/n1", "{}", { "content-encoding": "compress" })).toMatchObject({
      ...unsupported,
      fields: ["content-encoding: must be identity, gzip, deflate or br"],
    });
    expect(await post("/documents", "{}")).toMatchObject({
      ...unsupported,
      fields: ["content-type: must be application/pdf"],
    });
    expect(await post("/documents", "%PDF-1.7", { "content-type": "application/pdf" })).toMatchObject({ status: 204 });
  });

  it("reads well-formed input as before: a parameter once, escapes that decode, a body of its type", async () => {
    const answer = await fetch(`${server.url}/notes/n%C3%A9?from=2024-01-01&to=2024%2D02%2D01`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ note: "Lò Thị Hoa", nested: [[{ a: 1 }]] }),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ received: { note: "Lò Thị Hoa", nested: [[{ a: 1 }]] } });
  });
});
