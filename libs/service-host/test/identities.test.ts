/**
 * Who may call a service: commune systems by API key (client-keys.ts,
 * client-registry.ts), officials by a token of the province's identity
 * provider (official-tokens.ts) or of the development issuer
 * (development-issuer.ts), both brought together by openIdentities, and
 * what each endpoint asks of them (access.ts).
 */
import { mkdtempSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PlatformError } from "@lienthong/errors";
import {
  ConfigError,
  DEVELOPMENT_CLIENTS,
  DEVELOPMENT_OFFICIALS,
  authorize,
  commonServiceEnv,
  loadConfig,
  newKey,
  openDevelopmentIssuer,
  openIdentities,
  parseKey,
  serviceEnv,
  storedKeyOf,
  type Caller,
  type ClientIdentity,
  type Identities,
  type OfficialIdentity,
} from "@lienthong/service-host";
import type { Role } from "@lienthong/domain";
import {
  SignJWT,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  type KeyLike,
} from "jose";
import { loadClientRegistry, type ClientRegistryEnv } from "../src/auth/client-registry";
import { captureLogger } from "./support/capture";

const COMMUNES = () => ["14845", "14848"];
const ISSUER = "https://id.thanhhoa.gov.vn/realms/can-bo";

const directories: string[] = [];
afterAll(() => directories.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "lienthong-identities-"));
  directories.push(dir);
  return dir;
}

function thrown(work: () => unknown): PlatformError {
  try {
    work();
  } catch (error) {
    if (error instanceof PlatformError) return error;
    throw error;
  }
  throw new Error("expected a PlatformError, nothing was thrown");
}

async function rejection(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PlatformError) return error;
    throw error;
  }
  throw new Error("expected a PlatformError, the promise resolved");
}

/** The environment as a service parses it (defaults included), with `vars` set. */
function identityEnv(vars: Record<string, string>) {
  return loadConfig(commonServiceEnv, { LOG_LEVEL: "silent", ...vars });
}

function registryEnv(env: Partial<ClientRegistryEnv>): ClientRegistryEnv {
  return { NODE_ENV: "development", ALLOW_EMBEDDED_IN_PRODUCTION: false, ...env };
}

function clientsJson(...clients: object[]): string {
  return JSON.stringify({ clients });
}

/** A registry with one freshly made key for Mường Lát's commune system, as an operator sets it up. */
function muongLatClient(keys = [newKey()]) {
  return { clientId: "muong-lat-commune-system", unitCodes: ["14845"], keys: keys.map((key) => key.stored) };
}

