import type { DeadLetterLedger } from "@lienthong/messaging";
import { z } from "zod";
import { scopeOf } from "./dead-letter-routes";
import type { HttpApp } from "./http";
import type { ServiceMetrics } from "./metrics";
import type { Readiness } from "./readiness";
import { loggableError } from "@lienthong/errors";
import type { Logger } from "./logger";
import { PLATFORM_VERSION } from "./version";

const OPERATORS = { staff: ["operator"] } as const;

/**
 * How long an answer waits for fresh figures. Past it, the last ones are shown with their time: a broker that
 * does not answer (the consumer lag asks it) must not hang the page operators open when something is wrong.
 */
const FRESH_FIGURES_WAIT_MS = 2_000;

/**
 * The figures province IT watches on the console's health page, by the names
 * /metrics serves them under (docs/decisions.md §37): the same numbers, read
 * from the same registry, so the page and the dashboards never disagree.
 * Service-specific series (deliveries, signing retries) are listed once here;
 * a service that does not register one simply has none.
 */
export const HEALTH_SERIES = [
  "messaging_consumer_lag",
  "messaging_consumer_lag_unreadable",
  "outbox_backlog",
  "outbox_oldest_age_seconds",
  "messaging_consumer_retries_total",
  "messaging_dead_letters_total",
  "notification_deliveries",
  "signature_retries_waiting",
] as const;

const seriesSchema = z.object({
  name: z.enum(HEALTH_SERIES),
  /** Labels from closed sets only (group, topic, partition, type, channel, state): never an id. */
  labels: z.record(z.string(), z.string()),
  value: z.number(),
});

const healthSchema = z
  .object({
    service: z.string(),
    version: z.string(),
    ready: z.boolean(),
    state: z.enum(["starting", "ready", "shutting_down"]),
    checks: z.record(z.string(), z.enum(["ok", "failed"])),
    openDeadLetters: z.number().int().meta({ description: "Dead letters of the operator's province not yet settled" }),
    series: z.array(seriesSchema),
    seriesCollectedAt: z.iso.datetime().nullable().meta({
      description:
        "When the figures were collected: earlier than the answer when collecting them took over 2 s (a broker not answering), null when none could be collected yet",
    }),
    seriesAgeSeconds: z.number().nullable().meta({
      description:
        "How old the figures are by the service's clock (the caller's may differ): about 0 when fresh, null when none could be collected yet",
    }),
  })
  .meta({ id: "ServiceHealth", description: "What the operations console's health page shows of one service" });

type Series = z.infer<typeof seriesSchema>;

interface Figures {
  series: Series[];
  collectedAt: string;
}

/** The service's health series as /metrics would serve them now, without the `service` label. */
async function collectFigures(metrics: ServiceMetrics): Promise<Figures> {
  // Only these series are collected, not the whole registry: its other collectors (process figures) can wait.
  const collected = await Promise.all(
    HEALTH_SERIES.map(async (name) => ({
      name,
      values: (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [],
    })),
  );
  const series = collected.flatMap(({ name, values }) =>
    values.map(({ labels, value }) => ({
      name,
      labels: Object.fromEntries(
        Object.entries(labels)
          .filter(([label]) => label !== "service")
          .map(([label, text]) => [label, String(text)]),
      ),
      value,
    })),
  );
  return { series, collectedAt: new Date().toISOString() };
}

/**
 * Fresh figures when they come within FRESH_FIGURES_WAIT_MS, else the last ones. Callers share one collection in
 * flight, so a page refreshing against a hung broker does not pile up requests to it.
 */
function latestFigures(metrics: ServiceMetrics, logger: Logger): () => Promise<Figures | undefined> {
  let last: Figures | undefined;
  let collecting: Promise<Figures | undefined> | undefined;
  return async () => {
    collecting ??= collectFigures(metrics)
      .then((figures) => (last = figures))
      // A collector that failed leaves the last figures standing, with their time.
      .catch((error: unknown) => {
        logger.warn({ err: loggableError(error) }, "health figures could not be collected");
        return undefined;
      })
      .finally(() => (collecting = undefined));
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), FRESH_FIGURES_WAIT_MS);
    });
    try {
      return (await Promise.race([collecting, waited])) ?? last;
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * `GET /ops/health`: readiness and version, the open dead letters the
 * operator may act on, and the pipeline's figures (consumer lag by group and
 * partition, outbox backlog and age, retries, dead letters, deliveries,
 * signing retries). Operators only: the ops listener's /metrics is for
 * scrapers on the loopback, never the public port.
 */
export function healthRoutes(
  http: HttpApp,
  parts: {
    service: string;
    readiness: Readiness;
    metrics: ServiceMetrics;
    deadLetters: DeadLetterLedger;
    logger: Logger;
  },
): void {
  const figuresNow = latestFigures(parts.metrics, parts.logger);
  http.route({
    method: "get",
    path: "/ops/health",
    access: OPERATORS,
    doc: {
      operationId: "serviceHealth",
      summary: "The service's readiness, version, open dead letters and pipeline figures, for the operations console",
      responses: { 200: { description: "The service's health", json: healthSchema } },
    },
    handle: async (_request, response, caller) => {
      const [report, figures, open] = await Promise.all([
        parts.readiness.evaluate(),
        figuresNow(),
        parts.deadLetters.count(scopeOf(caller.official), "open"),
      ]);
      response.json({
        service: parts.service,
        version: PLATFORM_VERSION,
        ready: report.ready,
        state: report.state,
        checks: report.checks,
        openDeadLetters: open,
        series: figures?.series ?? [],
        seriesCollectedAt: figures?.collectedAt ?? null,
        seriesAgeSeconds: figures ? (Date.now() - Date.parse(figures.collectedAt)) / 1000 : null,
      });
    },
  });
}
