// `lakesync verify` on PostgreSQL: chunk checksums computed in the database over the canonical
// text of each column (docs/verify.md), read at an exactly known WAL position.
//
// The position: one connection locks the table IN SHARE MODE (it waits for the transactions
// writing the table to end and keeps new writers out), exports its snapshot and reads
// pg_current_wal_insert_lsn(); a second connection imports the snapshot and the first commits
// at once, so writers wait only milliseconds. Every committed change of the table then ends at
// or before that LSN and every later one ends after it: the snapshot is the table as of the LSN,
// which the engine's stream (positions = commit end LSN) can be held at.
import type pg from 'pg';
import type { TaskPlan } from '../../config/plan';
import { lsn, parseLsn, type Position } from '../../positions';
import type { Dialect } from '../../verify/rowsql';
import { canonicalFloatText, pgTextFns } from '../../verify/floattext';
import type { VerifyColumn, VerifyReader } from '../../verify/types';
import type { SourceColumn, SourceTable } from '../types';
import { connect, ident, literal, qualified } from './session';
import { normalizePostgresType } from '../../typemap/postgres';

export const pgDialect: Dialect = {
  field: (e) => `coalesce(length(${e})::text || ':' || ${e}, 'N')`,
  concat: (parts) => parts.join(' || '),
  hash: (t) => `('x' || substr(md5(${t}), 1, 15))::bit(60)::bigint`,
  sum: (h) => `coalesce(sum(${h}), 0)::text`,
  ident,
  literal,
};

/** Canonical text of a PostgreSQL value `x` of column `col`, for target type `type`. */
export function pgCanonical(x: string, col: SourceColumn, type: string): string | undefined {
  if (type.endsWith('[]')) {
    const inner = type.replace(/(\[\])+$/, '');
    const elementName = col.elementType ?? col.dataType.replace(/\[\]$/, '');
    const el = pgCanonical('v', { ...col, isArray: false, dataType: normalizePostgresType(elementName), fullType: elementName }, inner);
    if (!el) return undefined;
    // the shape first (array_dims: `[0:1]`, `[1:2][1:3]`; none when empty), so a renumbered or reshaped array differs
    return `(SELECT CASE WHEN ${x} IS NULL THEN NULL ELSE coalesce(array_dims(${x}), '') || cardinality(${x})::text || '[' || coalesce(string_agg(${pgDialect.field(el)}, ',' ORDER BY o), '') || ']' END `
      + `FROM unnest(${x}) WITH ORDINALITY u(v, o))`;
  }
  const t = normalizePostgresType(col.dataType);
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/.test(type)) return `${x}::text`;
  if (type === 'BOOLEAN' || type === 'UUID' || type === 'BIT' || type === 'TIMETZ') return `${x}::text`;
  const dec = /^DECIMAL\(\d+,(\d+)\)$/.exec(type);
  if (dec) return `CASE WHEN ${x}::numeric = 'NaN'::numeric THEN NULL ELSE round(${x}::numeric, ${dec[1]})::text END`;
  if (type === 'DOUBLE' || type === 'FLOAT') {
    // widened to a double (exact for real), in the one notation of verify/floattext.ts
    const t = `(${x})::float8::text`;
    return `CASE WHEN ${t} IN ('NaN', 'Infinity', '-Infinity') THEN ${t} ELSE ${canonicalFloatText(t, pgTextFns)} END`;
  }
  if (type === 'DATE') return `CASE WHEN isfinite(${x}) THEN (${x} - DATE '1970-01-01')::text ELSE ${x}::text END`;
  if (type === 'TIMESTAMP' || type === 'TIMESTAMPTZ') {
    return `CASE WHEN isfinite(${x}) THEN (extract(epoch FROM ${x}) * 1000000)::numeric(30,0)::text ELSE ${x}::text END`;
  }
  if (type === 'TIME') return `(extract(epoch FROM ${x}) * 1000000)::numeric(20,0)::text`;
  if (type === 'INTERVAL') {
    return `(extract(year FROM ${x}) * 12 + extract(month FROM ${x}))::numeric(20,0)::text || ' ' || extract(day FROM ${x})::numeric(20,0)::text || ' ' || `
      + `((extract(hour FROM ${x}) * 60 + extract(minute FROM ${x})) * 60000000 + extract(microseconds FROM ${x}))::numeric(30,0)::text`;
  }
  if (t === 'geometry' || t === 'geography') return `lower(${x}::text)`; // hex EWKB, as the readers get it
  if (type === 'BLOB') return `encode(${x}, 'hex')`;
  if (type === 'JSON') return `${x}::text`;
  if (t === 'money') return `${x}::numeric::text`;
  // VARCHAR: the type's own output (concat keeps char(n) padding, which ::text strips)
  return `CASE WHEN ${x} IS NULL THEN NULL ELSE concat(${x}) END`;
}

class PgVerifyReader implements VerifyReader {
  private reader?: pg.Client;
  private locker?: pg.Client;

  constructor(private readonly plan: TaskPlan) {}

  async begin(table: SourceTable): Promise<Position> {
    this.locker ??= await connect(this.plan, { appName: `lakesync:${this.plan.name}:verify` });
    this.reader ??= await connect(this.plan, { appName: `lakesync:${this.plan.name}:verify` });
    const l = this.locker; const r = this.reader;
    await l.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    try {
      await l.query(`SET LOCAL lock_timeout = '10s'`);
      await l.query(`LOCK TABLE ${qualified(table.id)} IN SHARE MODE`);
      const res = await l.query<{ s: string; l: string }>('SELECT pg_export_snapshot() AS s, pg_current_wal_insert_lsn()::text AS l');
      await r.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await r.query(`SET TRANSACTION SNAPSHOT ${literal(res.rows[0].s)}`);
      return lsn(parseLsn(res.rows[0].l));
    } finally {
      await l.query('COMMIT').catch(() => undefined);
    }
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    if (!this.reader) throw new Error('verify: no read begun');
    return (await this.reader.query(sql)).rows as Record<string, unknown>[];
  }

  from(table: SourceTable): string { return qualified(table.id); }

  dialect(): Dialect { return pgDialect; }

  canonical(c: VerifyColumn): string | undefined {
    return c.source ? pgCanonical(ident(c.source.name), c.source, c.targetType) : 'NULL';
  }

  async end(): Promise<void> {
    await this.reader?.query('COMMIT').catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const c of [this.reader, this.locker]) await c?.end().catch(() => undefined);
    this.reader = undefined; this.locker = undefined;
  }
}

export function openPostgresVerify(plan: TaskPlan): VerifyReader {
  return new PgVerifyReader(plan);
}
