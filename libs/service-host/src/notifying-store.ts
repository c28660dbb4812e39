import type { AnyCollection, Collection, DocumentStore, Filter, Query, Versioned, WriteOp } from "@lienthong/storage";

/** Told how long each commit took and whether it succeeded (metrics); must be cheap. */
export type CommitObserver = (seconds: number, succeeded: boolean) => void;

/**
 * The service's store, which tells listeners about every successful commit —
 * whoever committed (a use case or the consumer runner). The outbox relay
 * listens for outbox writes, so events leave after its linger (WAKE_LINGER_MS)
 * instead of at the next poll; other background workers listen for their own
 * collections.
 */
export class NotifyingStore implements DocumentStore {
  private readonly listeners: ((ops: readonly WriteOp[]) => void)[] = [];
  private commitObserver: CommitObserver | undefined;

  constructor(private readonly inner: DocumentStore) {}

  /** Called after every successful commit with its operations. */
  onCommit(listener: (ops: readonly WriteOp[]) => void): void {
    this.listeners.push(listener);
  }

  /** Times every commit from now on. */
  observeCommits(observer: CommitObserver): void {
    this.commitObserver = observer;
  }

  get adapter(): string {
    return this.inner.adapter;
  }

  ensureCollections(specs: readonly AnyCollection[]): Promise<void> {
    return this.inner.ensureCollections(specs);
  }

  get<T extends object>(collection: Collection<T>, id: string): Promise<Versioned<T> | undefined> {
    return this.inner.get(collection, id);
  }

  find<T extends object>(collection: Collection<T>, query?: Query<T>): Promise<Versioned<T>[]> {
    return this.inner.find(collection, query);
  }

  count<T extends object>(collection: Collection<T>, filter?: Filter<T>): Promise<number> {
    return this.inner.count(collection, filter);
  }

  async commit(ops: readonly WriteOp[]): Promise<void> {
    const started = performance.now();
    try {
      await this.inner.commit(ops);
    } catch (error) {
      this.commitObserver?.((performance.now() - started) / 1000, false);
      throw error;
    }
    this.commitObserver?.((performance.now() - started) / 1000, true);
    for (const listener of this.listeners) listener(ops);
  }

  durable(): Promise<void> {
    return this.inner.durable();
  }

  ping(): Promise<boolean> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
