import { conflict, failedPrecondition, notFound } from "@lienthong/errors";
import { ConflictError, put, type DocumentStore, type Versioned } from "@lienthong/storage";
import { CloudEventHeaders } from "./cloudevents";
import { deadLetters, type DeadLetterRecord, type DeadLetterState } from "./collections";
import { DeadLetterHeaders, REPLAYED_FROM_HEADER, deadLetterTopicFor, replayTopicFor } from "./consumer";
import { type Logger } from "./logger";
import type { EventBus, ReceivedRecord, Subscription } from "./port";

/** The group in which a service's ledger reads its consumer group's dead-letter topic. */
export function ledgerGroupFor(groupId: string): string {
  return `${groupId}.dead-letter-ledger`;
}

/**
 * A settled letter keeps why and when, and forgets the record: its payload
 * holds a citizen's data, which nothing needs once the letter is replayed
 * or discarded (data minimisation).
 */
const FORGOTTEN = { value: "", headers: {} } as const satisfies Pick<DeadLetterRecord, "value" | "headers">;

/** The letter's record, from the dead-letter topic's record as it arrived. */
export function deadLetterOf(record: ReceivedRecord, provinceCode: string): DeadLetterRecord {
  const headers = record.headers;
  const failedAt = headers[DeadLetterHeaders.failedAt] ?? new Date().toISOString();
  return {
    group: headers[DeadLetterHeaders.group] ?? "",
    type: headers[CloudEventHeaders.type] ?? "",
    eventId: headers[CloudEventHeaders.id] ?? "",
    key: record.key,
    provinceCode,
    originalTopic: headers[DeadLetterHeaders.originalTopic] ?? "",
    originalPartition: Number(headers[DeadLetterHeaders.originalPartition] ?? -1),
    originalOffset: headers[DeadLetterHeaders.originalOffset] ?? "",
    reason: headers[DeadLetterHeaders.reason] ?? "",
    error: headers[DeadLetterHeaders.error] ?? "",
    attempts: Number(headers[DeadLetterHeaders.attempts] ?? 0),
    firstFailedAt: headers[DeadLetterHeaders.firstFailedAt] ?? failedAt,
    failedAt,
    state: "open",
    settledBy: null,
    settledAt: null,
    discardReason: null,
    headers: Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith("dlt_"))),
    value: Buffer.from(record.value).toString("base64"),
  };
}

/**
 * A letter's id as deadLetterId makes it, `~<n>` after it for a letter that came where another is kept; the first
 * group is the consumer group that gave up.
 */
export const DEAD_LETTER_ID = /^lienthong\.deadletter\.([a-z0-9-]+(?:\.[a-z0-9-]+)*)\.v1:\d+:\d+(?:~\d+)?$/;

/** `<dead-letter topic>:<partition>:<offset>`: where the letter sits, unique for the topic's life. */
export function deadLetterId(record: Pick<ReceivedRecord, "topic" | "partition" | "offset">): string {
  return `${record.topic}:${record.partition}:${record.offset}`;
}

export interface DeadLetterLedgerOptions {
  bus: EventBus;
  store: DocumentStore;
  /** The consumer group whose letters are kept (the service's name). */
  groupId: string;
  /** The topics the group consumes: a letter can be replayed only to one of them. */
  consumedTopics(): readonly string[];
  /** The province of the dossier a dead-lettered record is about, "" when neither it nor the service can tell. */
  provinceOf(record: ReceivedRecord): Promise<string>;
  logger: Logger;
}

/**
 * Whose letters a caller sees: those of the provinces it acts for, and those
 * no province claims. Another province's letter is "not found", as any other
 * tenant's record.
 */
export interface DeadLetterScope {
  provinces: ReadonlySet<string>;
}

export interface DeadLetterPage {
  letters: (DeadLetterRecord & { id: string })[];
}

/**
 * The dead letters of one consumer group, kept where operators can act on
 * them. A topic cannot be listed by state, and a letter on it cannot be
 * marked done: the ledger reads the group's dead-letter topic with a group of
 * its own and keeps each letter once in the service's store (written only if
 * absent, so a redelivery never reopens a letter an operator settled). Replay
 * sends the original record, ce_id and all, to the group's replay topic, where
 * only the group that gave up on it reads it again; discard closes it with a
 * reason. The topic stays as it is, for Kafka's own tools.
 */
export class DeadLetterLedger {
  private subscription: Subscription | undefined;

