// Lets a child process started by a test run TypeScript sources directly
// (node -r ./ts-register.js file.ts), so process-level tests (preload,
// signals) need no prior build. Like jest's moduleNameMapper, @lienthong/<lib>
// resolves to libs/<lib>/src. Type checking is tsc's job, not this.
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const os = require("node:os");
const path = require("node:path");
const ts = require("typescript");

const libsDir = path.resolve(__dirname, "../../..");
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const lib = /^@lienthong\/([\w-]+)$/.exec(request);
  const mapped = lib ? path.join(libsDir, lib[1], "src/index.ts") : request;
  return resolveFilename.call(this, mapped, ...rest);
};

// Transpiled output is cached on disk (keyed by path, size, mtime and the
// compiler version) so the many child processes of a test run start fast.
const cacheDir = path.join(os.tmpdir(), "lienthong-ts-register");
fs.mkdirSync(cacheDir, { recursive: true });

function transpile(filename) {
  const stat = fs.statSync(filename);
  const key = crypto.createHash("sha1").update(`${filename}|${stat.size}|${stat.mtimeMs}|${ts.version}`).digest("hex");
  const cached = path.join(cacheDir, `${key}.js`);
  if (fs.existsSync(cached)) return fs.readFileSync(cached, "utf8");
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      inlineSourceMap: true,
    },
  });
  // Write then rename: parallel children never read a half-written file.
  const partial = `${cached}.${process.pid}.tmp`;
  fs.writeFileSync(partial, outputText);
  fs.renameSync(partial, cached);
  return outputText;
}

require.extensions[".ts"] = (module, filename) => {
  module._compile(transpile(filename), filename);
};
