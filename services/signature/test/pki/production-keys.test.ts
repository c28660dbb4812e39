import { ConfigError } from "@lienthong/service-host";
import { createSignatureService, signatureEnv } from "../../src";

/**
 * Production never signs with the local test PKI: its CA key is made on a
 * developer's machine and anyone may run one. The host's own production
 * rules (store, bus, transport security…) may refuse the same environment
 * too: these tests look only at the issue naming the signing keys.
 */
const PRODUCTION = {
  NODE_ENV: "production",
  STORE: "mongo",
  MONGO_URL: "mongodb://127.0.0.1:9/?replicaSet=rs0",
  KAFKA_BROKERS: "127.0.0.1:9",
};

function keysIssue(env: Record<string, string>): string | undefined {
  const parsed = signatureEnv.safeParse(env);
  if (parsed.success) return undefined;
  return parsed.error.issues.find((issue) => issue.path.join(".") === "SIGNATURE_P12_PATH")?.message;
}

describe("signing keys in production", () => {
  it("refuses the test PKI, saying which variables give officials' keys", () => {
    const reason = keysIssue(PRODUCTION);
    expect(reason).toContain("the local test PKI is refused when NODE_ENV=production");
    for (const variable of ["SIGNATURE_P12_PATH", "SIGNATURE_KEYS_DIR", "SIGNATURE_EXTERNAL_SIGNER_URL"]) {
      expect(reason).toContain(variable);
    }
    // A test PKI directory named explicitly is still the test PKI.
    expect(keysIssue({ ...PRODUCTION, SIGNATURE_PKI_DIR: "/var/lib/lienthong/pki" })).toBeDefined();
  });

  it.each([
    ["a PKCS#12 file", { SIGNATURE_P12_PATH: "/run/secrets/leader.p12" }],
    ["a key directory", { SIGNATURE_KEYS_DIR: "/run/secrets/officials" }],
    ["an external signer", { SIGNATURE_EXTERNAL_SIGNER_URL: "https://hsm.example/sign" }],
  ])("accepts %s", (_, keys) => {
    expect(keysIssue({ ...PRODUCTION, ...keys })).toBeUndefined();
  });

  it("lets a demonstration opt in, and development needs nothing", () => {
    expect(keysIssue({ ...PRODUCTION, ALLOW_EMBEDDED_IN_PRODUCTION: "true" })).toBeUndefined();
    expect(keysIssue({})).toBeUndefined();
  });
});

describe("the applicants' link secret in production", () => {
  // Past the config check up to the link secret (an operator's key named, TLS files named); nothing is reachable.
  const env = {
    ...PRODUCTION,
    SIGNATURE_P12_PATH: "/nonexistent/leader.p12",
    GRPC_TLS: "files",
    GRPC_TLS_CERT_FILE: "/nonexistent/grpc.crt",
    GRPC_TLS_KEY_FILE: "/nonexistent/grpc.key",
    LOG_LEVEL: "silent",
  };

  it.each([
    ["missing", {}],
    ["short", { PUBLIC_LINK_SECRET: "too-short-for-an-hmac-key" }],
  ])("is refused when %s, before signature opens its store or its keys", async (_what, secret) => {
    const started = createSignatureService({ env: { ...env, ...secret } });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toMatchObject({
      issues: [{ variable: "PUBLIC_LINK_SECRET", reason: expect.stringContaining("NODE_ENV=production") }],
    });
  });
});
