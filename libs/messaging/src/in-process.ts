import { dispatchRecord, toOutgoingRecord } from "./record";
import { Rejections } from "./deliveries";
import { MessagingError } from "./errors";
import { OpenSubscriptions } from "./open-subscriptions";
import { MemoryRecordLog, SqliteRecordLog, type RecordLog, type StoredRecord } from "./in-process-log";
import { loggableError } from "@lienthong/errors";
import { silentLogger, type Logger } from "./logger";
import { partitionLags } from "./lag";
import { partitionForKey } from "./partitioner";
import type {
  EventBus,
  EventHandler,
  OutgoingEvent,
  PartitionLag,
  RawRecord,
  SubscribeOptions,
  Subscription,
  UnreadableRecordHandler,
} from "./port";
import { backoffDelay, type RetryPolicy } from "./retry";

/**
 * The embedded-mode event bus: one broker per process, shared by every
 * embedded service through its own bus view (its own ce_source). It keeps
 * Kafka's semantics — key → partition, per-partition order, consumer groups
 * splitting partitions among their members, offsets committed only after the
 * handler resolves, redelivery of rejected events — so services cannot tell
 * it from Kafka. Each partition is its own lane: a record waiting to be
 * delivered again holds up its partition only. With a journal it survives
 * kill -9 (at least once).
 */
export interface InProcessBrokerOptions {
  /**
   * Partitions of every new topic (default IN_PROCESS_TOPIC_PARTITIONS). Topics already in the journal keep
   * theirs: a key's partition, and so its order, never moves.
   */
  partitions?: number;
  /** SQLite file holding records and committed offsets; memory only when absent. */
  journalPath?: string;
  /** The largest the journal file may grow, in bytes: past it publishing fails as on a full disk (retriable). */
  journalMaxBytes?: number;
  /** Consumed records older than this are removed (default 7 days). */
  retentionMs?: number;
  /** Wait before a rejected event is delivered again (default 100 ms doubling to 5 s). */
  redelivery?: Pick<RetryPolicy, "initialMs" | "maxMs">;
  logger?: Logger;
}

/**
 * As many as infra/kafka/create-topics.sh gives an event topic. Each partition is a lane its group's
 * consumer works through one record at a time, each record waiting for its commit: with 4 lanes, a
 * signature consumer at 40 dossiers/s fell seconds behind on an idle second core (docs/decisions.md §44).
 */
export const IN_PROCESS_TOPIC_PARTITIONS = 12;
const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const MAX_PRUNE_INTERVAL_MS = 60_000;

interface Member {
  readonly id: number;
  readonly groupId: string;
  readonly topics: ReadonlySet<string>;
  readonly handler: EventHandler;
  readonly unreadable: UnreadableRecordHandler | undefined;
  readonly redelivery: Pick<RetryPolicy, "initialMs" | "maxMs"> | undefined;
}

export class InProcessBroker implements BusProvider, BrokerLink {
  readonly partitions: number;
  private readonly log: RecordLog;
  private readonly logger: Logger;
  private readonly retentionMs: number;
  private readonly redelivery: Pick<RetryPolicy, "initialMs" | "maxMs">;
  /** groupId → its members, in join order. */
  private readonly groups = new Map<string, Member[]>();
  /** One delivery loop per (group, topic, partition), created on first subscription. */
  private readonly workers = new Map<string, PartitionWorker>();
  private readonly pruneTimer: NodeJS.Timeout;
  private nextMemberId = 1;
  private closed = false;
  /** Set by close: every caller waits for the one close. */
  private closing: Promise<void> | undefined;

