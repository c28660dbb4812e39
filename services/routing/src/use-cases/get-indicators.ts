import { common, type routing as routingContract } from "@lienthong/contracts";
import {
  DOSSIER_STATUSES,
  dayNumberOfIsoDate,
  instantOfDay,
  isoCalendarDate,
  vietnamDayNumber,
  type DossierStatus,
} from "@lienthong/domain";
import { notFound } from "@lienthong/errors";
import { parseInput, type Caller } from "@lienthong/service-host";
import { ConflictError, put, type Filter } from "@lienthong/storage";
import { z } from "zod";
import { assignments, indicatorDays, type AssignmentRecord, type IndicatorDayRecord } from "../store/collections";
import type { RoutingPorts } from "./ports";
import { assertActsForUnit } from "./tenancy";

/**
 * A Decision 766 period is at most a year; a longer range would count, and
 * keep, a figure a day for every day it covers on its first reading (decision 30).
 */
const MAX_RANGE_DAYS = 366;

export const indicatorsSchema = z
  .object({
    unitCode: z.string().regex(/^(\d{2}|\d{5})$/, "must be a 5-digit commune code or a 2-digit province code"),
    from: isoCalendarDate,
    to: isoCalendarDate,
  })
  // Compared only once both are real dates, so a bad date is named once, as what it is.
  .refine((range) => range.from <= range.to, {
    path: ["to"],
    message: "must not be before from",
    when: (payload) => payload.issues.length === 0,
  })
  .refine((range) => dayNumberOfIsoDate(range.to) - dayNumberOfIsoDate(range.from) < MAX_RANGE_DAYS, {
    path: ["to"],
    message: `must make a range of at most ${MAX_RANGE_DAYS} days with from`,
    when: (payload) => payload.issues.length === 0,
  });

type Where = Filter<AssignmentRecord>["where"];
/** The dates a figure is counted by: acceptance (received) or reaching status 9 (finished). */
type CountedBy = "acceptedAt" | "finishedAt";
type DayFigures = Omit<IndicatorDayRecord, "unitCode" | "day">;

/**
 * A commit that took its time stamp just before midnight may land just
 * after it: a day counts as closed, and its figures are kept, only once this
 * much of the next day has passed.
 */
const CLOSING_GRACE_MS = 60 * 60 * 1000;

/** The figures as the contract defines them (routing_service.proto), the same over REST and gRPC. */
type Indicators = routingContract.Indicators;

/** Whose dossiers a unit's figures count: received at its communes, decided by its competent authorities. */
interface UnitScope {
  unitCode: string;
  receivedBy: Where;
  decidedBy: Where;
}

const NONE: DayFigures = { received: 0, receivedOnline: 0, finishedEarly: 0, finishedOnTime: 0, finishedLate: 0 };

function add(a: DayFigures, b: DayFigures): DayFigures {
  return {
    received: a.received + b.received,
    receivedOnline: a.receivedOnline + b.receivedOnline,
    finishedEarly: a.finishedEarly + b.finishedEarly,
    finishedOnTime: a.finishedOnTime + b.finishedOnTime,
    finishedLate: a.finishedLate + b.finishedLate,
  };
}

/** The figures of Vietnam days [fromDay, endDay), each one indexed count over `assignments`. */
async function countDays(ports: RoutingPorts, scope: UnitScope, fromDay: number, endDay: number): Promise<DayFigures> {
  const range = (field: CountedBy) => ({
    field,
    gte: instantOfDay(fromDay).toISOString(),
    lt: instantOfDay(endDay).toISOString(),
  });
  const count = (where: Where, countedBy: CountedBy) =>
    ports.store.count(assignments, { where, range: range(countedBy) });
  const finished = (timeliness: number) => count({ ...scope.decidedBy, timeliness }, "finishedAt");
  const [received, receivedOnline, finishedEarly, finishedOnTime, finishedLate] = await Promise.all([
    count(scope.receivedBy, "acceptedAt"),
    count({ ...scope.receivedBy, channel: common.Channel.CHANNEL_ONLINE }, "acceptedAt"),
    finished(common.Timeliness.TIMELINESS_EARLY),
    finished(common.Timeliness.TIMELINESS_ON_TIME),
    finished(common.Timeliness.TIMELINESS_LATE),
  ]);
  return { received, receivedOnline, finishedEarly, finishedOnTime, finishedLate };
}

/**
 * The figures of closed days [fromDay, lastDay]: those kept are read, the
 * others counted once and kept (decision 30). Two requests may count the
 * same day at once; whichever stores it second finds it stored, and both
 * counted the same.
 */
