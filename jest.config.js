// One jest run over every package. Packages are resolved to their TypeScript
// sources so tests never run against a stale build; the end-to-end tests that
// start services as child processes use the built dist/ (npm test builds first).
const fs = require("node:fs");
const path = require("node:path");

const libs = fs.readdirSync(path.join(__dirname, "libs"));
const moduleNameMapper = Object.fromEntries(
  libs.filter((name) => name !== "cli").map((name) => [`^@lienthong/${name}$`, `<rootDir>/libs/${name}/src/index.ts`]),
);

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
