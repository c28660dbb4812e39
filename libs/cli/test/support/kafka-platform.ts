import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

// The launcher lives with the Kafka benchmark (libs/cli/src/bench), which starts the same processes.
export {
  SERVICE_NAMES,
  killServiceProcesses,
  serviceEntryPoint,
  serviceProcessUrls as platformUrls,
  startServiceProcess,
  stopServiceProcess,
  type ServiceName,
  type ServiceProcess,
} from "../../src/bench/kafka-platform";

/** One record as kcat's -J envelope prints it; headers as kcat lists them: name, value, name, value… */
export interface KcatRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  headers?: string[];
  payload: string | null;
  /** The line kcat printed for it. */
  line: string;
}

/** Every record of a topic, read from the beginning to its current end by kcat, an independent Kafka client. */
export async function readTopicWithKcat(
  bootstrapServers: readonly string[],
  topic: string,
  timeoutMs: number,
): Promise<KcatRecord[]> {
  const { stdout } = await run(
    "kcat",
    ["-C", "-b", bootstrapServers.join(","), "-t", topic, "-o", "beginning", "-e", "-q", "-J"],
    {
      timeout: timeoutMs,
      maxBuffer: 32 * 1024 * 1024,
    },
  );
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => ({ ...(JSON.parse(line) as Omit<KcatRecord, "line">), line }));
}

/** kcat's header list as a map (the last value wins for a repeated name). */
export function headersOf(record: KcatRecord): Record<string, string> {
  const list = record.headers ?? [];
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) headers[list[i]!] = list[i + 1]!;
  return headers;
}
