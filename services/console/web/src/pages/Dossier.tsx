import { ListTable } from "../components/ListTable";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useLocation } from "wouter";
import { callService, postToService } from "../api";
import type { Assignment } from "../assignment";
import { useSession } from "../auth";
import { Loaded, Refusal } from "../components/Refusal";
import { Waterfall } from "../components/Waterfall";
import { dateTime, statusText } from "../format";
import { useSettings } from "../settings";
import { consumedEvents, dossierTraces } from "../trace";
import { useResource } from "../use-resource";

/** intake's application: its status timeline, and the applicant only where the service gives it to this caller. */
interface Application {
  dossierId: string;
  status: number;
  timeline: { status: number; eventType: string; occurredAt: string; source: string; eventId: string }[];
  applicant?: Record<string, unknown>;
}

/** notification's delivery of one message: where it stands, never to whom. */
interface Delivery {
  notificationId: string;
  dossierId: string;
  channel: number;
  recipientKind: number;
  triggerType: string;
  stateName: "pending" | "held" | "delivered" | "failed";
  attempts: number;
  createdAt: string;
  deliveredAt?: string;
  lastError: string;
}

/** The lifecycle event a type names, without its namespace and version: `dossier.result_issued`. */
function eventName(type: string): string {
  return type.replace(/^gov\.lienthong\./, "").replace(/\.v\d+( process)?$/, "");
}

export function DossierSearch({ initial = "" }: { initial?: string }) {
  const { t } = useTranslation();
  const [, navigate] = useLocation();
  const [code, setCode] = useState(initial);
  return (
    <form
      className="filters"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        if (code.trim()) navigate(`/dossiers/${encodeURIComponent(code.trim())}`);
      }}
    >
      <label>
        {t("dossier.search")}
        <input name="dossierCode" value={code} onChange={(event) => setCode(event.target.value)} />
      </label>
      <button type="submit">{t("dossier.open")}</button>
    </form>
  );
}

