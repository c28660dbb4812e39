// One k6 virtual user, for the tests of infra/k6 (k6 itself is not installable here): runs a k6 script,
// translated to CommonJS by k6-script.ts, in this worker thread with stand-ins for the k6 modules, and
// posts back what it recorded. k6's http calls block the VU; here each one is handed to the parent
// thread, which makes the real request, while this thread waits on a shared cell (Atomics.wait)
// and then takes the answer with receiveMessageOnPort. The parent's event loop, and whatever runs on
// it (the embedded platform), keeps going meanwhile.
//
// workerData: { modules: { [absolute path]: CommonJS code }, entry, env, call: "init" | "setup" | "default",
//               iterationInTest, http: { port, cell } }.

const path = require("node:path");
const vm = require("node:vm");
const { parentPort, receiveMessageOnPort, workerData } = require("node:worker_threads");

const { modules, entry, env, call, iterationInTest, http: channel } = workerData;
const recorded = { requests: [], checks: [], samples: [], sleptSeconds: 0 };

function request(method, url, body, params = {}) {
  channel.port.postMessage({ method, url, body, headers: params.headers ?? {}, timeout: params.timeout });
  Atomics.wait(channel.cell, 0, 0);
  Atomics.store(channel.cell, 0, 0);
  const answer = receiveMessageOnPort(channel.port).message;
  recorded.requests.push({ method, url, name: params.tags?.name, status: answer.status });
  return {
    status: answer.status,
    body: answer.body,
    json: () => JSON.parse(answer.body),
  };
}

class Metric {
  constructor(name) {
    this.name = name;
  }
  add(value, tags = {}) {
    recorded.samples.push({ metric: this.name, value, tags });
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

const k6Modules = {
  k6: {
    check(value, checks) {
      let passed = true;
      for (const [name, predicate] of Object.entries(checks)) {
        const ok = Boolean(predicate(value));
        recorded.checks.push({ name, ok });
        passed &&= ok;
      }
      return passed;
    },
    sleep(seconds) {
      recorded.sleptSeconds += seconds;
      Atomics.wait(sleepCell, 0, 0, seconds * 1000);
    },
  },
  "k6/http": {
    get: (url, params) => request("GET", url, undefined, params),
    post: (url, body, params) => request("POST", url, body, params),
  },
  "k6/metrics": { Counter: Metric, Trend: Metric },
  "k6/execution": { scenario: { iterationInTest } },
};

const loaded = new Map();

function load(file) {
  if (loaded.has(file)) return loaded.get(file).exports;
  const code = modules[file];
  if (code === undefined) throw new Error(`no module ${file} was handed to the VU`);
  const module = { exports: {} };
  loaded.set(file, module);
  const require = (specifier) => {
    if (specifier in k6Modules) return k6Modules[specifier];
    if (specifier.startsWith(".")) return load(path.resolve(path.dirname(file), specifier));
    throw new Error(`a k6 script cannot import "${specifier}"`);
  };
  vm.compileFunction(code, ["exports", "require", "module", "__ENV"], { filename: file })(
    module.exports,
    require,
    module,
    env,
  );
  return module.exports;
}

try {
  const script = load(entry);
  let result;
  if (call === "setup") result = script.setup();
  else if (call === "default") result = script.default(workerData.data);
  else result = script.options;
  parentPort.postMessage({ result, recorded });
} catch (error) {
  parentPort.postMessage({ error: { name: error.name, message: error.message }, recorded });
}
