import { ConfigError, DEVELOPMENT_CLIENTS, createLogger, newKey, type ConfigIssue } from "@lienthong/service-host";
import { tempDir, type TempDir } from "@lienthong/testing";
import { DEVELOPMENT_WEBHOOK_SECRET, createNotificationService, notificationEnv } from "../src";
import { webhookEndpoints, type ClientDirectory } from "../src/channels/webhook-endpoints";

/**
 * A production environment. The host's own production rules (store, bus,
 * transport security…) may refuse it too: these tests look only at the
 * issues naming notification's variables.
 */
const PRODUCTION = {
  NODE_ENV: "production",
  STORE: "mongo",
  MONGO_URL: "mongodb://127.0.0.1:9/?replicaSet=rs0",
  KAFKA_BROKERS: "127.0.0.1:9",
  CLIENTS_FILE: "/etc/lienthong/clients.json",
};

/** What webhookEndpoints reads of the parsed environment, in production with registered clients. */
const PRODUCTION_ENDPOINT_ENV = {
  NODE_ENV: "production" as const,
  ALLOW_EMBEDDED_IN_PRODUCTION: false,
  CLIENTS_FILE: "/etc/lienthong/clients.json",
  WEBHOOK_DEFAULT_URL: undefined,
  WEBHOOK_SIGNING_SECRET: undefined,
};

const NOTIFICATION_VARIABLES = ["WEBHOOK_DEFAULT_URL", "WEBHOOK_SIGNING_SECRET", "CLIENTS", "CLIENTS_FILE"];

/** The issues of an environment that name notification's variables (none when it parses). */
function notificationIssues(env: Record<string, string>): ConfigIssue[] {
  const parsed = notificationEnv.safeParse(env);
  if (parsed.success) return [];
  return parsed.error.issues
    .map((issue) => ({ variable: issue.path.map(String).join("."), reason: issue.message }))
    .filter((issue) => NOTIFICATION_VARIABLES.includes(issue.variable));
}

const GOOD_SECRET = "a-production-webhook-secret-of-40-chars!";
const silent = createLogger({ service: "notification", level: "silent" });