  constructor(options: InProcessBrokerOptions = {}) {
    this.partitions = options.partitions ?? IN_PROCESS_TOPIC_PARTITIONS;
    if (!Number.isInteger(this.partitions) || this.partitions < 1) {
      throw new MessagingError(
        "INVALID_CONFIG",
        `in-process broker: partitions must be an integer >= 1, got ${options.partitions}`,
      );
    }
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    if (!(this.retentionMs > 0)) {
      throw new MessagingError(
        "INVALID_CONFIG",
        `in-process broker: retentionMs must be > 0, got ${options.retentionMs}`,
      );
    }
    this.redelivery = options.redelivery ?? { initialMs: 100, maxMs: 5_000 };
    this.logger = options.logger ?? silentLogger;
    this.log = options.journalPath
      ? new SqliteRecordLog(options.journalPath, options.journalMaxBytes)
      : new MemoryRecordLog();
    if (!options.journalPath) {
      this.logger.warn(
        { adapter: "in-process" },
        "in-process broker without journalPath: events are lost when the process exits (tests only)",
      );
    }
    this.pruneTimer = setInterval(() => this.pruneSafely(), Math.min(this.retentionMs, MAX_PRUNE_INTERVAL_MS));
    this.pruneTimer.unref();
  }

  /** The bus one embedded service uses; everything it publishes carries `source` as ce_source. */
  bus(source: string): EventBus {
    return new BrokerBus(this, source);
  }

  /** Runs retention now; returns how many records were removed. */
  prune(now = Date.now()): number {
    return this.log.prune(now - this.retentionMs);
  }

  /** False once closed, and while the journal cannot write (a full disk): publishing fails and committed offsets wait in memory. */
  canPublish(): boolean {
    return !this.closed && this.log.canWrite();
  }

  /** The group's lag on the partitions of `topics` it was ever subscribed to here: journal end − committed offset. */
  consumerLag(groupId: string, topics: readonly string[]): PartitionLag[] {
    return [...this.workers.values()]
      .filter((worker) => worker.groupId === groupId && topics.includes(worker.topic))
      .flatMap(({ topic, partition }) =>
        partitionLags(
          topic,
          [{ partition, start: this.log.startOffset(topic, partition), end: this.log.endOffset(topic, partition) }],
          new Map([[partition, this.log.committed(groupId, topic, partition) ?? -1]]),
        ),
      );
  }

  /** Stops every delivery loop (waiting for in-flight handlers) and closes the journal; every caller waits for the one close. */
  close(): Promise<void> {
    this.closing ??= this.closeJournal();
    return this.closing;
  }

  private async closeJournal(): Promise<void> {
    // Before anything awaits: from here on nothing is published or assigned.
    this.closed = true;
    clearInterval(this.pruneTimer);
    for (const worker of this.workers.values()) worker.assign(undefined);
    await Promise.all([...this.workers.values()].map((worker) => worker.settled()));
    await this.log.close();
  }

  /** @internal used by the bus views. */
  publish(events: OutgoingEvent[], source: string): Promise<void> {
    return this.forward(events.map((event) => toOutgoingRecord(event, source)));
  }

  /**
   * @internal used by the bus views: appends records as they are, and
   * resolves once they are on disk — only then may a publisher drop its copy
   * (the outbox row). Consumers are woken then too; one already reading may
   * see a record a moment earlier, which is safe: were it lost, its publisher
   * would publish it again and consumers absorb the repeat by ce_id.
   */
  async forward(records: RawRecord[]): Promise<void> {
    this.assertOpen();
    const timestamp = Date.now();
    const stored = this.log.append(
      records.map((record) => {
        const partitions = this.log.ensureTopic(record.topic, this.partitions);
        return {
          topic: record.topic,
          partition: partitionForKey(record.key, partitions),
          key: record.key,
          headers: record.headers,
          // Copied: the caller may reuse its buffer once publish returns.
          value: Uint8Array.from(record.value),
          timestamp,
        };
      }),
    );
    await this.log.durable();
    for (const record of stored) {
      for (const groupId of this.groups.keys()) {
        this.workers.get(workerKey(groupId, record.topic, record.partition))?.wake();
      }
    }
  }

