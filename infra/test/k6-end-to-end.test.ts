import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EventTypes, events } from "@lienthong/contracts";
import { resultMailSubject } from "@lienthong/notification";
import { DEVELOPMENT_CLIENTS, DEVELOPMENT_OFFICIALS, openDevelopmentIssuer } from "@lienthong/service-host";
import { tempDir, type TempDir } from "@lienthong/testing";
import { startTestPlatform, type TestPlatform } from "../../libs/cli/test/support/embedded-platform";
import { environmentOf, readCompose, serviceOf } from "./compose-file";
import { runVu, type Recorded, type VuOutcome } from "./k6/k6-script";

/** Stand-ins where only the script's own reading of its environment is tested: nothing is sent. */
const placeholderEnv = {
  API_KEY: "placeholder-key",
  RECEIVING_OFFICER_TOKEN_14845: "placeholder-token-a",
  LEADER_TOKEN_14845: "placeholder-token-b",
  RECEIVING_OFFICER_TOKEN_14848: "placeholder-token-c",
  LEADER_TOKEN_14848: "placeholder-token-d",
};

interface Scenario {
  executor: string;
  rate: number;
  timeUnit: string;
  duration: string;
  preAllocatedVUs: number;
  maxVUs: number;
  gracefulStop: string;
}

interface Options {
  scenarios: Record<string, Scenario>;
  thresholds: Record<string, string[]>;
}

async function optionsOf(script: string, env: Record<string, string>): Promise<Options> {
  const outcome = await runVu(script, { call: "init", env });
  expect(outcome.error).toBeUndefined();
  return outcome.result as Options;
}

const samplesOf = (recorded: Recorded, metric: string) => recorded.samples.filter((s) => s.metric === metric);

describe("infra/k6/end-to-end.js: the open-model scenario and its pass marks", () => {
  it("starts dossiers at RATE a second for DURATION, whether or not earlier ones have finished", async () => {
    const options = await optionsOf("end-to-end.js", {
      ...placeholderEnv,
      RATE: "40",
      DURATION: "1m",
      TIMEOUT_SECONDS: "30",
    });
    expect(Object.keys(options.scenarios)).toEqual(["end_to_end"]);
    const scenario = options.scenarios.end_to_end!;
    expect(scenario).toMatchObject({ executor: "constant-arrival-rate", rate: 40, timeUnit: "1s", duration: "1m" });
    // Room for every dossier to run to its deadline: a slow platform shows as late mail, not as dropped dossiers.
    expect(scenario.maxVUs).toBeGreaterThanOrEqual(40 * 30);
    expect(scenario.preAllocatedVUs).toBeLessThanOrEqual(scenario.maxVUs);
    // The last dossiers started get their whole deadline before k6 stops them.
    expect(Number(/^(\d+)s$/.exec(scenario.gracefulStop)?.[1])).toBeGreaterThan(30);
  });

  it("passes only if every dossier got its result email, p99 within the target and none was dropped", async () => {
    const defaults = await optionsOf("end-to-end.js", placeholderEnv);
    expect(defaults.scenarios.end_to_end).toMatchObject({ rate: 5, duration: "20s" });
    expect(defaults.thresholds).toEqual({
      submit_to_result_email: ["p(99)<2000"],
      dossiers_stopped_short: ["count==0"],
      checks: ["rate==1"],
      dropped_iterations: ["count==0"],
    });
    const stricter = await optionsOf("end-to-end.js", { ...placeholderEnv, P99_MS: "1500" });
    expect(stricter.thresholds.submit_to_result_email).toEqual(["p(99)<1500"]);
  });

  it("stops before sending anything without the key or a unit's tokens, naming the variable, never its value", async () => {
    const { API_KEY: _key, ...withoutKey } = placeholderEnv;
    const noKey = await runVu("end-to-end.js", { call: "init", env: withoutKey });
    expect(noKey.error?.message).toMatch(/^API_KEY is required/);

    const { LEADER_TOKEN_14848: _leader, ...withoutLeader } = placeholderEnv;
    const noLeader = await runVu("end-to-end.js", { call: "init", env: withoutLeader });
    expect(noLeader.error?.message).toMatch(/^LEADER_TOKEN_14848 is required/);
    for (const value of Object.values(placeholderEnv)) expect(noLeader.error?.message).not.toContain(value);
    expect(noLeader.recorded.requests).toEqual([]);

    // Units of one's own choosing need only their own officials.
    const oneUnit = await runVu("end-to-end.js", {
      call: "init",
      env: { ...withoutLeader, RECEIVING_UNIT_CODES: "14845" },
    });
    expect(oneUnit.error).toBeUndefined();

    const unknownSource = await runVu("end-to-end.js", {
      call: "init",
      env: { ...placeholderEnv, RESULT_MAIL_FROM: "smtp" },
    });
    expect(unknownSource.error?.message).toBe('RESULT_MAIL_FROM must be one of deliveries, mailpit; got "smtp"');

    const fractional = await runVu("end-to-end.js", { call: "init", env: { ...placeholderEnv, RATE: "2.5" } });
    expect(fractional.error?.message).toMatch(/^RATE must be a positive integer/);
  });

  it("knows the result email as the contracts name it", () => {
    // The script cannot import @lienthong/contracts; the platform run below shows the values also match what is served.
    expect(EventTypes.resultIssued.type).toBe("gov.lienthong.dossier.result_issued.v1");
    expect(events.DeliveryChannel.DELIVERY_CHANNEL_EMAIL).toBe(1);
    expect(events.RecipientKind.RECIPIENT_KIND_APPLICANT).toBe(1);
    expect(resultMailSubject("G22.14845-260105-0001")).toBe("Hồ sơ G22.14845-260105-0001 đã có kết quả");
  });
});

