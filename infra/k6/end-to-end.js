// k6 load test: dossiers followed end to end, the open-model scenario of
// `npm run bench` (libs/cli/src/bench/end-to-end.ts) for a real deployment.
//
// Dossiers start on schedule, RATE a second for DURATION, whether or not the
// earlier ones have finished (constant-arrival-rate). Each one, as a commune
// system and its officials live it:
//   1. the client submits an application to intake (POST /v1/applications);
//   2. polls routing until it has the dossier (GET /v1/dossiers/:code answers
//      404 until routing has consumed the submission);
//   3. the unit's receiving officer accepts it and its leader approves it
//      (routing's POST /v1/dossiers/:code/actions/accept, then /decide);
//   4. waits for the applicant's result email: polls notification's listing
//      (GET /v1/dossiers/:code/deliveries) until it is delivered, or, with
//      RESULT_MAIL_FROM=mailpit, the mail sink's search until it is there.
// Passes when every dossier got its result email, p99 submit→result email <
// P99_MS (2 s, the issue 9 target), and k6 started every planned dossier.
//
//   export API_KEY=ltk.… RECEIVING_OFFICER_TOKEN_14845=… LEADER_TOKEN_14845=… \
//     RECEIVING_OFFICER_TOKEN_14848=… LEADER_TOKEN_14848=…   # k6 run reads the environment
//   k6 run -e RATE=40 -e DURATION=1m infra/k6/end-to-end.js
//   K6_SCRIPT=end-to-end docker compose --profile load run --rm -e RECEIVING_OFFICER_TOKEN_14845 … k6
// infra/README.md ("Load test") says where the key and the officials' tokens
// come from. It creates, approves and signs real dossiers: run it against a
// staging deployment, not the province's production. Applicants are
// synthetic (synthetic.js), their mail goes to the reserved .test domain.

import http from "k6/http";
import exec from "k6/execution";
import { check, sleep } from "k6";
import { Counter, Trend } from "k6/metrics";
import { list, syntheticApplication, uuidV4 } from "./synthetic.js";

const INTAKE_URL = baseUrl("INTAKE_URL", "http://localhost:8081");
const ROUTING_URL = baseUrl("ROUTING_URL", "http://localhost:8082");
const NOTIFICATION_URL = baseUrl("NOTIFICATION_URL", "http://localhost:8084");
// Where the script learns that the result email went out: notification's listing works against any deployment;
// a Mailpit that catches the mail (compose) spares the platform the polling, as the benchmark's mail server does.
const RESULT_MAIL_FROM = oneOf("RESULT_MAIL_FROM", ["deliveries", "mailpit"]);
const MAILPIT_URL = baseUrl("MAILPIT_URL", "http://localhost:8025");
// k6 schedules whole iterations per time unit.
const RATE = positiveNumber("RATE", 5, { integer: true });
const DURATION = __ENV.DURATION || "20s";
/** A dossier without its result email this long after its submission counts as stopped short. */
const TIMEOUT_SECONDS = positiveNumber("TIMEOUT_SECONDS", 30);
const POLL_INTERVAL_MS = positiveNumber("POLL_INTERVAL_MS", 100);
const P99_MS = positiveNumber("P99_MS", 2000);
/** No single request may hang a dossier. */
const REQUEST_TIMEOUT = "10s";

// The marriage registration (1.000894), as the benchmark submits, at units
// with officials to accept and decide it: the sample officials' communes.
const PROCEDURE_CODE = __ENV.PROCEDURE_CODE || "1.000894";
const RECEIVING_UNIT_CODES = list(__ENV.RECEIVING_UNIT_CODES, ["14845", "14848"]);
const API_KEY = required("API_KEY", "the key of a client registered for the receiving units");
/** Per unit, the bearer tokens of an official who accepts (receiving_officer) and one who decides (leader). */
const OFFICIALS = Object.fromEntries(
  RECEIVING_UNIT_CODES.map((unit) => [
    unit,
    {
      receivingOfficer: required(`RECEIVING_OFFICER_TOKEN_${unit}`, `a receiving officer's token at unit ${unit}`),
      leader: required(`LEADER_TOKEN_${unit}`, `a leader's token at unit ${unit}`),
    },
  ]),
);

// notification's delivery listing: the applicant's email about the issued result.
const RESULT_ISSUED = "gov.lienthong.dossier.result_issued.v1";
const DELIVERY_CHANNEL_EMAIL = 1;
const RECIPIENT_KIND_APPLICANT = 1;
// Its subject (resultMailSubject, services/notification/src/use-cases/templates.ts).
const resultMailSubject = (code) => `Hồ sơ ${code} đã có kết quả`;