async function closedDays(
  ports: RoutingPorts,
  scope: UnitScope,
  fromDay: number,
  lastDay: number,
): Promise<DayFigures> {
  const kept = await ports.store.find(indicatorDays, {
    where: { unitCode: scope.unitCode },
    range: { field: "day", gte: fromDay, lt: lastDay + 1 },
  });
  const keptDays = new Set(kept.map((row) => row.data.day));
  let total = kept.reduce((sum, row) => add(sum, row.data), NONE);
  const counted: IndicatorDayRecord[] = [];
  for (let day = fromDay; day <= lastDay; day++) {
    if (keptDays.has(day)) continue;
    const figures = await countDays(ports, scope, day, day + 1);
    counted.push({ unitCode: scope.unitCode, day, ...figures });
    total = add(total, figures);
  }
  if (counted.length > 0) {
    try {
      await ports.commit(counted.map((record) => put(indicatorDays, `${record.unitCode}:${record.day}`, record, 0)));
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  return total;
}

/**
 * The statuses of a dossier still being processed: its clock started and runs
 * or is paused. Its clock stops at 9 (finished), and at 7 and 8, which end
 * processing for the portal too (DOMAIN.md §10) but carry no end time here.
 */
const OPEN_STATUSES = Object.values(DOSSIER_STATUSES)
  .filter(({ clock }) => clock === "starts" || clock === "runs" || clock === "paused")
  .map(({ code }): DossierStatus => code);

/** The unit's dossiers the period processed that are still open: accepted before `endOfPeriod`. */
interface OpenFigures {
  currentlyOverdue: number;
  openWithinDeadline: number;
}

/**
 * Open dossiers are a state, not an event: counted live, never kept, one
 * indexed count per status and verdict. Whether one is overdue is the flag
 * the deadline watcher sets once its appointment passed without a result,
 * which a later apology's new date does not clear (the dossier is judged
 * late whatever date it got).
 */
async function openDossiers(ports: RoutingPorts, scope: UnitScope, endOfPeriod: string): Promise<OpenFigures> {
  const count = async (overdue: boolean) => {
    const counts = await Promise.all(
      OPEN_STATUSES.map((status) =>
        ports.store.count(assignments, {
          where: { ...scope.decidedBy, status, overdue },
          range: { field: "acceptedAt", lt: endOfPeriod },
        }),
      ),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  };
  const [currentlyOverdue, openWithinDeadline] = await Promise.all([count(true), count(false)]);
  return { currentlyOverdue, openWithinDeadline };
}

/**
 * Decision 766 indicator 2.1 (DOMAIN.md §10): dossiers handled on time ÷
 * every dossier received or processed in the period — finished early or on
 * time, plus open and within the deadline, over everything finished plus
 * everything still open. An open overdue dossier is late already and counts
 * against the rate. DOMAIN.md judges an open dossier at the period's end;
 * without a history of states it is judged now (decision 36). Nothing to
 * judge gives 0 (proto3 has no absent double); the counts tell it from 0 %.
 */
function onTimeRate(figures: DayFigures, open: OpenFigures): number {
  const onTime = figures.finishedEarly + figures.finishedOnTime + open.openWithinDeadline;
  const judged = onTime + figures.finishedLate + open.currentlyOverdue;
  return judged === 0 ? 0 : onTime / judged;
}

/**
 * The progress indicators of a commune or a province over inclusive Vietnam
 * dates. "Received" counts dossiers accepted (Được tiếp nhận) in the range by
 * the unit's reception (boundary-free intake: where the citizen came);
 * finished and open count the dossiers the unit decides (its competent
 * authorities), finished by the date they reached status 9. Closed days
 * come from their kept figures, the days still open from indexed counts.
 * The open dossiers the period processed — accepted by its last day,
 * including those carried over from before it, and not finished — are
 * counted as they stand now (decision 36). Read by the unit's own officials
 * and those of its province (tenancy.ts); units are published, so an
 * unknown one is a 404.
 */
export async function getIndicators(ports: RoutingPorts, caller: Caller, input: unknown): Promise<Indicators> {
  const { unitCode, from, to } = parseInput(indicatorsSchema, input);
  const commune = unitCode.length === 5;
  const provinceCode = commune ? ports.units.commune(unitCode)?.provinceCode : ports.units.province(unitCode)?.code;
  if (!provinceCode) throw notFound(commune ? "commune" : "province", unitCode);
  assertActsForUnit(ports, caller, unitCode, provinceCode);
  const scope: UnitScope = {
    unitCode,
    receivedBy: commune ? { receivingUnitCode: unitCode } : { receivingProvinceCode: unitCode },
    decidedBy: commune ? { competentCommuneCode: unitCode } : { competentProvinceCode: unitCode },
  };
  const fromDay = dayNumberOfIsoDate(from, "from");
  const toDay = dayNumberOfIsoDate(to, "to");
  const lastClosedDay = vietnamDayNumber(new Date(ports.now().getTime() - CLOSING_GRACE_MS)) - 1;
  const closedUntil = Math.min(toDay, lastClosedDay);

  const [closed, live, open] = await Promise.all([
    closedUntil >= fromDay ? closedDays(ports, scope, fromDay, closedUntil) : NONE,
    toDay > closedUntil ? countDays(ports, scope, Math.max(fromDay, closedUntil + 1), toDay + 1) : NONE,
    openDossiers(ports, scope, instantOfDay(toDay + 1).toISOString()),
  ]);
  const figures = add(closed, live);
  return {
    unitCode,
    fromDate: from,
    toDate: to,
    ...figures,
    onlineShare: figures.received === 0 ? 0 : figures.receivedOnline / figures.received,
    onTimeRate: onTimeRate(figures, open),
    ...open,
  };
}
