import { ListTable } from "../components/ListTable";
import { useTranslation } from "react-i18next";
import { callService } from "../api";
import { timeOfDay } from "../format";
import { useSession } from "../auth";
import { Link } from "wouter";
import { Loaded, Refusal } from "../components/Refusal";
import { useSettings } from "../settings";
import { useResource } from "../use-resource";

const REFRESH_SECONDS = 5;

/** A service's /readyz answer (service-host readiness.ts), 200 when ready and 503 when not. */
interface ReadinessReport {
  ready: boolean;
  state: "starting" | "ready" | "shutting_down";
  checks: Record<string, "ok" | "failed">;
  /** The platform release the service runs (absent from a service older than the console). */
  version?: string;
}

/** One figure of a service's /ops/health: a series as /metrics serves it (service-host health-routes.ts). */
interface HealthSeries {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** GET /ops/health: the open dead letters the operator may act on, and the pipeline's figures. */
interface ServiceHealth {
  openDeadLetters: number;
  series: HealthSeries[];
  /** When the figures were read: older than the answer when the service could not read fresh ones in time. */
  seriesCollectedAt: string | null;
  /** Their age by the service's own clock, which the browser's need not agree with. */
  seriesAgeSeconds: number | null;
}

/** Figures older than this are marked as such: fresh ones come with every refresh. */
const STALE_AFTER_SECONDS = 2 * REFRESH_SECONDS;

/** The sum of a series' values over the children whose labels include `labels`. */
function total(health: ServiceHealth, name: string, labels: Record<string, string> = {}): number | undefined {
  const children = health.series.filter(
    (series) =>
      series.name === name && Object.entries(labels).every(([label, value]) => series.labels[label] === value),
  );
  return children.length === 0 ? undefined : children.reduce((sum, series) => sum + series.value, 0);
}

type Readiness = { reachable: true; report: ReadinessReport } | { reachable: false };

/** /readyz is public: a 503 still carries the report; only no answer at all is "unreachable". */
async function readinessOf(service: string, signal: AbortSignal): Promise<Readiness> {
  try {
    const response = await fetch(`/api/${service}/readyz`, { signal, headers: { accept: "application/json" } });
    if (response.status !== 200 && response.status !== 503) return { reachable: false };
    return { reachable: true, report: (await response.json()) as ReadinessReport };
  } catch (error) {
    if (signal.aborted) throw error;
    return { reachable: false };
  }
}

interface WebhookEndpoint {
  endpointId: string;
  state: "active" | "suspended";
  consecutiveFailures: number;
  lastError: string;
  held: number;
  pending: number;
}

export function HealthPage() {
  const { t } = useTranslation();
  const settings = useSettings();
  const { session } = useSession();
  const readiness = useResource(
    "readiness",
    (signal) =>
      Promise.all(settings.services.map(async (service) => ({ service, ...(await readinessOf(service, signal)) }))),
    REFRESH_SECONDS * 1000,
  );
  const endpoints = useResource(
    "endpoints",
    (signal) =>
      callService<{ endpoints: WebhookEndpoint[] }>("notification", "/ops/webhook-endpoints", session.token, signal),
    REFRESH_SECONDS * 1000,
  );
  // Each service keeps its own consumer group's figures and dead letters.
  const health = useResource(
    "health",
    async (signal) =>
      new Map(
        await Promise.all(
          settings.services.map(
            async (service) =>
              [service, await callService<ServiceHealth>(service, "/ops/health", session.token, signal)] as const,
          ),
        ),
      ),
    REFRESH_SECONDS * 1000,
  );
  const parked = useResource(
    "parked",
    (signal) => callService<{ dossiers: unknown[] }>("notification", "/ops/parked-events", session.token, signal),
    REFRESH_SECONDS * 1000,
  );
  return (
    <section>
      <h1>{t("health.title")}</h1>
      <p className="muted">
        {t("health.intro", { seconds: REFRESH_SECONDS })}{" "}
        {readiness.at ? t("app.refreshedAt", { time: timeOfDay(readiness.at) }) : null}
      </p>
      <Loaded resource={readiness}>
        {(services) => (
          <div className="cards" data-testid="service-health">
            {services.map((entry) => (
              <article
                key={entry.service}
                className={`card ${entry.reachable && entry.report.ready ? "ok" : "bad"}`}
                data-service={entry.service}
                data-ready={entry.reachable && entry.report.ready ? "true" : "false"}
              >
                <h2>{entry.service}</h2>
                <p className="big">
                  {!entry.reachable
                    ? t("health.unreachable")
                    : entry.report.ready
                      ? t("health.ready")
                      : t("health.notReady")}
                </p>
                {entry.reachable ? (
                  <dl>
                    <dt>{t("health.state")}</dt>
                    <dd>{t(`health.states.${entry.report.state}`)}</dd>
                    <dt>{t("health.checks")}</dt>
                    <dd>
                      {Object.entries(entry.report.checks).map(([name, outcome]) => (
                        <span key={name} className={`tag ${outcome === "ok" ? "ok" : "bad"}`}>
                          {name}: {outcome === "ok" ? t("health.checkOk") : t("health.checkFailed")}
                        </span>
                      ))}
                    </dd>
                    {health.data?.get(entry.service) ? (
                      <PipelineFigures health={health.data.get(entry.service)!} service={entry.service} />
                    ) : null}
                    <dt>{t("health.version")}</dt>
                    <dd>{entry.report.version ?? <span className="muted">{t("health.versionUnknown")}</span>}</dd>
                  </dl>
                ) : null}
              </article>
            ))}
          </div>
        )}
      </Loaded>

      {health.error !== undefined ? <Refusal error={health.error} /> : null}

      <h2>{t("health.lagTitle")}</h2>
      {health.data ? <LagTable health={health.data} /> : null}

      <h2>{t("health.endpointsTitle")}</h2>
      <Loaded resource={endpoints}>
        {({ endpoints: list }) => (
          <ListTable
            items={list}
            columns={[
              { label: t("health.endpoint") },
              { label: t("health.endpointState") },
              { label: t("health.failures"), numeric: true },
              { label: t("health.held"), numeric: true },
              { label: t("health.pending"), numeric: true },
              { label: t("health.lastError") },
            ]}
            row={(endpoint) => (
              <tr key={endpoint.endpointId}>
                <td>{endpoint.endpointId}</td>
                <td>
                  <span className={`tag ${endpoint.state === "active" ? "ok" : "bad"}`}>
                    {t(`health.endpointStates.${endpoint.state}`)}
                  </span>
                </td>
                <td className="num">{endpoint.consecutiveFailures}</td>
                <td className="num">{endpoint.held}</td>
                <td className="num">{endpoint.pending}</td>
                <td>{endpoint.lastError}</td>
              </tr>
            )}
          />
        )}
      </Loaded>

      <h2>{t("health.parkedTitle")}</h2>
      <Loaded resource={parked}>
        {({ dossiers }) => <p>{t("health.parkedCount", { count: dossiers.length })}</p>}
      </Loaded>
    </section>
  );
}

type FigureKey =
  | "health.consumerLag"
  | "health.outboxBacklog"
  | "health.outboxAge"
  | "health.retries"
  | "health.deliveriesFailed"
  | "health.deliveriesHeld"
  | "health.signingQueue";

/** A service's card figures: dead letters, consumer lag, outbox, retries, and its own (deliveries, signing). */
function PipelineFigures({ health, service }: { health: ServiceHealth; service: string }) {
  const { t } = useTranslation();
  const figures: [key: FigureKey, value: number | undefined][] = [
    ["health.consumerLag", total(health, "messaging_consumer_lag")],
    ["health.outboxBacklog", total(health, "outbox_backlog")],
    ["health.outboxAge", total(health, "outbox_oldest_age_seconds")],
    ["health.retries", total(health, "messaging_consumer_retries_total")],
    ["health.deliveriesFailed", total(health, "notification_deliveries", { state: "failed" })],
    ["health.deliveriesHeld", total(health, "notification_deliveries", { state: "held" })],
    ["health.signingQueue", total(health, "signature_retries_waiting")],
  ];
  const collectedAt = health.seriesCollectedAt === null ? undefined : new Date(health.seriesCollectedAt);
  const stale = health.seriesAgeSeconds === null || health.seriesAgeSeconds > STALE_AFTER_SECONDS;
  const lagUnreadable = (total(health, "messaging_consumer_lag_unreadable") ?? 0) > 0;
  return (
    <>
      {stale ? (
        <>
          <dt>{t("health.figures")}</dt>
          <dd className="tag bad" data-stale-figures={service}>
            {collectedAt ? t("health.staleFigures", { time: timeOfDay(collectedAt) }) : t("health.noFigures")}
          </dd>
        </>
      ) : null}
      {lagUnreadable ? (
        <>
          <dt>{t("health.consumerLag")}</dt>
          <dd className="tag bad" data-lag-unreadable={service}>
            {t("health.lagUnreadable")}
          </dd>
        </>
      ) : null}
      <dt>{t("health.deadLetters")}</dt>
      <dd data-dead-letters={health.openDeadLetters}>
        <Link href="/dead-letters">{health.openDeadLetters}</Link>
      </dd>
      {figures
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => (
          <Figure key={key} label={t(key)} value={value!} service={service} name={key} />
        ))}
    </>
  );
}

