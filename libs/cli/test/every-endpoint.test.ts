/**
 * Every registered REST route and gRPC method of every service, walked from
 * the hosts' own registries (so a new endpoint cannot be forgotten):
 * - without a credential, or with one that does not verify, only the
 *   documented public endpoints answer; everything else answers 401 /
 *   UNAUTHENTICATED before reading a body;
 * - an official with none of an endpoint's roles gets 403 / PERMISSION_DENIED
 *   naming them, before any resource is looked up;
 * - another tenant's dossier or signed document is 404 / NOT_FOUND, exactly
 *   like a missing one (docs/decisions.md §10), while its own tenant reaches it.
 */
import { randomUUID } from "node:crypto";
import { intake } from "@lienthong/contracts";
import type { Role } from "@lienthong/domain";
import {
  AUTHORIZATION_HEADER,
  CLIENT_KEY_HEADER,
  DEVELOPMENT_CLIENTS,
  DEVELOPMENT_ISSUER,
  DEVELOPMENT_OFFICIALS,
  PLATFORM_AUDIENCE,
  openDevelopmentIssuer,
  type Access,
  type DevelopmentClient,
  type DevelopmentOfficial,
} from "@lienthong/service-host";
import { recordResponses, tempDir, waitFor, type TempDir } from "@lienthong/testing";
import { SignJWT, generateKeyPair } from "jose";
import { runDemo } from "../src/demo";
import { developmentCredentials } from "../src/dev-credentials";
import type { EmbeddedPlatform } from "../src/embedded";
import { startTestPlatform } from "./support/embedded-platform";
import type { PlatformUrls } from "../src/platform-urls";
import { answeredAs, labelOf, walkEndpoints, type Answer, type Endpoint, type Request } from "./support/endpoints";

type Headers = Record<string, string>;

const MUONG_LAT = "14845";
const TAM_CHUNG = "14848";
const PROBES = new Set(["GET /healthz", "GET /readyz"]);

/** What an endpoint may name that belongs to a tenant: dossierRef, dossierCode, documentId… */
const TENANT_RESOURCE = /^(dossier|document)[A-Z]/;
/** Unit and agency codes are published: another unit's queue or indicators is 403 naming it (services/routing/README.md). */
const UNIT_NAMES = new Set(["unitCode", "agencyCode"]);
/**
 * A unit named inside a request (the receiving unit of a submission, the
 * authority a document is signed for) is checked once the body is valid, which
 * the walk's empty requests are not; services/intake/test/tenancy.test.ts and
 * services/signature/test/api/access.test.ts hold those 403s.
 */
const UNIT_IN_BODY = /(Unit|Authority)Code$/;
/** Endpoints that name a dossier yet serve every dossier by design, and where that is decided. */
const EVERY_DOSSIER_BY_DESIGN: Record<string, string> = {
  "notification REST GET /ops/dossiers/:dossierRef/deliveries":
    "operators read any dossier's deliveries (services/notification/README.md)",
  // The walk's two tenants are communes of one province; another province's operator gets 404 in the services' tests.
  "routing REST GET /ops/dossiers/:dossierRef":
    "operators read every dossier of their province (services/routing/test/access.test.ts)",
  "intake REST GET /ops/applications/:dossierRef":
    "operators read every dossier of their province (services/intake/test/tenancy.test.ts)",
  "routing REST GET /ops/queues/:agencyCode":
    "operators read every queue of their province (services/routing/test/access.test.ts)",
};

type TenancyRule = { kind: "dossier" } | { kind: "unit" } | { kind: "none"; why: string };

