/**
 * Query → MongoDB filter and sort for the mongo adapter. Documents are stored
 * as { _id, v, seq, data }, so every field of the port lives under `data.`.
 * MongoDB's comparison rules are type-bracketed (a string bound only ranges
 * over strings); the embedded adapter reproduces them with JSON type guards.
 */
import { rangesOf, type UntypedQuery } from "./port";

export type MongoFilter = Record<string, unknown>;
export type MongoSort = Record<string, 1 | -1>;

export function dataPath(field: string): string {
  return `data.${field}`;
}

export function toFilter(query: Omit<UntypedQuery, "orderBy" | "limit">): MongoFilter {
  // An absent key filters nothing (a typed filter may carry optional fields).
  const conditions: MongoFilter[] = Object.entries(query.where ?? {})
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => ({ [dataPath(field)]: value }));
  for (const range of rangesOf(query)) {
    const bounds: MongoFilter = {};
    if (range.gte !== undefined) bounds.$gte = range.gte;
    if (range.lt !== undefined) bounds.$lt = range.lt;
    conditions.push({ [dataPath(range.field)]: bounds });
  }
  return conditions.length > 0 ? { $and: conditions } : {};
}

/**
 * Ties (and queries without orderBy) follow `seq`, the insertion stamp, in
 * the direction of the sort; every declared index ends with seq to serve it.
 */
export function toSort(query: UntypedQuery): MongoSort {
  if (!query.orderBy) return { seq: 1 };
  const direction = query.orderBy.direction === "desc" ? -1 : 1;
  return { [dataPath(query.orderBy.field)]: direction, seq: direction };
}
