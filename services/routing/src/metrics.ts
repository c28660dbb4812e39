import { common } from "@lienthong/contracts";
import { DossierStatus, toVietnamParts, vietnamDate } from "@lienthong/domain";
import { loggableError } from "@lienthong/errors";
import type { Logger, ServiceMetrics } from "@lienthong/service-host";
import { assignments } from "./store/collections";
import type { RoutingPorts } from "./use-cases/ports";

/**
 * Routing's figures for province IT, per province (a closed set: the loaded
 * units list) and never per dossier or commune: dossiers in progress by
 * status, due soon, overdue now, and this month's results by timeliness with
 * the on-time ratio. They are counted from the store's indexes when
 * Prometheus scrapes, at most once per REFRESH_MS whatever the number of
 * scrapers, so nothing is added to a dossier's own path (docs/decisions.md §37).
 */

/** Figures younger than this are served again instead of counted again. */
const REFRESH_MS = 30_000;

/**
 * The statuses of a dossier accepted and not finished: open, no finishedAt (status 1 is counted apart). A stopped
 * dossier (8) has left processing without a result, and counts in no figure (docs/decisions.md §36).
 */
const IN_PROGRESS_STATUSES = [
  DossierStatus.ACCEPTED,
  DossierStatus.PROCESSING,
  DossierStatus.SUPPLEMENT_REQUESTED,
  DossierStatus.AWAITING_PAYMENT,
] as const;

const TIMELINESS = [
  ["early", common.Timeliness.TIMELINESS_EARLY],
  ["on_time", common.Timeliness.TIMELINESS_ON_TIME],
  ["late", common.Timeliness.TIMELINESS_LATE],
] as const;

interface ProvinceFigures {
  province: string;
  byStatus: [status: DossierStatus, count: number][];
  dueSoon: number;
  overdue: number;
  finished: [timeliness: string, count: number][];
  /**
   * Indicator 2.1 as GET /v1/indicators computes it (docs/decisions.md §36), over this month's results and the open
   * dossiers as they stand now: (early + on time + open within the deadline) ÷ (finished + open). Undefined, and no
   * series, when there is nothing to judge.
   */
  onTimeRatio: number | undefined;
}

/** The first instant of the current Vietnam calendar month. */
function startOfVietnamMonth(now: Date): Date {
  const { year, month } = toVietnamParts(now);
  return vietnamDate(year, month, 1);
}

const sum = (counts: readonly number[]): number => counts.reduce((total, count) => total + count, 0);

async function provinceFigures(ports: RoutingPorts, province: string, now: Date): Promise<ProvinceFigures> {
  const { store } = ports;
  // Equalities on province, status and overdue (the open-dossier index), on province and timeliness with a range on
  // finishedAt, or on the receiving province and status with acceptedAt null: each count reads only the rows it
  // counts.
  const accepted = (status: DossierStatus, overdue: boolean) =>
    store.count(assignments, { where: { competentProvinceCode: province, status, overdue } });
  const dueSoonBy = ports.calendar.addWorkingHours(now, ports.deadlines.dueSoonWorkingHours, province);
  const monthStart = startOfVietnamMonth(now).toISOString();
  // Not yet accepted, held by the receiving unit: awaiting acceptance (1), or a supplement asked before acceptance (5,
  // SUPPLEMENT_BEFORE_ACCEPTANCE, decision 63).
  const received = (status: DossierStatus) =>
    store.count(assignments, { where: { receivingProvinceCode: province, acceptedAt: null, status } });
  const [submitted, supplementBeforeAcceptance, open, dueSoon, finished] = await Promise.all([
    received(DossierStatus.SUBMITTED),
    received(DossierStatus.SUPPLEMENT_REQUESTED),
    Promise.all(
      IN_PROGRESS_STATUSES.map(async (status) => ({
        status,
        within: await accepted(status, false),
        overdue: await accepted(status, true),
      })),
    ),
    store.count(assignments, {
      where: { competentProvinceCode: province, status: DossierStatus.PROCESSING, overdue: false },
      range: { field: "appointmentAt", gte: now.toISOString(), lt: dueSoonBy.toISOString() },
    }),
    Promise.all(
      TIMELINESS.map(
        async ([label, timeliness]) =>
          [
            label,
            await store.count(assignments, {
              where: { competentProvinceCode: province, timeliness },
              range: { field: "finishedAt", gte: monthStart },
            }),
          ] as [string, number],
      ),
    ),
  ]);
  const count = (label: string) => finished.find(([name]) => name === label)?.[1] ?? 0;
  const within = sum(open.map((figures) => figures.within));
  const overdue = sum(open.map((figures) => figures.overdue));
  const judged = count("early") + count("on_time") + count("late") + within + overdue;
  return {
    province,
    byStatus: [
      [DossierStatus.SUBMITTED, submitted],
      ...open.map(
        ({ status, within, overdue }) =>
          [
            status,
            within + overdue + (status === DossierStatus.SUPPLEMENT_REQUESTED ? supplementBeforeAcceptance : 0),
          ] as [DossierStatus, number],
      ),
    ],
    dueSoon,
    overdue,
    finished,
    onTimeRatio: judged === 0 ? undefined : (count("early") + count("on_time") + within) / judged,
  };
}