function Figure({ label, value, service, name }: { label: string; value: number; service: string; name: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-figure={`${service}:${name}`}>{Number.isInteger(value) ? value : value.toFixed(1)}</dd>
    </>
  );
}

/**
 * Consumer lag by group and topic, with the partitions that are behind and the most any one is behind: where a
 * backlog sits, in a row per topic however many partitions it has (12 each on the platform's cluster).
 */
function LagTable({ health }: { health: ReadonlyMap<string, ServiceHealth> }) {
  const { t } = useTranslation();
  const rows = [...health.entries()].flatMap(([service, figures]) => {
    const byTopic = new Map<string, number[]>();
    for (const series of figures.series) {
      if (series.name !== "messaging_consumer_lag") continue;
      const topic = series.labels.topic ?? "";
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), series.value]);
    }
    return [...byTopic].map(([topic, lags]) => ({
      service,
      topic,
      partitions: lags.length,
      behind: lags.filter((lag) => lag > 0).length,
      lag: lags.reduce((sum, lag) => sum + lag, 0),
      most: Math.max(...lags),
    }));
  });
  return (
    <ListTable
      items={rows}
      testId="consumer-lag"
      columns={[
        { label: t("health.service") },
        { label: t("health.topic") },
        { label: t("health.partitions"), numeric: true },
        { label: t("health.partitionsBehind"), numeric: true },
        { label: t("health.lag"), numeric: true },
        { label: t("health.mostBehind"), numeric: true },
      ]}
      row={(row) => (
        <tr key={`${row.service}:${row.topic}`} className={row.lag > 0 ? "behind" : undefined}>
          <td>{row.service}</td>
          <td>{row.topic}</td>
          <td className="num">{row.partitions}</td>
          <td className="num">{row.behind}</td>
          <td className="num">{row.lag}</td>
          <td className="num">{row.most}</td>
        </tr>
      )}
    />
  );
}
