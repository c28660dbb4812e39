import { sampleUnits } from "@lienthong/domain";
import { ConfigError, createLogger } from "@lienthong/service-host";
import { DEVELOPMENT_API_KEYS, apiKeysFrom } from "../src/auth/api-keys";
import type { AccessDecision } from "../src/use-cases/ports";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: "intake",
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const decisions: AccessDecision[] = [];
  return { lines, logger, decisions, audit: (decision: AccessDecision) => void decisions.push(decision) };
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("API keys from configuration", () => {
  test("configured keys authenticate their client and units; others are UNAUTHENTICATED and audited without the key", () => {
    const { logger, decisions, audit } = capture();
    const keys = apiKeysFrom(
      {
        NODE_ENV: "production",
        API_KEYS: JSON.stringify({
          "key-of-muong-lat-0123456789": { clientId: "muong-lat", unitCodes: ["14845", "38.CA"] },
        }),
      },
      sampleUnits(),
      logger,
      audit,
    );
    const caller = keys.authenticate("key-of-muong-lat-0123456789");
    expect(caller.clientId).toBe("muong-lat");
    expect([...caller.unitCodes]).toEqual(["14845", "38.CA"]);
    expect(() => keys.authenticate("key-of-someone-else-000000")).toThrow(
      expect.objectContaining({ code: "UNAUTHENTICATED" }),
    );
    expect(() => keys.authenticate(undefined)).toThrow(expect.objectContaining({ code: "UNAUTHENTICATED" }));
    expect(decisions.map((d) => d.target)).toEqual(["unknown-api-key", "no-api-key"]);
    expect(JSON.stringify(decisions)).not.toContain("key-of-someone-else");
  });

  test("without API_KEYS in production the service refuses to start, naming the variable", () => {
    const { logger, audit } = capture();
    const error = configError(() => apiKeysFrom({ NODE_ENV: "production" }, sampleUnits(), logger, audit));
    expect(error.issues).toEqual([
      { variable: "API_KEYS", reason: expect.stringContaining("required when NODE_ENV=production") },
    ]);
  });

  test("without API_KEYS in development the built-in keys work, with a loud warning", () => {
    const { lines, logger, audit } = capture();
    const keys = apiKeysFrom({ NODE_ENV: "development" }, sampleUnits(), logger, audit);
    expect(keys.authenticate(DEVELOPMENT_API_KEYS.muongLat).clientId).toBe("muong-lat-commune-system");
    expect([...keys.authenticate(DEVELOPMENT_API_KEYS.portal).unitCodes]).toContain("00004");
    expect(lines.some((line) => line.level === "warn" && String(line.msg).includes("DEVELOPMENT API keys"))).toBe(true);
  });

  test("malformed configuration names the entry by position, never the key itself", () => {
    const { logger, audit } = capture();
    const notJson = configError(() =>
      apiKeysFrom({ NODE_ENV: "development", API_KEYS: "{nope" }, sampleUnits(), logger, audit),
    );
    expect(notJson.issues[0]?.variable).toBe("API_KEYS");
    const badEntry = configError(() =>
      apiKeysFrom(
        {
          NODE_ENV: "development",
          API_KEYS: JSON.stringify({ "a-secret-key-0123456789": { clientId: "Muong Lat!", unitCodes: [] } }),
        },
        sampleUnits(),
        logger,
        audit,
      ),
    );
    expect(badEntry.message).toContain("entry #1.clientId");
    expect(badEntry.message).toContain("entry #1.unitCodes");
    expect(badEntry.message).not.toContain("a-secret-key");
  });
});
