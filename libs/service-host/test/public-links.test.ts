/**
 * The applicant's download links (public-links.ts) and their secrets
 * (public-link-secrets.ts): what intake signs and signature checks.
 */
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { PlatformError } from "@lienthong/errors";
import {
  ConfigError,
  EXAMPLE_PUBLIC_LINK_SECRET,
  PUBLIC_LINK_TTL_SECONDS,
  createLogger,
  loadConfig,
  openPublicLinkSecrets,
  publicLinkEnv,
  serviceEnv,
  signPublicDocumentLink,
  verifyPublicDocumentLink,
  type PresentedLink,
  type PublicLinkSecrets,
} from "@lienthong/service-host";
import { tempDir, type TempDir } from "@lienthong/testing";

const secret = () => randomBytes(32).toString("base64url");
const secrets: PublicLinkSecrets = { current: secret() };
const documentId = randomUUID();
const madeAt = new Date("2026-03-02T02:00:00.000Z");

/** A link's parts as the route hands them over: the path's id and the query's values. */
function presented(linkPath: string): PresentedLink {
  const url = new URL(linkPath, "http://signature.invalid");
  return {
    documentId: url.pathname.split("/").pop() ?? "",
    expires: url.searchParams.get("expires") ?? undefined,
    signature: url.searchParams.get("signature") ?? undefined,
  };
}

function refusalOf(check: () => unknown): PlatformError {
  try {
    check();
  } catch (error) {
    if (error instanceof PlatformError) return error;
    throw error;
  }
  throw new Error("the link was accepted");
}

/** The signature with its last character changed — always to a different one (a fixed "A" would be no change one time in 64). */
function alteredLastCharacter(signature: string): string {
  const last = signature.at(-1);
  return `${signature.slice(0, -1)}${last === "A" ? "B" : "A"}`;
}

describe("a public document link", () => {
  const link = signPublicDocumentLink(secrets, documentId, madeAt);
  const parts = presented(link.path);

  it("names the document, its expiry in Unix seconds and a base64url HMAC, valid ten minutes", () => {
    expect(PUBLIC_LINK_TTL_SECONDS).toBe(600);
    const expires = madeAt.getTime() / 1000 + 600;
    expect(link.path).toMatch(
      new RegExp(`^/v1/public/documents/${documentId}\\?expires=${expires}&signature=[A-Za-z0-9_-]{43}$`),
    );
    expect(link.expiresAt).toEqual(new Date(expires * 1000));
  });

  it("grants its document until it expires, and not from the second it does", () => {
    expect(verifyPublicDocumentLink(secrets, parts, madeAt)).toBe(documentId);
    expect(verifyPublicDocumentLink(secrets, parts, new Date(link.expiresAt.getTime() - 1))).toBe(documentId);
    const expired = refusalOf(() => verifyPublicDocumentLink(secrets, parts, link.expiresAt));
    expect({ code: expired.code, reason: expired.reason }).toEqual({
      code: "PERMISSION_DENIED",
      reason: "LINK_EXPIRED",
    });
  });

  it.each([
    ["another document id", { documentId: randomUUID() }],
    ["a later expiry", { expires: String(Number(parts.expires) + 3600) }],
    ["an altered signature", { signature: alteredLastCharacter(String(parts.signature)) }],
    ["another encoding of the same signature bytes", { signature: otherEncoding(String(parts.signature)) }],
  ])("is refused with %s, as a bad signature, before its expiry is read", (_what, change) => {
    const refusal = refusalOf(() => verifyPublicDocumentLink(secrets, { ...parts, ...change }, madeAt));
    expect({ code: refusal.code, reason: refusal.reason }).toEqual({
      code: "PERMISSION_DENIED",
      reason: "LINK_SIGNATURE_INVALID",
    });
  });

  it("is refused when another secret signed it, and accepted during a rotation that keeps that secret as the previous one", () => {
    const another = { current: secret() };
    const elsewhere = presented(signPublicDocumentLink(another, documentId, madeAt).path);
    expect(refusalOf(() => verifyPublicDocumentLink(secrets, elsewhere, madeAt)).reason).toBe("LINK_SIGNATURE_INVALID");
    const rotated = { current: secrets.current, previous: another.current };
    expect(verifyPublicDocumentLink(rotated, elsewhere, madeAt)).toBe(documentId);
    expect(verifyPublicDocumentLink(rotated, parts, madeAt)).toBe(documentId);
    // The previous secret verifies, never signs.
    expect(presented(signPublicDocumentLink(rotated, documentId, madeAt).path)).toEqual(parts);
  });

  it("names each malformed part (400), before any signature is compared", () => {
    const malformed = refusalOf(() =>
      verifyPublicDocumentLink(
        secrets,
        { documentId: "../../etc/passwd", expires: ["1", "2"], signature: undefined },
        madeAt,
      ),
    );
    expect(malformed.code).toBe("INVALID_ARGUMENT");
    expect(malformed.violations.map((violation) => violation.field)).toEqual(["documentId", "expires", "signature"]);
    expect(refusalOf(() => verifyPublicDocumentLink(secrets, { ...parts, expires: "-5" }, madeAt)).violations).toEqual([
      { field: "expires", reason: expect.any(String) },
    ]);
  });

  it("is made only for a document id", () => {
    expect(() => signPublicDocumentLink(secrets, "14845-260302-0001", madeAt)).toThrow(/UUID/);
  });
});

