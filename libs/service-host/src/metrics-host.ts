import { EventTypes, eventNameOf } from "@lienthong/contracts";
import { loggableError } from "@lienthong/errors";
import type { ConsumerObserver, ConsumerOutcome, EventBus, OutboxRelay } from "@lienthong/messaging";
import type { Counter, Histogram } from "prom-client";
import type { Logger } from "./logger";
import type { ServiceMetrics } from "./metrics";
import type { CommitObserver } from "./notifying-store";
import type { Readiness } from "./readiness";

/**
 * The metrics every service has because the host runs it: consumer lag,
 * handling time and outcome, retries and dead letters; outbox backlog and
 * age; store commit latency; readiness. Every label comes from a closed set —
 * service, consumer group, a catalogued event type, topic, partition,
 * outcome — never an id (docs/decisions.md §37).
 */

/** Label of a record whose ce_type the catalog does not know: anyone can write one, so it never becomes a label. */
const UNKNOWN_TYPE = "unknown";
/** Label of a record that is not a CloudEvent at all. */
const UNREADABLE = "unreadable";

/** A second's fractions to a minute: a handler's commit takes milliseconds, a retried one up to a few seconds. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

function eventTypeLabel(type: string): string {
  if (type === "") return UNREADABLE;
  return eventNameOf(type) === undefined ? UNKNOWN_TYPE : type;
}

interface OutcomeSeries {
  events: Counter.Internal;
  duration: Histogram.Internal<string>;
  /** The retries or dead-letters counter this outcome also counts in, if any. */
  also: Counter.Internal | undefined;
}

/**
 * The consumer runner's observer for one group: counts each settled delivery
 * by event type and outcome, times it, and counts retries and dead letters.
 * Label children are made once per (type, outcome) and reused, so the hot path
 * builds no label object per delivery. Retries and dead letters start at 0 for every type the
 * group's topics carry: a series born at 1 shows no increase() to an alert
 * rule, which would miss the first dead letter.
 */
export function consumerObserver(metrics: ServiceMetrics, group: string, topics: readonly string[]): ConsumerObserver {
  const events = metrics.counter({
    name: "messaging_consumer_events_total",
    help: "Deliveries settled by a service's consumer, by group, event type and outcome (processed, duplicate, dead-lettered, redelivered, ignored)",
    labelNames: ["group", "type", "outcome"],
  });
  const duration = metrics.histogram({
    name: "messaging_consumer_processing_duration_seconds",
    help: "Time from a delivery's arrival at the consumer runner to its outcome (handler and commit), by group, event type and outcome",
    labelNames: ["group", "type", "outcome"],
    buckets: DURATION_BUCKETS,
  });
  const retries = metrics.counter({
    name: "messaging_consumer_retries_total",
    help: "Deliveries whose handling failed retriably and that the bus delivers again after a backoff",
    labelNames: ["group", "type"],
  });
  const deadLetters = metrics.counter({
    name: "messaging_dead_letters_total",
    help: "Records a consumer gave up on and forwarded to its dead-letter topic",
    labelNames: ["group", "type"],
  });
  // Keyed by label, not by the raw type: invented types all share the "unknown" entry, so the map stays bounded.
  const byLabel = new Map<string, Map<ConsumerOutcome, OutcomeSeries>>();
  const seriesOf = (label: string, outcome: ConsumerOutcome): OutcomeSeries => {
    let outcomes = byLabel.get(label);
    if (!outcomes) {
      outcomes = new Map();
      byLabel.set(label, outcomes);
    }
    let series = outcomes.get(outcome);
    if (!series) {
      series = {
        events: events.labels(group, label, outcome),
        duration: duration.labels(group, label, outcome),
        also:
          outcome === "redelivered"
            ? retries.labels(group, label)
            : outcome === "dead-lettered"
              ? deadLetters.labels(group, label)
              : undefined,
      };
      outcomes.set(outcome, series);
    }
    return series;
  };
  const expected = Object.values(EventTypes)
    .filter((event) => topics.includes(event.topic))
    .map((event) => event.type);
  for (const label of [...expected, UNKNOWN_TYPE, UNREADABLE]) {
    retries.labels(group, label).inc(0);
    deadLetters.labels(group, label).inc(0);
  }
  return {
    settled(type, outcome, durationSeconds) {
      const series = seriesOf(eventTypeLabel(type), outcome);
      series.events.inc();
      series.duration.observe(durationSeconds);
      series.also?.inc();
    },
  };
}

