// Lets a child process started by a test run TypeScript sources directly
// (node -r ./ts-register.js file.ts), so process-level tests (preload,
// signals) need no prior build. Like jest's moduleNameMapper, @lienthong/<lib>
// resolves to libs/<lib>/src. Type checking is tsc's job, not this.
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const ts = require("typescript");

const libsDir = path.resolve(__dirname, "../../..");
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const lib = /^@lienthong\/([\w-]+)$/.exec(request);
  const mapped = lib ? path.join(libsDir, lib[1], "src/index.ts") : request;
  return resolveFilename.call(this, mapped, ...rest);
};

require.extensions[".ts"] = (module, filename) => {
  const source = fs.readFileSync(filename, "utf8");
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      inlineSourceMap: true,
    },
  });
  module._compile(outputText, filename);
};