describe("client API keys", () => {
  it("a new key authenticates through a registry read from CLIENTS, which holds only its salted hash", () => {
    const made = newKey();
    expect(made.key).toMatch(/^ltk\.[a-z0-9]{4,32}\.[A-Za-z0-9_-]{43}$/);
    const json = clientsJson(muongLatClient([made]));
    const registry = loadClientRegistry(registryEnv({ NODE_ENV: "production", CLIENTS: json }), COMMUNES);

    expect(registry.development).toBe(false);
    expect(registry.authenticate(made.key)).toEqual({
      clientId: "muong-lat-commune-system",
      unitCodes: new Set(["14845"]),
    });
    const secret = parseKey(made.key)!.secret;
    expect(json).not.toContain(secret);
    expect(JSON.stringify(registry.all())).not.toContain(secret);
    expect(Object.keys(made.stored).sort()).toEqual(["id", "salt", "sha256"]);
  });

  it("accepts both keys of a client during a rotation, and only the new one once the old is removed", () => {
    const [old, current] = [newKey(), newKey()];
    const rotating = loadClientRegistry(
      registryEnv({ CLIENTS: clientsJson(muongLatClient([old, current])) }),
      COMMUNES,
    );
    expect(rotating.authenticate(old.key).clientId).toBe("muong-lat-commune-system");
    expect(rotating.authenticate(current.key).clientId).toBe("muong-lat-commune-system");

    const rotated = loadClientRegistry(registryEnv({ CLIENTS: clientsJson(muongLatClient([current])) }), COMMUNES);
    expect(rotated.authenticate(current.key).clientId).toBe("muong-lat-commune-system");
    expect(thrown(() => rotated.authenticate(old.key)).code).toBe("UNAUTHENTICATED");
  });

  it("answers a wrong secret, an unknown key id and a malformed key alike, so none tells which part was wrong", () => {
    const made = newKey("muonglat2026");
    const registry = loadClientRegistry(registryEnv({ CLIENTS: clientsJson(muongLatClient([made])) }), COMMUNES);
    const otherSecret = parseKey(newKey().key)!.secret;
    const presented = {
      "wrong secret": `ltk.muonglat2026.${otherSecret}`,
      "unknown key id": `ltk.tamchung2026.${parseKey(made.key)!.secret}`,
      "secret too short": "ltk.muonglat2026.short",
      "not a key at all": "Bearer abc",
      empty: "",
    };
    const refusals = Object.entries(presented).map(([what, key]) => {
      const error = thrown(() => registry.authenticate(key));
      return [what, `${error.code}: ${error.message}`];
    });
    expect(Object.fromEntries(refusals)).toEqual(
      Object.fromEntries(Object.keys(presented).map((what) => [what, "UNAUTHENTICATED: The API key is not valid"])),
    );
  });

  describe("a CLIENTS entry that breaks a rule stops the service", () => {
    const [first, second, third] = [newKey("keyone1"), newKey("keytwo2"), newKey("keythree3")];
    const webhookSecret = "too-short-webhook-secret";
    const cases: { rule: string; clients: object[]; reason: string }[] = [
      {
        rule: "a third key",
        clients: [muongLatClient([first, second, third])],
        reason: "clients.0.keys: holds at most two keys: the current one and the one being rotated out",
      },
      {
        rule: "a key id used by two clients",
        clients: [
          muongLatClient([first]),
          { clientId: "tam-chung-commune-system", unitCodes: ["14848"], keys: [newKey("keyone1").stored] },
        ],
        reason: 'key id "keyone1" is used twice',
      },
      {
        rule: "a unit code that is not one",
        clients: [{ ...muongLatClient([first]), unitCodes: ["14845", "xã Mường Lát"] }],
        reason: "clients.0.unitCodes.1: must be a unit or agency code such as 14845 or 38.CA",
      },
      {
        rule: "a short webhook secret",
        clients: [
          {
            ...muongLatClient([first]),
            webhook: { url: "https://muonglat.thanhhoa.gov.vn/hooks/lienthong", secrets: [webhookSecret] },
          },
        ],
        reason: "clients.0.webhook.secrets.0: must be at least 32 characters",
      },
    ];

    it.each(cases)(
      "$rule: a ConfigError naming CLIENTS and the entry, never a hash or a secret",
      ({ clients, reason }) => {
        const error = thrown(() => loadClientRegistry(registryEnv({ CLIENTS: clientsJson(...clients) }), COMMUNES));
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).issues).toContainEqual({ variable: "CLIENTS", reason });
        const everythingSaid = JSON.stringify({ message: error.message, error });
        for (const key of [first, second, third]) {
          expect(everythingSaid).not.toContain(key.stored.sha256);
          expect(everythingSaid).not.toContain(key.stored.salt);
          expect(everythingSaid).not.toContain(parseKey(key.key)!.secret);
        }
        expect(everythingSaid).not.toContain(webhookSecret);
      },
    );

    it("names CLIENTS_FILE when the entries come from a file", () => {
      const file = path.join(tempDir(), "clients.json");
      writeFileSync(file, clientsJson(muongLatClient([first, second, third])));
      const error = thrown(() => loadClientRegistry(registryEnv({ CLIENTS_FILE: file }), COMMUNES));
      expect((error as ConfigError).issues).toEqual([
        { variable: "CLIENTS_FILE", reason: expect.stringMatching(/^clients\.0\.keys: holds at most two keys/) },
      ]);
    });
  });

  describe("in production", () => {
    it("refuses to start without CLIENTS or CLIENTS_FILE", () => {
      const error = thrown(() => loadClientRegistry(registryEnv({ NODE_ENV: "production" }), COMMUNES));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues).toEqual([
        { variable: "CLIENTS_FILE", reason: expect.stringContaining("required when NODE_ENV=production") },
      ]);
    });

    it.each(Object.values(DEVELOPMENT_CLIENTS))(
      "refuses a CLIENTS file holding the public development key of $clientId, naming the client",
      (client) => {
        const development = parseKey(client.key)!;
        const file = path.join(tempDir(), "clients.json");
        writeFileSync(
          file,
          clientsJson(
            { clientId: "tam-chung-registered", unitCodes: ["14848"], keys: [newKey().stored] },
            // Copied from a development setup into the production file, under any client name.
            { ...muongLatClient(), keys: [storedKeyOf(development.id, development.secret)] },
          ),
        );
        const error = thrown(() =>
          loadClientRegistry(registryEnv({ NODE_ENV: "production", CLIENTS_FILE: file }), COMMUNES),
        );
        expect((error as ConfigError).issues).toEqual([
          {
            variable: "CLIENTS_FILE",
            reason: `holds the public development key of "${client.clientId}", refused in production`,
          },
        ]);
      },
    );

    it("lets the development clients through with ALLOW_EMBEDDED_IN_PRODUCTION, and says so loudly", async () => {
      const { logger, entries } = captureLogger("identities-test");
      const identities = await openIdentities(
        identityEnv({ NODE_ENV: "production", ALLOW_EMBEDDED_IN_PRODUCTION: "true", DATA_DIR: tempDir() }),
        logger,
        COMMUNES,
      );
      expect(identities.clients.development).toBe(true);
      expect(identities.clients.authenticate(DEVELOPMENT_CLIENTS.muongLat.key).clientId).toBe(
        "muong-lat-commune-system",
      );
      // The portal acts for every commune of the loaded units list.
      expect(identities.clients.authenticate(DEVELOPMENT_CLIENTS.portal.key).unitCodes).toEqual(new Set(COMMUNES()));
      const warnings = entries().filter((line) => line.level === "warn");
      expect(warnings.map((line) => String(line.msg))).toEqual([
        expect.stringContaining("the built-in DEVELOPMENT clients and their public API keys are accepted"),
        expect.stringContaining("officials' tokens from the local DEVELOPMENT issuer are accepted"),
      ]);
      expect(warnings[0]).toMatchObject({
        clients: Object.values(DEVELOPMENT_CLIENTS).map((client) => client.clientId),
      });
    });
  });
});

