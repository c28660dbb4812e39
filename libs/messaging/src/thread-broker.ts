import type { MessagePort } from "node:worker_threads";
import { MessagingError, type MessagingErrorCode } from "./errors";
import { BrokerBus, type BrokerLink, type BusProvider, type InProcessBroker } from "./in-process";
import type {
  DeliveredEvent,
  Delivery,
  EventBus,
  OutgoingEvent,
  PartitionLag,
  RawRecord,
  ReceivedRecord,
  SubscribeOptions,
  Subscription,
} from "./port";
import { toOutgoingRecord } from "./record";

/**
 * The embedded broker reached from another thread (embedded mode runs each
 * service on a worker thread of its own, docs/decisions.md §72): the broker, its
 * journal and its delivery loops stay on the thread that owns them, and a
 * service's bus asks it over a MessagePort. What a service sees is the
 * in-process bus's contract unchanged: a publish resolves once the journal
 * holds the records on disk, a delivery is acknowledged only when the
 * service's handler resolved, a rejection is delivered again after the
 * broker's backoff. A record crosses the port copied (structured clone).
 */

/** An error as it crosses the port: a messaging refusal keeps its reason, so the receiving side can act on it. */
interface CrossingError {
  message: string;
  reason?: MessagingErrorCode;
}

type Call =
  | { op: "forward"; records: RawRecord[] }
  | {
      op: "subscribe";
      subscription: number;
      groupId: string;
      topics: string[];
      redelivery?: SubscribeOptions["redelivery"];
      unreadable: boolean;
    }
  | { op: "unsubscribe"; subscription: number }
  | { op: "lag"; groupId: string; topics: string[] }
  | { op: "canPublish" }
  | { op: "deliver"; subscription: number; event: DeliveredEvent; delivery: Delivery }
  | { op: "unreadable"; subscription: number; record: ReceivedRecord; error: CrossingError; delivery: Delivery };

type Message =
  { kind: "call"; id: number; call: Call } | { kind: "reply"; id: number; value?: unknown; error?: CrossingError };

function crossing(error: unknown): CrossingError {
  if (error instanceof MessagingError) return { message: error.message, reason: error.reason as MessagingErrorCode };
  return { message: error instanceof Error ? error.message : String(error) };
}

function fromCrossing(error: CrossingError): Error {
  return error.reason ? new MessagingError(error.reason, error.message) : new Error(error.message);
}

/** What a call gets once the port has closed: the other thread ended. */
function brokerGone(): MessagingError {
  return new MessagingError("BUS_CLOSED", "the embedded broker's thread is gone");
}

/**
 * Calls in both directions over one port, each answered once. When the port
 * closes (the other thread ended), every call still waiting fails as a closed
 * bus would: a publish is then unacknowledged and its outbox row stays, a
 * delivery is unacknowledged and comes again.
 */
class PortChannel {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private closed = false;

  constructor(
    private readonly port: MessagePort,
    answer: (call: Call) => Promise<unknown>,
  ) {
    port.on("message", (message: Message) => {
      if (message.kind === "reply") {
        const waiter = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        if (message.error) waiter?.reject(fromCrossing(message.error));
        else waiter?.resolve(message.value);
        return;
      }
      const { id } = message;
      answer(message.call)
        .then((value) => this.post({ kind: "reply", id, value }))
        // Also an answer that cannot be copied across: the caller gets an error, never silence.
        .catch((error: unknown) => this.post({ kind: "reply", id, error: crossing(error) }))
        // An error's text always copies; what fails here is a port closing, whose other end fails the call itself.
        .catch(() => undefined);
    });
    port.on("close", () => this.end());
  }