/**
 * Which tenancy answer an endpoint owes another tenant, from what it names
 * (REST path parameters, gRPC request fields; a REST body is not in the
 * registry, but each use case's gRPC twin shows its fields). Rule "none", as
 * the walk finds them today:
 * - every service: GET /healthz, GET /readyz (public); GET /ops/traces/:traceId,
 *   GET /ops/spans (operators); GET /v1/audit (auditors);
 * - intake: POST /v1/applications, SubmitApplication (the receiving unit is in
 *   the body); GET /v1/applications, ListApplications (the key's own dossiers);
 *   GET /v1/public/status/:dossierCode, LookupStatus (public, with a second
 *   factor); GET /v1/units/:code, /v1/units/resolve-old/:oldCode,
 *   /v1/procedures/:code, GetUnit, ResolveOldUnit, GetProcedure (public);
 * - signature: POST /v1/documents/verify, POST /v1/signatures/cades/verify,
 *   VerifyDocument, VerifyFileSignature (the caller's own file);
 *   POST /v1/documents/sign, POST /v1/signatures/cades, SignDocument, SignFile
 *   (the authority signed for is in the body);
 * - notification: GET /ops/dossiers/:dossierRef/deliveries (operators: every dossier), POST
 *   /ops/templates/preview, PreviewTemplate, ResendDelivery (operators: no dossier's data), POST
 *   /v1/delivery-receipts/sms, /zns, /mail (providers, by signature).
 */
function tenancyRuleOf(endpoint: Endpoint): TenancyRule {
  if ("public" in endpoint.access) return { kind: "none", why: `public: ${endpoint.access.public}` };
  const byDesign = EVERY_DOSSIER_BY_DESIGN[labelOf(endpoint)];
  if (byDesign) return { kind: "none", why: byDesign };
  if (endpoint.names.some((name) => TENANT_RESOURCE.test(name))) return { kind: "dossier" };
  if (endpoint.names.some((name) => UNIT_NAMES.has(name))) return { kind: "unit" };
  if (endpoint.names.some((name) => UNIT_IN_BODY.test(name)))
    return { kind: "none", why: "names a unit in its body, refused by the services' own tenancy tests" };
  return { kind: "none", why: "names no dossier, document, unit or agency" };
}

function rolesOf(access: Access): readonly Role[] | undefined {
  if ("official" in access) return access.official;
  if ("staff" in access) return access.staff;
  return undefined;
}

const OFFICIALS: readonly DevelopmentOfficial[] = Object.values(DEVELOPMENT_OFFICIALS);

const CLIENTS: readonly DevelopmentClient[] = Object.values(DEVELOPMENT_CLIENTS);

/** The commune system of a unit: the development client named for it (the portal's "*" is no unit's own). */
function clientOf(unit: string): DevelopmentClient | undefined {
  return CLIENTS.find((client) => client.unitCodes !== "*" && client.unitCodes.includes(unit));
}

/** Who calls, and with what: a label for failure messages and the headers (or gRPC metadata). */
interface Caller {
  who: string;
  headers: Headers;
}