/** One dossier by its code: where it stands, its status timeline, its deliveries, its trace across the services. */
export function DossierPage({ code }: { code: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const settings = useSettings();
  const ref = encodeURIComponent(code);
  const assignment = useResource(`assignment/${code}`, (signal) =>
    callService<{ assignment: Assignment }>("routing", `/ops/dossiers/${ref}`, session.token, signal),
  );
  const application = useResource(`application/${code}`, (signal) =>
    callService<{ application: Application }>("intake", `/ops/applications/${ref}`, session.token, signal),
  );
  const deliveries = useResource(`deliveries/${code}`, (signal) =>
    callService<{ deliveries: Delivery[] }>("notification", `/ops/dossiers/${ref}/deliveries`, session.token, signal),
  );
  const [resent, setResent] = useState<{ done?: string; failure?: unknown }>({});
  const resend = async (notificationId: string) => {
    try {
      await postToService(
        "notification",
        `/ops/deliveries/${encodeURIComponent(notificationId)}/resend`,
        session.token,
      );
      setResent({ done: t("dossier.resent", { id: notificationId }) });
    } catch (failure) {
      setResent({ failure });
    }
  };
  const dossierId =
    assignment.data?.assignment.dossierId ??
    application.data?.application.dossierId ??
    deliveries.data?.deliveries[0]?.dossierId;
  const settled = !assignment.loading && !application.loading && !deliveries.loading;
  const traces = useResource(settled ? `trace/${code}/${dossierId ?? ""}` : undefined, (signal) =>
    dossierTraces(settings.services, code, dossierId, session.token, signal),
  );
  return (
    <section>
      <h1>
        {t("dossier.title")}: <span data-testid="dossier-code">{code}</span>
      </h1>
      <DossierSearch initial={code} />

      <h2>{t("dossier.assignmentTitle")}</h2>
      <Loaded resource={assignment}>
        {({ assignment: dossier }) => (
          <dl className="facts" data-testid="assignment">
            <dt>{t("dossier.status")}</dt>
            <dd>{statusText(dossier.status, settings.labels.statuses)}</dd>
            <dt>{t("dossier.authority")}</dt>
            <dd>{dossier.competentAuthority?.name ?? "—"}</dd>
            <dt>{t("dossier.acceptedAt")}</dt>
            <dd>{dateTime(dossier.acceptedAt)}</dd>
            <dt>{t("dossier.appointment")}</dt>
            <dd>{dateTime(dossier.appointmentAt)}</dd>
            <dt>{t("dossier.clock")}</dt>
            <dd>{t(`dossier.clocks.${dossier.clock}`)}</dd>
            <dt>{t("dossier.deadline")}</dt>
            <dd>{t(`commune.deadlineStates.${dossier.deadlineState}`)}</dd>
          </dl>
        )}
      </Loaded>

      <h2>{t("dossier.timelineTitle")}</h2>
      <Loaded resource={application}>
        {({ application: found }) => (
          <>
            {found.applicant ? (
              <dl className="facts">
                <dt>{t("dossier.applicantTitle")}</dt>
                <dd>
                  {Object.values(found.applicant)
                    .filter((v) => typeof v === "string")
                    .join(", ")}
                </dd>
              </dl>
            ) : null}
            <ol className="timeline" data-testid="status-timeline">
              {found.timeline.map((entry) => (
                <li key={entry.eventId}>
                  <time>{dateTime(entry.occurredAt)}</time>{" "}
                  <strong>{entry.status ? statusText(entry.status, settings.labels.statuses) : ""}</strong>{" "}
                  <span className="muted">
                    {eventName(entry.eventType)} · {entry.source}
                  </span>
                </li>
              ))}
            </ol>
          </>
        )}
      </Loaded>

      <h2>{t("dossier.deliveriesTitle")}</h2>
      {resent.done ? (
        <p className="done" role="status">
          {resent.done}
        </p>
      ) : null}
      {resent.failure !== undefined ? <Refusal error={resent.failure} /> : null}
      <Loaded resource={deliveries}>
        {({ deliveries: list }) => (
          <ListTable
            items={list}
            testId="deliveries"
            columns={[
              { label: t("dossier.at") },
              { label: t("dossier.channel") },
              { label: t("dossier.recipient") },
              { label: t("dossier.trigger") },
              { label: t("dossier.deliveryState") },
              { label: t("dossier.attempts"), numeric: true },
              { label: "" },
            ]}
            row={(delivery) => (
              <tr key={delivery.notificationId}>
                <td>{dateTime(delivery.createdAt)}</td>
                <td>
                  {labelled(
                    t,
                    "dossier.channels",
                    settings.labels.deliveryChannels[delivery.channel],
                    delivery.channel,
                  )}
                </td>
                <td>
                  {labelled(
                    t,
                    "dossier.recipients",
                    settings.labels.recipientKinds[delivery.recipientKind],
                    delivery.recipientKind,
                  )}
                </td>
                <td>{eventName(delivery.triggerType)}</td>
                <td>
                  <span className={`tag ${delivery.stateName === "failed" ? "bad" : "ok"}`}>
                    {t(`dossier.deliveryStates.${delivery.stateName}`)}
                  </span>
                </td>
                <td className="num">{delivery.attempts}</td>
                <td>
                  {delivery.stateName === "delivered" || delivery.stateName === "failed" ? (
                    <button type="button" onClick={() => void resend(delivery.notificationId)}>
                      {t("dossier.resend")}
                    </button>
                  ) : null}
                </td>
              </tr>
            )}
          />
        )}
      </Loaded>

      <h2>{t("dossier.traceTitle")}</h2>
      <Loaded resource={traces}>
        {(found) =>
          found.length === 0 ? (
            <p className="muted">{t("dossier.traceNone")}</p>
          ) : (
            <>
              <h3>{t("dossier.eventsTitle")}</h3>
              <p className="muted">{t("dossier.eventsIntro")}</p>
              <ListTable
                items={consumedEvents(found)}
                testId="dossier-events"
                columns={[{ label: t("dossier.at") }, { label: t("dossier.event") }, { label: t("dossier.by") }]}
                row={(event) => (
                  <tr key={event.eventId}>
                    <td>{dateTime(event.at)}</td>
                    <td>{eventName(event.name)}</td>
                    <td>
                      {event.groups.map((group, index) => (
                        <span
                          key={index}
                          className={`tag ${group.outcome === "processed" ? "ok" : "bad"}`}
                          title={group.outcome}
                        >
                          {group.service}
                        </span>
                      ))}
                    </td>
                  </tr>
                )}
              />
              {found.map((trace) => (
                <Waterfall key={trace.traceId} trace={trace} services={settings.services} />
              ))}
            </>
          )
        }
      </Loaded>
    </section>
  );
}

/** A protobuf enum value's label in the page's language; a value this console does not know yet shows its name. */
function labelled(
  t: ReturnType<typeof useTranslation>["t"],
  group: "dossier.channels" | "dossier.recipients",
  name: string | undefined,
  value: number,
): string {
  if (!name) return String(value);
  return t(`${group}.${name}` as "dossier.channels.EMAIL", { defaultValue: name.toLowerCase() });
}
