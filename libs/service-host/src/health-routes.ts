import type { DeadLetterLedger } from "@lienthong/messaging";
import { z } from "zod";
import { scopeOf } from "./dead-letter-routes";
import type { HttpApp } from "./http";
import type { ServiceMetrics } from "./metrics";
import type { Readiness } from "./readiness";
import { PLATFORM_VERSION } from "./version";

const OPERATORS = { staff: ["operator"] } as const;

/**
 * The figures province IT watches on the console's health page, by the names
 * /metrics serves them under (docs/decisions.md §37): the same numbers, read
 * from the same registry, so the page and the dashboards never disagree.
 * Service-specific series (deliveries, signing retries) are listed once here;
 * a service that does not register one simply has none.
 */
export const HEALTH_SERIES = [
  "messaging_consumer_lag",
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
  })
  .meta({ id: "ServiceHealth", description: "What the operations console's health page shows of one service" });

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
  },
): void {
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
      // Only these series are collected, not the whole registry: its other collectors (process figures) can wait.
      const [report, metrics, open] = await Promise.all([
        parts.readiness.evaluate(),
        Promise.all(
          HEALTH_SERIES.map(async (name) => ({
            name,
            values: (await parts.metrics.registry.getSingleMetric(name)?.get())?.values ?? [],
          })),
        ),
        parts.deadLetters.count(scopeOf(caller.official), "open"),
      ]);
      const series = metrics.flatMap(({ name, values }) =>
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
      response.json({
        service: parts.service,
        version: PLATFORM_VERSION,
        ready: report.ready,
        state: report.state,
        checks: report.checks,
        openDeadLetters: open,
        series,
      });
    },
  });
}
