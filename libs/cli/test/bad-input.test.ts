/**
 * Bad input answers 4xx, never 5xx, over REST and gRPC, and stores nothing
 * (issue 8). Every endpoint of every service, walked from the hosts' own
 * registries and called with credentials that meet its access (so the input,
 * not the caller, is what is judged), gets each kind of malformed input it
 * could be sent: paths and query strings that are not percent-encoded UTF-8,
 * repeated parameters, impossible dates, JSON that is not JSON, not UTF-8,
 * has a key twice, nests thousands deep or names __proto__, a wrong media
 * type, an unknown or undecodable Content-Encoding, bodies over the limit,
 * files that are not PDFs, text with emoji, CJK and control characters, and
 * over gRPC bytes that are no message, strings that are not UTF-8 and
 * messages over the limit. Each answer must be 4xx / a gRPC refusal with a
 * reason, naming the field where the probe says which; the documents of
 * every collection of every service are counted before and after.
 */
import { brotliCompressSync, gzipSync } from "node:zlib";
import { rawUnary, tempDir, type TempDir } from "@lienthong/testing";
import { demoApplication } from "../src/demo";
import type { EmbeddedPlatform } from "../src/embedded";
import { startTestPlatform } from "./support/embedded-platform";
import { accessCredentials } from "./support/credentials";
import { labelOf, walkEndpoints, type Endpoint, type GrpcTarget, type RestTarget } from "./support/endpoints";
import { rawRest, type RawRestRequest } from "./support/raw-calls";

type Headers = Record<string, string>;

/** What an answer must be: one of these statuses, and when given, a violation whose field matches. */
interface Expectation {
  statuses: readonly string[];
  field?: RegExp;
}

interface Probe {
  kind: string;
  endpoint: Endpoint;
  expect: Expectation;
  send(): Promise<Outcome>;
}

interface Outcome {
  status: string;
  reason: string;
  /** "field: reason" of each violation. */
  violations: string[];
}

const MIB = 1024 * 1024;
/** Text the platform cannot print or store as it is: an emoji, CJK characters, control characters. */
const UNICODE_TEXTS = { emoji: "Lò Thị Hoa 😀", cjk: "李小龍", control: "Lò\u0007Thị\u001bHoa" } as const;
const IMPOSSIBLE_DATES = ["2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-06-31T25:61:00+07:00"];
const BAD_ESCAPES = ["%ff", "%c0%af", "%", "%zz"];
/** Request fields that hold dates: text ("YYYY-MM-DD") or google.protobuf.Timestamp. */
const DATE_FIELDS = ["submittedFrom", "submittedTo", "fromDate", "toDate"];
/** Path parameters a date probe fills so that the route gets as far as its dates. */
const REACHABLE = { unitCode: "14845", agencyCode: "14845" } as const;

/** The walk's own placeholder for a path parameter: a value that exists nowhere. */
function fill(template: string, values: Readonly<Record<string, string>> = {}): string {
  return template.replace(/:([A-Za-z]+)/g, (_, name: string) =>
    encodeURIComponent(values[name] ?? (name === "action" ? "accept" : `no-such-${name}`)),
  );
}

/**
 * Signature's verification answers a file it cannot verify with a report
 * saying why (services/signature/README.md), not an error: such an answer
 * reads as status REPORT, its `failure` as the reason.
 */
const REPORT = "report";

function problemOutcome(status: number, body: string): Outcome {
  let problem: {
    reason?: unknown;
    violations?: { field: string; reason: string }[];
    valid?: unknown;
    failure?: unknown;
  } = {};
  try {
    problem = JSON.parse(body) as typeof problem;
  } catch {
    // Not a problem document (a 2xx answer, or a proxy's page): judged by its status alone.
  }
  if (status === 200 && problem.valid === false && typeof problem.failure === "string") {
    return { status: REPORT, reason: problem.failure, violations: [] };
  }
  return {
    status: String(status),
    reason: typeof problem.reason === "string" ? problem.reason : "",
    violations: (problem.violations ?? []).map((v) => `${v.field}: ${v.reason}`),
  };
}