/** The ConfigError a start with `env` fails with, and its issues naming notification's variables. */
async function refusal(env: Record<string, string>): Promise<{ error: ConfigError; issues: ConfigIssue[] }> {
  const error = await createNotificationService({ env, ports: { http: 0, grpc: 0, ops: 0 }, logger: silent }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  const issues = (error as ConfigError).issues.filter((issue) => NOTIFICATION_VARIABLES.includes(issue.variable));
  return { error: error as ConfigError, issues };
}

describe("notification's configuration", () => {
  test("production accepts a long private secret and an https default URL (the control)", () => {
    expect(
      notificationIssues({
        ...PRODUCTION,
        WEBHOOK_SIGNING_SECRET: GOOD_SECRET,
        WEBHOOK_DEFAULT_URL: "https://hooks.example.vn/in",
      }),
    ).toEqual([]);
  });

  describe("NODE_ENV=production refuses, naming the variable and never repeating the value", () => {
    test.each([
      ["the public development secret", DEVELOPMENT_WEBHOOK_SECRET, "is a public development secret"],
      ["the secret compose files used", "local-development-webhook-secret", "is a public development secret"],
      ["a secret shorter than 32 characters", "only-twenty-one-char", "is shorter than 32 characters"],
    ])("WEBHOOK_SIGNING_SECRET set to %s", async (_what, secret, reason) => {
      const { error, issues } = await refusal({ ...PRODUCTION, WEBHOOK_SIGNING_SECRET: secret });
      expect(issues).toEqual([{ variable: "WEBHOOK_SIGNING_SECRET", reason: expect.stringContaining(reason) }]);
      expect(error.message).not.toContain(secret);
      // ALLOW_EMBEDDED_IN_PRODUCTION: a demonstration may use it.
      expect(
        notificationIssues({ ...PRODUCTION, ALLOW_EMBEDDED_IN_PRODUCTION: "true", WEBHOOK_SIGNING_SECRET: secret }),
      ).toEqual([]);
    });

    test.each([["ftp://hooks.example.vn/in"], ["not a URL"], ["mailto:hooks@example.vn"]])(
      "WEBHOOK_DEFAULT_URL %s, which is not an http(s) URL (refused in development too)",
      async (url) => {
        for (const env of [PRODUCTION, { NODE_ENV: "development" }]) {
          const { issues } = await refusal({ ...env, WEBHOOK_DEFAULT_URL: url });
          expect(issues).toEqual([
            { variable: "WEBHOOK_DEFAULT_URL", reason: expect.stringContaining("must be an http:// or https:// URL") },
          ]);
        }
      },
    );

    test.each([["6000"], ["10080"], ["25"]])(
      "WEBHOOK_DEFAULT_URL on port %s, which Node's fetch refuses to connect to (refused in development too)",
      async (port) => {
        const url = `http://hooks.example.vn:${port}/in?token=do-not-log-me`;
        for (const env of [PRODUCTION, { NODE_ENV: "development" }]) {
          const { error, issues } = await refusal({ ...env, WEBHOOK_DEFAULT_URL: url });
          expect(issues).toEqual([
            {
              variable: "WEBHOOK_DEFAULT_URL",
              reason: expect.stringContaining(`uses port ${port}, which fetch refuses`),
            },
          ]);
          expect(error.message).not.toContain("do-not-log-me");
        }
        // The control: a port fetch allows.
        expect(notificationIssues({ WEBHOOK_DEFAULT_URL: "http://hooks.example.vn:6001/in" })).toEqual([]);
      },
    );

    test("a registered commune's webhook URL on a port fetch refuses stops the start, naming the commune, not the URL", async () => {
      const { stored } = newKey();
      const webhook = (url: string) => ({ url, secrets: [GOOD_SECRET] });
      const clients = {
        clients: [
          {
            clientId: "muong-lat-commune-system",
            unitCodes: ["14845"],
            keys: [stored],
            webhook: webhook("https://muong-lat.example.vn:10080/hooks/secret-path"),
          },
          {
            clientId: "tam-chung-commune-system",
            unitCodes: ["14848"],
            keys: [newKey().stored],
            webhook: webhook("https://tam-chung.example.vn:8443/hooks"),
          },
        ],
      };
      const { error, issues } = await refusal({ CLIENTS: JSON.stringify(clients) });
      expect(issues).toEqual([
        {
          variable: "CLIENTS",
          reason: expect.stringMatching(
            /^client "muong-lat-commune-system": webhook\.url uses port 10080, which fetch refuses/,
          ),
        },
      ]);
      expect(error.message).not.toContain("secret-path");
      expect(error.message).not.toContain(GOOD_SECRET);
    });

    test.each([
      ["the public development secret", DEVELOPMENT_WEBHOOK_SECRET, "is a public development secret"],
      ["the secret compose files used", "local-development-webhook-secret", "is a public development secret"],
    ])("a registered commune's webhook secret that is %s (CLIENTS_FILE or CLIENTS)", (_what, secret, reason) => {
      const directory = registry([
        { clientId: "muong-lat-commune-system", secrets: [GOOD_SECRET] },
        { clientId: "tam-chung-commune-system", secrets: [GOOD_SECRET, secret] },
      ]);
      let thrown: unknown;
      try {
        webhookEndpoints(directory, PRODUCTION_ENDPOINT_ENV, silent);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).issues).toEqual([
        {
          variable: "CLIENTS_FILE",
          reason: expect.stringMatching(new RegExp(`^client "tam-chung-commune-system": webhook.secrets.1 ${reason}`)),
        },
      ]);
      expect((thrown as ConfigError).message).not.toContain(secret);
      expect(() =>
        webhookEndpoints(directory, { ...PRODUCTION_ENDPOINT_ENV, CLIENTS_FILE: undefined }, silent),
      ).toThrow(/CLIENTS: client "tam-chung-commune-system"/);
    });

    test("…and the same registration outside production, or with ALLOW_EMBEDDED_IN_PRODUCTION, is accepted", () => {
      const directory = registry([{ clientId: "muong-lat-commune-system", secrets: [DEVELOPMENT_WEBHOOK_SECRET] }]);
      for (const env of [
        { ...PRODUCTION_ENDPOINT_ENV, NODE_ENV: "development" as const },
        { ...PRODUCTION_ENDPOINT_ENV, ALLOW_EMBEDDED_IN_PRODUCTION: true },
      ]) {
        const endpoints = webhookEndpoints(directory, env, silent);
        expect(endpoints.of("muong-lat-commune-system")).toEqual({
          id: expect.stringMatching(/^[0-9a-f]{16}$/),
          url: "https://muong-lat.example.vn/hooks",
          secrets: [DEVELOPMENT_WEBHOOK_SECRET],
        });
      }
    });
  });

  test("a registered commune's webhook secret shorter than 32 characters is refused anywhere (the clients' own rules)", async () => {
    const { stored } = newKey();
    const clients = {
      clients: [
        {
          clientId: "muong-lat-commune-system",
          unitCodes: ["14845"],
          keys: [stored],
          webhook: { url: "https://muong-lat.example.vn/hooks", secrets: ["too-short-a-secret"] },
        },
      ],
    };
    const { error, issues } = await refusal({ CLIENTS: JSON.stringify(clients) });
    expect(issues).toEqual([
      { variable: "CLIENTS", reason: expect.stringMatching(/^clients\.0\.webhook\.secrets\.0: .*32 characters/) },
    ]);
    expect(error.message).not.toContain("too-short-a-secret");
  });

  describe("a Standard Webhooks secret (whsec_ + base64 of 24 to 64 bytes) that is not one is refused anywhere", () => {
    const malformed = [
      ["not base64 after whsec_", `whsec_${"*".repeat(40)}`, "whsec_ must be followed by base64"],
      ["base64 of a length no encoder writes", `whsec_${"A".repeat(41)}`, "whsec_ must be followed by base64"],
      ["a 23-byte key", `whsec_${Buffer.alloc(23, 7).toString("base64")}`, "holds a 23-byte key"],
      ["a 65-byte key", `whsec_${Buffer.alloc(65, 7).toString("base64")}`, "holds a 65-byte key"],
    ] as const;
    // The bounds themselves sign (a 64-byte key in the first commune's registration, a 24-byte one below).
    const wellFormed = `whsec_${Buffer.alloc(24, 7).toString("base64")}`;
    const longest = `whsec_${Buffer.alloc(64, 7).toString("base64")}`;

    test.each(malformed)("WEBHOOK_SIGNING_SECRET: %s", async (_what, secret, reason) => {
      for (const env of [PRODUCTION, { NODE_ENV: "development" }]) {
        const { error, issues } = await refusal({ ...env, WEBHOOK_SIGNING_SECRET: secret });
        expect(issues).toEqual([{ variable: "WEBHOOK_SIGNING_SECRET", reason: expect.stringContaining(reason) }]);
        expect(error.message).not.toContain(secret.slice("whsec_".length));
      }
      // The control: a 24-byte key.
      expect(notificationIssues({ ...PRODUCTION, WEBHOOK_SIGNING_SECRET: wellFormed })).toEqual([]);
    });

    test.each(malformed)("a registered commune's webhook secret: %s", (_what, secret, reason) => {
      const directory = registry([
        { clientId: "muong-lat-commune-system", secrets: [longest] },
        { clientId: "tam-chung-commune-system", secrets: [wellFormed, secret] },
      ]);
      for (const env of [PRODUCTION_ENDPOINT_ENV, { ...PRODUCTION_ENDPOINT_ENV, NODE_ENV: "development" as const }]) {
        let thrown: unknown;
        try {
          webhookEndpoints(directory, env, silent);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ConfigError);
        expect((thrown as ConfigError).issues).toEqual([
          {
            variable: "CLIENTS_FILE",
            reason: expect.stringMatching(/^client "tam-chung-commune-system": webhook\.secrets\.1 /),
          },
        ]);
        expect((thrown as ConfigError).issues[0]!.reason).toContain(reason);
        expect((thrown as ConfigError).message).not.toContain(secret.slice("whsec_".length));
      }
      // The control: both communes' well-formed secrets.
      const endpoints = webhookEndpoints(
        registry([{ clientId: "tam-chung-commune-system", secrets: [wellFormed, longest] }]),
        PRODUCTION_ENDPOINT_ENV,
        silent,
      );
      expect(endpoints.of("tam-chung-commune-system")?.secrets).toEqual([wellFormed, longest]);
    });
  });

  describe("with ALLOW_EMBEDDED_IN_PRODUCTION=true (a demonstration)", () => {
    let dataDir: TempDir;

    beforeAll(async () => {
      dataDir = await tempDir("notification-demo");
    });

    afterAll(async () => {
      await dataDir?.remove();
    });

    test("the development clients, their public secret and an http default URL start", async () => {
      const host = await createNotificationService({
        env: {
          NODE_ENV: "production",
          ALLOW_EMBEDDED_IN_PRODUCTION: "true",
          DATA_DIR: dataDir.path,
          HTTP_HOST: "127.0.0.1",
          WEBHOOK_SIGNING_SECRET: DEVELOPMENT_WEBHOOK_SECRET,
          WEBHOOK_DEFAULT_URL: "http://127.0.0.1:8089/webhooks",
        },
        ports: { http: 0, grpc: 0, ops: 0 },
        logger: silent,
      });
      try {
        await host.start();
        expect(host.identities.clients.development).toBe(true);
        expect(host.identities.clients.client(DEVELOPMENT_CLIENTS.muongLat.clientId)).toBeDefined();
      } finally {
        await host.stop();
      }
    });
  });
});

