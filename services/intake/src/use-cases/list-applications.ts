import { DossierStatus, dayNumberOfIsoDate, instantOfDay, isDossierStatus } from "@lienthong/domain";
import { invalidArgument } from "@lienthong/errors";
import { parseInput } from "@lienthong/service-host";
import type { Query, Range } from "@lienthong/storage";
import { z } from "zod";
import { isVisibleTo } from "../auth/access";
import { applications, type ApplicationRecord } from "../store/collections";
import type { Caller, IntakePorts } from "./ports";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** Statuses whose deadline can still be missed; 3, 7, 8, 9 and 10 are closed or already judged. */
const OPEN_STATUSES: readonly DossierStatus[] = [
  DossierStatus.SUBMITTED,
  DossierStatus.ACCEPTED,
  DossierStatus.PROCESSING,
  DossierStatus.SUPPLEMENT_REQUESTED,
  DossierStatus.AWAITING_PAYMENT,
];
/**
 * Past this many (unit × role × status) index reads per page, one newest-first
 * scan filtered by visibility is cheaper: a provincial portal acts for
 * hundreds of units.
 */
const MAX_INDEXED_SOURCES = 24;

/** A date (a whole Vietnam day) or an instant with its offset. */
const dateOrInstant = z.union([z.iso.datetime({ offset: true }), z.iso.date()], {
  error: "must be a date (YYYY-MM-DD) or an ISO 8601 date-time with offset",
});