/** A protobuf varint. */
function varint(value: bigint): number[] {
  const bytes: number[] = [];
  for (; value >= 0x80n; value >>= 7n) bytes.push(Number(value & 0x7fn) | 0x80);
  return [...bytes, Number(value)];
}

/** A REST expectation in gRPC's terms: 400 is INVALID_ARGUMENT. */
function grpcTerms(expect: Expectation): Expectation {
  return { ...expect, statuses: expect.statuses.map((status) => (status === "400" ? "INVALID_ARGUMENT" : status)) };
}

/**
 * SMS and ZNS gateways that are never called (no probe makes a dossier), and the mailbox pipe's DSN secret:
 * the providers' receipt routes answer.
 */
const PROVIDER_RECEIPTS = {
  SMS_GATEWAY_URL: "http://127.0.0.1:65001/sms",
  SMS_GATEWAY_TOKEN: "bad-input-sms-token",
  SMS_BRAND_NAME: "LIENTHONG",
  SMS_RECEIPT_SECRET: "bad-input-sms-receipt-secret",
  ZNS_API_URL: "http://127.0.0.1:65001/zns",
  ZNS_ACCESS_TOKEN: "bad-input-zns-token",
  ZNS_TEMPLATES: JSON.stringify({ resultIssued: "1001" }),
  ZNS_RECEIPT_SECRET: "bad-input-zns-receipt-secret",
  // DSNs are read only where mail goes out over SMTP; no probe sends one.
  SMTP_URL: "smtp://127.0.0.1:65002",
  MAIL_DSN_SECRET: "bad-input-mail-dsn-secret",
};

/** Bodies signed by their sender (decisions 53 and 62): a well-formed one of each type, for the unsigned probe. */
const SIGNED_BODIES: Record<string, string> = {
  "application/json": '{"requestId": "x", "status": "delivered"}',
  "message/rfc822": "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b--\r\n",
};

