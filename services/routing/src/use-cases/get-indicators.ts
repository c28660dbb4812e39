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
import { ConflictError, put, type Filter, type Range } from "@lienthong/storage";
import { z } from "zod";
import {
  assignments,
  indicatorDays,
  provinceIndicatorDays,
  type AssignmentRecord,
  type IndicatorDayRecord,
  type ProvinceIndicatorDayRecord,
} from "../store/collections";
import type { RoutingPorts } from "./ports";
import { assertActsForUnit } from "./tenancy";

/**
 * A Decision 766 period is at most a year; a longer range would count, and
 * keep, a figure a day for every day it covers on its first reading (decision 30).
 */
const MAX_RANGE_DAYS = 366;

/** A Decision 766 period: inclusive Vietnam dates. */
const period = { from: isoCalendarDate, to: isoCalendarDate };
type Period = { from: string; to: string };
type PeriodRule = [
  check: (range: Period) => boolean,
  params: { path: PropertyKey[]; message: string; when: (payload: { issues: readonly unknown[] }) => boolean },
];
// Compared only once both are real dates, so a bad date is named once, as what it is.
const onlyValidDates = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };
const fromBeforeTo: PeriodRule = [
  (range: Period) => range.from <= range.to,
  { path: ["to"], message: "must not be before from", ...onlyValidDates },
];
const withinAYear: PeriodRule = [
  (range: Period) => dayNumberOfIsoDate(range.to) - dayNumberOfIsoDate(range.from) < MAX_RANGE_DAYS,
  { path: ["to"], message: `must make a range of at most ${MAX_RANGE_DAYS} days with from`, ...onlyValidDates },
];

export const indicatorsSchema = z
  .object({
    unitCode: z.string().regex(/^(\d{2}|\d{5})$/, "must be a 5-digit commune code or a 2-digit province code"),
    ...period,
  })
  .refine(...fromBeforeTo)
  .refine(...withinAYear);

export const communeIndicatorsSchema = z
  .object({ provinceCode: z.string().regex(/^\d{2}$/, "must be a 2-digit province code"), ...period })
  .refine(...fromBeforeTo)
  .refine(...withinAYear);

type Where = Filter<AssignmentRecord>["where"];
type DayFigures = Omit<IndicatorDayRecord, "unitCode" | "day">;

/**
 * A commit that took its time stamp just before midnight may land just
 * after it: a day counts as closed, and its figures are kept, only once this
 * much of the next day has passed.
 */
const CLOSING_GRACE_MS = 60 * 60 * 1000;

/** The figures as the contract defines them (routing_service.proto), the same over REST and gRPC. */
type Indicators = routingContract.Indicators;

/**
 * Whose dossiers a unit's figures count: received at its communes, decided
 * by its competent authorities.
 */
interface UnitScope {
  unitCode: string;
  receivedBy: Where;
  decidedBy: Where;
}

/**
 * The side a figure counts a dossier on, and the commune that side names: a
 * province-wide read counts each dossier for that commune (a dossier a
 * provincial agency decides belongs to no commune on that side).
 */
type Side = "received" | "decided";
const COMMUNE_OF: Record<Side, (dossier: AssignmentRecord) => string> = {
  received: (dossier) => dossier.receivingUnitCode,
  decided: (dossier) => dossier.competentCommuneCode,
};

/** The unit's dossiers the period processed that are still open: accepted before the period's end. */
interface OpenFigures {
  currentlyOverdue: number;
  openWithinDeadline: number;
  /** Of currentlyOverdue, those whose authority issued no apology before the appointment passed. */
  overdueWithoutApology: number;
}

/** Every count the indicators are made of. */
type Counts = DayFigures & OpenFigures;

/** One figure's rule: the dossiers it counts, as one indexed filter over `assignments`. */
interface FigureFilter {
  figure: keyof Counts;
  side: Side;
  /** One range at most: the date a figure counts a dossier on (dayOf). */
  filter: Omit<Filter<AssignmentRecord>, "range"> & { range?: Range<AssignmentRecord> };
}

const NO_EVENTS: DayFigures = { received: 0, receivedOnline: 0, finishedEarly: 0, finishedOnTime: 0, finishedLate: 0 };
const NO_COUNTS: Counts = { ...NO_EVENTS, currentlyOverdue: 0, openWithinDeadline: 0, overdueWithoutApology: 0 };

const COUNT_KEYS = Object.keys(NO_COUNTS) as (keyof Counts)[];

