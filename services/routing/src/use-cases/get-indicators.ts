import { common } from "@lienthong/contracts";
import { dayNumberOfIsoDate, instantOfDay, isoCalendarDate } from "@lienthong/domain";
import { notFound } from "@lienthong/errors";
import { parseInput } from "@lienthong/service-host";
import type { Filter } from "@lienthong/storage";
import { z } from "zod";
import { assignments, type AssignmentRecord } from "../store/collections";
import type { RoutingPorts } from "./ports";

const indicatorsSchema = z
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
  });

type Where = Filter<AssignmentRecord>["where"];
/** The dates a figure is counted by: acceptance (received) or reaching status 9 (finished). */
type CountedBy = "acceptedAt" | "finishedAt";

export interface Indicators {
  unitCode: string;
  fromDate: string;
  toDate: string;
  received: number;
  receivedOnline: number;
  onlineShare: number;
  finishedEarly: number;
  finishedOnTime: number;
  finishedLate: number;
  onTimeRate: number;
  currentlyOverdue: number;
}

/**
 * The progress indicators of a commune or a province over inclusive Vietnam
 * dates. "Received" counts dossiers accepted (Được tiếp nhận) in the range by
 * the unit's reception (boundary-free intake: where the citizen came);
 * finished and overdue count the dossiers the unit decides (its competent
 * authorities), finished by the date they reached status 9. Every figure is
 * one indexed count.
 */
export async function getIndicators(ports: RoutingPorts, input: unknown): Promise<Indicators> {
  const { unitCode, from, to } = parseInput(indicatorsSchema, input);
  const commune = unitCode.length === 5;
  if (commune ? !ports.units.commune(unitCode) : !ports.units.province(unitCode))
    throw notFound(commune ? "commune" : "province", unitCode);
  const fromDay = dayNumberOfIsoDate(from, "from");
  const range = (field: CountedBy) => ({
    field,
    gte: instantOfDay(fromDay).toISOString(),
    lt: instantOfDay(dayNumberOfIsoDate(to, "to") + 1).toISOString(),
  });
  const receivedBy: Where = commune ? { receivingUnitCode: unitCode } : { receivingProvinceCode: unitCode };
  const decidedBy: Where = commune ? { competentCommuneCode: unitCode } : { competentProvinceCode: unitCode };
  const count = (where: Where, countedBy?: CountedBy) =>
    ports.store.count(assignments, { where, ...(countedBy && { range: range(countedBy) }) });
  const finished = (timeliness: number) => count({ ...decidedBy, timeliness }, "finishedAt");

  const [received, receivedOnline, finishedEarly, finishedOnTime, finishedLate, currentlyOverdue] = await Promise.all([
    count(receivedBy, "acceptedAt"),
    count({ ...receivedBy, channel: common.Channel.CHANNEL_ONLINE }, "acceptedAt"),
    finished(common.Timeliness.TIMELINESS_EARLY),
    finished(common.Timeliness.TIMELINESS_ON_TIME),
    finished(common.Timeliness.TIMELINESS_LATE),
    count({ ...decidedBy, overdue: true, open: true, finishedAt: null }),
  ]);
  const finishedTotal = finishedEarly + finishedOnTime + finishedLate;
  return {
    unitCode,
    fromDate: from,
    toDate: to,
    received,
    receivedOnline,
    onlineShare: received === 0 ? 0 : receivedOnline / received,
    finishedEarly,
    finishedOnTime,
    finishedLate,
    onTimeRate: finishedTotal === 0 ? 0 : (finishedEarly + finishedOnTime) / finishedTotal,
    currentlyOverdue,
  };
}