/** A registered-clients directory as the host would load it from CLIENTS_FILE (keys are not what is checked here). */
function registry(clients: { clientId: string; secrets: string[] }[]): ClientDirectory {
  const registered = clients.map(({ clientId, secrets }) => ({
    clientId,
    unitCodes: ["14845"],
    keys: [newKey().stored],
    webhook: { url: `https://${clientId.replace("-commune-system", "")}.example.vn/hooks`, secrets },
  }));
  return {
    development: false,
    all: () => registered,
    client: (clientId) => registered.find((client) => client.clientId === clientId),
  };
}

describe("notification's templates, quiet hours, rates and bounces: refused at start when they cannot mean anything", () => {
  const issuesOf = (env: Record<string, string>) => {
    const parsed = notificationEnv.safeParse(env);
    return parsed.success
      ? []
      : parsed.error.issues.map((issue) => ({ variable: issue.path.map(String).join("."), reason: issue.message }));
  };

  test.each([
    [{ NOTIFICATION_QUIET_HOURS: "21h-7h" }, "NOTIFICATION_QUIET_HOURS", "HH:MM-HH:MM"],
    [{ NOTIFICATION_QUIET_HOURS: "21:00-21:00" }, "NOTIFICATION_QUIET_HOURS", "two different times"],
    [{ NOTIFICATION_RATE_SMS_PER_SECOND: "-1" }, "NOTIFICATION_RATE_SMS_PER_SECOND", ""],
    [{ MAIL_DSN_SECRET: "a-mail-dsn-secret-of-more-than-32-chars" }, "MAIL_DSN_SECRET", "without SMTP_URL"],
    [
      { SMTP_URL: "smtp://127.0.0.1:2525", MAIL_DSN_PREVIOUS_SECRET: "a-mail-dsn-secret-of-more-than-32-chars" },
      "MAIL_DSN_SECRET",
      "is required with MAIL_DSN_PREVIOUS_SECRET",
    ],
  ])("%j is refused, naming %s", (env, variable, reason) => {
    expect(issuesOf(env)).toContainEqual({
      variable,
      reason: expect.stringContaining(reason) as string,
    });
  });

  test("and accepted when they do (the control)", () => {
    expect(
      issuesOf({
        NOTIFICATION_QUIET_HOURS: "21:00-07:00",
        NOTIFICATION_RATE_SMS_PER_SECOND: "30",
        SMTP_URL: "smtp://127.0.0.1:2525",
        MAIL_DSN_SECRET: "a-mail-dsn-secret-of-more-than-32-chars",
      }),
    ).toEqual([]);
  });
});