function add(a: Counts, b: Partial<Counts>): Counts {
  const sum = { ...a };
  for (const key of COUNT_KEYS) sum[key] += b[key] ?? 0;
  return sum;
}

/**
 * What happened in Vietnam days [fromDay, endDay): received (and online) by
 * acceptance at the unit's reception, finished early / on time / late by
 * reaching status 9 at the unit's competent authorities. These are events,
 * stamped with the time they happen (decision 30).
 */
function eventFilters(scope: UnitScope, fromDay: number, endDay: number): FigureFilter[] {
  const range = (field: "acceptedAt" | "finishedAt") => ({
    field,
    gte: instantOfDay(fromDay).toISOString(),
    lt: instantOfDay(endDay).toISOString(),
  });
  const finished = (figure: keyof DayFigures, timeliness: number): FigureFilter => ({
    figure,
    side: "decided",
    filter: { where: { ...scope.decidedBy, timeliness }, range: range("finishedAt") },
  });
  return [
    { figure: "received", side: "received", filter: { where: scope.receivedBy, range: range("acceptedAt") } },
    {
      figure: "receivedOnline",
      side: "received",
      filter: { where: { ...scope.receivedBy, channel: common.Channel.CHANNEL_ONLINE }, range: range("acceptedAt") },
    },
    finished("finishedEarly", common.Timeliness.TIMELINESS_EARLY),
    finished("finishedOnTime", common.Timeliness.TIMELINESS_ON_TIME),
    finished("finishedLate", common.Timeliness.TIMELINESS_LATE),
  ];
}

/**
 * The statuses of a dossier still being processed: its clock started and runs
 * or is paused. Its clock stops at 9 (finished), and at 7 and 8, which end
 * processing for the portal too (DOMAIN.md §10) but carry no end time here.
 */
const OPEN_STATUSES = Object.values(DOSSIER_STATUSES)
  .filter(({ clock }) => clock === "starts" || clock === "runs" || clock === "paused")
  .map(({ code }): DossierStatus => code);

/**
 * Open dossiers are a state, not an event: counted live, never kept, one
 * indexed filter per status and verdict. Whether one is overdue is the flag
 * the deadline watcher sets once its appointment passed without a result,
 * which a later apology's new date does not clear (the dossier is judged
 * late whatever date it got). The period processed those accepted before
 * its end, carried over from before it included (decision 36).
 */
function openFilters(scope: UnitScope, endOfPeriod: string): FigureFilter[] {
  const accepted = { field: "acceptedAt", lt: endOfPeriod } as const;
  return OPEN_STATUSES.flatMap((status): FigureFilter[] => [
    ...([true, false] as const).map((overdue): FigureFilter => ({
      figure: overdue ? "currentlyOverdue" : "openWithinDeadline",
      side: "decided",
      filter: { where: { ...scope.decidedBy, status, overdue }, range: accepted },
    })),
    // The flag the authority owes an answer for (decision 59): overdue with no apology before the appointment.
    {
      figure: "overdueWithoutApology",
      side: "decided",
      filter: { where: { ...scope.decidedBy, status, overdue: true, apologies: 0 }, range: accepted },
    },
  ]);
}

/** One unit's figures: one indexed count per filter. */
async function countFigures(ports: RoutingPorts, filters: FigureFilter[]): Promise<Partial<Counts>> {
  const counted = await Promise.all(
    filters.map(async ({ figure, filter }) => ({ figure, count: await ports.store.count(assignments, filter) })),
  );
  const figures: Partial<Counts> = {};
  for (const { figure, count } of counted) figures[figure] = (figures[figure] ?? 0) + count;
  return figures;
}

/** The figures of Vietnam days [fromDay, endDay) of one unit. */
async function countDays(ports: RoutingPorts, scope: UnitScope, fromDay: number, endDay: number): Promise<DayFigures> {
  return { ...NO_EVENTS, ...(await countFigures(ports, eventFilters(scope, fromDay, endDay))) };
}

/**
 * The figures of closed days [fromDay, lastDay]: those kept are read, the
 * others counted once and kept (decision 30). Two requests may count the
 * same day at once; whichever stores it second finds it stored, and both
 * counted the same.
 */