export const options = {
  scenarios: {
    end_to_end: {
      executor: "constant-arrival-rate",
      rate: RATE,
      timeUnit: "1s",
      duration: DURATION,
      // About two seconds of dossiers in flight at the target; k6 adds VUs up to maxVUs as they run longer.
      preAllocatedVUs: RATE * 2,
      // Enough for every dossier to run until its deadline, so a slow platform shows as late or missing
      // result emails; a dropped iteration means the load generator itself ran out of room.
      maxVUs: Math.ceil(RATE * (TIMEOUT_SECONDS + 1)),
      // The last dossiers started get their whole deadline before k6 stops them.
      gracefulStop: `${Math.ceil(TIMEOUT_SECONDS) + 10}s`,
    },
  },
  thresholds: {
    submit_to_result_email: [`p(99)<${P99_MS}`],
    // Every dossier reaches its result email...
    dossiers_stopped_short: ["count==0"],
    checks: ["rate==1"],
    // ...and every dossier of the schedule was started (an open model does not wait for earlier ones).
    dropped_iterations: ["count==0"],
  },
  summaryTrendStats: ["count", "min", "med", "p(95)", "p(99)", "max"],
};

const submitToRouted = new Trend("submit_to_routed", true);
const submitToResultEmail = new Trend("submit_to_result_email", true);
// Tagged with the step and why (an HTTP status or "timed out"): never a dossier code or anything personal.
const dossiersStoppedShort = new Counter("dossiers_stopped_short");

/** Before any load: the key and every official's token must be accepted at their unit, or nothing starts. */
export function setup() {
  if (RESULT_MAIL_FROM === "mailpit") {
    const info = http.get(`${MAILPIT_URL}/api/v1/info`, {
      tags: { name: "GET mailpit info" },
      timeout: REQUEST_TIMEOUT,
    });
    if (info.status !== 200) throw new Error(`Mailpit does not answer at MAILPIT_URL (HTTP ${info.status})`);
  }
  for (const unit of RECEIVING_UNIT_CODES) {
    const queue = http.get(`${ROUTING_URL}/v1/queues/${unit}`, {
      headers: clientHeaders(),
      tags: { name: "GET /v1/queues/:unit" },
      timeout: REQUEST_TIMEOUT,
    });
    if (queue.status !== 200) {
      throw new Error(`routing refuses API_KEY for unit ${unit} (HTTP ${queue.status})`);
    }
    for (const [role, variable] of [
      ["receivingOfficer", "RECEIVING_OFFICER_TOKEN"],
      ["leader", "LEADER_TOKEN"],
    ]) {
      // A one-day range: any read an official of the unit may make will do.
      const indicators = http.get(`${ROUTING_URL}/v1/indicators/${unit}?from=2026-01-01&to=2026-01-01`, {
        headers: officialHeaders(OFFICIALS[unit][role]),
        tags: { name: "GET /v1/indicators/:unit" },
        timeout: REQUEST_TIMEOUT,
      });
      if (indicators.status !== 200) {
        throw new Error(`routing refuses ${variable}_${unit} at unit ${unit} (HTTP ${indicators.status})`);
      }
    }
  }
}

/** One dossier, submitted on schedule and followed to the applicant's result email. */
export default function followDossier() {
  const unit = RECEIVING_UNIT_CODES[exec.scenario.iterationInTest % RECEIVING_UNIT_CODES.length];
  const journey = { step: "submit" };
  try {
    followTo(journey, unit);
  } catch (error) {
    // A dossier the script lost track of (an answer of another shape) still counts; k6 prints the error.
    stoppedShort(journey.step, "script error");
    throw error;
  }
}

function followTo(journey, unit) {
  const submittedAt = Date.now();
  const deadline = submittedAt + TIMEOUT_SECONDS * 1000;

  const submitted = http.post(
    `${INTAKE_URL}/v1/applications`,
    JSON.stringify(syntheticApplication(PROCEDURE_CODE, unit)),
    {
      headers: { ...clientHeaders(), "Content-Type": "application/json", "Idempotency-Key": uuidV4() },
      tags: { name: "POST /v1/applications" },
      timeout: REQUEST_TIMEOUT,
    },
  );
  if (!check(submitted, { "submitted (201)": (r) => r.status === 201 })) {
    return stoppedShort(journey.step, `HTTP ${submitted.status}`);
  }
  const code = submitted.json().application.dossierCode;

  journey.step = "routing";
  const routing = pollUntil(deadline, () => {
    const answer = http.get(`${ROUTING_URL}/v1/dossiers/${code}`, {
      headers: clientHeaders(),
      tags: { name: "GET /v1/dossiers/:code" },
      timeout: REQUEST_TIMEOUT,
    });
    // 404 until routing has consumed the submission.
    if (answer.status === 404) return PENDING;
    return answer.status === 200 ? REACHED : `HTTP ${answer.status}`;
  });
  if (!check(routing, { routed: (outcome) => outcome === REACHED })) return stoppedShort(journey.step, routing);
  submitToRouted.add(Date.now() - submittedAt);

  const officials = OFFICIALS[unit];
  journey.step = "accept";
  const accepted = officialAction(code, "accept", officials.receivingOfficer, {});
  if (!check(accepted, { "accepted (2xx)": isSuccess })) return stoppedShort(journey.step, `HTTP ${accepted.status}`);
  journey.step = "decide";
  const decided = officialAction(code, "decide", officials.leader, {
    outcome: "approved",
    summary: "Đủ điều kiện theo quy định.",
  });
  if (!check(decided, { "decided (2xx)": isSuccess })) return stoppedShort(journey.step, `HTTP ${decided.status}`);

  journey.step = "result email";
  const mailed = pollUntil(deadline, RESULT_MAIL_FROM === "mailpit" ? () => inMailpit(code) : () => inDeliveries(code));
  if (!check(mailed, { "result email delivered": (outcome) => outcome === REACHED })) {
    return stoppedShort(journey.step, mailed);
  }
  submitToResultEmail.add(Date.now() - submittedAt);
}

