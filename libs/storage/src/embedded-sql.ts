/**
 * Query → SQL for the embedded adapter. Values are always bound parameters;
 * field names (already checked against the identifier pattern) are written
 * into the SQL.
 *
 * A field some index of the collection names has a column of its own
 * (`f_<field>`), kept by the adapter beside the JSON (see indexValue): a
 * query on it reads the column, which the index serves and no row's JSON is
 * parsed for. Any other field is read from the JSON with json_extract.
 *
 * Every comparison is guarded by the type of the stored value so that
 * matching follows MongoDB's type-bracketed rules: the string "5" never equals
 * the number 5, `true` never equals 1, and a string bound only ranges over
 * strings. The guards run on the rows the index already narrowed down.
 */
import { rangesOf, type UntypedQuery } from "./port";

export type SqlParam = string | number | Buffer | null;

export interface SqlFragment {
  sql: string;
  params: SqlParam[];
}

/** The fields of a collection that have columns of their own: every field one of its indexes names. */
export type IndexedFields = ReadonlySet<string>;

/** The column that holds an indexed field's value. */
export function columnOf(field: string): string {
  return `"f_${field}"`;
}

/**
 * An indexed field's value as its column keeps it: what json_extract gives for it (text, a number, NULL for
 * absent or null, the JSON text of an object or array), except a boolean, which is a one-byte blob — a type
 * of its own, so that `true` stays apart from 1 without reading the JSON.
 */
export function indexValue(value: unknown): SqlParam {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" || typeof value === "number") return value;
  if (typeof value === "boolean") return Buffer.from([value ? 1 : 0]);
  return JSON.stringify(value);
}

/** The SQL that fills a column of an existing table from the JSON, as indexValue would. */
export function backfillExpression(field: string): string {
  const path = `'$.${field}'`;
  return `CASE json_type(data, ${path}) WHEN 'true' THEN x'01' WHEN 'false' THEN x'00' ELSE json_extract(data, ${path}) END`;
}

/** Where a field's value is read: its column, or the JSON. */
export function fieldExpression(field: string, indexed: IndexedFields): string {
  return indexed.has(field) ? columnOf(field) : `json_extract(data, '$.${field}')`;
}

const NUMBER_TYPES = "('integer', 'real')";

function typeGuard(field: string, value: string | number | boolean, indexed: IndexedFields): string {
  if (indexed.has(field)) {
    const type = `typeof(${columnOf(field)})`;
    if (typeof value === "string") return `${type} = 'text'`;
    if (typeof value === "number") return `${type} IN ${NUMBER_TYPES}`;
    return `${type} = 'blob'`;
  }
  const type = `json_type(data, '$.${field}')`;
  if (typeof value === "string") return `${type} = 'text'`;
  if (typeof value === "number") return `${type} IN ${NUMBER_TYPES}`;
  return `${type} = '${value ? "true" : "false"}'`;
}

/** A value bound against a field: a boolean as its column keeps it, or as json_extract gives it. */
function boundValue(field: string, value: string | number | boolean, indexed: IndexedFields): SqlParam {
  if (typeof value !== "boolean") return value;
  return indexed.has(field) ? indexValue(value) : Number(value);
}

export function whereClause(query: Omit<UntypedQuery, "orderBy" | "limit">, indexed: IndexedFields): SqlFragment {
  const conditions: string[] = [];
  const params: SqlParam[] = [];
  for (const [field, value] of Object.entries(query.where ?? {})) {
    // An absent key filters nothing (a typed filter may carry optional fields).
    if (value === undefined) continue;
    if (value === null) {
      // Like MongoDB's { field: null }: absent or JSON null.
      conditions.push(`${fieldExpression(field, indexed)} IS NULL`);
      continue;
    }
    conditions.push(`${fieldExpression(field, indexed)} = ?`, typeGuard(field, value, indexed));
    params.push(boundValue(field, value, indexed));
  }
  for (const { field, gte, lt } of rangesOf(query)) {
    for (const [operator, bound] of [
      [">=", gte],
      ["<", lt],
    ] as const) {
      if (bound === undefined) continue;
      conditions.push(`${fieldExpression(field, indexed)} ${operator} ?`);
      params.push(bound);
    }
    const sample = gte ?? lt;
    if (sample !== undefined) conditions.push(typeGuard(field, sample, indexed));
  }
  return { sql: conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "", params };
}

/**
 * Ties (and queries without orderBy) follow insertion order in the direction
 * of the sort: every SQLite index ends with the rowid, which is `seq`, so the
 * index serves the whole ORDER BY.
 */
export function orderClause(query: UntypedQuery, indexed: IndexedFields): SqlFragment {
  let order = " ORDER BY seq ASC";
  if (query.orderBy) {
    const direction = query.orderBy.direction === "desc" ? "DESC" : "ASC";
    order = ` ORDER BY ${fieldExpression(query.orderBy.field, indexed)} ${direction}, seq ${direction}`;
  }
  return query.limit === undefined ? { sql: order, params: [] } : { sql: `${order} LIMIT ?`, params: [query.limit] };
}