/** The store's commit latency: one histogram, its two children made once. */
export function commitObserver(metrics: ServiceMetrics): CommitObserver {
  const histogram = metrics.histogram({
    name: "store_commit_duration_seconds",
    help: "Time a store commit took until it was acknowledged, by outcome (ok, or failed: a conflict, a full disk, an unreachable store)",
    labelNames: ["outcome"],
    buckets: DURATION_BUCKETS,
  });
  const ok = histogram.labels("ok");
  const failed = histogram.labels("failed");
  return (seconds, succeeded) => (succeeded ? ok : failed).observe(seconds);
}

export interface HostGauges {
  metrics: ServiceMetrics;
  readiness: Readiness;
  relay: OutboxRelay;
  bus: EventBus;
  /** The consumer group and its topics, once the host has started consuming. */
  consumers: () => readonly { groupId: string; topics: readonly string[] }[];
  logger: Logger;
}

/** Gauges read at scrape time: readiness, outbox backlog and age, consumer lag. */
export function registerHostGauges({ metrics, readiness, relay, bus, consumers, logger }: HostGauges): void {
  metrics.gauge({
    name: "service_ready",
    help: "1 while the service answers /readyz with 200 (started, not shutting down, store and bus reachable), else 0",
    async collect() {
      this.set((await readiness.evaluate()).ready ? 1 : 0);
    },
  });
  metrics.gauge({
    name: "outbox_backlog",
    help: "Events stored in the outbox but not yet published (grows while the bus is unreachable)",
    async collect() {
      this.set(await relay.backlog());
    },
  });
  metrics.gauge({
    name: "outbox_oldest_age_seconds",
    help: "How long the oldest event in the outbox has waited to be published (0 when none waits); growing means the relay is stuck",
    async collect() {
      this.set((await relay.oldestAgeMs()) / 1000);
    },
  });
  // Whether each group's lag could be read at the last collection, which the gauge after it reports.
  const lagRead = new Map<string, boolean>();
  let reading: Promise<void> = Promise.resolve();
  metrics.gauge({
    name: "messaging_consumer_lag",
    help: "Records published to a partition and not yet consumed by the group (end offset minus committed offset)",
    labelNames: ["group", "topic", "partition"],
    collect() {
      reading = (async () => {
        // Partitions that moved to another replica would keep their last value: start from none at every scrape.
        this.reset();
        for (const { groupId, topics } of consumers()) {
          try {
            for (const lag of await bus.consumerLag(groupId, topics)) {
              this.labels(groupId, lag.topic, String(lag.partition)).set(lag.lag);
            }
            lagRead.set(groupId, true);
          } catch (error) {
            // The series is absent for this scrape (alert rules see the gap); the other metrics are still served.
            lagRead.set(groupId, false);
            logger.warn({ groupId, err: loggableError(error) }, "consumer lag could not be read");
          }
        }
      })();
      return reading;
    },
  });
  // Told apart from "no lag": a broker that refuses or fails the question leaves the lag series out. Registered
  // after the lag, so a scrape collecting both waits for this one's reading of it.
  metrics.gauge({
    name: "messaging_consumer_lag_unreadable",
    help: "1 when the group's consumer lag could not be read from the bus at this scrape (its lag series are then absent), else 0",
    labelNames: ["group"],
    async collect() {
      await reading;
      this.reset();
      for (const [groupId, read] of lagRead) this.labels(groupId).set(read ? 0 : 1);
    },
  });
}