/** Registers routing's gauges on the service's registry. */
export function registerRoutingMetrics(metrics: ServiceMetrics, ports: RoutingPorts, logger: Logger): void {
  let figures: Promise<ProvinceFigures[]> | undefined;
  let countedAt = 0;
  /**
   * One count for every gauge of a scrape (they collect one after another), again once REFRESH_MS has passed
   * on the service's clock (tests move it; a clock set back counts again too).
   */
  const current = (): Promise<ProvinceFigures[]> => {
    const now = ports.now();
    if (!figures || Math.abs(now.getTime() - countedAt) >= REFRESH_MS) {
      countedAt = now.getTime();
      figures = Promise.all(
        ports.units.provinces().map((province) => provinceFigures(ports, province.code, now)),
      ).catch((error: unknown) => {
        // Counted again at the next scrape; the gauges are empty for this one.
        figures = undefined;
        logger.warn({ err: loggableError(error) }, "routing metrics could not be counted");
        return [];
      });
    }
    return figures;
  };

  metrics.gauge({
    name: "routing_dossiers_in_progress",
    help: "Dossiers not finished, by status (1–8) and province: the province of the competent authority, or before acceptance (status 1, and 5 for a supplement asked before acceptance) the receiving one",
    labelNames: ["province", "status"],
    async collect() {
      this.reset();
      for (const { province, byStatus } of await current()) {
        for (const [status, count] of byStatus) this.labels(province, String(status)).set(count);
      }
    },
  });
  metrics.gauge({
    name: "routing_dossiers_due_soon",
    help: "Dossiers being processed whose appointment falls within the due-soon window (DUE_SOON_WORKING_HOURS), by competent province",
    labelNames: ["province"],
    async collect() {
      this.reset();
      for (const { province, dueSoon } of await current()) this.labels(province).set(dueSoon);
    },
  });
  metrics.gauge({
    name: "routing_dossiers_overdue",
    help: "Dossiers past their appointment and not finished, by competent province",
    labelNames: ["province"],
    async collect() {
      this.reset();
      for (const { province, overdue } of await current()) this.labels(province).set(overdue);
    },
  });
  metrics.gauge({
    name: "routing_dossiers_finished",
    help: "Dossiers that reached status 9 since the start of the current Vietnam month, by competent province and timeliness",
    labelNames: ["province", "timeliness"],
    async collect() {
      this.reset();
      for (const { province, finished } of await current()) {
        for (const [timeliness, count] of finished) this.labels(province, timeliness).set(count);
      }
    },
  });
  metrics.gauge({
    name: "routing_on_time_ratio",
    help: "Indicator 2.1 by competent province: (results early or on time this month + open dossiers within the deadline) / (results this month + open dossiers); absent while there is nothing to judge",
    labelNames: ["province"],
    async collect() {
      this.reset();
      for (const { province, onTimeRatio } of await current()) {
        if (onTimeRatio !== undefined) this.labels(province).set(onTimeRatio);
      }
    },
  });
}
