import { isDossierStatus } from "@lienthong/domain";
import { invalidArgument } from "@lienthong/errors";
import { parseInput, type Caller } from "@lienthong/service-host";
import type { Query, Versioned } from "@lienthong/storage";
import { z } from "zod";
import { assignments, type AssignmentRecord } from "../store/collections";
import type { RoutingPorts } from "./ports";
import { assertActsForAgency } from "./tenancy";

export const queueSchema = z.object({
  agencyCode: z
    .string()
    .regex(/^[0-9A-Z.]{1,35}$/, "must be an agency code (dot-separated groups of 0-9 A-Z) or a 5-digit commune code"),
  /** Absent or 0: every open dossier (not refused, withdrawn or returned). */
  status: z.coerce
    .number()
    .int()
    .min(0)
    .max(10, "must be a dossier status code 1–10")
    .transform((status) => (isDossierStatus(status) ? status : undefined))
    .optional(),
  pageSize: z.coerce.number().int().min(0).max(200, "must be at most 200").optional(),
  pageToken: z.string().max(200, "is not a page token of this queue").optional(),
});

const DEFAULT_PAGE_SIZE = 50;

/** The cursor is the last queue key served; opaque to callers. */
function encodeToken(queueKey: string): string {
  return Buffer.from(queueKey, "utf8").toString("base64url");
}

function decodeToken(token: string): string {
  const queueKey = Buffer.from(token, "base64url").toString("utf8");
  if (!/^[^|]*\|[^|]+$/.test(queueKey))
    throw invalidArgument([{ field: "pageToken", reason: "is not a page token of this queue" }]);
  return queueKey;
}

/**
 * An agency's queue: the dossiers it must act on (the receiving unit's intake
 * checks, then the competent authority's processing), earliest appointment
 * first (dossiers not yet accepted, having none, come after), ties by dossier
 * id, served in pages by cursor so concurrent changes never repeat or skip a
 * dossier that stays put. Read only on behalf of that agency.
 */
export async function listQueue(
  ports: RoutingPorts,
  caller: Caller,
  input: unknown,
): Promise<{ assignments: Versioned<AssignmentRecord>[]; nextPageToken: string }> {
  const request = parseInput(queueSchema, input);
  assertActsForAgency(ports, caller, request.agencyCode);
  const pageSize = request.pageSize || DEFAULT_PAGE_SIZE;
  const after = request.pageToken ? decodeToken(request.pageToken) : undefined;
  const where: Query<AssignmentRecord>["where"] = request.status
    ? { queueAgencyCode: request.agencyCode, status: request.status }
    : { queueAgencyCode: request.agencyCode, open: true };
  // gte plus one extra row: the cursor row itself is dropped (queue keys are unique).
  const rows = await ports.store.find(assignments, {
    where,
    ...(after !== undefined && { range: { field: "queueKey", gte: after } }),
    orderBy: { field: "queueKey" },
    limit: pageSize + 2,
  });
  const page = (after !== undefined && rows[0]?.data.queueKey === after ? rows.slice(1) : rows).slice(0, pageSize + 1);
  const more = page.length > pageSize;
  const served = page.slice(0, pageSize);
  const last = served[served.length - 1];
  return { assignments: served, nextPageToken: more && last ? encodeToken(last.data.queueKey) : "" };
}