  call<T>(call: Call): Promise<T> {
    if (this.closed) return Promise.reject(brokerGone());
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      try {
        this.post({ kind: "call", id, call });
      } catch (error) {
        this.waiting.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Throws what postMessage throws (a value that cannot be copied). */
  private post(message: Message): void {
    if (!this.closed) this.port.postMessage(message);
  }

  private end(): void {
    this.closed = true;
    const gone = brokerGone();
    for (const waiter of this.waiting.values()) waiter.reject(gone);
    this.waiting.clear();
  }
}

/**
 * Serves `broker` to the service on the other end of `port` (call it on the
 * broker's thread). Closing the port closes that service's subscriptions.
 */
export function serveBroker(broker: InProcessBroker, port: MessagePort, service: string): void {
  const subscriptions = new Map<number, Subscription>();
  // Records come as the service's bus made them (CloudEvents and trace headers set on its thread): forwarded as they are.
  const bus = broker.bus(service);
  const channel: PortChannel = new PortChannel(port, async (call) => {
    switch (call.op) {
      case "forward":
        return bus.forward(call.records);
      case "subscribe": {
        const { subscription } = call;
        subscriptions.set(
          subscription,
          await bus.subscribe({
            groupId: call.groupId,
            topics: call.topics,
            redelivery: call.redelivery,
            handler: (event, delivery) => channel.call({ op: "deliver", subscription, event, delivery }),
            unreadable: call.unreadable
              ? ({ error, ...record }, delivery) =>
                  channel.call({ op: "unreadable", subscription, record, error: crossing(error), delivery })
              : undefined,
          }),
        );
        return undefined;
      }
      case "unsubscribe": {
        const subscription = subscriptions.get(call.subscription);
        subscriptions.delete(call.subscription);
        return subscription?.close();
      }
      case "lag":
        return bus.consumerLag(call.groupId, call.topics);
      case "canPublish":
        return broker.canPublish();
      default:
        throw new MessagingError("INVALID_CONFIG", `the embedded broker takes no "${call.op}" from a service`);
    }
  });
  port.on("close", () => {
    for (const subscription of subscriptions.values()) void subscription.close();
    subscriptions.clear();
  });
}

/** The embedded broker as a service's thread reaches it: over the port `serveBroker` answers. */
export class ThreadBroker implements BusProvider, BrokerLink {
  private readonly channel: PortChannel;
  private readonly subscribers = new Map<number, Pick<SubscribeOptions, "handler" | "unreadable">>();
  private nextSubscription = 1;

  constructor(port: MessagePort) {
    this.channel = new PortChannel(port, async (call) => {
      if (call.op !== "deliver" && call.op !== "unreadable") {
        throw new MessagingError("INVALID_CONFIG", `a service's thread takes no "${call.op}" from the broker`);
      }
      const subscriber = this.subscribers.get(call.subscription);
      // Closed meanwhile: unacknowledged, the record goes to whoever holds its partition next.
      if (!subscriber) throw new MessagingError("BUS_CLOSED", "the subscription is closed");
      // Only the outcome crosses back: what a handler resolves with means nothing to the broker.
      if (call.op === "deliver") await subscriber.handler(call.event, call.delivery);
      else
        await subscriber.unreadable!(
          { ...call.record, error: fromCrossing(call.error) as MessagingError },
          call.delivery,
        );
      return undefined;
    });
  }

  bus(source: string): EventBus {
    return new BrokerBus(this, source);
  }

  publish(events: OutgoingEvent[], source: string): Promise<void> {
    // Made on this thread: the trace context to carry is this thread's.
    return this.forward(events.map((event) => toOutgoingRecord(event, source)));
  }

  forward(records: RawRecord[]): Promise<void> {
    return this.channel.call({ op: "forward", records });
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const subscription = this.nextSubscription++;
    this.subscribers.set(subscription, options);
    try {
      await this.channel.call({
        op: "subscribe",
        subscription,
        groupId: options.groupId,
        topics: options.topics,
        redelivery: options.redelivery,
        unreadable: options.unreadable !== undefined,
      });
    } catch (error) {
      this.subscribers.delete(subscription);
      throw error;
    }
    return {
      close: async () => {
        // Deliveries go on until the broker has let the subscription go: it waits for the one in flight.
        await this.channel
          .call({ op: "unsubscribe", subscription })
          .catch((error: unknown) => {
            // The broker's thread is gone, and the subscription with it.
            if (!(error instanceof MessagingError && error.reason === "BUS_CLOSED")) throw error;
          })
          .finally(() => this.subscribers.delete(subscription));
      },
    };
  }

  consumerLag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
    return this.channel.call({ op: "lag", groupId, topics: [...topics] });
  }

  canPublish(): Promise<boolean> {
    return this.channel.call({ op: "canPublish" });
  }
}
