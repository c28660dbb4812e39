// One jest run over every package. Every workspace package — libs and
// services alike, with their exported subpaths — resolves to its TypeScript
// sources, so no test ever runs against a stale build. The end-to-end tests
// that start services as child processes use the built dist/ (npm test builds
// first).
const fs = require("node:fs");
const path = require("node:path");

function workspacePackages() {
  return ["libs", "services"].flatMap((folder) =>
    fs
      .readdirSync(path.join(__dirname, folder))
      .map((name) => path.join(folder, name))
      .filter((dir) => fs.existsSync(path.join(__dirname, dir, "package.json"))),
  );
}

/** "./dist/telemetry.js" → "src/telemetry.ts" */
function sourceOf(built) {
  return built.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts");
}

const moduleNameMapper = {};
for (const dir of workspacePackages()) {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, dir, "package.json"), "utf8"));
  const name = manifest.name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    const built = typeof target === "string" ? target : target.default;
    if (subpath === "." || !built.endsWith(".js")) continue;
    moduleNameMapper[`^${name}/${subpath.slice(2)}$`] = `<rootDir>/${dir}/${sourceOf(built)}`;
  }
  if (fs.existsSync(path.join(__dirname, dir, "src/index.ts"))) {
    moduleNameMapper[`^${name}$`] = `<rootDir>/${dir}/src/index.ts`;
  }
}

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: "node",
  roots: ["<rootDir>/libs", "<rootDir>/services", "<rootDir>/infra"],
  testMatch: ["**/test/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  moduleNameMapper,
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.jest.json", diagnostics: false }],
  },
  testTimeout: 30000,
  maxWorkers: 2,
  reporters: ["default", "<rootDir>/scripts/jest-closing-line.js"],
};