  /** @internal used by the bus views. */
  subscribe(options: SubscribeOptions): Subscription {
    this.assertOpen();
    if (!options.groupId) throw new MessagingError("INVALID_CONFIG", "subscribe: groupId is required");
    if (options.topics.length === 0)
      throw new MessagingError("INVALID_CONFIG", `subscribe(${options.groupId}): topics is empty`);
    const member: Member = {
      id: this.nextMemberId++,
      groupId: options.groupId,
      topics: new Set(options.topics),
      handler: options.handler,
      unreadable: options.unreadable,
      redelivery: options.redelivery,
    };
    for (const topic of member.topics) {
      const partitions = this.log.ensureTopic(topic, this.partitions);
      for (let partition = 0; partition < partitions; partition += 1) {
        const key = workerKey(member.groupId, topic, partition);
        if (!this.workers.has(key)) {
          // A group new to this partition starts at the oldest retained record.
          if (this.log.committed(member.groupId, topic, partition) === undefined) {
            this.log.commit(member.groupId, topic, partition, this.log.startOffset(topic, partition));
          }
          this.workers.set(
            key,
            new PartitionWorker(this.log, this.logger, this.redelivery, member.groupId, topic, partition),
          );
        }
      }
    }
    this.groups.set(member.groupId, [...(this.groups.get(member.groupId) ?? []), member]);
    this.rebalance(member.groupId);
    let closing: Promise<void> | undefined;
    return {
      close: () => (closing ??= this.leave(member)),
    };
  }

  private async leave(member: Member): Promise<void> {
    const remaining = (this.groups.get(member.groupId) ?? []).filter((other) => other !== member);
    this.groups.set(member.groupId, remaining);
    this.rebalance(member.groupId);
    await Promise.all([...this.workers.values()].map((worker) => worker.settled(member)));
  }

  /** Splits each topic's partitions among the group members subscribed to it, round robin. */
  private rebalance(groupId: string): void {
    const members = this.groups.get(groupId) ?? [];
    for (const worker of this.workers.values()) {
      if (worker.groupId !== groupId) continue;
      const candidates = members.filter((member) => member.topics.has(worker.topic));
      worker.assign(this.closed ? undefined : candidates[worker.partition % Math.max(candidates.length, 1)]);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new MessagingError("BUS_CLOSED", "in-process broker is closed");
  }

  private pruneSafely(): void {
    try {
      const removed = this.prune();
      if (removed > 0) this.logger.debug({ removed }, "in-process broker: retention removed consumed records");
    } catch (error) {
      this.logger.error({ err: loggableError(error) }, "in-process broker: retention failed");
    }
  }
}

const workerKey = (groupId: string, topic: string, partition: number): string =>
  `${groupId}\u0000${topic}\u0000${partition}`;

/**
 * Delivers one partition to one group, one record at a time: the next record
 * is read only after the current one was committed, and a rejected record is
 * retried (after a backoff) before anything behind it. Every partition has a
 * loop of its own, so the others flow meanwhile.
 */
class PartitionWorker {
  private owner: Member | undefined;
  private running: Promise<void> | undefined;
  private inFlight: { member: Member; done: Promise<void> } | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly rejections = new Rejections();
  private retryAt = 0;

  constructor(
    private readonly log: RecordLog,
    private readonly logger: Logger,
    private readonly redelivery: Pick<RetryPolicy, "initialMs" | "maxMs">,
    readonly groupId: string,
    readonly topic: string,
    readonly partition: number,
  ) {}

  assign(member: Member | undefined): void {
    this.owner = member;
    if (member && !this.running) {
      this.running = this.run().finally(() => {
        this.running = undefined;
        // A member may have been assigned while the loop was winding down.
        if (this.owner) this.assign(this.owner);
      });
    }
    this.wake();
  }

  wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  /** Resolves once no handler of `member` (of anyone when absent) is running here. */
  async settled(member?: Member): Promise<void> {
    if (member === undefined) {
      await this.running;
    } else if (this.inFlight?.member === member) {
      await this.inFlight.done;
    }
  }