describe("every endpoint of every service asks for its credential, its role and its tenant", () => {
  // Every REST answer below is checked against its service's OpenAPI document by the last test.
  const responses = recordResponses();
  afterAll(() => responses.stop());

  let dir: TempDir;
  let platform: EmbeddedPlatform;
  let endpoints: Endpoint[] = [];
  let identityDir: string;
  let badTokens: Record<string, string>;
  const tokens = new Map<string, string>();

  const bearer = (official: DevelopmentOfficial): Headers => ({
    [AUTHORIZATION_HEADER]: `Bearer ${tokens.get(official.subject)}`,
  });

  /** A client's key, and the official's token when the endpoint's access asks for one. */
  function caller(access: Access, client: DevelopmentClient | undefined, official?: DevelopmentOfficial): Caller {
    const key: Headers = client && !("staff" in access) ? { [CLIENT_KEY_HEADER]: client.key } : {};
    const who = [official?.subject, client && !("staff" in access) && client.clientId]
      .filter(Boolean)
      .join(" through ");
    return { who, headers: { ...key, ...(official ? bearer(official) : {}) } };
  }

  /**
   * Everyone of `unit` with all that `access` asks: its commune system, and
   * each of its sample officials with one of the endpoint's roles. Several
   * officials, since an action may ask for a narrower role than its endpoint
   * (accept: a receiving officer) and refuse the others before any dossier.
   */
  function callersAt(unit: string, access: Access): Caller[] {
    const client = clientOf(unit);
    const roles = rolesOf(access);
    if (!roles) {
      if (!client) throw new Error(`no development client acts for ${unit}`);
      return [caller(access, client)];
    }
    const officials = OFFICIALS.filter(
      (official) => official.unitCodes.includes(unit) && official.roles.some((role) => roles.includes(role)),
    );
    if (officials.length === 0) throw new Error(`no sample official of ${unit} has one of ${roles.join(", ")}`);
    if ("official" in access && !client) throw new Error(`no development client forwards the officials of ${unit}`);
    return officials.map((official) => caller(access, client, official));
  }

  /**
   * A sample official with none of the endpoint's roles — the token alone for
   * staff access; for official access forwarded by the commune system of their
   * own unit, so that only the role is wrong. Fails loudly when every sample
   * official has one of the roles: the refusal could not be walked.
   */
  function callerWithout(access: Access): Caller {
    const roles = rolesOf(access)!;
    const lacking = OFFICIALS.filter((official) => !official.roles.some((role) => roles.includes(role)));
    if (lacking.length === 0) {
      throw new Error(`every sample official has one of ${roles.join(", ")}: add one without to DEVELOPMENT_OFFICIALS`);
    }
    if ("staff" in access) return caller(access, undefined, lacking[0]);
    const ownClientOf = (official: DevelopmentOfficial) =>
      official.unitCodes.map(clientOf).find((client) => client !== undefined);
    const forwarded = lacking.find((official) => ownClientOf(official) !== undefined);
    if (forwarded) return caller(access, ownClientOf(forwarded), forwarded);
    // Only province staff (operator, auditor of 38) lack every workflow role, and no development client acts for the
    // province: the portal forwards them. authorize() checks the role before whether the client may forward that
    // official, so the refusal still names the role, which the walk asserts.
    return caller(access, DEVELOPMENT_CLIENTS.portal, lacking[0]);
  }

  beforeAll(async () => {
    dir = await tempDir("lienthong-every-endpoint");
    ({ platform, identityDir } = await startTestPlatform(dir.file("data")));
    endpoints = walkEndpoints(platform);

    const issuer = await openDevelopmentIssuer(identityDir);
    for (const official of OFFICIALS) tokens.set(official.subject, await issuer.sign(official));
    badTokens = await badTokensOf(identityDir, tokens.get(DEVELOPMENT_OFFICIALS.operator.subject)!);
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
    await dir?.remove();
  });

  it("lists endpoints of every service, REST and gRPC", () => {
    const services = new Set(endpoints.map((endpoint) => endpoint.service));
    expect([...services].sort()).toEqual(platform.hosts.map((host) => host.name).sort());
    expect(endpoints.filter((endpoint) => endpoint.kind === "gRPC").length).toBeGreaterThan(10);
  });

  it("answers 401 / UNAUTHENTICATED without a credential, except the documented public endpoints", async () => {
    const answers: string[] = [];
    for (const endpoint of endpoints) {
      const answer = await endpoint.call({});
      const isPublic = "public" in endpoint.access;
      if (answeredAs(endpoint, answer, "unauthenticated") === isPublic)
        answers.push(`${labelOf(endpoint)}: ${answer.status}`);
    }
    expect(answers).toEqual([]);
  }, 120_000);

  it("refuses an API key that does not verify and every kind of bad token, everywhere", async () => {
    const accepted: string[] = [];
    const attempts: Record<string, Headers> = {
      "a wrong API key": { [CLIENT_KEY_HEADER]: "ltk.devmuonglat.not-the-development-key-of-muong-lat-000" },
      ...Object.fromEntries(
        Object.entries(badTokens).map(([what, token]) => [what, { [AUTHORIZATION_HEADER]: `Bearer ${token}` }]),
      ),
    };
    const probesAnswered: string[] = [];
    for (const endpoint of endpoints) {
      for (const [what, headers] of Object.entries(attempts)) {
        const answer = await endpoint.call(headers);
        // Probes read no credential: a load balancer's check must not depend on the identity provider.
        if (PROBES.has(endpoint.name)) probesAnswered.push(answer.status);
        else if (!answeredAs(endpoint, answer, "unauthenticated"))
          accepted.push(`${labelOf(endpoint)} with ${what}: ${answer.status}`);
      }
    }
    expect(accepted).toEqual([]);
    expect(new Set(probesAnswered)).toEqual(new Set(["200"]));
  }, 240_000);

  it("answers 403 / PERMISSION_DENIED naming the roles to an official with none of them, before any resource", async () => {
    const roleChecked = endpoints.filter((endpoint) => rolesOf(endpoint.access) !== undefined);
    const wrong: string[] = [];
    for (const endpoint of roleChecked) {
      const roles = rolesOf(endpoint.access)!;
      const { who, headers } = callerWithout(endpoint.access);
      // The walk's values exist nowhere: a 404 here would mean the resource was looked up before the role.
      const answer = await endpoint.call(headers);
      const namesRole = roles.some((role) => answer.message.includes(`"${role}"`));
      if (!answeredAs(endpoint, answer, "permissionDenied") || !namesRole)
        wrong.push(`${labelOf(endpoint)} as ${who}: ${answer.status} ${answer.reason} ${answer.message}`);
    }
    expect(wrong).toEqual([]);
    // Both kinds of role-checked access are walked, in every service (each has operators' and auditors' routes).
    expect(new Set(roleChecked.map((endpoint) => endpoint.service))).toEqual(
      new Set(platform.hosts.map((h) => h.name)),
    );
    expect(roleChecked.some((endpoint) => "official" in endpoint.access)).toBe(true);
  }, 120_000);

  describe("with a Mường Lát dossier taken to a signed result", () => {
    /** Requests naming Mường Lát's dossier, signed document and unit; and naming a dossier and document that do not exist. */
    let existing: Request;
    let missing: Request;
    let namesOfExisting: Readonly<Record<string, string>>;

    beforeAll(async () => {
      const urls = Object.fromEntries(
        platform.services.map((service) => [service.name, service.httpUrl]),
      ) as PlatformUrls;
      // Submitted by Mường Lát's commune system, accepted and approved by its officials, signed, notified.
      const journey = await runDemo({
        urls,
        credentials: await developmentCredentials(identityDir, DEVELOPMENT_CLIENTS.muongLat),
        outDir: dir.file("demo"),
        timeoutMs: 120_000,
        log: () => undefined,
      });
      expect(journey.finalStatus).toBe(9);
      let documentId = "";
      await waitFor(
        async () => {
          const response = await fetch(`${urls.intake}/v1/applications/${journey.dossierCode}`, {
            headers: { [CLIENT_KEY_HEADER]: DEVELOPMENT_CLIENTS.muongLat.key },
          });
          const { application } = (await response.json()) as { application?: { resultDocumentPath?: string } };
          documentId = /^\/v1\/documents\/([0-9a-f-]{36})$/.exec(application?.resultDocumentPath ?? "")?.[1] ?? "";
          return documentId !== "";
        },
        { description: "the signed result's document id at intake", timeoutMs: 30_000, intervalMs: 200 },
      );
      // A finished dossier (status 9): every mutation is illegal for its own tenant too, so the walk changes nothing.
      const { dossierCode } = journey;
      namesOfExisting = {
        dossierRef: dossierCode,
        dossierCode,
        documentId,
        unitCode: MUONG_LAT,
        agencyCode: MUONG_LAT,
      };
      existing = completeRequest(namesOfExisting);
      // Well-formed, of the same unit and day, but never issued: only existence differs.
      const missingCode = dossierCode.replace(/-\d{4}$/, "-9999");
      missing = completeRequest({
        ...namesOfExisting,
        dossierRef: missingCode,
        dossierCode: missingCode,
        documentId: randomUUID(),
      });
    }, 180_000);

    /** Fails loudly for a dossier or document named in a way the walk has no value for (a new kind of reference). */
    function assertValuesFor(endpoint: Endpoint): void {
      const unknown = endpoint.names.filter((name) => TENANT_RESOURCE.test(name) && !(name in namesOfExisting));
      if (unknown.length > 0)
        throw new Error(`${labelOf(endpoint)} names ${unknown.join(", ")}: give the walk a value`);
    }

    /** What each caller gets for the existing dossier and for a missing one. */
    async function answersOf(endpoint: Endpoint, callers: Caller[]) {
      const answers: { who: string; existing: Answer; missing: Answer }[] = [];
      for (const { who, headers } of callers) {
        answers.push({
          who,
          existing: await endpoint.call(headers, existing),
          missing: await endpoint.call(headers, missing),
        });
      }
      return answers;
    }

    const sameAnswer = (a: Answer, b: Answer) => a.status === b.status && a.reason === b.reason;

    it("answers another tenant's dossier or signed document 404 / NOT_FOUND, exactly like a missing one", async () => {
      const checked = endpoints.filter((endpoint) => tenancyRuleOf(endpoint).kind === "dossier");
      const problems: string[] = [];
      for (const endpoint of checked) {
        assertValuesFor(endpoint);
        // Its own tenant reaches it (an answer a missing dossier does not get): the walk names a real dossier.
        const owners = await answersOf(endpoint, callersAt(MUONG_LAT, endpoint.access));
        if (!owners.some((owner) => !sameAnswer(owner.existing, owner.missing)))
          problems.push(`${labelOf(endpoint)}: Mường Lát gets ${owners.map(showAnswers).join("; ")}`);
        // Tam Chung's commune system (and its officials with the endpoint's roles) cannot tell it from a missing one.
        const others = await answersOf(endpoint, callersAt(TAM_CHUNG, endpoint.access));
        for (const other of others) {
          if (!sameAnswer(other.existing, other.missing))
            problems.push(`${labelOf(endpoint)}: Tam Chung gets ${showAnswers(other)}`);
        }
        if (!others.some((other) => answeredAs(endpoint, other.existing, "notFound")))
          problems.push(
            `${labelOf(endpoint)}: no Tam Chung caller gets 404 / NOT_FOUND (${others.map(showAnswers).join("; ")})`,
          );
      }
      expect(problems).toEqual([]);

      // Nothing that names a dossier or document escapes: it is checked, public, or serves every dossier by design.
      const unchecked = endpoints.filter(
        (endpoint) =>
          endpoint.names.some((name) => TENANT_RESOURCE.test(name)) &&
          !checked.includes(endpoint) &&
          !("public" in endpoint.access) &&
          !(labelOf(endpoint) in EVERY_DOSSIER_BY_DESIGN),
      );
      expect(unchecked.map(labelOf)).toEqual([]);
      // Every service keeps dossiers or documents, over both transports: a change in how names are read shows here.
      expect(new Set(checked.map((endpoint) => endpoint.service))).toEqual(new Set(platform.hosts.map((h) => h.name)));
      expect(new Set(checked.map((endpoint) => endpoint.kind))).toEqual(new Set(["REST", "gRPC"]));
    }, 300_000);

    // Queues and indicators name a unit or agency, whose codes are published: routing refuses another unit's with
    // 403 naming it rather than 404 (services/routing/README.md, "Callers and tenants").
    it("answers another unit's queue or indicators 403 / PERMISSION_DENIED, as routing documents", async () => {
      const checked = endpoints.filter((endpoint) => tenancyRuleOf(endpoint).kind === "unit");
      const problems: string[] = [];
      for (const endpoint of checked) {
        for (const { who, headers } of callersAt(MUONG_LAT, endpoint.access)) {
          const answer = await endpoint.call(headers, existing);
          if (!answeredAs(endpoint, answer, "ok"))
            problems.push(`${labelOf(endpoint)}: Mường Lát's own ${who} gets ${answer.status} ${answer.message}`);
        }
        for (const { who, headers } of callersAt(TAM_CHUNG, endpoint.access)) {
          const answer = await endpoint.call(headers, existing);
          if (!answeredAs(endpoint, answer, "permissionDenied") || !answer.message.includes(MUONG_LAT))
            problems.push(`${labelOf(endpoint)}: Tam Chung's ${who} gets ${answer.status} ${answer.message}`);
        }
      }
      expect(problems).toEqual([]);
      expect(checked.length).toBeGreaterThanOrEqual(4);
    }, 120_000);
  });

  it("answers every request as the services' OpenAPI documents say", async () => {
    expect(await responses.nonConforming()).toEqual([]);
    expect(responses.checked).toBeGreaterThanOrEqual(100);
  });
});

