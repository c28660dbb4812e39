import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A record as a foreign producer writes it: any bytes, any headers, a key or none. */
export interface ForeignRecord {
  key?: string;
  value: Uint8Array;
  headers?: Record<string, string>;
}

/**
 * Produces records with kcat (librdkafka), an independent client: poison that
 * no adapter of ours would write. Keys are hashed as kafkajs hashes them
 * (murmur2, as Java does), so a record shares its key's partition with what
 * the Kafka adapter publishes. One kcat per record, in order, each waiting for
 * the broker's acknowledgement.
 */
export async function produceWithKcat(
  bootstrapServers: string[],
  topic: string,
  records: ForeignRecord[],
): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "kcat-produce-"));
  try {
    for (const [index, record] of records.entries()) {
      // A file argument is sent as one message, whatever bytes it holds (stdin would be split on newlines).
      const file = path.join(dir, `record-${index}`);
      await writeFile(file, record.value);
      const headers = Object.entries(record.headers ?? {}).flatMap(([name, value]) => ["-H", `${name}=${value}`]);
      const key = record.key === undefined ? [] : ["-k", record.key];
      await run(
        "kcat",
        [
          "-P",
          "-b",
          bootstrapServers.join(","),
          "-t",
          topic,
          "-X",
          "partitioner=murmur2_random",
          ...key,
          ...headers,
          file,
        ],
        { timeout: 30_000 },
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