  private async run(): Promise<void> {
    while (this.owner) {
      const member = this.owner;
      const position = this.position();
      const record = this.log.read(this.topic, this.partition, position);
      if (!record) {
        await this.idle();
        continue;
      }
      const wait = this.retryAt - Date.now();
      if (wait > 0) {
        await this.idle(wait);
        continue;
      }
      const done = this.deliver(member, record);
      this.inFlight = { member, done };
      await done;
      this.inFlight = undefined;
    }
  }

  private position(): number {
    const committed = this.log.committed(this.groupId, this.topic, this.partition) ?? 0;
    // Retention never removes what this group has not consumed; this only
    // guards against a journal edited by hand.
    return Math.max(committed, this.log.startOffset(this.topic, this.partition));
  }

  private async deliver(member: Member, record: StoredRecord): Promise<void> {
    const offset = String(record.offset);
    const where = { topic: record.topic, partition: record.partition, offset, groupId: this.groupId };
    try {
      await dispatchRecord(
        { ...record, offset, value: Uint8Array.from(record.value) },
        this.rejections.delivery(this.topic, this.partition, offset),
        member,
        (error) =>
          this.logger.error(
            { ...where, err: loggableError(error) },
            "in-process broker: passing over a record that is not a CloudEvent (the subscriber takes none)",
          ),
      );
    } catch (error) {
      const rejections = this.rejections.rejected(this.topic, this.partition, offset);
      const delayMs = backoffDelay(member.redelivery ?? this.redelivery, rejections);
      this.retryAt = Date.now() + delayMs;
      this.logger.warn(
        { ...where, eventId: record.headers.ce_id, attempt: rejections, retryInMs: delayMs, err: loggableError(error) },
        "in-process broker: handler rejected the record; it will be delivered again",
      );
      return;
    }
    this.rejections.acknowledged(this.topic, this.partition);
    this.retryAt = 0;
    this.log.commit(this.groupId, this.topic, this.partition, record.offset + 1);
  }

  private idle(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => this.wake(), ms);
      this.wakeUp = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** What gives a service its bus: the embedded broker itself, or its stand-in on a service's thread. */
export interface BusProvider {
  bus(source: string): EventBus;
}

/**
 * What a service's bus asks of the embedded broker: the broker itself on its own thread, or its stand-in on a
 * service's thread (thread-broker.ts), which answers the same asynchronously.
 */
export interface BrokerLink {
  publish(events: OutgoingEvent[], source: string): Promise<void>;
  forward(records: RawRecord[]): Promise<void>;
  subscribe(options: SubscribeOptions): Subscription | Promise<Subscription>;
  consumerLag(groupId: string, topics: readonly string[]): PartitionLag[] | Promise<PartitionLag[]>;
  /** Open, with a journal that can write. */
  canPublish(): boolean | Promise<boolean>;
}

/** One service's view of the embedded broker: its ce_source, and its subscriptions to close with it. */
export class BrokerBus implements EventBus {
  readonly adapter = "in-process";
  private readonly subscriptions = new OpenSubscriptions();
  private closed = false;

  constructor(
    private readonly broker: BrokerLink,
    readonly source: string,
  ) {
    if (!source) throw new MessagingError("INVALID_CONFIG", "in-process broker: bus(source) needs a non-empty source");
  }

  async publish(events: OutgoingEvent[]): Promise<void> {
    this.assertOpen();
    await this.broker.publish(events, this.source);
  }

  async forward(records: RawRecord[]): Promise<void> {
    this.assertOpen();
    await this.broker.forward(records);
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    const inner = await this.broker.subscribe(options);
    return this.subscriptions.track(() => inner.close());
  }

  async consumerLag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
    return this.broker.consumerLag(groupId, topics);
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      return await this.broker.canPublish();
    } catch {
      return false;
    }
  }

  /** Closes this service's subscriptions; the shared broker stays open for the others. */
  async close(): Promise<void> {
    this.closed = true;
    await this.subscriptions.closeAll();
  }

  private assertOpen(): void {
    if (this.closed) throw new MessagingError("BUS_CLOSED", `event bus of ${this.source} is closed`);
  }
}
