import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { callConsole } from "../api";
import { useSession } from "../auth";
import { Loaded } from "../components/Refusal";
import { TrendChart } from "../components/TrendChart";
import { communeIndicatorsOf, judged, percent, type Indicators } from "../indicators";
import { usePeriod } from "../period";
import { useResource } from "../use-resource";

interface Unit {
  code: string;
  name: string;
  fullName: string;
}

interface CommuneRow extends Indicators {
  name: string;
  onTime: number;
  rank: number;
}

type Column =
  "rank" | "name" | "received" | "onTime" | "finishedLate" | "currentlyOverdue" | "onlineShare" | "onTimeRate";

/**
 * Decision 766's order: the better on-time rate first, then the more dossiers
 * handled, then by name; a commune with nothing to judge comes after every one that has.
 */
function byMerit(a: Indicators & { name: string }, b: Indicators & { name: string }): number {
  return (
    Number(judged(b)) - Number(judged(a)) ||
    b.onTimeRate - a.onTimeRate ||
    b.received - a.received ||
    a.name.localeCompare(b.name, "vi")
  );
}

export function CommunesPage() {
  const { t } = useTranslation();
  const { session } = useSession();
  const { period, setPeriod } = usePeriod();
  const provinces = useResource("provinces", () => callConsole<{ provinces: Unit[] }>("/units"));
  // The operator's own province by default: the first province code among the token's units.
  const provinceCode =
    period.provinceCode ?? session.units.find((unit) => /^\d{2}$/.test(unit)) ?? provinces.data?.provinces[0]?.code;
  const figures = useResource(
    provinceCode ? `${provinceCode}/${period.from}/${period.to}` : undefined,
    async (signal) => {
      const { province, communes } = await callConsole<{ province: Unit; communes: Unit[] }>(`/units/${provinceCode}`, {
        signal,
      });
      // One request to routing for the whole table (and the province's total); the chart asks once per month.
      const figures = await communeIndicatorsOf(province.code, period.from, period.to, session.token, signal);
      const names = new Map(communes.map((commune) => [commune.code, commune.name]));
      const rows = figures.communes.map((row) => ({ ...row, name: names.get(row.unitCode) ?? row.unitCode }));
      const total = figures.province;
      const ranked = rows.sort(byMerit);
      return {
        province,
        total,
        rows: ranked.map((row, index): CommuneRow => ({
          ...row,
          onTime: row.finishedEarly + row.finishedOnTime,
          rank: index + 1,
        })),
      };
    },
  );
  const [sort, setSort] = useState<{ column: Column; descending: boolean }>({ column: "rank", descending: false });
  const sorted = useMemo(() => {
    const rows = [...(figures.data?.rows ?? [])];
    const { column, descending } = sort;
    rows.sort((a, b) => {
      const order = column === "name" ? a.name.localeCompare(b.name, "vi") : a[column] - b[column];
      return (descending ? -order : order) || a.rank - b.rank;
    });
    return rows;
  }, [figures.data, sort]);
  const heading = (column: Column, label: string, numeric = true) => (
    <th className={numeric ? "num" : undefined} aria-sort={sortState(sort, column)}>
      <button
        type="button"
        className="sort"
        onClick={() =>
          setSort((current) => ({
            column,
            // A new column starts with its best first: the highest figure, or rank 1 and A.
            descending: current.column === column ? !current.descending : column !== "rank" && column !== "name",
          }))
        }
      >
        {label}
      </button>
    </th>
  );

  return (
    <section>
      <h1>{t("communes.title")}</h1>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          {t("communes.province")}
          <select
            value={provinceCode ?? ""}
            onChange={(event) => setPeriod({ ...period, provinceCode: event.target.value })}
          >
            {(provinces.data?.provinces ?? []).map((province) => (
              <option key={province.code} value={province.code}>
                {province.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("communes.from")}
          <input
            type="date"
            value={period.from}
            max={period.to}
            onChange={(event) => event.target.value && setPeriod({ ...period, from: event.target.value })}
          />
        </label>
        <label>
          {t("communes.to")}
          <input
            type="date"
            value={period.to}
            min={period.from}
            onChange={(event) => event.target.value && setPeriod({ ...period, to: event.target.value })}
          />
        </label>
      </form>
      <Loaded resource={figures}>
        {({ province, total }) => (
          <>
            <div className="summary" data-testid="province-total">
              <strong>
                {t("communes.provinceTotal")}: {province.fullName}
              </strong>
              <span>
                {t("communes.received")} {total.received}
              </span>
              <span>
                {t("communes.onTime")} {total.finishedEarly + total.finishedOnTime}
              </span>
              <span>
                {t("communes.late")} {total.finishedLate}
              </span>
              <span>
                {t("communes.overdueNow")} {total.currentlyOverdue}
              </span>
              <span>
                {t("communes.onTimeRate")} {percent(total.onTimeRate, judged(total))}
              </span>
            </div>
            <TrendChart unitCode={province.code} from={period.from} to={period.to} />
            <p className="muted">{t("communes.rankedBy")}</p>
            <div className="table-wrap">
              <table data-testid="commune-ranking">
                <thead>
                  <tr>
                    {heading("rank", t("communes.rank"))}
                    {heading("name", t("communes.commune"), false)}
                    {heading("received", t("communes.received"))}
                    {heading("onTime", t("communes.onTime"))}
                    {heading("finishedLate", t("communes.late"))}
                    {heading("currentlyOverdue", t("communes.overdueNow"))}
                    {heading("onlineShare", t("communes.onlineShare"))}
                    {heading("onTimeRate", t("communes.onTimeRate"))}
                  </tr>
                </thead>
                <tbody>
                  {sorted.map((row) => (
                    <tr key={row.unitCode} data-unit={row.unitCode}>
                      <td className="num">{row.rank}</td>
                      <td>
                        <Link href={`/communes/${row.unitCode}`}>{row.name}</Link>
                      </td>
                      <td className="num" data-figure="received">
                        {row.received}
                      </td>
                      <td className="num" data-figure="onTime">
                        {row.onTime}
                      </td>
                      <td className="num" data-figure="late">
                        {row.finishedLate}
                      </td>
                      <td className="num" data-figure="overdue">
                        {row.currentlyOverdue}
                      </td>
                      <td className="num">{percent(row.onlineShare, row.received > 0)}</td>
                      <td className="num" data-figure="onTimeRate">
                        {percent(row.onTimeRate, judged(row))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Loaded>
    </section>
  );
}

function sortState(sort: { column: Column; descending: boolean }, column: Column): "ascending" | "descending" | "none" {
  if (sort.column !== column) return "none";
  return sort.descending ? "descending" : "ascending";
}
