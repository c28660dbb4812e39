import { tempDir } from "./temp-dir";

/**
 * What a service's composition root threw when started on a fresh data directory with `variables` (and
 * the development defaults a test needs: in-process bus, silent logs); fails the test when it started.
 * For the tests that a wrong deployment file refuses the start, naming the field.
 */
export async function startRefusal(
  start: (env: Record<string, string>) => Promise<unknown>,
  variables: Record<string, string>,
): Promise<unknown> {
  const dataDir = await tempDir("lienthong-start-refusal");
  try {
    await start({
      DATA_DIR: dataDir.path,
      IDENTITY_DIR: dataDir.file("identity"),
      BUS: "in-process",
      LOG_LEVEL: "silent",
      ...variables,
    });
  } catch (error) {
    return error;
  } finally {
    await dataDir.remove();
  }
  throw new Error("the service started");
}