function showAnswers(answers: { who: string; existing: Answer; missing: Answer }): string {
  const show = (answer: Answer) => `${answer.status}${answer.reason ? ` ${answer.reason}` : ""}`;
  return `${answers.who}: ${show(answers.existing)} for Mường Lát's, ${show(answers.missing)} for a missing one`;
}

/**
 * Tokens that must not verify: signed by the platform's own issuer key but
 * expired, not valid yet or naming another issuer; signed by a key nobody
 * publishes; unsigned ("alg": "none"); and a valid token whose payload was
 * changed. (Another audience needs the issuer's private key with a different
 * claim; identities.test.ts in service-host refuses it.)
 */
async function badTokensOf(identityDir: string, good: string): Promise<Record<string, string>> {
  const operator = DEVELOPMENT_OFFICIALS.operator;
  const issuer = await openDevelopmentIssuer(identityDir);
  const anotherIssuer = await openDevelopmentIssuer(identityDir, { issuer: "urn:lienthong:another-issuer" });
  const [header, payload, signature] = good.split(".");
  const stranger = (await generateKeyPair("ES256")).privateKey;
  const now = Math.floor(Date.now() / 1000);
  const tamperedPayload = {
    ...(JSON.parse(Buffer.from(payload!, "base64url").toString()) as object),
    roles: ["auditor", "operator"],
  };
  return {
    // Beyond the 30 s clock tolerance either way.
    expired: await issuer.sign(operator, { now: new Date(Date.now() - 2 * 3600_000), ttlSeconds: 3600 }),
    "not yet valid": await issuer.sign(operator, { now: new Date(Date.now() + 3600_000) }),
    "another issuer": await anotherIssuer.sign(operator),
    "an unknown key id": await new SignJWT({ roles: ["operator"], lienthong_units: ["38"] })
      .setProtectedHeader({ alg: "ES256", kid: "dev-unknown" })
      .setSubject("stranger")
      .setIssuer(DEVELOPMENT_ISSUER)
      .setAudience(PLATFORM_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(stranger),
    "alg none": `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`,
    "a tampered payload": `${header}.${Buffer.from(JSON.stringify(tamperedPayload)).toString("base64url")}.${signature}`,
  };
}

/**
 * A request naming `names` that passes the validation some endpoints run
 * before their tenancy check (a supplement needs an attachment, a withdrawal
 * a reason, indicators a date range), so that tenancy is what answers. Each
 * transport spells the fields its own way: the REST body and query are not
 * in the routes' registry, so they are given here.
 */
function completeRequest(names: Readonly<Record<string, string>>): Request {
  const reason = "Công dân xin rút hồ sơ";
  const providedItems = ["Giấy xác nhận tình trạng hôn nhân"];
  const attachment = { name: "xac-nhan.pdf", mediaType: "application/pdf" };
  const content = Buffer.from("%PDF-1.7 xác nhận");
  const [from, to] = ["2026-01-01", "2026-12-31"];
  return {
    fields: {
      ...names,
      reason,
      providedItems,
      attachments: [intake.AttachmentUpload.fromPartial({ ...attachment, content })],
      fromDate: from,
      toDate: to,
    },
    query: { from, to },
    body: { reason, providedItems, attachments: [{ ...attachment, contentBase64: content.toString("base64") }] },
  };
}
