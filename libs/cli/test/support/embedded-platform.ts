import * as path from "node:path";
import { startEmbedded, type EmbeddedPlatform } from "../../src/embedded";
import type { PlatformUrls } from "../../src/platform-urls";

/** The embedded platform started by a test, with what its calls need. */
export interface TestPlatform {
  platform: EmbeddedPlatform;
  /** Each service's REST base URL. */
  urls: PlatformUrls;
  /** Where the platform's development issuer keeps its key: sign officials' tokens with it. */
  identityDir: string;
}

/**
 * The whole platform in this process on free loopback ports, under `dataDir`,
 * logging nothing unless `env` says otherwise.
 */
export async function startTestPlatform(
  dataDir: string,
  options: { env?: NodeJS.ProcessEnv; clock?: () => Date } = {},
): Promise<TestPlatform> {
  const platform = await startEmbedded({
    dataDir,
    host: "127.0.0.1",
    httpBase: 0,
    grpcBase: 0,
    opsBase: 0,
    simulatorPort: 0,
    env: { LOG_LEVEL: "silent", ...options.env },
    clock: options.clock,
  });
  const urls = Object.fromEntries(platform.services.map((service) => [service.name, service.httpUrl])) as PlatformUrls;
  return { platform, urls, identityDir: path.join(dataDir, "identity") };
}