export const listSchema = z.object({
  status: z.coerce
    .number({ error: "must be a dossier status code from 1 to 10" })
    .pipe(z.custom<DossierStatus>(isDossierStatus, "must be a dossier status code from 1 to 10"))
    .optional(),
  procedureCode: z
    .string()
    .regex(/^\d\.\d{6}(\.[0-9A-Z.]+)?$/, "must be a procedure code like 1.000894")
    .optional(),
  /** Submitted at or after (a date: from that day's start, Vietnam time). */
  from: dateOrInstant.optional(),
  /** Submitted before (a date: up to the end of that day, Vietnam time). */
  to: dateOrInstant.optional(),
  overdue: z
    .union([z.boolean(), z.enum(["true", "false"]).transform((value) => value === "true")], {
      error: "must be true or false",
    })
    .default(false),
  pageSize: z.coerce
    .number({ error: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
    .int(`must be a whole number from 1 to ${MAX_PAGE_SIZE}`)
    .min(1, `must be a whole number from 1 to ${MAX_PAGE_SIZE}`)
    .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`)
    .default(DEFAULT_PAGE_SIZE),
  pageToken: z.string().max(200, "is not a token from a previous page").optional(),
});

export interface ApplicationPage {
  applications: ApplicationRecord[];
  /** Absent on the last page. */
  nextPageToken: string | undefined;
}

/** listKey `<submittedAt>|<dossierId>` of the last item shown, opaque to callers. */
const LIST_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\|[0-9a-f-]{36}$/;

function encodePageToken(listKey: string): string {
  return Buffer.from(listKey, "utf8").toString("base64url");
}

function decodePageToken(token: string): string {
  const listKey = Buffer.from(token, "base64url").toString("utf8");
  if (!LIST_KEY.test(listKey))
    throw invalidArgument([{ field: "pageToken", reason: "is not a token from a previous page" }]);
  return listKey;
}

/** ISO instant of a bound; a date `to` covers its whole day. */
function boundInstant(value: string, edge: "from" | "to"): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value))
    return instantOfDay(dayNumberOfIsoDate(value, edge) + (edge === "to" ? 1 : 0)).toISOString();
  return new Date(value).toISOString();
}

/** Equality on indexed fields of the record: a misspelt field does not compile. */
type ApplicationFilter = NonNullable<Query<ApplicationRecord>["where"]>;

/** How a unit holds a dossier: it received it, or it is the competent authority deciding it. */
const roles = [
  (unit: string): ApplicationFilter => ({ receivingUnitCode: unit }),
  (unit: string): ApplicationFilter => ({ competentAuthorityCode: unit }),
];

interface Source {
  where: ApplicationFilter;
  buffer: ApplicationRecord[];
  /** Exclusive upper bound of the next read. */
  upper: string | undefined;
  exhausted: boolean;
}

/**
 * The caller's dossiers — received by or competent in one of its units —
 * newest first, filtered by status, procedure, submission dates and
 * overdue-ness, a page at a time. Each (unit, role, status) is an indexed
 * read in listKey order; the reads are merged, and a dossier both received
 * and decided by the caller's units appears once.
 */
export async function listApplications(ports: IntakePorts, caller: Caller, input: unknown): Promise<ApplicationPage> {
  const filter = parseInput(listSchema, input);
  // The listing reads only the caller's own units: one decision covers the whole page.
  ports.audit({ clientId: caller.clientId, action: "list", target: "own-units", decision: "allowed" });
  const lower = filter.from ? boundInstant(filter.from, "from") : undefined;
  const toBound = filter.to ? boundInstant(filter.to, "to") : undefined;
  const cursor = filter.pageToken ? decodePageToken(filter.pageToken) : undefined;
  const upper = [toBound, cursor].filter((bound): bound is string => bound !== undefined).sort()[0];
  if (lower !== undefined && upper !== undefined && lower >= upper)
    return { applications: [], nextPageToken: undefined };

  const statuses = filter.overdue
    ? OPEN_STATUSES.filter((status) => filter.status === undefined || status === filter.status)
    : [filter.status];
  if (statuses.length === 0) return { applications: [], nextPageToken: undefined };

  const base = (status: DossierStatus | undefined): ApplicationFilter => ({
    ...(filter.procedureCode && { procedureCode: filter.procedureCode }),
    ...(status !== undefined && { status }),
  });
  const indexed = [...caller.unitCodes].flatMap((unit) =>
    roles.flatMap((role) => statuses.map((status) => ({ ...base(status), ...role(unit) }))),
  );
  const scanAll = indexed.length > MAX_INDEXED_SOURCES;
  const wheres = scanAll ? statuses.map(base) : indexed;
  const sources: Source[] = wheres.map((where) => ({ where, buffer: [], upper, exhausted: false }));

  const now = ports.now().toISOString();
  // Overdue-ness is bounded in the store's read (refill); what a scan of every unit reads is checked here.
  const wanted = (record: ApplicationRecord) => !scanAll || isVisibleTo(caller, record);

  // One more than a page tells whether another page follows.
  const found: ApplicationRecord[] = [];
  const batch = filter.pageSize + 1;
  while (found.length < batch) {
    await Promise.all(
      sources
        .filter((source) => source.buffer.length === 0 && !source.exhausted)
        .map((source) => refill(ports, source, { lower, dueBefore: filter.overdue ? now : undefined }, batch)),
    );
    const heads = sources.filter((source) => source.buffer.length > 0);
    if (heads.length === 0) break;
    const newest = heads.map((source) => source.buffer[0]!.listKey).reduce((a, b) => (a > b ? a : b));
    let record: ApplicationRecord | undefined;
    for (const source of heads) if (source.buffer[0]!.listKey === newest) record = source.buffer.shift();
    if (record && wanted(record)) found.push(record);
  }
  const shown = found.slice(0, filter.pageSize);
  const last = shown[shown.length - 1];
  return {
    applications: shown,
    nextPageToken: found.length > filter.pageSize && last ? encodePageToken(last.listKey) : undefined,
  };
}

/**
 * The source's next rows, newest first, within the listing's dates and below
 * what it read already. An overdue listing bounds the appointment too, so the
 * store skips the open dossiers still within their term instead of handing
 * them over to be dropped (at a million dossiers a commune's overdue page read
 * and parsed thousands of them).
 */
async function refill(
  ports: IntakePorts,
  source: Source,
  bounds: { lower: string | undefined; dueBefore: string | undefined },
  batch: number,
): Promise<void> {
  const ranges: Range<ApplicationRecord>[] = [];
  if (bounds.lower !== undefined || source.upper !== undefined)
    ranges.push({ field: "listKey", gte: bounds.lower, lt: source.upper });
  if (bounds.dueBefore !== undefined) ranges.push({ field: "appointmentAt", lt: bounds.dueBefore });
  const rows = await ports.store.find(applications, {
    where: source.where,
    range: ranges,
    orderBy: { field: "listKey", direction: "desc" },
    limit: batch,
  });
  source.buffer = rows.map((row) => row.data);
  source.exhausted = rows.length < batch;
  source.upper = source.buffer[source.buffer.length - 1]?.listKey ?? source.upper;
}