// ------------------------------------------------------------ officials' tokens

interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  /** The public key as the identity provider publishes it. */
  jwk: JWK;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" } };
}

function jwks(...keys: SigningKey[]): string {
  return JSON.stringify({ keys: keys.map((key) => key.jwk) });
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

interface TokenOptions {
  issuer?: string;
  audience?: string;
  /** null: no subject at all. */
  subject?: string | null;
  expiresAt?: number;
  notBefore?: number;
}

/** A token as the province's identity provider issues it: a commune leader of Mường Lát with its group names. */
async function officialToken(key: SigningKey, options: TokenOptions = {}): Promise<string> {
  const now = nowSeconds();
  const jwt = new SignJWT({
    roles: ["lanh-dao-xa", "receiving_officer", "thu-ky"],
    lienthong_units: ["14845"],
  })
    .setProtectedHeader({ alg: "ES256", kid: key.kid, typ: "JWT" })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? "lienthong")
    .setIssuedAt(now)
    .setExpirationTime(options.expiresAt ?? now + 3600);
  if (options.subject !== null) jwt.setSubject(options.subject ?? "cb-0042");
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
  return jwt.sign(key.privateKey);
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const payloadOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as JWTPayload;

/** The key Mường Lát's commune system holds in the production-like deployments below. */
const MUONG_LAT_KEY = newKey();

/** A production-like deployment: registered clients and the province's identity provider. */
async function provinceIdentities(keySource: Record<string, string>): Promise<Identities> {
  return openIdentities(
    identityEnv({
      NODE_ENV: "production",
      CLIENTS: clientsJson(muongLatClient([MUONG_LAT_KEY])),
      OIDC_ISSUER: ISSUER,
      OIDC_ROLE_MAP: JSON.stringify({ "lanh-dao-xa": "leader" }),
      ...keySource,
    }),
    captureLogger("identities-test").logger,
    COMMUNES,
  );
}

/** The refusal of a token: UNAUTHENTICATED, and no part of the token said back. */
async function refusalOf(identities: Identities, token: string): Promise<string> {
  const error = await rejection(identities.officials.verify(token));
  expect(error.code).toBe("UNAUTHENTICATED");
  for (const part of token.split(".").filter(Boolean)) expect(error.message).not.toContain(part);
  return error.message.replace("The official's token is refused: ", "");
}

describe("officials' tokens from the province's identity provider", () => {
  let key: SigningKey;
  let identities: Identities;

  beforeAll(async () => {
    key = await signingKey("idp-2026-a");
    const file = path.join(tempDir(), "jwks.json");
    writeFileSync(file, jwks(key));
    identities = await provinceIdentities({ OIDC_JWKS_FILE: file });
  });

  it("gives the subject, units and roles, mapping the provider's group names and dropping unknown ones", async () => {
    expect(await identities.officials.verify(await officialToken(key))).toEqual({
      subject: "cb-0042",
      unitCodes: new Set(["14845"]),
      roles: new Set(["leader", "receiving_officer"]),
    });
  });

  it("accepts a token that expired or starts within the clock tolerance (30 s)", async () => {
    const now = nowSeconds();
    const justExpired = await officialToken(key, { expiresAt: now - 10 });
    const startingSoon = await officialToken(key, { notBefore: now + 10 });
    expect((await identities.officials.verify(justExpired)).subject).toBe("cb-0042");
    expect((await identities.officials.verify(startingSoon)).subject).toBe("cb-0042");
  });

  it("refuses, saying why, a token that is expired, not yet valid, for another audience or from another issuer", async () => {
    const now = nowSeconds();
    expect(await refusalOf(identities, await officialToken(key, { expiresAt: now - 120 }))).toBe("it has expired");
    expect(await refusalOf(identities, await officialToken(key, { notBefore: now + 120 }))).toBe("it is not valid yet");
    expect(await refusalOf(identities, await officialToken(key, { audience: "another-platform" }))).toBe(
      "it is meant for another audience",
    );
    expect(await refusalOf(identities, await officialToken(key, { issuer: "https://id.example.org" }))).toBe(
      "it comes from another issuer",
    );
    expect(await refusalOf(identities, await officialToken(key, { subject: null }))).toBe(
      'its "sub" claim is missing or wrong',
    );
  });

  it('refuses an unsigned token ("alg": "none") and one signed with a shared secret (HS256)', async () => {
    const claims = payloadOf(await officialToken(key));
    const unsigned = `${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims)}.`;
    expect(await refusalOf(identities, unsigned)).toBe("it is signed with an algorithm this platform does not accept");

    const sharedSecret = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", kid: key.kid })
      .sign(new TextEncoder().encode("a shared secret anyone with the config knows"));
    expect(await refusalOf(identities, sharedSecret)).toBe(
      "it is signed with an algorithm this platform does not accept",
    );
  });

  it("refuses a token signed by a key the provider does not publish", async () => {
    const stranger = await signingKey("idp-2026-forged");
    expect(await refusalOf(identities, await officialToken(stranger))).toBe(
      "no key of the identity provider matches it",
    );
    // The published kid does not help a token signed with another private key.
    const impostor = { ...stranger, kid: key.kid };
    expect(await refusalOf(identities, await officialToken(impostor))).toBe("its signature does not verify");
  });

  it("refuses a token whose payload or signature was tampered with", async () => {
    const [header, payload, signature] = (await officialToken(key)).split(".") as [string, string, string];
    const escalated = base64url({ ...payloadOf(`${header}.${payload}.`), roles: ["auditor", "operator"] });
    expect(await refusalOf(identities, `${header}.${escalated}.${signature}`)).toBe("its signature does not verify");

    // A character in the middle: the last one may only carry padding bits.
    const flipped = signature.slice(0, 20) + (signature[20] === "A" ? "B" : "A") + signature.slice(21);
    expect(await refusalOf(identities, `${header}.${payload}.${flipped}`)).toBe("its signature does not verify");
  });

  it("takes the official's token from the Authorization header, and refuses any other scheme or an empty one", async () => {
    const token = await officialToken(key);
    expect((await identities.authenticate({ authorization: `Bearer ${token}` })).official?.subject).toBe("cb-0042");
    // The scheme is case-insensitive (RFC 9110).
    expect((await identities.authenticate({ authorization: `bearer ${token}` })).official?.subject).toBe("cb-0042");
    for (const authorization of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", `Token ${token}`]) {
      const error = await rejection(identities.authenticate({ authorization }));
      expect(error.code).toBe("UNAUTHENTICATED");
      expect(error.message).toBe('The Authorization header must be "Bearer <token>"');
    }
  });

  it("authenticates a commune system forwarding its official's token as both", async () => {
    const caller = await identities.authenticate({
      apiKey: MUONG_LAT_KEY.key,
      authorization: `Bearer ${await officialToken(key)}`,
    });
    expect(caller.client?.clientId).toBe("muong-lat-commune-system");
    expect(caller.official?.subject).toBe("cb-0042");
    expect(await identities.authenticate({})).toEqual({});
  });

  it("identifies the client whose key verified when the official's token it forwards is refused", async () => {
    const expired = await officialToken(key, { expiresAt: nowSeconds() - 3600 });
    const { caller, refusal } = await identities.identify({
      apiKey: MUONG_LAT_KEY.key,
      authorization: `Bearer ${expired}`,
    });
    expect(caller.client?.clientId).toBe("muong-lat-commune-system");
    expect(caller.official).toBeUndefined();
    expect(refusal?.code).toBe("UNAUTHENTICATED");
    expect(refusal?.message).toContain("expired");
    // authenticate, for tools and tests, refuses the credentials as a whole.
    expect(
      (await rejection(identities.authenticate({ apiKey: MUONG_LAT_KEY.key, authorization: `Bearer ${expired}` })))
        .code,
    ).toBe("UNAUTHENTICATED");
  });

  it("stops at a refused key: neither client nor official is named, even with a valid token", async () => {
    const valid = await officialToken(key);
    const { caller, refusal } = await identities.identify({
      apiKey: "ltk.unknown.key",
      authorization: `Bearer ${valid}`,
    });
    expect(caller).toEqual({});
    expect(refusal?.code).toBe("UNAUTHENTICATED");
    expect(refusal?.message).toBe("The API key is not valid");
    expect(await identities.identify({ apiKey: MUONG_LAT_KEY.key })).toEqual({
      caller: { client: expect.objectContaining({ clientId: "muong-lat-commune-system" }) },
    });
  });
});

describe("the identity provider's keys", () => {
  afterEach(() => jest.restoreAllMocks());

  it("are re-read from the JWKS file when it changes: after a rotation the old key is refused, the new accepted", async () => {
    const [before, after] = [await signingKey("idp-2026-a"), await signingKey("idp-2026-b")];
    const dir = tempDir();
    const file = path.join(dir, "jwks.json");
    writeFileSync(file, jwks(before));
    const identities = await provinceIdentities({ OIDC_JWKS_FILE: file });
    expect((await identities.officials.verify(await officialToken(before))).subject).toBe("cb-0042");

    // Replaced as a deployment tool does (write aside, rename over): another file, whatever its date.
    writeFileSync(path.join(dir, "jwks.next"), jwks(after));
    renameSync(path.join(dir, "jwks.next"), file);

    expect(await refusalOf(identities, await officialToken(before))).toBe("no key of the identity provider matches it");
    expect((await identities.officials.verify(await officialToken(after))).subject).toBe("cb-0042");
  });

  it("see a rotation written in place with the old modification time once a token names the new key", async () => {
    // Same kid length, same curve: the new set has the same size, so only its content differs.
    const [before, after] = [await signingKey("idp-2026-a"), await signingKey("idp-2026-b")];
    const file = path.join(tempDir(), "jwks.json");
    // A whole second, which utimes sets back exactly (a file system's own times carry nanoseconds).
    const dated = new Date("2026-11-30T08:00:00Z");
    writeFileSync(file, jwks(before));
    utimesSync(file, dated, dated);
    const identities = await provinceIdentities({ OIDC_JWKS_FILE: file });
    const { size, ino } = statSync(file);
    writeFileSync(file, jwks(after));
    utimesSync(file, dated, dated);
    expect(statSync(file)).toMatchObject({ size, ino, mtimeMs: dated.getTime() });

    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, "now").mockImplementation(() => realNow() + 6_000);
    expect((await identities.officials.verify(await officialToken(after))).subject).toBe("cb-0042");
    expect(await refusalOf(identities, await officialToken(before))).toBe("no key of the identity provider matches it");
  });

  it("are read at start: a JWKS file that is missing or not JSON fails the start naming OIDC_JWKS_FILE", async () => {
    const dir = tempDir();
    for (const [file, reason] of [
      [path.join(dir, "missing.json"), "cannot be read (ENOENT)"],
      [path.join(dir, "half.json"), "is not JSON"],
    ] as const) {
      if (file.endsWith("half.json")) writeFileSync(file, '{"keys": [');
      const error = await rejection(provinceIdentities({ OIDC_JWKS_FILE: file }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain("OIDC_JWKS_FILE");
      expect(error.message).toContain(reason);
    }
  });

  describe("from a JWKS URL", () => {
    let server: Server;
    let published: string;
    let fetches = 0;
    let url: string;

    beforeAll(async () => {
      server = createServer((_request, response) => {
        fetches += 1;
        response.setHeader("content-type", "application/json");
        response.end(published);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/can-bo/certs`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
    afterEach(() => jest.restoreAllMocks());

    it("fetches the keys once, and again for an unknown key id once the 30 s cooldown since the last fetch passed", async () => {
      const [before, after] = [await signingKey("idp-2026-a"), await signingKey("idp-2026-b")];
      published = jwks(before);
      fetches = 0;
      const identities = await provinceIdentities({ OIDC_JWKS_URL: url });
      expect(fetches).toBe(0);
      expect((await identities.officials.verify(await officialToken(before))).subject).toBe("cb-0042");
      expect((await identities.officials.verify(await officialToken(before))).subject).toBe("cb-0042");
      expect(fetches).toBe(1);

      published = jwks(after);
      // Within the cooldown an unknown kid is refused without asking the provider
      // again: tokens with made-up key ids cannot make the platform flood it.
      expect(await refusalOf(identities, await officialToken(after))).toBe(
        "no key of the identity provider matches it",
      );
      expect(fetches).toBe(1);

      const realNow = Date.now.bind(Date);
      jest.spyOn(Date, "now").mockImplementation(() => realNow() + 31_000);
      expect((await identities.officials.verify(await officialToken(after))).subject).toBe("cb-0042");
      expect(fetches).toBe(2);
      expect(await refusalOf(identities, await officialToken(before))).toBe(
        "no key of the identity provider matches it",
      );
    });

    // An identity provider that cannot be reached says nothing about the token: retry, not 401.
    it("says UNAVAILABLE (retriable), not that the token is malformed, when the JWKS cannot be fetched", async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const key = await signingKey("idp-2026-a");
      const identities = await provinceIdentities({ OIDC_JWKS_URL: `http://127.0.0.1:${port}/certs` });
      const error = await rejection(identities.officials.verify(await officialToken(key)));
      expect(error.code).toBe("UNAVAILABLE");
      expect(error.retriable).toBe(true);
    });
  });
});

describe("openIdentities", () => {
  it("makes the development issuer once in IDENTITY_DIR and shares it between services", async () => {
    const identityDir = tempDir();
    const env = identityEnv({ DATA_DIR: tempDir(), IDENTITY_DIR: identityDir });
    const { logger } = captureLogger("identities-test");
    // Two services starting at once: the first writer of the key wins, the other reads it.
    const [intake, routing] = await Promise.all([
      openIdentities(env, logger, COMMUNES),
      openIdentities(env, logger, COMMUNES),
    ]);
    expect(intake.developmentIssuerDir).toBe(identityDir);
    expect(routing.developmentIssuerDir).toBe(identityDir);

    const issuer = await openDevelopmentIssuer(identityDir);
    const token = await issuer.sign(DEVELOPMENT_OFFICIALS.leaderMuongLat);
    expect(decodeProtectedHeader(token).kid).toBe(issuer.jwks.keys[0]!.kid);
    expect((await openDevelopmentIssuer(identityDir)).jwks.keys[0]!.kid).toBe(issuer.jwks.keys[0]!.kid);
    const expected: OfficialIdentity = {
      subject: "chu-tich-muong-lat",
      unitCodes: new Set(["14845"]),
      roles: new Set<Role>(["leader", "document_signer"]),
    };
    expect(await intake.officials.verify(token)).toEqual(expected);
    expect(await routing.officials.verify(token)).toEqual(expected);

    const elsewhere = await openDevelopmentIssuer(tempDir());
    expect(await refusalOf(intake, await elsewhere.sign(DEVELOPMENT_OFFICIALS.leaderMuongLat))).toBe(
      "no key of the identity provider matches it",
    );
    expect(await refusalOf(intake, await issuer.sign(DEVELOPMENT_OFFICIALS.auditor, { ttlSeconds: -120 }))).toBe(
      "it has expired",
    );
  });

  it("keeps the development issuer under DATA_DIR/identity without IDENTITY_DIR", async () => {
    const dataDir = tempDir();
    const identities = await openIdentities(identityEnv({ DATA_DIR: dataDir }), captureLogger("t").logger, COMMUNES);
    expect(identities.developmentIssuerDir).toBe(path.join(dataDir, "identity"));
    const token = await (
      await openDevelopmentIssuer(path.join(dataDir, "identity"))
    ).sign(DEVELOPMENT_OFFICIALS.auditor);
    expect((await identities.officials.verify(token)).roles).toEqual(new Set(["auditor"]));
  });

  it("refuses to start in production without OIDC_ISSUER (the development issuer is refused)", async () => {
    const identityDir = tempDir();
    const error = await rejection(
      openIdentities(
        identityEnv({ NODE_ENV: "production", CLIENTS: clientsJson(muongLatClient()), IDENTITY_DIR: identityDir }),
        captureLogger("t").logger,
        COMMUNES,
      ),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { variable: "OIDC_ISSUER", reason: expect.stringContaining("required when NODE_ENV=production") },
    ]);
  });

  it("refuses OIDC_ISSUER without OIDC_JWKS_URL or OIDC_JWKS_FILE in the environment", () => {
    const schema = serviceEnv({ httpPort: 0, grpcPort: 0, opsPort: 0 });
    const error = thrown(() => loadConfig(schema, { OIDC_ISSUER: ISSUER }));
    expect((error as ConfigError).issues).toEqual([
      { variable: "OIDC_JWKS_URL", reason: "OIDC_JWKS_URL or OIDC_JWKS_FILE is required with OIDC_ISSUER" },
    ]);
    expect(loadConfig(schema, { OIDC_ISSUER: ISSUER, OIDC_JWKS_FILE: "/etc/lienthong/jwks.json" }).OIDC_ISSUER).toBe(
      ISSUER,
    );
  });

  it("refuses a shared-secret algorithm or an unknown role in the environment", () => {
    const schema = serviceEnv({ httpPort: 0, grpcPort: 0, opsPort: 0 });
    const algorithms = thrown(() => loadConfig(schema, { OIDC_ALGORITHMS: "ES256,HS256" })) as ConfigError;
    expect(algorithms.issues.map((issue) => issue.variable)).toEqual(["OIDC_ALGORITHMS.1"]);
    const roles = thrown(() => loadConfig(schema, { OIDC_ROLE_MAP: '{"lanh-dao-xa":"chief"}' })) as ConfigError;
    expect(roles.issues.map((issue) => issue.variable)).toEqual(["OIDC_ROLE_MAP"]);
  });
});

// ------------------------------------------------------------------ access

const muongLatSystem: ClientIdentity = { clientId: "muong-lat-commune-system", unitCodes: new Set(["14845"]) };
const official = (roles: Role[], unitCodes = ["14845"]): OfficialIdentity => ({
  subject: "cb-0042",
  unitCodes: new Set(unitCodes),
  roles: new Set(roles),
});

describe("authorize", () => {
  it("lets anyone use a public endpoint", () => {
    const access = { public: "the citizen's status lookup" };
    expect(authorize(access, {})).toEqual({});
  });

  it("asks a client endpoint for an API key (401 without)", () => {
    expect(authorize({ client: true }, { client: muongLatSystem })).toEqual({ client: muongLatSystem });
    const error = thrown(() => authorize({ client: true }, { official: official(["leader"]) }));
    expect(error.code).toBe("UNAUTHENTICATED");
    expect(error.message).toContain("x-api-key");
  });

  describe("an official's endpoint", () => {
    const access = { official: ["leader"] } as const;

    it("is used by a client forwarding its official with the role", () => {
      const caller: Caller = { client: muongLatSystem, official: official(["leader"]) };
      expect(authorize(access, caller)).toBe(caller);
    });

    it("answers 401 without the client's key or without the official's token", () => {
      const noClient = thrown(() => authorize(access, { official: official(["leader"]) }));
      expect(noClient.code).toBe("UNAUTHENTICATED");
      expect(noClient.message).toContain("x-api-key");
      const noToken = thrown(() => authorize(access, { client: muongLatSystem }));
      expect(noToken.code).toBe("UNAUTHENTICATED");
      expect(noToken.message).toContain("authorization");
    });

    it("answers 403 naming the missing role", () => {
      const error = thrown(() =>
        authorize(access, { client: muongLatSystem, official: official(["receiving_officer"]) }),
      );
      expect(error.code).toBe("PERMISSION_DENIED");
      expect(error.message).toBe('This needs the role "leader" (Leader), which the official\'s token does not carry');
      expect(error.details).toEqual({ missingRole: "leader" });
      const either = thrown(() =>
        authorize({ official: ["leader", "processing_official"] }, { client: muongLatSystem, official: official([]) }),
      );
      expect(either.message).toContain('"leader" (Leader) or "processing_official" (Processing official)');
      expect(either.details).toEqual({ missingRole: ["leader", "processing_official"] });
    });

    it("refuses an official of a unit the client does not act for (403 OFFICIAL_OF_ANOTHER_CLIENT)", () => {
      const tamChungLeader = official(["leader"], ["14848"]);
      const error = thrown(() => authorize(access, { client: muongLatSystem, official: tamChungLeader }));
      expect(error.code).toBe("PERMISSION_DENIED");
      expect(error.reason).toBe("OFFICIAL_OF_ANOTHER_CLIENT");
      const portal: ClientIdentity = { clientId: "portal", unitCodes: new Set(["14845", "14848"]) };
      expect(authorize(access, { client: portal, official: tamChungLeader }).official).toBe(tamChungLeader);
    });
  });

  it("lets staff in with their token alone, with the role (401 without a token, 403 with another role)", () => {
    const access = { staff: ["auditor"] } as const;
    const auditor = official(["auditor"], ["38"]);
    expect(authorize(access, { official: auditor })).toEqual({ official: auditor });
    // A client's tenancy is not asked of staff.
    expect(authorize(access, { client: muongLatSystem, official: auditor }).official).toBe(auditor);
    expect(thrown(() => authorize(access, { client: muongLatSystem })).code).toBe("UNAUTHENTICATED");
    const operator = thrown(() => authorize(access, { official: official(["operator"], ["38"]) }));
    expect(operator.code).toBe("PERMISSION_DENIED");
    expect(operator.details).toEqual({ missingRole: "auditor" });
  });
});
