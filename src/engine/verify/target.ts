// The target side of verify: canonical text of a target column by its DuckDB type (the same
// text the source side computes from the source column, see docs/verify.md), and the SQL run
// through the sink's query method (DuckDB SQL over `namespace.table`).
import type { TableMapping } from '../typemap/types';
import { quoteIdent, quoteLiteral } from '../typemap';
import type { Dialect } from './rowsql';
import { canonicalFloatText, duckdbTextFns } from './floattext';

export const duckdbDialect: Dialect = {
  field: (e) => `coalesce(CAST(length(${e}) AS VARCHAR) || ':' || ${e}, 'N')`,
  concat: (parts) => parts.join(' || '),
  hash: (t) => `CAST('0x' || substr(md5(${t}), 1, 15) AS BIGINT)`,
  sum: (h) => `CAST(coalesce(sum(${h}), 0) AS VARCHAR)`,
  ident: quoteIdent,
  literal: quoteLiteral,
};

const INTEGER = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT']);

export function isIntegerType(t: string): boolean { return INTEGER.has(t); }

/** DuckDB expression giving the canonical text of `x`, a value of target type `type`. */
export function duckdbCanonical(x: string, type: string): string {
  if (type.endsWith('[]')) {
    // lists: the shape as PostgreSQL's array_dims spells it (a list starts at 1 and is rectangular:
    // the first element's length is every element's), the element count, then the elements'
    // canonical texts, flattened in order
    let inner = type; let flat = x; let first = x; const dims: string[] = [];
    while (inner.endsWith('[]')) {
      dims.push(`'[1:' || CAST(len(${first}) AS VARCHAR) || ']'`);
      inner = inner.slice(0, -2); first = `${first}[1]`;
      if (inner.endsWith('[]')) flat = `flatten(${flat})`;
    }
    const el = duckdbCanonical('lakesync_v', inner);
    return `CASE WHEN ${x} IS NULL THEN NULL WHEN len(${flat}) = 0 THEN '0[]' ELSE ${dims.join(' || ')} || CAST(len(${flat}) AS VARCHAR) || '[' || `
      + `array_to_string(list_transform(${flat}, lakesync_v -> ${duckdbDialect.field(el)}), ',') || ']' END`;
  }
  if (INTEGER.has(type) || type === 'BOOLEAN' || type === 'UUID' || type === 'BIT' || type === 'TIMETZ') return `CAST(${x} AS VARCHAR)`;
  if (type.startsWith('DECIMAL')) return `regexp_replace(CAST(${x} AS VARCHAR), '^(-?)\\.', '\\10.')`; // .5 -> 0.5
  if (type === 'DOUBLE' || type === 'FLOAT') {
    // a FLOAT widened to a double (exact), in the one notation of floattext.ts
    return `CASE WHEN isnan(${x}) THEN 'NaN' WHEN isinf(${x}) THEN (CASE WHEN ${x} > 0 THEN 'Infinity' ELSE '-Infinity' END) `
      + `ELSE ${canonicalFloatText(`CAST(CAST(${x} AS DOUBLE) AS VARCHAR)`, duckdbTextFns)} END`;
  }
  if (type === 'DATE') return `CASE WHEN isfinite(${x}) THEN CAST(date_diff('day', DATE '1970-01-01', ${x}) AS VARCHAR) ELSE CAST(${x} AS VARCHAR) END`;
  if (type === 'TIMESTAMP' || type === 'TIMESTAMPTZ') return `CASE WHEN isfinite(${x}) THEN CAST(epoch_us(${x}) AS VARCHAR) ELSE CAST(${x} AS VARCHAR) END`;
  if (type === 'TIME') return `CAST((hour(${x}) * 60 + minute(${x})) * 60000000::BIGINT + microsecond(${x}) AS VARCHAR)`;
  if (type === 'INTERVAL') {
    return `CAST(datepart('year', ${x}) * 12 + datepart('month', ${x}) AS VARCHAR) || ' ' || CAST(datepart('day', ${x}) AS VARCHAR) || ' ' || `
      + `CAST((datepart('hour', ${x}) * 60 + datepart('minute', ${x})) * 60000000::BIGINT + datepart('microseconds', ${x}) AS VARCHAR)`;
  }
  if (type === 'BLOB') return `lower(hex(${x}))`;
  return `CAST(${x} AS VARCHAR)`; // VARCHAR, JSON
}

/** What the target side needs about one verified table. */
export interface TargetTable {
  /** `"ns"."table"`. */
  from: string;
  /** Filter to this source's rows (merged tables carry the source identity). */
  filter: string[];
  /** Canonical expressions of the mapping's columns (undefined: not compared). */
  columns: (string | undefined)[];
  /** Display expressions of the key columns. */
}

/**
 * `cast[i]`: the target stores column i in another, lossless form (the sink's `storedType`, e.g.
 * Iceberg's INTERVAL as text): it is cast back to its target type before its canonical text.
 */
export function targetTable(mapping: TableMapping, merged: boolean, source: { db: string; table: string }, compared: boolean[], cast: boolean[] = []): TargetTable {
  return {
    from: `${quoteIdent(mapping.namespace)}.${quoteIdent(mapping.table)}`,
    filter: merged ? [`"_lakesync_source_db" = ${quoteLiteral(source.db)}`, `"_lakesync_source_table" = ${quoteLiteral(source.table)}`] : [],
    columns: mapping.columns.map((c, i) => (compared[i]
      ? duckdbCanonical(cast[i] ? `CAST(${quoteIdent(c.name)} AS ${c.targetType})` : quoteIdent(c.name), c.targetType) : undefined)),
  };
}
