import { existsSync } from "node:fs";
import * as path from "node:path";
import { PLATFORM_SERVICES } from "@lienthong/contracts";
import { tempDir, type TempDir } from "@lienthong/testing";
import { findFreePortBlock } from "../src/bench/processes";
import { REPO } from "./support/cli";

// The built launcher: a service's thread runs dist/service-thread.js, which a test of the sources cannot load.
const built = path.join(REPO, "libs/cli/dist/embedded.js");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the build, not the sources (see above)
const { startEmbedded } = require(built) as typeof import("../src/embedded");

const answers = async (url: string): Promise<boolean> =>
  fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
    () => true,
    () => false,
  );

describe("embedded mode with each service on a thread of its own", () => {
  let dir: TempDir;

  beforeAll(() => {
    if (!existsSync(built)) throw new Error(`${built} is missing: build first (npm test runs the build)`);
  });
  beforeEach(async () => {
    dir = await tempDir("lienthong-threads");
  });
  afterEach(async () => {
    await dir.remove();
  });

  const start = async (env: NodeJS.ProcessEnv, httpBase: number) =>
    startEmbedded({
      dataDir: dir.path,
      host: "127.0.0.1",
      httpBase,
      grpcBase: 0,
      opsBase: 0,
      simulatorPort: 0,
      env: { LOG_LEVEL: "silent", IDENTITY_DIR: path.join(dir.path, "identity"), ...env },
      threads: true,
    });

  it("serves every service from its thread, and stops each in order", async () => {
    const platform = await start({}, 0);
    expect(platform.services.map((service) => service.name)).toEqual(PLATFORM_SERVICES.map((service) => service.name));
    // A thread's host is its own: none is reachable from here.
    expect(platform.hosts).toEqual([]);
    for (const service of platform.services) expect(await answers(`${service.opsUrl}/healthz`)).toBe(true);
    await platform.stop();
    for (const service of platform.services) expect(await answers(`${service.httpUrl}/v1/openapi.json`)).toBe(false);
  });

  it("names the service that could not start, and stops those started before it", async () => {
    const httpBase = await findFreePortBlock(PLATFORM_SERVICES.length);
    // Notification, the last to start, refuses its configuration; the three before it were running.
    const refused = await start({ ZNS_TEMPLATES: "not json" }, httpBase).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/^notification did not start on its thread: .*ZNS_TEMPLATES/);
    for (const offset of [0, 1, 2]) expect(await answers(`http://127.0.0.1:${httpBase + offset}/`)).toBe(false);
  });

  it("refuses a moved clock, which cannot reach another thread", async () => {
    await expect(
      startEmbedded({
        dataDir: dir.path,
        host: "127.0.0.1",
        httpBase: 0,
        grpcBase: 0,
        opsBase: 0,
        simulatorPort: 0,
        threads: true,
        clock: () => new Date(0),
      }),
    ).rejects.toThrow(/clock/);
  });
});
