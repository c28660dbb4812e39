import type { Delivery } from "./port";

/**
 * The rejections of the records a consumer is retrying, for what each
 * redelivery tells its handler (Delivery) and how long to wait before it. Only
 * the first unacknowledged record of a partition is ever redelivered, so one
 * entry per partition is enough and the map stays as small as the assignment.
 */
export class Rejections {
  private readonly byPartition = new Map<string, { offset: string; rejections: number; firstFailedAt: string }>();

  delivery(topic: string, partition: number, offset: string): Delivery {
    const entry = this.current(topic, partition, offset);
    return entry ? { attempt: entry.rejections + 1, firstFailedAt: entry.firstFailedAt } : { attempt: 1 };
  }

  /** Counts a rejection of the record; returns how many it has had. */
  rejected(topic: string, partition: number, offset: string): number {
    const entry = this.current(topic, partition, offset) ?? { offset, rejections: 0, firstFailedAt: now() };
    entry.rejections += 1;
    this.byPartition.set(partitionKey(topic, partition), entry);
    return entry.rejections;
  }

  /** The partition's record was acknowledged. */
  acknowledged(topic: string, partition: number): void {
    this.byPartition.delete(partitionKey(topic, partition));
  }

  /** The consumer starts over (a new member, a rebalance): counts start again at 1. */
  clear(): void {
    this.byPartition.clear();
  }

  private current(topic: string, partition: number, offset: string) {
    const entry = this.byPartition.get(partitionKey(topic, partition));
    return entry?.offset === offset ? entry : undefined;
  }
}

const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
const now = (): string => new Date().toISOString();
