import { createHash } from "node:crypto";

/**
 * Key → partition for the in-process broker: a stable hash, identical across
 * restarts and processes, so one dossier's events always share a partition
 * (and therefore keep their order) in the journal too.
 */
export function partitionForKey(key: string, partitions: number): number {
  const digest = createHash("sha1").update(key, "utf8").digest();
  return digest.readUInt32BE(0) % partitions;
}