  constructor(private readonly options: DeadLetterLedgerOptions) {}

  async start(): Promise<void> {
    const { bus, groupId } = this.options;
    // A letter of a record that was not a CloudEvent is no CloudEvent either: both arrive here.
    const keep = (record: ReceivedRecord) => this.keep(record);
    this.subscription = await bus.subscribe({
      groupId: ledgerGroupFor(groupId),
      topics: [deadLetterTopicFor(groupId)],
      handler: (event) => keep({ ...event, value: event.data }),
      unreadable: keep,
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }

  async list(
    scope: DeadLetterScope,
    filter: { state?: DeadLetterState; type?: string; limit: number },
  ): Promise<DeadLetterPage> {
    // One indexed read per province the caller sees, merged newest first.
    const pages = await Promise.all(
      provincesSeen(scope).map((provinceCode) =>
        this.options.store.find(deadLetters, {
          where: {
            provinceCode,
            ...(filter.state && { state: filter.state }),
            ...(filter.type !== undefined && { type: filter.type }),
          },
          orderBy: { field: "failedAt", direction: "desc" },
          limit: filter.limit,
        }),
      ),
    );
    const letters = pages
      .flat()
      .sort((a, b) => b.data.failedAt.localeCompare(a.data.failedAt) || a.id.localeCompare(b.id))
      .slice(0, filter.limit);
    return { letters: letters.map(({ id, data }) => ({ id, ...data })) };
  }

  /** How many letters in `state` the scope covers (the console's health page). */
  async count(scope: DeadLetterScope, state: DeadLetterState): Promise<number> {
    const counts = await Promise.all(
      provincesSeen(scope).map((provinceCode) =>
        this.options.store.count(deadLetters, { where: { provinceCode, state } }),
      ),
    );
    return counts.reduce((total, count) => total + count, 0);
  }

  /**
   * The letter with how the caller's scope met it, for the audit log: another
   * province's letter is "denied" there and "not found" to the caller.
   */
  async lookup(
    scope: DeadLetterScope,
    id: string,
  ): Promise<{ outcome: "allowed" | "denied" | "not_found"; letter?: Versioned<DeadLetterRecord> }> {
    const found = await this.options.store.get(deadLetters, id);
    if (!found) return { outcome: "not_found" };
    if (found.data.provinceCode !== "" && !scope.provinces.has(found.data.provinceCode)) return { outcome: "denied" };
    return { outcome: "allowed", letter: found };
  }

  /**
   * Sends the letter's record to the group's replay topic with its ce_id,
   * naming the topic it was published on (a letter of a replay that failed
   * again names it already), so the group's inbox still knows it. The
   * letter is claimed first (open → replaying), so a discard cannot slip in
   * while the record is on its way; marked replayed once published. A publish
   * that failed leaves it replaying, and replaying it again is allowed.
   */
  async replay(
    scope: DeadLetterScope,
    id: string,
    operator: string,
    now: Date,
  ): Promise<DeadLetterRecord & { id: string }> {
    const found = await this.visible(scope, id);
    if (found.data.state !== "open" && found.data.state !== "replaying") throw settledAlready(id, found.data);
    if (found.data.eventId === "") {
      // Not a CloudEvent: every group on its topic would dead-letter it again. It can only be discarded.
      throw failedPrecondition(
        `Dead letter ${id} is not an event (no CloudEvents headers): it can be discarded, not replayed`,
        { state: found.data.state },
        "NOT_AN_EVENT",
      );
    }
    const publishedOn = this.publishedTopicOf(found.data);
    if (!this.options.consumedTopics().includes(publishedOn)) {
      // Replayed, it would only come back as a new letter: refused before anything changes.
      throw failedPrecondition(
        `Dead letter ${id} was published on ${publishedOn || "no topic"}, which group ${this.options.groupId} does not consume: it can be discarded, not replayed`,
        { state: found.data.state },
        "NOT_REPLAYABLE",
      );
    }
    const claimed: DeadLetterRecord = { ...found.data, state: "replaying", settledBy: operator };
    const claimedVersion = await this.settle(id, claimed, found.version);
    await this.options.bus.forward([
      {
        topic: replayTopicFor(this.options.groupId),
        key: found.data.key,
        value: Buffer.from(found.data.value, "base64"),
        headers: { ...found.data.headers, [REPLAYED_FROM_HEADER]: publishedOn },
      },
    ]);
    const settled: DeadLetterRecord = { ...claimed, ...FORGOTTEN, state: "replayed", settledAt: now.toISOString() };
    await this.settle(id, settled, claimedVersion);
    return { id, ...settled };
  }

  async discard(
    scope: DeadLetterScope,
    id: string,
    operator: string,
    reason: string,
    now: Date,
  ): Promise<DeadLetterRecord & { id: string }> {
    const found = await this.visible(scope, id);
    if (found.data.state !== "open") throw settledAlready(id, found.data);
    const settled: DeadLetterRecord = {
      ...found.data,
      state: "discarded",
      settledBy: operator,
      settledAt: now.toISOString(),
      discardReason: reason,
      ...FORGOTTEN,
    };
    await this.settle(id, settled, found.version);
    return { id, ...settled };
  }

  /**
   * The topic the letter's event was published on: where its consumer read it, or, for a replay that failed
   * again, the topic its replay named (the consumer keeps that header on its replay topic alone).
   */
  private publishedTopicOf(letter: DeadLetterRecord): string {
    if (letter.originalTopic !== replayTopicFor(this.options.groupId)) return letter.originalTopic;
    return letter.headers[REPLAYED_FROM_HEADER] ?? "";
  }

  /** The letter if the caller's scope covers it; another province's is not found, like an unknown one. */
  private async visible(scope: DeadLetterScope, id: string): Promise<Versioned<DeadLetterRecord>> {
    const { letter } = await this.lookup(scope, id);
    if (!letter) throw notFound("Dead letter", id);
    return letter;
  }

  /** Writes the letter if nobody changed it since `version`; returns its new version. */
  private async settle(id: string, record: DeadLetterRecord, version: number): Promise<number> {
    try {
      await this.options.store.commit([put(deadLetters, id, record, version)]);
      return version + 1;
    } catch (error) {
      if (error instanceof ConflictError) throw conflict(`Dead letter ${id} was settled by someone else meanwhile`);
      throw error;
    }
  }

  /**
   * Keeps the letter once. Its place on the topic names it; a place that holds another letter already (the
   * topic was recreated, or the bus journal reset while the store stayed) gives it the next free `~<n>` name,
   * so no letter is lost to a collision, and says so loudly.
   */
  private async keep(record: ReceivedRecord): Promise<void> {
    const place = deadLetterId(record);
    const letter = deadLetterOf(record, await this.options.provinceOf(record));
    for (let generation = 1; ; generation += 1) {
      const id = generation === 1 ? place : `${place}~${generation}`;
      const kept = await this.keepAs(id, letter);
      // Kept already: a redelivery, and the letter may have been settled since.
      if (kept === "already") return;
      if (kept === "occupied") continue;
      const { logger, groupId } = this.options;
      if (generation === 1) {
        logger.info({ deadLetterId: id, groupId, reason: letter.reason }, "dead letter kept for operators");
      } else {
        logger.error(
          { deadLetterId: id, place, groupId, eventId: letter.eventId },
          "a new dead letter came where the ledger keeps another (topic recreated or journal reset): kept under a name of its own",
        );
      }
      return;
    }
  }

  /** Writes the letter under `id` unless the id is taken: by the same letter ("already") or another ("occupied"). */
  private async keepAs(id: string, letter: DeadLetterRecord): Promise<"kept" | "already" | "occupied"> {
    try {
      await this.options.store.commit([put(deadLetters, id, letter, 0)]);
      return "kept";
    } catch (error) {
      if (!(error instanceof ConflictError && error.id === id)) throw error;
      const kept = (await this.options.store.get(deadLetters, id))?.data;
      return kept && !sameLetter(kept, letter) ? "occupied" : "already";
    }
  }
}

/** The letters' province codes a scope sees: its provinces', and "" (no province claims the letter). */
function provincesSeen(scope: DeadLetterScope): string[] {
  return ["", ...scope.provinces];
}

/** Whether two letters stand for the same failure of the same record (a settled one has forgotten its bytes). */
function sameLetter(a: DeadLetterRecord, b: DeadLetterRecord): boolean {
  return (
    a.eventId === b.eventId &&
    a.originalTopic === b.originalTopic &&
    a.originalOffset === b.originalOffset &&
    a.failedAt === b.failedAt
  );
}

function settledAlready(id: string, letter: DeadLetterRecord) {
  return failedPrecondition(
    `Dead letter ${id} is ${letter.state} already`,
    { state: letter.state },
    "DEAD_LETTER_SETTLED",
  );
}
