/**
 * Query → SQL for the embedded adapter. Values are always bound parameters;
 * field names (already checked against the identifier pattern) are written
 * into the json path literal, because SQLite only uses an expression index
 * when the query repeats the indexed expression exactly.
 *
 * Every comparison is guarded by the JSON type of the stored value so that
 * matching follows MongoDB's type-bracketed rules: the string "5" never equals
 * the number 5, `true` never equals 1, and a string bound only ranges over
 * strings. The guards run on the rows the index already narrowed down.
 */
import type { UntypedQuery } from "./port";

export type SqlParam = string | number | null;

export interface SqlFragment {
  sql: string;
  params: SqlParam[];
}

/** The indexed expression for a top-level field of `data`. */
export function fieldExpression(field: string): string {
  return `json_extract(data, '$.${field}')`;
}

function typeOf(field: string): string {
  return `json_type(data, '$.${field}')`;
}

const NUMBER_TYPES = "('integer', 'real')";

function typeGuard(field: string, value: string | number | boolean): string {
  if (typeof value === "string") return `${typeOf(field)} = 'text'`;
  if (typeof value === "number") return `${typeOf(field)} IN ${NUMBER_TYPES}`;
  return `${typeOf(field)} = '${value ? "true" : "false"}'`;
}

export function whereClause(query: Omit<UntypedQuery, "orderBy" | "limit">): SqlFragment {
  const conditions: string[] = [];
  const params: SqlParam[] = [];
  for (const [field, value] of Object.entries(query.where ?? {})) {
    // An absent key filters nothing (a typed filter may carry optional fields).
    if (value === undefined) continue;
    if (value === null) {
      // Like MongoDB's { field: null }: absent or JSON null.
      conditions.push(`${fieldExpression(field)} IS NULL`);
      continue;
    }
    conditions.push(`${fieldExpression(field)} = ?`, typeGuard(field, value));
    params.push(typeof value === "boolean" ? Number(value) : value);
  }
  if (query.range) {
    const { field, gte, lt } = query.range;
    for (const [operator, bound] of [
      [">=", gte],
      ["<", lt],
    ] as const) {
      if (bound === undefined) continue;
      conditions.push(`${fieldExpression(field)} ${operator} ?`);
      params.push(bound);
    }
    const sample = gte ?? lt;
    if (sample !== undefined) conditions.push(typeGuard(field, sample));
  }
  return { sql: conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "", params };
}

/**
 * Ties (and queries without orderBy) follow insertion order in the direction
 * of the sort: every SQLite index ends with the rowid, which is `seq`, so the
 * index serves the whole ORDER BY.
 */
export function orderClause(query: UntypedQuery): SqlFragment {
  let order = " ORDER BY seq ASC";
  if (query.orderBy) {
    const direction = query.orderBy.direction === "desc" ? "DESC" : "ASC";
    order = ` ORDER BY ${fieldExpression(query.orderBy.field)} ${direction}, seq ${direction}`;
  }
  return query.limit === undefined ? { sql: order, params: [] } : { sql: `${order} LIMIT ?`, params: [query.limit] };
}