const FOUR_XX = ["400", "401", "403", "404", "409", "413", "415", "422", "429"];
const REFUSED = ["INVALID_ARGUMENT", "NOT_FOUND", "FAILED_PRECONDITION", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED"];

describe("bad input answers 4xx, never 5xx, over REST and gRPC, and stores nothing", () => {
  let dir: TempDir;
  let platform: EmbeddedPlatform;
  let endpoints: Endpoint[];
  let credentialsFor: (endpoint: Endpoint) => Headers;

  beforeAll(async () => {
    dir = await tempDir("lienthong-bad-input");
    // Hundreds of probes from one commune system: its rate limit would answer them all 429.
    let identityDir: string;
    ({ platform, identityDir } = await startTestPlatform(dir.file("data"), {
      env: {
        CLIENT_REQUESTS_PER_MINUTE: "10000000",
        // The phone gateways on, so that their receipt routes are walked too; nothing here sends a message.
        ...PROVIDER_RECEIPTS,
      },
    }));
    endpoints = walkEndpoints(platform);
    const headersFor = await accessCredentials(identityDir);
    credentialsFor = (endpoint) => headersFor(endpoint.access);
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    await dir?.remove();
  });

  /** Documents in every collection of every service, by "service collection". */
  async function storedDocuments(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const host of platform.hosts) {
      for (const collection of host.collections) {
        counts[`${host.name} ${collection.name}`] = await host.store.count(collection);
      }
    }
    return counts;
  }

  // ------------------------------------------------------------------ REST

  function rest(endpoint: Endpoint, kind: string, expect: Expectation, raw: Omit<RawRestRequest, "method">): Probe {
    const target = endpoint.target as RestTarget;
    return {
      kind,
      endpoint,
      expect,
      send: async () => {
        const answer = await rawRest(target.baseUrl, {
          ...raw,
          method: target.method,
          headers: { ...credentialsFor(endpoint), ...raw.headers },
        });
        return problemOutcome(answer.status, answer.body);
      },
    };
  }

  const JSON_TYPE = { "content-type": "application/json" };
  const TEXT_TYPE = { "content-type": "text/plain" };
  const invalid = (field: RegExp): Expectation => ({ statuses: ["400"], field });
  const unsupported = (field: RegExp): Expectation => ({ statuses: ["415"], field });

  function restProbes(endpoint: Endpoint): Probe[] {
    const target = endpoint.target as RestTarget;
    const probes: Probe[] = [];
    const probe = (kind: string, expect: Expectation, path: string, headers: Headers = {}, body?: Buffer) =>
      probes.push(rest(endpoint, kind, expect, { path, headers, body }));
    for (const escape of BAD_ESCAPES) {
      // A parameter's value when the route has one; else a segment after the route's own.
      const path = target.path.includes(":")
        ? target.path.replace(/:[A-Za-z]+/, escape).replace(/:([A-Za-z]+)/g, "no-such-$1")
        : `${target.path}/${escape}`;
      probe("path: invalid percent-encoding", invalid(/^path$/), path);
    }
    const concrete = fill(target.path);
    probe("query: invalid percent-encoding", invalid(/^from$/), `${concrete}?from=%ff%fe`);
    probe("query: repeated parameter", invalid(/^pageSize$/), `${concrete}?pageSize=1&pageSize=2`);

    const { body } = target;
    if (body === "none") return probes;
    const limitBytes = "json" in body ? body.json.limitBytes : body.raw.limitBytes;
    const ownType = "json" in body || body.raw.type === "*/*" ? JSON_TYPE : { "content-type": body.raw.type };
    probe("body: too large", { statuses: ["413"], field: /^body$/ }, concrete, ownType, Buffer.alloc(limitBytes + 1));
    // A route that takes any file (a CAdES signature's content) has no malformed body.
    if ("raw" in body && body.raw.type === "*/*") return probes;

    // A signed body (a gateway's receipt, a mail server's DSN) is read as bytes, its signature being over them,
    // and nothing in it is read before the signature verifies: an unsigned body is refused as such, whatever it holds.
    const signedBody = "raw" in body ? SIGNED_BODIES[body.raw.type] : undefined;
    if (signedBody !== undefined) {
      probe("signed body: wrong content type", unsupported(/^content-type$/), concrete, TEXT_TYPE, Buffer.from("{}"));
      const unsigned = (kind: string, bytes: Buffer) => probe(kind, { statuses: ["403"] }, concrete, ownType, bytes);
      unsigned("signed body: garbage, unsigned", Buffer.from("GIF89a not JSON at all"));
      unsigned("signed body: well-formed, unsigned", Buffer.from(signedBody));
      return probes;
    }
    if ("raw" in body) {
      const pdf = (kind: string, bytes: Buffer) => probe(kind, { statuses: ["400", REPORT] }, concrete, ownType, bytes);
      probe("pdf: wrong content type", unsupported(/^content-type$/), concrete, JSON_TYPE, Buffer.from("{}"));
      pdf("pdf: not a PDF", Buffer.from("GIF89a not a PDF at all"));
      pdf("pdf: 19 MiB non-PDF", Buffer.alloc(19 * MIB, 0x41));
      pdf("pdf: PDF header, then garbage", Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(64 * 1024, 0x7a)]));
      return probes;
    }

    const json = (kind: string, expect: Expectation, bytes: Buffer, headers: Headers = JSON_TYPE) =>
      probe(kind, expect, concrete, headers, bytes);
    const notUtf8 = Buffer.concat([Buffer.from('{"reason": "L'), Buffer.from([0xff, 0xc0, 0xaf]), Buffer.from('"}')]);
    json("body: invalid JSON", invalid(/^body$/), Buffer.from('{"applicant": {"fullName": '));
    json("body: invalid UTF-8", invalid(/^body$/), notUtf8);
    json(
      "body: duplicate key",
      invalid(/^procedureCode$/),
      Buffer.from('{"procedureCode": "1", "procedureCode": "2"}'),
    );
    json("body: deep nesting", invalid(/^[\d.]+$/), Buffer.from(`${"[".repeat(100_000)}${"]".repeat(100_000)}`));
    json("body: __proto__", invalid(/^__proto__$/), Buffer.from('{"__proto__": {"admin": true}}'));
    json(
      "body: constructor.prototype",
      invalid(/^constructor\.prototype$/),
      Buffer.from('{"constructor": {"prototype": {}}}'),
    );
    json("content-type: not JSON", unsupported(/^content-type$/), Buffer.from("{}"), { "content-type": "text/plain" });
    json("content-type: not UTF-8", unsupported(/^content-type$/), Buffer.from("{}"), {
      "content-type": "application/json; charset=utf-16",
    });
    json("content-encoding: unsupported", unsupported(/^content-encoding$/), Buffer.from("{}"), {
      ...JSON_TYPE,
      "content-encoding": "compress",
    });
    for (const encoding of ["br", "gzip", "deflate"]) {
      json(`content-encoding: not ${encoding}`, invalid(/^body$/), Buffer.from("{} is not compressed"), {
        ...JSON_TYPE,
        "content-encoding": encoding,
      });
    }
    // A body that decodes is then judged as any other.
    json("content-encoding: br of malformed JSON", invalid(/^body$/), brotliCompressSync('{"a": 1, "a": 2'), {
      ...JSON_TYPE,
      "content-encoding": "br",
    });
    json("content-encoding: gzip of a duplicate key", invalid(/^a$/), gzipSync('{"a": 1, "a": 2}'), {
      ...JSON_TYPE,
      "content-encoding": "gzip",
    });
    for (const [name, text] of Object.entries(UNICODE_TEXTS)) {
      const application = demoApplication();
      const fields = {
        ...application,
        applicant: { ...application.applicant, fullName: text },
        reason: text,
        note: text,
      };
      const submission = target.method === "POST" && target.path === "/v1/applications";
      const expect = submission ? invalid(/^applicant\.fullName$/) : { statuses: FOUR_XX };
      json(`unicode: ${name} in text fields`, expect, Buffer.from(JSON.stringify(fields)));
    }
    return probes;
  }

  /** GET routes with impossible dates in `from` and `to`; a route that reads them must name one. */
  async function dateProbes(endpoint: Endpoint): Promise<Probe[]> {
    const target = endpoint.target as RestTarget;
    if (target.method !== "GET") return [];
    const concrete = fill(target.path, REACHABLE);
    const answer = (query: string) =>
      rawRest(target.baseUrl, { method: "GET", path: `${concrete}?${query}`, headers: credentialsFor(endpoint) });
    const baseline = await answer("from=2024-01-01&to=2024-01-31");
    return IMPOSSIBLE_DATES.map((date) => ({
      kind: "dates: impossible (REST query)",
      endpoint,
      expect: { statuses: FOUR_XX, field: /^(from|to)$/ },
      send: async () => {
        const refused = await answer(`from=${encodeURIComponent(date)}&to=2024-12-31`);
        const outcome = problemOutcome(refused.status, refused.body);
        // A route that does not read dates answers as it did with real ones: nothing to judge.
        const readsDates = refused.status !== baseline.status || outcome.violations.some((v) => /^(from|to):/.test(v));
        return readsDates ? outcome : { ...outcome, status: "ignored" };
      },
    }));
  }

  // ------------------------------------------------------------------ gRPC

  function grpcProbe(endpoint: Endpoint, kind: string, expect: Expectation, bytes: Buffer): Probe {
    const target = endpoint.target as GrpcTarget;
    return {
      kind,
      endpoint,
      expect,
      send: async () => {
        const answer = await rawUnary(target.address, target.method.path, bytes, credentialsFor(endpoint));
        const report = answer.response && (target.method.responseDeserialize(answer.response) as { valid?: unknown });
        if (report?.valid === false) return { status: REPORT, reason: "verification report", violations: [] };
        // grpc-js refuses a message over the limit itself, before any handler: its details say why.
        return { status: answer.status, reason: answer.reason || answer.details, violations: answer.violations };
      },
    };
  }

  function grpcProbes(endpoint: Endpoint): Probe[] {
    const target = endpoint.target as GrpcTarget;
    const { method } = target;
    const empty = () => method.requestDeserialize(Buffer.alloc(0)) as Record<string, unknown>;
    const encode = (request: Record<string, unknown>) => method.requestSerialize(request);
    const probes: Probe[] = [
      grpcProbe(
        endpoint,
        "grpc: truncated message",
        { statuses: ["INVALID_ARGUMENT"], field: /^body$/ },
        Buffer.from([0x0a, 0x64, 0x41, 0x42]),
      ),
      grpcProbe(
        endpoint,
        "grpc: invalid varint",
        { statuses: ["INVALID_ARGUMENT"], field: /^body$/ },
        Buffer.alloc(11, 0xff),
      ),
      grpcProbe(
        endpoint,
        "grpc: too large",
        { statuses: ["RESOURCE_EXHAUSTED"] },
        Buffer.alloc(target.maxRequestBytes + 1, 0),
      ),
    ];
    const strings = Object.entries(empty()).filter(([, value]) => typeof value === "string");
    if ("pdf" in empty()) {
      const pdfProbe = (kind: string, pdf: Buffer) =>
        grpcProbe(
          endpoint,
          kind,
          { statuses: ["INVALID_ARGUMENT", REPORT], field: /^pdf$/ },
          encode({ ...empty(), pdf }),
        );
      probes.push(
        pdfProbe("pdf: not a PDF", Buffer.from("GIF89a not a PDF at all")),
        pdfProbe("pdf: 19 MiB non-PDF", Buffer.alloc(19 * MIB, 0x41)),
        pdfProbe(
          "pdf: PDF header, then garbage",
          Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(64 * 1024, 0x7a)]),
        ),
      );
    }
    const marker = "ZZinvalidZZ";
    // A bytes field beside the string holds EF BF BD (U+FFFD in UTF-8), as a PDF may by chance: no excuse.
    const bytesBeside = "pdf" in empty() ? { pdf: Buffer.from("%PDF-1.7 \uFFFD", "utf8") } : {};
    for (const [field] of strings) {
      const bytes = encode({ ...empty(), ...bytesBeside, [field]: marker });
      const at = bytes.indexOf(marker);
      // Same length, so the length prefix still holds: only the bytes stop being UTF-8.
      Buffer.from([0xff, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xfe, 0x41, 0x42, 0x43, 0x44]).copy(bytes, at);
      probes.push(
        grpcProbe(
          endpoint,
          "grpc: string field not UTF-8",
          { statuses: ["INVALID_ARGUMENT"], field: new RegExp(`^${field}$`) },
          bytes,
        ),
      );
    }
    const submission = method.path.endsWith("/SubmitApplication");
    for (const [name, text] of strings.length === 0 ? [] : Object.entries(UNICODE_TEXTS)) {
      const request = empty();
      if (submission) {
        // A submission complete but for the applicant's name, which the result documents must be able to print.
        const application = demoApplication();
        Object.assign(request, { ...application, channel: 1, applicant: { ...application.applicant, fullName: text } });
      } else for (const [field] of strings) request[field] = text;
      const expect = submission ? invalid(/^applicant\.fullName$/) : { statuses: REFUSED };
      probes.push(grpcProbe(endpoint, `unicode: ${name} in text fields`, grpcTerms(expect), encode(request)));
    }
    for (const field of DATE_FIELDS) {
      const decoded = (value: string) =>
        (method.requestDeserialize(encode({ ...empty(), [field]: value })) as Record<string, unknown>)[field];
      const read = decoded("2024-01-01");
      if (read === undefined) continue;
      if (read === "2024-01-01") {
        // A date as text ("YYYY-MM-DD"): each impossible one is named.
        for (const date of IMPOSSIBLE_DATES) {
          const request = { ...empty(), [field]: date, ...("unitCode" in empty() && { unitCode: REACHABLE.unitCode }) };
          const expect = { statuses: ["INVALID_ARGUMENT"], field: new RegExp(`^(${field}|from|to)$`) };
          probes.push(grpcProbe(endpoint, "dates: impossible (gRPC)", expect, encode(request)));
        }
        continue;
      }
      // A google.protobuf.Timestamp: seconds no date can hold (year 31 million).
      const epoch = encode({ ...empty(), [field]: "1970-01-01T00:00:00Z" });
      const tag = epoch.subarray(0, epoch.length - 1); // the field's tag, then the empty Timestamp's length 0
      const timestamp = Buffer.from([0x08, ...varint(10n ** 15n)]);
      const bytes = Buffer.concat([tag, Buffer.from([timestamp.length]), timestamp]);
      probes.push(grpcProbe(endpoint, "dates: impossible (gRPC)", { statuses: ["INVALID_ARGUMENT"] }, bytes));
    }
    return probes;
  }

  function judged(probe: Probe, outcome: Outcome): string | undefined {
    if (outcome.status === "ignored") return undefined;
    const { statuses, field } = probe.expect;
    const label = `${probe.kind} → ${labelOf(probe.endpoint)}: ${outcome.status} ${outcome.reason} [${outcome.violations.join("; ")}]`;
    if (!statuses.includes(outcome.status)) return `${label} (expected ${statuses.join("/")})`;
    if (outcome.reason === "") return `${label} (no reason)`;
    // A field is owed by a 400; a 404 or 429 says why in its reason.
    const invalid = outcome.status === "400" || outcome.status === "INVALID_ARGUMENT";
    if (invalid && field && !outcome.violations.some((violation) => field.test(violation.split(": ")[0]!))) {
      return `${label} (no violation naming ${field.source})`;
    }
    return undefined;
  }

  it("answers every malformed input 4xx with its reason, and stores nothing", async () => {
    const probes: Probe[] = [];
    for (const endpoint of endpoints) {
      if (endpoint.kind === "REST") probes.push(...restProbes(endpoint), ...(await dateProbes(endpoint)));
      else probes.push(...grpcProbes(endpoint));
    }
    // Counted once the probes are made: their well-formed baseline reads may store (routing keeps a closed
    // day's indicators when a read first covers it, decision 30); the malformed probes must store nothing.
    const before = await storedDocuments();
    const failures: string[] = [];
    const byKind = new Map<string, number>();
    const byStatus = new Map<string, number>();
    // One at a time: a busy two-core machine runs four services and this test in one process.
    for (const probe of probes) {
      const outcome = await probe.send();
      byKind.set(probe.kind, (byKind.get(probe.kind) ?? 0) + 1);
      byStatus.set(outcome.status, (byStatus.get(outcome.status) ?? 0) + 1);
      const failure = judged(probe, outcome);
      if (failure) failures.push(failure);
    }
    const after = await storedDocuments();
    console.log(
      [
        `bad-input matrix: ${probes.length} probes over ${endpoints.length} endpoints`,
        "probes by kind:",
        ...[...byKind].sort().map(([kind, count]) => `  ${kind}: ${count}`),
        "answers by status:",
        ...[...byStatus].sort().map(([status, count]) => `  ${status}: ${count}`),
      ].join("\n"),
    );
    const serverErrors = [...byStatus.keys()].filter((status) =>
      /^5\d\d$|^(INTERNAL|UNKNOWN|UNAVAILABLE)$/.test(status),
    );
    const stored = Object.keys(after)
      .filter((collection) => after[collection] !== before[collection])
      .map((collection) => `${collection}: ${before[collection]} → ${after[collection]}`);
    expect({ failures, serverErrors, stored }).toEqual({ failures: [], serverErrors: [], stored: [] });
  }, 600_000);
});
