import { ListTable } from "../components/ListTable";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { callConsole, callService } from "../api";
import type { Assignment } from "../assignment";
import { useSession } from "../auth";
import { Loaded } from "../components/Refusal";
import { TrendChart } from "../components/TrendChart";
import { dateTime, statusText } from "../format";
import { indicatorsOf, judged, percent } from "../indicators";
import { usePeriod } from "../period";
import { useSettings } from "../settings";
import { useResource } from "../use-resource";

/** The most of a queue shown at once (routing's page size limit). */
const QUEUE_PAGE_SIZE = 200;

/** One commune: its figures for the period, month by month, its queue and what is overdue in it. */
export function CommunePage({ code }: { code: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const { period } = usePeriod();
  const settings = useSettings();
  const provinceCode = period.provinceCode ?? session.units.find((unit) => /^\d{2}$/.test(unit));
  const name = useResource(provinceCode ? `name/${provinceCode}/${code}` : undefined, async (signal) => {
    const { communes } = await callConsole<{ communes: { code: string; name: string }[] }>(`/units/${provinceCode}`, {
      signal,
    });
    return communes.find((commune) => commune.code === code)?.name ?? code;
  });
  const figures = useResource(`${code}/${period.from}/${period.to}`, (signal) =>
    indicatorsOf(code, period.from, period.to, session.token, signal),
  );
  const queue = useResource(`queue/${code}`, (signal) =>
    callService<{ assignments: Assignment[] }>(
      "routing",
      `/ops/queues/${encodeURIComponent(code)}?pageSize=${QUEUE_PAGE_SIZE}`,
      session.token,
      signal,
    ),
  );
  const table = (assignments: Assignment[]) => (
    <ListTable
      items={assignments}
      columns={[
        { label: t("commune.code") },
        { label: t("commune.procedure") },
        { label: t("commune.status") },
        { label: t("commune.appointment") },
        { label: t("commune.deadline") },
      ]}
      row={(assignment) => (
        <tr key={assignment.dossierId}>
          <td>
            <Link href={`/dossiers/${assignment.dossierCode}`}>{assignment.dossierCode}</Link>
          </td>
          <td>{assignment.procedureName}</td>
          <td>{statusText(assignment.status, settings.labels.statuses)}</td>
          <td>{dateTime(assignment.appointmentAt)}</td>
          <td>
            <span className={`tag ${assignment.deadlineState === "overdue" ? "bad" : "ok"}`}>
              {t(`commune.deadlineStates.${assignment.deadlineState}`)}
            </span>
          </td>
        </tr>
      )}
    />
  );
  return (
    <section>
      <p>
        <Link href="/communes">{t("communes.back")}</Link>
      </p>
      <h1>{t("commune.title", { name: name.data ?? code, code })}</h1>
      <Loaded resource={figures}>
        {(figure) => (
          <div className="summary" data-testid="commune-figures">
            <span>
              {t("communes.received")} {figure.received}
            </span>
            <span>
              {t("communes.onTime")} {figure.finishedEarly + figure.finishedOnTime}
            </span>
            <span>
              {t("communes.late")} {figure.finishedLate}
            </span>
            <span>
              {t("communes.overdueNow")} {figure.currentlyOverdue}
            </span>
            <span>
              {t("communes.onlineShare")} {percent(figure.onlineShare, figure.received > 0)}
            </span>
            <span>
              {t("communes.onTimeRate")} {percent(figure.onTimeRate, judged(figure))}
            </span>
          </div>
        )}
      </Loaded>
      <TrendChart unitCode={code} from={period.from} to={period.to} />
      <h2>{t("commune.overdueTitle")}</h2>
      <Loaded resource={queue}>
        {({ assignments }) => table(assignments.filter((assignment) => assignment.deadlineState === "overdue"))}
      </Loaded>
      <h2>{t("commune.queueTitle")}</h2>
      <Loaded resource={queue}>{({ assignments }) => table(assignments)}</Loaded>
    </section>
  );
}