/** notification's listing of the dossier's deliveries: has the applicant's result email gone out? */
function inDeliveries(code) {
  const answer = http.get(`${NOTIFICATION_URL}/v1/dossiers/${code}/deliveries`, {
    headers: clientHeaders(),
    tags: { name: "GET /v1/dossiers/:code/deliveries" },
    timeout: REQUEST_TIMEOUT,
  });
  // Anything but the listing (notification not knowing the dossier yet, a refusal) is asked again, as the bench did.
  if (answer.status !== 200) return PENDING;
  return answer.json().deliveries.some(isResultEmailToApplicant) ? REACHED : PENDING;
}

/** Mailpit's search (GET /api/v1/search): has the result email arrived at the mail sink? */
function inMailpit(code) {
  const query = encodeURIComponent(`subject:"${code}"`);
  const answer = http.get(`${MAILPIT_URL}/api/v1/search?query=${query}`, {
    tags: { name: "GET mailpit search" },
    timeout: REQUEST_TIMEOUT,
  });
  if (answer.status !== 200) return `mail sink HTTP ${answer.status}`;
  // The search matches words; the subject must be the result mail's, not another mail about the dossier.
  return answer.json().messages.some((message) => message.Subject === resultMailSubject(code)) ? REACHED : PENDING;
}

const REACHED = "reached";
const PENDING = "pending";

/** Asks `step` every POLL_INTERVAL_MS until it answers REACHED or a reason to stop, or the deadline passes. */
function pollUntil(deadline, step) {
  for (;;) {
    const outcome = step();
    if (outcome !== PENDING) return outcome;
    if (Date.now() + POLL_INTERVAL_MS > deadline) return "timed out";
    sleep(POLL_INTERVAL_MS / 1000);
  }
}

function stoppedShort(step, reason) {
  dossiersStoppedShort.add(1, { step, reason });
}

function officialAction(code, action, token, body) {
  return http.post(`${ROUTING_URL}/v1/dossiers/${code}/actions/${action}`, JSON.stringify(body), {
    headers: { ...officialHeaders(token), "Content-Type": "application/json" },
    tags: { name: `POST /v1/dossiers/:code/actions/${action}` },
    timeout: REQUEST_TIMEOUT,
  });
}

function isResultEmailToApplicant(delivery) {
  return (
    delivery.triggerType === RESULT_ISSUED &&
    delivery.channel === DELIVERY_CHANNEL_EMAIL &&
    delivery.recipientKind === RECIPIENT_KIND_APPLICANT &&
    delivery.stateName === "delivered"
  );
}

function isSuccess(response) {
  return response.status >= 200 && response.status < 300;
}

function clientHeaders() {
  return { Accept: "application/json", "x-api-key": API_KEY };
}

// The official is forwarded by the commune system, as in the demo (libs/cli/src/demo.ts): its key and their token.
function officialHeaders(token) {
  return { ...clientHeaders(), Authorization: `Bearer ${token}` };
}

function baseUrl(variable, fallback) {
  return (__ENV[variable] || fallback).replace(/\/+$/, "");
}

function oneOf(variable, values) {
  const value = __ENV[variable] || values[0];
  if (!values.includes(value)) throw new Error(`${variable} must be one of ${values.join(", ")}; got "${value}"`);
  return value;
}

function positiveNumber(variable, fallback, { integer = false } = {}) {
  const value = __ENV[variable] ? Number(__ENV[variable]) : fallback;
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    throw new Error(`${variable} must be a positive ${integer ? "integer" : "number"}; got "${__ENV[variable]}"`);
  }
  return value;
}

// Named, never echoed: the value is a secret.
function required(variable, what) {
  const value = __ENV[variable];
  if (!value) throw new Error(`${variable} is required: ${what} (infra/README.md, "Load test")`);
  return value;
}
