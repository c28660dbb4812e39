import { useTranslation } from "react-i18next";
import { callService } from "../api";
import { useSession } from "../auth";
import { Link } from "wouter";
import { Loaded, Refusal } from "../components/Refusal";
import { useSettings } from "../settings";
import { useResource } from "../use-resource";

const REFRESH_SECONDS = 5;
/** Open dead letters counted per service; past it the card says "500+". */
const DEAD_LETTERS_COUNTED = 500;

/** A service's /readyz answer (service-host readiness.ts), 200 when ready and 503 when not. */
interface ReadinessReport {
  ready: boolean;
  state: "starting" | "ready" | "shutting_down";
  checks: Record<string, "ok" | "failed">;
  /** Not reported by the services yet; shown as such. */
  version?: string;
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
  // Each service keeps its own consumer group's dead letters.
  const deadLetters = useResource(
    "dead-letters",
    async (signal) =>
      new Map(
        await Promise.all(
          settings.services.map(
            async (service) =>
              [
                service,
                (
                  await callService<{ letters: unknown[] }>(
                    service,
                    `/ops/dead-letters?state=open&limit=${DEAD_LETTERS_COUNTED}`,
                    session.token,
                    signal,
                  )
                ).letters.length,
              ] as const,
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
        {readiness.at ? t("app.refreshedAt", { time: readiness.at.toLocaleTimeString() }) : null}
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
                    {deadLetters.data ? (
                      <>
                        <dt>{t("health.deadLetters")}</dt>
                        <dd data-dead-letters={deadLetters.data.get(entry.service)}>
                          <Link href="/dead-letters">
                            {(deadLetters.data.get(entry.service) ?? 0) >= DEAD_LETTERS_COUNTED
                              ? `${DEAD_LETTERS_COUNTED}+`
                              : deadLetters.data.get(entry.service)}
                          </Link>
                        </dd>
                      </>
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

      {deadLetters.error !== undefined ? <Refusal error={deadLetters.error} /> : null}

      <h2>{t("health.endpointsTitle")}</h2>
      <Loaded resource={endpoints}>
        {({ endpoints: list }) =>
          list.length === 0 ? (
            <p className="muted">{t("app.none")}</p>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>{t("health.endpoint")}</th>
                    <th>{t("health.endpointState")}</th>
                    <th className="num">{t("health.failures")}</th>
                    <th className="num">{t("health.held")}</th>
                    <th className="num">{t("health.pending")}</th>
                    <th>{t("health.lastError")}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((endpoint) => (
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
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>

      <h2>{t("health.parkedTitle")}</h2>
      <Loaded resource={parked}>
        {({ dossiers }) => <p>{t("health.parkedCount", { count: dossiers.length })}</p>}
      </Loaded>
    </section>
  );
}
