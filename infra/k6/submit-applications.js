// k6 load test: citizens' applications submitted to intake's REST API.
//
// Sized from DOMAIN.md §8: national peak ≈ 400 k dossiers a working day × 3
// (Mondays, year-end) over 8 working hours ≈ 40 submissions/s. Two scenarios:
//   steady_peak  holds the national peak, 40 submissions/s;
//   spike        jumps to 3× that peak, 120 submissions/s, then falls back.
// Run both (default) or one, with the API key of a client registered for the
// receiving units below (infra/README.md, "Load test", says where the compose
// stack's load-test key is):
//   k6 run -e API_KEY=ltk.… -e BASE_URL=http://localhost:8081 infra/k6/submit-applications.js
//   k6 run -e SCENARIO=spike -e API_KEY=ltk.… -e BASE_URL=http://localhost:8081 infra/k6/submit-applications.js
//   LIENTHONG_LOAD_API_KEY=ltk.… docker compose --profile load run --rm k6
//
// Every applicant is synthetic (synthetic.js): no real personal data goes
// into a load test. end-to-end.js follows dossiers past intake, to the
// applicant's result email.

import http from "k6/http";
import { check } from "k6";
import { Counter } from "k6/metrics";
import { list, pick, syntheticApplication, uuidV4 } from "./synthetic.js";

const BASE_URL = (__ENV.BASE_URL || "http://localhost:8081").replace(/\/+$/, "");
const SCENARIO = __ENV.SCENARIO || "all";
const PEAK_RATE = Number(__ENV.PEAK_RATE || 40);
const SPIKE_FACTOR = Number(__ENV.SPIKE_FACTOR || 3);
const HOLD = __ENV.HOLD || "5m";
const SPIKE_HOLD = __ENV.SPIKE_HOLD || "2m";
// The client's API key (x-api-key): without one intake refuses every submission, so stop before starting.
const API_KEY = __ENV.API_KEY;
if (!API_KEY) {
  throw new Error(
    'API_KEY is required: the key of a client registered for the receiving units (infra/README.md, "Load test")',
  );
}

// Procedure codes (mã TTHC, d.dddddd) and receiving units (5-digit commune
// codes from the 2026 unit list) that the catalog is expected to know;
// override with comma lists when the seeded catalog differs.
const PROCEDURE_CODES = list(__ENV.PROCEDURE_CODES, ["1.000894", "2.000884"]);
// Units of intake's built-in sample, each with its commune system and all of
// them with the load-test client in the compose stack
// (infra/compose/make-credentials.js); pass RECEIVING_UNIT_CODES once the
// national list is imported.
const RECEIVING_UNIT_CODES = list(__ENV.RECEIVING_UNIT_CODES, [
  "00004", // Ba Đình, Hà Nội
  "00070", // Hoàn Kiếm, Hà Nội
  "11953", // Phố Hiến, Hưng Yên
  "14758", // Hàm Rồng, Thanh Hoá
  "14797", // Hạc Thành, Thanh Hoá
  "14845", // Mường Lát, Thanh Hoá
  "14848", // Tam Chung, Thanh Hoá
]);

const scenarios = {
  steady_peak: {
    executor: "ramping-arrival-rate",
    startRate: 0,
    timeUnit: "1s",
    preAllocatedVUs: PEAK_RATE,
    maxVUs: PEAK_RATE * 5,
    stages: [
      { target: PEAK_RATE, duration: "1m" },
      { target: PEAK_RATE, duration: HOLD },
      { target: 0, duration: "30s" },
    ],
  },
  spike: {
    executor: "ramping-arrival-rate",
    startRate: PEAK_RATE,
    timeUnit: "1s",
    preAllocatedVUs: PEAK_RATE * SPIKE_FACTOR,
    maxVUs: PEAK_RATE * SPIKE_FACTOR * 5,
    stages: [
      { target: PEAK_RATE, duration: "30s" },
      { target: PEAK_RATE * SPIKE_FACTOR, duration: "30s" },
      { target: PEAK_RATE * SPIKE_FACTOR, duration: SPIKE_HOLD },
      { target: PEAK_RATE, duration: "30s" },
      { target: PEAK_RATE, duration: "1m" },
    ],
  },
};

if (SCENARIO === "all") {
  // The spike starts after the steady run has drained.
  scenarios.spike.startTime = addDurations(["1m", HOLD, "30s", "10s"]);
} else if (scenarios[SCENARIO]) {
  for (const name of Object.keys(scenarios)) if (name !== SCENARIO) delete scenarios[name];
} else {
  throw new Error(`SCENARIO must be one of all, ${Object.keys(scenarios).join(", ")}; got "${SCENARIO}"`);
}

export const options = {
  scenarios,
  thresholds: {
    // At the national peak intake must answer well within a second.
    "http_req_duration{scenario:steady_peak}": ["p(99)<800", "p(95)<400"],
    // Under a 3× spike it may slow down, but not fail.
    "http_req_duration{scenario:spike}": ["p(99)<2000"],
    http_req_failed: ["rate<0.01"],
    checks: ["rate>0.99"],
    dropped_iterations: ["count<100"],
  },
  summaryTrendStats: ["avg", "med", "p(90)", "p(95)", "p(99)", "max"],
};

const rejectedApplications = new Counter("rejected_applications");

export default function submitApplication() {
  const body = JSON.stringify(syntheticApplication(pick(PROCEDURE_CODES), pick(RECEIVING_UNIT_CODES)));
  const headers = {
    "Content-Type": "application/json",
    Accept: "application/json",
    "Idempotency-Key": uuidV4(),
    // The client must be registered for the receiving units above (CLIENTS_FILE).
    "x-api-key": API_KEY,
  };
  const response = http.post(`${BASE_URL}/v1/applications`, body, {
    headers,
    // One metric series for the endpoint, whatever the body.
    tags: { name: "POST /v1/applications" },
  });
  const accepted = check(response, {
    "application accepted (2xx)": (r) => r.status >= 200 && r.status < 300,
  });
  if (!accepted) rejectedApplications.add(1, { status: String(response.status) });
}

// Sums k6 durations written as <n>s / <n>m / <n>h into one "<n>s" string.
function addDurations(durations) {
  const unitSeconds = { s: 1, m: 60, h: 3600 };
  let total = 0;
  for (const duration of durations) {
    const match = /^(\d+)([smh])$/.exec(duration);
    if (!match) throw new Error(`duration must look like 30s, 5m or 1h; got "${duration}"`);
    total += Number(match[1]) * unitSeconds[match[2]];
  }
  return `${total}s`;
}
