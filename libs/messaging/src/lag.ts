import type { PartitionLag } from "./port";

/**
 * A group's lag on each partition of a topic: records written after its committed offset. A partition it never
 * committed on (offset -1) is read from the oldest retained record, so all of it is lag; so is a partition whose
 * committed offset retention has since deleted.
 */
export function partitionLags(
  topic: string,
  partitions: readonly { partition: number; start: number; end: number }[],
  committedAt: ReadonlyMap<number, number>,
): PartitionLag[] {
  return partitions.map(({ partition, start, end }) => {
    const next = committedAt.get(partition) ?? -1;
    const from = Math.max(next, start);
    return { topic, partition, committed: from, end, lag: Math.max(0, end - from) };
  });
}
