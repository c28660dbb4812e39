// Adds platform-gated lockfile entries for the optional native packages of
// other platforms (turbo, buf, esbuild-like resolvers) that the build
// machines' registry mirror does not serve. `npm install` there cannot record
// them, and `npm ci` then refuses the lockfile; with the entries present, npm
// skips them on Linux by their os/cpu fields and installs them elsewhere.
// Run after `npm install` changes the lockfile: node scripts/lock-foreign-platforms.mjs
import { readFileSync, writeFileSync } from "node:fs";

const lockPath = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, "utf8"));
const packages = lock.packages;

const OS = [
  ["darwin", "darwin"],
  ["win32", "win32"],
  ["windows", "win32"],
  ["freebsd", "freebsd"],
  ["android", "android"],
  ["openharmony", "openharmony"],
  ["linux", "linux"],
];
const CPU = [
  ["arm64", "arm64"],
  ["aarch64", "arm64"],
  ["x64", "x64"],
  ["64", "x64"],
  ["ia32", "ia32"],
  ["armv7", "arm"],
  ["arm-", "arm"],
  ["arm", "arm"],
  ["loong64", "loong64"],
  ["ppc64", "ppc64"],
  ["riscv64", "riscv64"],
  ["s390x", "s390x"],
];

function platformOf(name) {
  const base = name.split("/").pop();
  const os = OS.find(([token]) => base.includes(token))?.[1];
  const rest = base.slice(base.indexOf(OS.find(([token]) => base.includes(token))?.[0] ?? ""));
  const cpu = CPU.find(([token]) => rest.includes(token))?.[1];
  const libc = /musl/.test(base) ? "musl" : /gnu/.test(base) ? "glibc" : undefined;
  return { os, cpu, libc };
}

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const parentDir = location === "" ? "" : `${location}/`;
    const candidates = [`${parentDir}node_modules/${name}`, `node_modules/${name}`];
    if (candidates.some((candidate) => packages[candidate])) continue;
    const { os, cpu, libc } = platformOf(name);
    if (!os || !cpu) continue;
    packages[`node_modules/${name}`] = {
      version,
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(entry.dev ? { dev: true } : {}),
      ...(libc ? { libc: [libc] } : {}),
      optional: true,
      os: [os],
    };
    added += 1;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lockfile: ${added} platform-gated optional entries added`);