/** The same 32 bytes in base64url with other (ignored) low bits in the last character. */
function otherEncoding(signature: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const last = alphabet.indexOf(signature.at(-1)!);
  const variant = `${signature.slice(0, 42)}${alphabet[last ^ 1]}`;
  expect(Buffer.from(variant, "base64url")).toEqual(Buffer.from(signature, "base64url"));
  return variant;
}

describe("the secrets of links (PUBLIC_LINK_SECRET)", () => {
  const logger = createLogger({ service: "intake", level: "silent" });
  const env = serviceEnv({ httpPort: 0, grpcPort: 0, opsPort: 0 }, publicLinkEnv);
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir("public-link-secrets");
  });
  afterEach(() => dir.remove());

  const open = (variables: Record<string, string>) =>
    openPublicLinkSecrets(loadConfig(env, { DATA_DIR: dir.path, ...variables }), logger);
  const production = { NODE_ENV: "production", STORE: "mongo", MONGO_URL: "mongodb://mongo:27017", BUS: "kafka" };
  const productionTransport = {
    KAFKA_BROKERS: "kafka:9092",
    GRPC_TLS: "files",
    GRPC_TLS_CERT_FILE: "c",
    GRPC_TLS_KEY_FILE: "k",
  };

  function issuesOf(variables: Record<string, string>): { variable: string; reason: string }[] {
    try {
      open(variables);
    } catch (error) {
      if (error instanceof ConfigError) return error.issues;
      throw error;
    }
    throw new Error("the secrets were accepted");
  }

  it("in development, without one, is made once in IDENTITY_DIR (0600) and read back by every process sharing it", async () => {
    const identityDir = dir.file("shared-identity");
    const first = open({ IDENTITY_DIR: identityDir });
    expect(first.current).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.previous).toBeUndefined();
    expect(statSync(path.join(identityDir, "public-link-secret")).mode & 0o777).toBe(0o600);
    expect(open({ IDENTITY_DIR: identityDir })).toEqual(first);
    // Without IDENTITY_DIR: DATA_DIR/identity, as the development issuer.
    expect(open({}).current).not.toBe(first.current);
    expect(readdirSync(dir.file("identity"))).toEqual(["public-link-secret"]);
    expect(readdirSync(identityDir)).toEqual(["public-link-secret"]);

    // Separate processes starting at once agree on one secret, and leave no staging file behind.
    const racing = dir.file("racing");
    // The built module: a child process does not read TypeScript (build service-host first).
    const built = path.resolve(__dirname, "../dist/public-link-secrets.js");
    const script = `
      const { openPublicLinkSecrets } = require(${JSON.stringify(built)});
      const env = { NODE_ENV: "development", ALLOW_EMBEDDED_IN_PRODUCTION: false, DATA_DIR: ".", IDENTITY_DIR: ${JSON.stringify(racing)} };
      process.stdout.write(openPublicLinkSecrets(env, { warn() {} }).current);`;
    const outputs = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
            let output = "";
            child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
            child.once("exit", (code) => (code === 0 ? resolve(output) : reject(new Error(`exit ${code}`))));
          }),
      ),
    );
    expect(new Set(outputs).size).toBe(1);
    expect(outputs[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readdirSync(racing)).toEqual(["public-link-secret"]);
  }, 30_000);

  it("comes inline or from a file (its final newline dropped), with the previous one of a rotation; not both ways at once", () => {
    const current = secret();
    const previous = secret();
    writeFileSync(dir.file("current"), `${current}\n`);
    writeFileSync(dir.file("previous"), previous);
    expect(open({ PUBLIC_LINK_SECRET: current })).toEqual({ current });
    expect(
      open({ PUBLIC_LINK_SECRET_FILE: dir.file("current"), PUBLIC_LINK_PREVIOUS_SECRET_FILE: dir.file("previous") }),
    ).toEqual({ current, previous });
    expect(open({ PUBLIC_LINK_SECRET: current, PUBLIC_LINK_PREVIOUS_SECRET: previous })).toEqual({ current, previous });
    expect(issuesOf({ PUBLIC_LINK_SECRET: current, PUBLIC_LINK_SECRET_FILE: dir.file("current") })).toEqual([
      { variable: "PUBLIC_LINK_SECRET", reason: "set at most one of PUBLIC_LINK_SECRET and PUBLIC_LINK_SECRET_FILE" },
    ]);
    expect(issuesOf({ PUBLIC_LINK_SECRET_FILE: dir.file("missing") })).toEqual([
      { variable: "PUBLIC_LINK_SECRET_FILE", reason: "cannot read the file it names (ENOENT)" },
    ]);
    // No development secret is made when one is given.
    expect(readdirSync(dir.path).sort()).toEqual(["current", "previous"]);
  });

  it("is refused in production when missing, short or the repository's example, naming the variable and never the value", () => {
    const base = { ...production, ...productionTransport };
    expect(issuesOf(base)).toEqual([
      { variable: "PUBLIC_LINK_SECRET", reason: expect.stringContaining("required when NODE_ENV=production") },
    ]);
    const short = "0123456789abcdef0123456789abcde"; // 31 characters
    writeFileSync(dir.file("short"), `${short}\n`);
    for (const [variables, variable] of [
      [{ PUBLIC_LINK_SECRET: short }, "PUBLIC_LINK_SECRET"],
      [{ PUBLIC_LINK_SECRET_FILE: dir.file("short") }, "PUBLIC_LINK_SECRET_FILE"],
      [{ PUBLIC_LINK_SECRET: EXAMPLE_PUBLIC_LINK_SECRET }, "PUBLIC_LINK_SECRET"],
      [{ PUBLIC_LINK_SECRET: secret(), PUBLIC_LINK_PREVIOUS_SECRET: short }, "PUBLIC_LINK_PREVIOUS_SECRET"],
    ] as const) {
      const issues = issuesOf({ ...base, ...variables });
      expect(issues).toEqual([{ variable, reason: expect.stringContaining("refused when NODE_ENV=production") }]);
      expect(JSON.stringify(issues)).not.toContain(short);
      expect(JSON.stringify(issues)).not.toContain(EXAMPLE_PUBLIC_LINK_SECRET);
    }
    const strong = secret();
    expect(open({ ...base, PUBLIC_LINK_SECRET: strong })).toEqual({ current: strong });
    // A demonstration opts out, as for the other development stand-ins.
    expect(open({ ...base, ALLOW_EMBEDDED_IN_PRODUCTION: "true" }).current).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