async function closedDays(ports: RoutingPorts, scope: UnitScope, fromDay: number, lastDay: number): Promise<Counts> {
  const kept = await ports.store.find(indicatorDays, {
    where: { unitCode: scope.unitCode },
    range: { field: "day", gte: fromDay, lt: lastDay + 1 },
  });
  const keptDays = new Set(kept.map((row) => row.data.day));
  let total = kept.reduce((sum, row) => add(sum, row.data), NO_COUNTS);
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
 * Decision 766 indicator 2.1 (DOMAIN.md §10): dossiers handled on time ÷
 * every dossier received or processed in the period — finished early or on
 * time, plus open and within the deadline, over everything finished plus
 * everything still open. An open overdue dossier is late already and counts
 * against the rate. DOMAIN.md judges an open dossier at the period's end;
 * without a history of states it is judged now (decision 36). Nothing to
 * judge gives 0 (proto3 has no absent double); the counts tell it from 0 %.
 */
function indicatorsOf(unitCode: string, from: string, to: string, counts: Counts): Indicators {
  const onTime = counts.finishedEarly + counts.finishedOnTime + counts.openWithinDeadline;
  const judged = onTime + counts.finishedLate + counts.currentlyOverdue;
  return {
    unitCode,
    fromDate: from,
    toDate: to,
    ...counts,
    onlineShare: counts.received === 0 ? 0 : counts.receivedOnline / counts.received,
    onTimeRate: judged === 0 ? 0 : onTime / judged,
  };
}

/** A commune's (5 digits) or a province's (2) dossiers: received at its reception, decided by its authorities. */
function unitScope(unitCode: string): UnitScope {
  const commune = unitCode.length === 5;
  return {
    unitCode,
    receivedBy: commune ? { receivingUnitCode: unitCode } : { receivingProvinceCode: unitCode },
    decidedBy: commune ? { competentCommuneCode: unitCode } : { competentProvinceCode: unitCode },
  };
}

/** A period's Vietnam days, and the last of them closed: figures up to it are kept, later ones read live. */
function periodDays(ports: RoutingPorts, from: string, to: string) {
  const fromDay = dayNumberOfIsoDate(from, "from");
  const toDay = dayNumberOfIsoDate(to, "to");
  const lastClosedDay = vietnamDayNumber(new Date(ports.now().getTime() - CLOSING_GRACE_MS)) - 1;
  return { fromDay, toDay, closedUntil: Math.min(toDay, lastClosedDay) };
}

/** The exclusive end of a period's last Vietnam day, as stored instants compare. */
const endOfPeriod = (toDay: number) => instantOfDay(toDay + 1).toISOString();

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
  const scope = unitScope(unitCode);
  const { fromDay, toDay, closedUntil } = periodDays(ports, from, to);

  const [closed, live, open] = await Promise.all([
    closedUntil >= fromDay ? closedDays(ports, scope, fromDay, closedUntil) : NO_COUNTS,
    toDay > closedUntil ? countDays(ports, scope, Math.max(fromDay, closedUntil + 1), toDay + 1) : NO_EVENTS,
    countFigures(ports, openFilters(scope, endOfPeriod(toDay))),
  ]);
  return indicatorsOf(unitCode, from, to, add(add(closed, live), open));
}

/** A province's figures and every one of its communes' (in the units list's order). */
export interface CommuneIndicators {
  province: Indicators;
  communes: Indicators[];
}

/** What a province-wide read counts: the province's figures and each commune's, absent where nothing counted. */
interface Tally {
  province: Partial<Counts>;
  communes: Record<string, Partial<Counts>>;
}

const emptyTally = (): Tally => ({ province: {}, communes: {} });

function addTally(sum: Tally, more: Tally): void {
  sum.province = add({ ...NO_COUNTS, ...sum.province }, more.province);
  for (const [code, figures] of Object.entries(more.communes)) {
    sum.communes[code] = add({ ...NO_COUNTS, ...sum.communes[code] }, figures);
  }
}

/**
 * Runs each filter once at a province's scope and counts every dossier read
 * for the province and for the commune its side names, in the tally of the
 * bucket `bucketOf` gives it (its Vietnam day, or one bucket for a whole
 * range): a handful of indexed reads whatever the number of communes or days.
 */
