import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartData,
} from "chart.js";
import { Chart as ChartView } from "react-chartjs-2";
import { useTranslation } from "react-i18next";
import { useSession } from "../auth";
import { indicatorsOf, judged } from "../indicators";
import { monthsOf } from "../period";
import { useResource } from "../use-resource";
import { Loaded } from "./Refusal";

// Only what this chart draws is registered, so the bundle carries only that.
Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
);

/** A unit's figures month by month over the period: dossiers received (bars) and the on-time rate (line). */
export function TrendChart({ unitCode, from, to }: { unitCode: string; from: string; to: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const months = useResource(`${unitCode}/${from}/${to}`, (signal) =>
    Promise.all(
      monthsOf(from, to).map(async (month) => ({
        label: month.label,
        figures: await indicatorsOf(unitCode, month.from, month.to, session.token, signal),
      })),
    ),
  );
  return (
    <figure className="chart">
      <figcaption>{t("communes.chartTitle")}</figcaption>
      <Loaded resource={months}>
        {(data) => (
          <div className="chart-box">
            <ChartView
              type="bar"
              data={
                {
                  labels: data.map((month) => month.label),
                  datasets: [
                    {
                      type: "bar",
                      label: t("communes.chartReceived"),
                      data: data.map((month) => month.figures.received),
                      backgroundColor: "#2f6fb3",
                      yAxisID: "count",
                    },
                    {
                      type: "line",
                      label: t("communes.chartOnTimeRate"),
                      // A month with nothing to judge has no rate (a gap), not 0 %.
                      data: data.map((month) =>
                        judged(month.figures) ? Math.round(month.figures.onTimeRate * 1000) / 10 : null,
                      ),
                      borderColor: "#c0392b",
                      backgroundColor: "#c0392b",
                      yAxisID: "rate",
                    },
                  ],
                } satisfies ChartData<"bar" | "line", (number | null)[], string>
              }
              options={{
                maintainAspectRatio: false,
                animation: false,
                scales: {
                  count: { type: "linear", position: "left", beginAtZero: true, ticks: { precision: 0 } },
                  rate: { type: "linear", position: "right", min: 0, max: 100, grid: { drawOnChartArea: false } },
                },
              }}
            />
          </div>
        )}
      </Loaded>
    </figure>
  );
}