/** A delivery as notification lists it; the script waits for the applicant's result email, delivered. */
const resultEmail = {
  triggerType: EventTypes.resultIssued.type,
  channel: events.DeliveryChannel.DELIVERY_CHANNEL_EMAIL,
  recipientKind: events.RecipientKind.RECIPIENT_KIND_APPLICANT,
  stateName: "delivered",
};

interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: string;
}

/**
 * intake, routing and notification on one port, answering from a script: the
 * answers the embedded platform is too quick to give (routing's 404 before it
 * has the dossier, deliveries that are not yet the result email).
 */
async function withScriptedPlatform(
  answers: { lookups: number[]; listings?: [number, unknown][]; searches?: [number, unknown][] },
  test: (env: Record<string, string>, seen: SeenRequest[]) => Promise<void>,
): Promise<void> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      const path = request.url ?? "";
      seen.push({
        method: request.method ?? "",
        path,
        headers: {
          apiKey: request.headers["x-api-key"] as string | undefined,
          authorization: request.headers.authorization,
          idempotencyKey: request.headers["idempotency-key"] as string | undefined,
        },
        body,
      });
      const reply = (status: number, json: unknown) => {
        response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
      };
      if (path === "/v1/applications") return reply(201, { application: { dossierCode: "G22.14845-260105-0001" } });
      if (path.endsWith("/deliveries")) return reply(...(answers.listings?.shift() ?? [500, {}]));
      if (path.startsWith("/api/v1/search?")) return reply(...(answers.searches?.shift() ?? [500, {}]));
      if (path.includes("/actions/")) return reply(200, {});
      return reply(answers.lookups.shift() ?? 500, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await test(
      { ...placeholderEnv, INTAKE_URL: url, ROUTING_URL: url, NOTIFICATION_URL: url, POLL_INTERVAL_MS: "20" },
      seen,
    );
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe("infra/k6/end-to-end.js reading the platform's answers", () => {
  it("polls routing through its 404s and notification until the applicant's result email is delivered", async () => {
    const answers = {
      lookups: [404, 404, 200],
      listings: [
        [404, {}],
        [200, { deliveries: [] }],
        [200, { deliveries: [{ ...resultEmail, stateName: "pending" }] }],
        [200, { deliveries: [{ ...resultEmail, channel: events.DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK }] }],
        [200, { deliveries: [{ ...resultEmail, recipientKind: events.RecipientKind.RECIPIENT_KIND_COMMUNE_SYSTEM }] }],
        [200, { deliveries: [{ ...resultEmail, triggerType: EventTypes.applicationAccepted.type }] }],
        [200, { deliveries: [{ ...resultEmail, triggerType: EventTypes.applicationAccepted.type }, resultEmail] }],
      ] as [number, unknown][],
    };
    await withScriptedPlatform(answers, async (env, seen) => {
      const { error, recorded } = await runVu("end-to-end.js", { call: "default", env, iterationInTest: 0 });
      expect(error).toBeUndefined();
      expect(recorded.checks.every((check) => check.ok)).toBe(true);
      expect(seen.map(({ method, path }) => `${method} ${path}`)).toEqual([
        "POST /v1/applications",
        ...Array<string>(3).fill("GET /v1/dossiers/G22.14845-260105-0001"),
        "POST /v1/dossiers/G22.14845-260105-0001/actions/accept",
        "POST /v1/dossiers/G22.14845-260105-0001/actions/decide",
        ...Array<string>(7).fill("GET /v1/dossiers/G22.14845-260105-0001/deliveries"),
      ]);
      // Every call as the client; the actions as the unit's receiving officer, then its leader.
      expect(seen.every((request) => request.headers.apiKey === placeholderEnv.API_KEY)).toBe(true);
      expect(seen[4]!.headers.authorization).toBe(`Bearer ${placeholderEnv.RECEIVING_OFFICER_TOKEN_14845}`);
      expect(seen[5]!.headers.authorization).toBe(`Bearer ${placeholderEnv.LEADER_TOKEN_14845}`);
      expect(JSON.parse(seen[5]!.body)).toMatchObject({ outcome: "approved" });
      expect(seen[0]!.headers.idempotencyKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/);
      expect(JSON.parse(seen[0]!.body)).toMatchObject({ procedureCode: "1.000894", receivingUnitCode: "14845" });
      // A pause between asks, none after the answer that ends a wait.
      expect(recorded.sleptSeconds).toBeCloseTo((2 + 6) * 0.02);
      expect(samplesOf(recorded, "submit_to_result_email")).toHaveLength(1);
    });
  });

  it("with RESULT_MAIL_FROM=mailpit, searches the mail sink for the result mail's subject instead", async () => {
    const code = "G22.14845-260105-0001";
    const searches: [number, unknown][] = [
      [200, { messages: [] }],
      // Another mail about the dossier: not yet the result.
      [200, { messages: [{ Subject: `Hồ sơ ${code} đã được tiếp nhận` }] }],
      [200, { messages: [{ Subject: `Hồ sơ ${code} đã được tiếp nhận` }, { Subject: resultMailSubject(code) }] }],
    ];
    await withScriptedPlatform({ lookups: [200], searches }, async (env, seen) => {
      const mailpit = { ...env, RESULT_MAIL_FROM: "mailpit", MAILPIT_URL: env.NOTIFICATION_URL! };
      const { error, recorded } = await runVu("end-to-end.js", { call: "default", env: mailpit, iterationInTest: 0 });
      expect(error).toBeUndefined();
      expect(recorded.checks.every((check) => check.ok)).toBe(true);
      const asked = seen.filter((request) => request.path.startsWith("/api/v1/search"));
      expect(asked).toHaveLength(3);
      expect(new URL(asked[0]!.path, "http://mailpit").searchParams.get("query")).toBe(`subject:"${code}"`);
      // The platform is not asked: the mail sink alone says when the mail is there.
      expect(seen.some((request) => request.path.endsWith("/deliveries"))).toBe(false);
      expect(samplesOf(recorded, "submit_to_result_email")).toHaveLength(1);
    });
  });

  it("stops a dossier whose lookup routing refuses, naming the step and the status", async () => {
    await withScriptedPlatform({ lookups: [404, 503], listings: [] }, async (env) => {
      const { recorded } = await runVu("end-to-end.js", { call: "default", env, iterationInTest: 1 });
      expect(samplesOf(recorded, "dossiers_stopped_short")).toEqual([
        { metric: "dossiers_stopped_short", value: 1, tags: { step: "routing", reason: "HTTP 503" } },
      ]);
      expect(recorded.checks).toContainEqual({ name: "routed", ok: false });
    });
  });

  it("counts a dossier whose answer it cannot read as stopped short, and lets k6 print the error", async () => {
    await withScriptedPlatform({ lookups: [200], listings: [[200, { items: [] }]] }, async (env) => {
      const { error, recorded } = await runVu("end-to-end.js", { call: "default", env, iterationInTest: 0 });
      expect(error?.name).toBe("TypeError");
      expect(recorded.requests.at(-1)?.status).toBe(200);
      expect(samplesOf(recorded, "dossiers_stopped_short")).toEqual([
        { metric: "dossiers_stopped_short", value: 1, tags: { step: "result email", reason: "script error" } },
      ]);
    });
  });
});

describe("infra/k6/submit-applications.js after sharing synthetic.js", () => {
  it("keeps its two scenarios", async () => {
    const options = await optionsOf("submit-applications.js", { API_KEY: "placeholder-key" });
    expect(Object.keys(options.scenarios)).toEqual(["steady_peak", "spike"]);
  });
});

describe("the k6 scripts against the embedded platform", () => {
  let dir: TempDir;
  let platform: TestPlatform;
  /** The portal's key and the sample officials' tokens, as an operator passes them to k6. */
  let env: Record<string, string>;
  let tokens: Record<string, string>;

  beforeAll(async () => {
    dir = await tempDir("lienthong-k6");
    // As the benchmark does: quotas are not what is measured.
    platform = await startTestPlatform(dir.file("data"), { env: { CLIENT_REQUESTS_PER_MINUTE: "10000000" } });
    const issuer = await openDevelopmentIssuer(platform.identityDir);
    tokens = {
      RECEIVING_OFFICER_TOKEN_14845: await issuer.sign(DEVELOPMENT_OFFICIALS.receivingOfficerMuongLat),
      LEADER_TOKEN_14845: await issuer.sign(DEVELOPMENT_OFFICIALS.leaderMuongLat),
      RECEIVING_OFFICER_TOKEN_14848: await issuer.sign(DEVELOPMENT_OFFICIALS.receivingOfficerTamChung),
      LEADER_TOKEN_14848: await issuer.sign(DEVELOPMENT_OFFICIALS.leaderTamChung),
    };
    env = {
      INTAKE_URL: platform.urls.intake,
      ROUTING_URL: platform.urls.routing,
      NOTIFICATION_URL: platform.urls.notification,
      API_KEY: DEVELOPMENT_CLIENTS.portal.key,
      ...tokens,
      // Generous: the machine is shared; the deadline is what the timeout test below shortens.
      TIMEOUT_SECONDS: "90",
    };
  }, 120_000);

  afterAll(async () => {
    await platform?.platform.stop();
    await dir?.remove();
  });

  it("setup accepts the key and every official's token at their unit", async () => {
    const outcome = await runVu("end-to-end.js", { call: "setup", env });
    expect(outcome.error).toBeUndefined();
    expect(outcome.recorded.requests.map(({ name, status }) => `${name} ${status}`)).toEqual([
      "GET /v1/queues/:unit 200",
      "GET /v1/indicators/:unit 200",
      "GET /v1/indicators/:unit 200",
      "GET /v1/queues/:unit 200",
      "GET /v1/indicators/:unit 200",
      "GET /v1/indicators/:unit 200",
    ]);
  });

  it("setup stops the run on a token of another unit, a key the platform does not know, or no mail sink", async () => {
    const otherUnit = await runVu("end-to-end.js", {
      call: "setup",
      env: { ...env, LEADER_TOKEN_14845: tokens.LEADER_TOKEN_14848! },
    });
    expect(otherUnit.error?.message).toMatch(/^routing refuses LEADER_TOKEN_14845 at unit 14845 \(HTTP 40[34]\)$/);

    const noMailpit = await runVu("end-to-end.js", {
      call: "setup",
      env: { ...env, RESULT_MAIL_FROM: "mailpit", MAILPIT_URL: `${platform.urls.notification}/no-mailpit-here` },
    });
    expect(noMailpit.error?.message).toBe("Mailpit does not answer at MAILPIT_URL (HTTP 404)");

    const unknownKey = await runVu("end-to-end.js", { call: "setup", env: { ...env, API_KEY: "ltk.unknown.key" } });
    expect(unknownKey.error?.message).toBe("routing refuses API_KEY for unit 14845 (HTTP 401)");
  });

  it("follows dossiers started on schedule to the applicant's result email, timing both hops", async () => {
    const planned = 4;
    // An open model in small: each dossier starts 400 ms after the previous one, in its own VU, not after it ends.
    const runs: Promise<VuOutcome>[] = [];
    for (let iteration = 0; iteration < planned; iteration++) {
      runs.push(runVu("end-to-end.js", { call: "default", env, iterationInTest: iteration }));
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    const outcomes = await Promise.all(runs);

    for (const [iteration, { error, recorded }] of outcomes.entries()) {
      expect({ iteration, error }).toEqual({ iteration, error: undefined });
      expect(recorded.checks.filter((check) => !check.ok)).toEqual([]);
      expect(recorded.checks.map((check) => check.name)).toEqual([
        "submitted (201)",
        "routed",
        "accepted (2xx)",
        "decided (2xx)",
        "result email delivered",
      ]);
      expect(samplesOf(recorded, "dossiers_stopped_short")).toEqual([]);
      const [routed, mailed] = [samplesOf(recorded, "submit_to_routed"), samplesOf(recorded, "submit_to_result_email")];
      expect([routed.length, mailed.length]).toEqual([1, 1]);
      expect(mailed[0]!.value).toBeGreaterThanOrEqual(routed[0]!.value);

      // The calls in order, each under one metric name whatever the dossier: submit, routing's lookups
      // (404 until routed), the two actions, notification's listings until the mail is there.
      const calls = recorded.requests.map(({ method, name, status }) => `${method} ${name} ${status}`).join("\n");
      expect(calls).toMatch(
        new RegExp(
          "^POST POST /v1/applications 201\n" +
            "(GET GET /v1/dossiers/:code 404\n)*GET GET /v1/dossiers/:code 200\n" +
            "POST POST /v1/dossiers/:code/actions/accept 2\\d\\d\n" +
            "POST POST /v1/dossiers/:code/actions/decide 2\\d\\d\n" +
            "(GET GET /v1/dossiers/:code/deliveries \\d+\n)*GET GET /v1/dossiers/:code/deliveries 200$",
        ),
      );

      // The dossier is at the unit of its turn, and notification, asked apart from the script, has the mail.
      const lookup = recorded.requests.find((request) => request.name === "GET /v1/dossiers/:code")!;
      const code = /\/v1\/dossiers\/([^/]+)$/.exec(lookup.url)![1]!;
      const assignment = await fetch(lookup.url, { headers: { "x-api-key": env.API_KEY! } });
      expect(JSON.stringify(await assignment.json())).toContain(iteration % 2 === 0 ? "14845" : "14848");
      const listing = await fetch(`${platform.urls.notification}/v1/dossiers/${code}/deliveries`, {
        headers: { "x-api-key": env.API_KEY! },
      });
      const { deliveries } = (await listing.json()) as {
        deliveries: { triggerType: string; channel: number; recipientKind: number; stateName: string }[];
      };
      expect(deliveries).toContainEqual(
        expect.objectContaining({
          triggerType: EventTypes.resultIssued.type,
          channel: events.DeliveryChannel.DELIVERY_CHANNEL_EMAIL,
          recipientKind: events.RecipientKind.RECIPIENT_KIND_APPLICANT,
          stateName: "delivered",
        }),
      );
    }
  }, 180_000);

  it("counts a dossier an official cannot decide as stopped short, and fails its check", async () => {
    // Mường Lát's receiving officer is no leader: the token is good (setup passes), the decision is refused.
    const notLeader = { ...env, LEADER_TOKEN_14845: tokens.RECEIVING_OFFICER_TOKEN_14845! };
    expect((await runVu("end-to-end.js", { call: "setup", env: notLeader })).error).toBeUndefined();

    const { error, recorded } = await runVu("end-to-end.js", { call: "default", env: notLeader, iterationInTest: 0 });
    expect(error).toBeUndefined();
    expect(recorded.checks.find((check) => check.name === "decided (2xx)")).toEqual({
      name: "decided (2xx)",
      ok: false,
    });
    expect(samplesOf(recorded, "dossiers_stopped_short")).toEqual([
      { metric: "dossiers_stopped_short", value: 1, tags: { step: "decide", reason: "HTTP 403" } },
    ]);
    expect(samplesOf(recorded, "submit_to_result_email")).toEqual([]);
    expect(recorded.requests.some((request) => request.name === "GET /v1/dossiers/:code/deliveries")).toBe(false);
  }, 60_000);

  it("counts a dossier past its deadline as stopped short", async () => {
    // 50 ms: no dossier is signed and mailed that fast, so it stops at routing or at the result email.
    const { error, recorded } = await runVu("end-to-end.js", {
      call: "default",
      env: { ...env, TIMEOUT_SECONDS: "0.05" },
      iterationInTest: 1,
    });
    expect(error).toBeUndefined();
    const [stopped, ...more] = samplesOf(recorded, "dossiers_stopped_short");
    expect(more).toEqual([]);
    expect(stopped?.tags.reason).toBe("timed out");
    expect(["routing", "result email"]).toContain(stopped?.tags.step);
    expect(recorded.checks.some((check) => !check.ok)).toBe(true);
    expect(samplesOf(recorded, "submit_to_result_email")).toEqual([]);
  }, 60_000);

  it("submit-applications.js still submits, for each of its procedures", async () => {
    for (const procedure of ["1.000894", "2.000884"]) {
      const { error, recorded } = await runVu("submit-applications.js", {
        call: "default",
        env: { BASE_URL: platform.urls.intake, API_KEY: env.API_KEY!, PROCEDURE_CODES: procedure },
      });
      expect(error).toBeUndefined();
      expect(recorded.checks).toEqual([{ name: "application accepted (2xx)", ok: true }]);
    }
  }, 60_000);
});

describe("docker-compose.yml runs either script in the k6 profile", () => {
  const compose = readCompose();

  it("mounts the scripts' folder, so a script finds synthetic.js beside it", () => {
    const k6 = serviceOf(compose, "k6");
    expect(k6.volumes).toContain("./infra/k6:/scripts:ro");
    expect(k6.command).toEqual(["run", "/scripts/${K6_SCRIPT:-submit-applications}.js"]);
  });

  it("points end-to-end.js at the services, and waits for every service its dossiers pass through", () => {
    const k6 = serviceOf(compose, "k6");
    expect(environmentOf(compose, "k6")).toMatchObject({
      INTAKE_URL: "http://intake:8081",
      ROUTING_URL: "http://routing:8082",
      NOTIFICATION_URL: "http://notification:8084",
      RESULT_MAIL_FROM: "mailpit",
      MAILPIT_URL: "http://mailpit:8025",
    });
    expect(serviceOf(compose, "mailpit").ports).toContain("127.0.0.1:8025:8025");
    for (const service of ["intake", "routing", "signature", "notification"]) {
      expect(k6.depends_on?.[service]).toEqual({ condition: "service_healthy" });
    }
  });
});