async function tallyRows(
  ports: RoutingPorts,
  filters: FigureFilter[],
  bucketOf: (dossier: AssignmentRecord, filter: FigureFilter) => number,
): Promise<Map<number, Tally>> {
  const buckets = new Map<number, Tally>();
  const read = await Promise.all(filters.map((filter) => ports.store.find(assignments, filter.filter)));
  filters.forEach((filter, index) => {
    for (const { data } of read[index] ?? []) {
      const bucket = bucketOf(data, filter);
      let tally = buckets.get(bucket);
      if (!tally) buckets.set(bucket, (tally = emptyTally()));
      tally.province[filter.figure] = (tally.province[filter.figure] ?? 0) + 1;
      const commune = COMMUNE_OF[filter.side](data);
      if (commune === "") continue;
      const figures = (tally.communes[commune] ??= {});
      figures[filter.figure] = (figures[filter.figure] ?? 0) + 1;
    }
  });
  return buckets;
}

/** The Vietnam day an event figure counts a dossier on: the day of the date its filter's range is on. */
function dayOf(dossier: AssignmentRecord, { filter }: FigureFilter): number {
  const stamp = filter.range ? dossier[filter.range.field] : null;
  return typeof stamp === "string" ? vietnamDayNumber(new Date(stamp)) : 0;
}

/**
 * A province's closed days [fromDay, lastDay], every commune at once: the
 * days kept are read (one document a day), the others counted with one read
 * per figure over the span they cover and kept, like a unit's (decision 30).
 */
async function closedProvinceDays(
  ports: RoutingPorts,
  scope: UnitScope,
  fromDay: number,
  lastDay: number,
): Promise<Tally> {
  const kept = await ports.store.find(provinceIndicatorDays, {
    where: { provinceCode: scope.unitCode },
    range: { field: "day", gte: fromDay, lt: lastDay + 1 },
  });
  const total = emptyTally();
  for (const { data } of kept) addTally(total, data);
  const keptDays = new Set(kept.map((row) => row.data.day));
  const missing: number[] = [];
  for (let day = fromDay; day <= lastDay; day++) if (!keptDays.has(day)) missing.push(day);
  if (missing.length === 0) return total;

  const first = missing[0] ?? fromDay;
  const counted = await tallyRows(ports, eventFilters(scope, first, lastDay + 1), dayOf);
  const records = missing.map((day): ProvinceIndicatorDayRecord => ({
    provinceCode: scope.unitCode,
    day,
    ...(counted.get(day) ?? emptyTally()),
  }));
  for (const record of records) addTally(total, record);
  try {
    await ports.commit(
      records.map((record) => put(provinceIndicatorDays, `${record.provinceCode}:${record.day}`, record, 0)),
    );
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
  return total;
}

/**
 * The indicators of a province and of each of its communes over inclusive
 * Vietnam dates, in one pass: the same filters as a unit's figures (one
 * rule, above) run once at the province's scope, each dossier read counted
 * for the province and for the commune its side names. Closed days are kept
 * per province, every commune in one document a day; the days still open and
 * the open dossiers are read live. A bounded number of reads — the kept
 * days, at most five over the closed days not kept yet, five over the open
 * days, twelve over the open dossiers — whatever the number of communes or
 * days (decision 42). Read by the province's own officials and operators,
 * like the province's figures; an unknown province is a 404.
 */
export async function getCommuneIndicators(
  ports: RoutingPorts,
  caller: Caller,
  input: unknown,
): Promise<CommuneIndicators> {
  const { provinceCode, from, to } = parseInput(communeIndicatorsSchema, input);
  if (!ports.units.province(provinceCode)) throw notFound("province", provinceCode);
  assertActsForUnit(ports, caller, provinceCode, provinceCode, "read_commune_indicators");
  const scope = unitScope(provinceCode);
  const { fromDay, toDay, closedUntil } = periodDays(ports, from, to);
  const whole = () => 0;

  const [closed, live, open] = await Promise.all([
    closedUntil >= fromDay ? closedProvinceDays(ports, scope, fromDay, closedUntil) : emptyTally(),
    toDay > closedUntil
      ? tallyRows(ports, eventFilters(scope, Math.max(fromDay, closedUntil + 1), toDay + 1), whole)
      : new Map<number, Tally>(),
    tallyRows(ports, openFilters(scope, endOfPeriod(toDay)), whole),
  ]);
  const total = closed;
  for (const tally of [...live.values(), ...open.values()]) addTally(total, tally);
  const figuresOf = (code: string, figures: Partial<Counts> | undefined) =>
    indicatorsOf(code, from, to, add(NO_COUNTS, figures ?? {}));
  return {
    province: figuresOf(provinceCode, total.province),
    communes: ports.units.communesOf(provinceCode).map(({ code }) => figuresOf(code, total.communes[code])),
  };
}
