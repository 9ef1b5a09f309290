// MySQL/MariaDB metadata from information_schema: databases, tables, and for each table its
// columns with the full type (length, precision, scale, fsp, unsigned, charset, enum/set labels,
// MariaDB JSON), primary key in key order and estimated rows. Every name is a bound parameter.
import type { Connection, Pool } from 'mysql2/promise';
import type { SourceColumn, SourceTable, TableId } from '../types';
import { charsetOfCollation, normalizeCharset } from './coldef';

type Query = Pick<Connection | Pool, 'query'>;

const SYSTEM = ['mysql', 'information_schema', 'performance_schema', 'sys'];

async function rows<T>(c: Query, sql: string, params: unknown[]): Promise<T[]> {
  const [r] = await c.query({ sql, values: params, rowsAsArray: false });
  return r as T[];
}

/** User databases. */
export async function listMysqlDatabases(c: Query): Promise<string[]> {
  const r = await rows<{ s: string }>(c, 'SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (?) ORDER BY 1', [SYSTEM]);
  return r.map((x) => String(x.s));
}

/** Base tables, MariaDB system-versioned tables included (no views, no sequences); `databases` limits the search. */
export async function listMysqlTables(c: Query, databases?: string[]): Promise<TableId[]> {
  if (databases && !databases.length) return [];
  const r = await rows<{ db: string; t: string }>(c,
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t FROM information_schema.TABLES
      WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') AND ${databases ? 'TABLE_SCHEMA IN (?)' : 'TABLE_SCHEMA NOT IN (?)'}
      ORDER BY 1, 2`, [databases ?? SYSTEM]);
  return r.map((x) => ({ db: String(x.db), table: String(x.t) }));
}

interface ColumnRow {
  db: string; t: string; name: string; ordinal: number | string; nullable: string; dataType: string; columnType: string;
  charLen: number | string | null; numPrec: number | string | null; numScale: number | string | null;
  dtPrec: number | string | null; charset: string | null; extra: string | null;
}

/** The labels of `enum('a','b''c')` / `set(...)` as the server prints COLUMN_TYPE. */
export function parseEnumLabels(columnType: string): string[] | undefined {
  const m = /^(?:enum|set)\((.*)\)$/is.exec(columnType);
  if (!m) return undefined;
  return [...m[1].matchAll(/'((?:[^'\\]|''|\\.)*)'/gs)].map((x) => x[1].replace(/''/g, "'").replace(/\\(.)/gs, '$1'));
}

const num = (v: number | string | null): number | undefined => (v === null || v === undefined ? undefined : Number(v));

/** Full descriptions of `ids` (tables that do not exist are left out); order follows `ids`. */
export async function describeMysqlTables(c: Query, ids: TableId[]): Promise<SourceTable[]> {
  if (!ids.length) return [];
  const pairs = ids.map((i) => [i.db, i.table]);
  const cols = await rows<ColumnRow>(c,
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t, COLUMN_NAME AS name, ORDINAL_POSITION AS ordinal, IS_NULLABLE AS nullable,
            DATA_TYPE AS dataType, COLUMN_TYPE AS columnType, CHARACTER_MAXIMUM_LENGTH AS charLen,
            NUMERIC_PRECISION AS numPrec, NUMERIC_SCALE AS numScale, DATETIME_PRECISION AS dtPrec,
            CHARACTER_SET_NAME AS charset, EXTRA AS extra
       FROM information_schema.COLUMNS WHERE (TABLE_SCHEMA, TABLE_NAME) IN (?)
      ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`, [pairs]);
  const keys = await rows<{ db: string; t: string; name: string }>(c,
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t, COLUMN_NAME AS name FROM information_schema.STATISTICS
      WHERE INDEX_NAME = 'PRIMARY' AND (TABLE_SCHEMA, TABLE_NAME) IN (?)
      ORDER BY TABLE_SCHEMA, TABLE_NAME, SEQ_IN_INDEX`, [pairs]);
  const stats = await rows<{ db: string; t: string; n: number | string | null; bytes: number | string | null; collation: string | null }>(c,
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t, TABLE_ROWS AS n, DATA_LENGTH AS bytes, TABLE_COLLATION AS collation FROM information_schema.TABLES
      WHERE (TABLE_SCHEMA, TABLE_NAME) IN (?)`, [pairs]);
  const json = await mariadbJsonColumns(c, [...new Set(ids.map((i) => i.db))]);

  const k = (db: string, t: string) => JSON.stringify([String(db), String(t)]);
  const byKey = new Map<string, SourceTable>();
  for (const r of cols) {
    const key = k(r.db, r.t);
    let table = byKey.get(key);
    if (!table) {
      const stat = stats.find((s) => k(s.db, s.t) === key);
      const est = num(stat?.n ?? null);
      table = {
        id: { db: String(r.db), table: String(r.t) }, columns: [],
        primaryKey: keys.filter((x) => k(x.db, x.t) === key).map((x) => String(x.name)),
        ...(stat?.collation ? { defaultCharset: charsetOfCollation(String(stat.collation)) } : {}),
        ...(est !== undefined ? { estimatedRows: est } : {}),
        ...(num(stat?.bytes ?? null) !== undefined ? { estimatedBytes: num(stat?.bytes ?? null) } : {}),
      };
      byKey.set(key, table);
    }
    table.columns.push(toColumn(r, json.has(JSON.stringify([String(r.db), String(r.t), String(r.name)]))));
  }
  return ids.map((i) => byKey.get(k(i.db, i.table))).filter((t): t is SourceTable => t !== undefined);
}

function toColumn(r: ColumnRow, isJson: boolean): SourceColumn {
  const columnType = String(r.columnType);
  const dataType = isJson ? 'json' : String(r.dataType).toLowerCase();
  const col: SourceColumn = {
    name: String(r.name), ordinal: Number(r.ordinal), dataType, fullType: isJson ? 'json' : columnType.toLowerCase(),
    nullable: r.nullable === 'YES',
  };
  const charLen = num(r.charLen); const prec = num(r.numPrec); const scale = num(r.numScale); const fsp = num(r.dtPrec);
  if (dataType === 'bit') col.length = prec;
  else if (charLen !== undefined && !isJson) col.length = charLen;
  if (dataType !== 'bit' && prec !== undefined) col.precision = prec;
  else if (fsp !== undefined) col.precision = fsp;
  if (scale !== undefined && dataType !== 'bit') col.scale = scale;
  if (/\bunsigned\b/i.test(columnType)) col.unsigned = true;
  if (r.charset) col.charset = String(r.charset);
  const labels = dataType === 'enum' || dataType === 'set' ? parseEnumLabels(columnType) : undefined;
  if (labels) col.enumValues = labels;
  if (/\b(VIRTUAL|STORED) GENERATED\b|\bPERSISTENT\b/i.test(String(r.extra ?? ''))) col.generated = true;
  return col;
}

/**
 * MariaDB stores JSON as LONGTEXT with a `json_valid(col)` check; information_schema then says
 * longtext. The check constraints tell the JSON columns apart (MySQL has a real json type).
 */
async function mariadbJsonColumns(c: Query, dbs: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  try {
    const r = await rows<{ db: string; t: string; clause: string }>(c,
      `SELECT CONSTRAINT_SCHEMA AS db, TABLE_NAME AS t, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS
        WHERE CONSTRAINT_SCHEMA IN (?) AND CHECK_CLAUSE LIKE 'json\\_valid(%'`, [dbs]);
    for (const x of r) {
      const m = /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(String(x.clause).trim());
      if (m) out.add(JSON.stringify([String(x.db), String(x.t), m[1].replace(/``/g, '`')]));
    }
  } catch {
    // MySQL 8 has no TABLE_NAME here and a native json type: nothing to find
  }
  return out;
}

/** One table's description, or undefined when it does not exist. */
export async function describeMysqlTable(c: Query, id: TableId): Promise<SourceTable | undefined> {
  return (await describeMysqlTables(c, [id]))[0];
}

/** Default character set of each database (for tables the binlog creates without their own). */
export async function databaseCharsets(c: Query, dbs: string[] | undefined): Promise<Map<string, string>> {
  const r = await rows<{ s: string; cs: string }>(c,
    `SELECT SCHEMA_NAME AS s, DEFAULT_CHARACTER_SET_NAME AS cs FROM information_schema.SCHEMATA ${dbs ? 'WHERE SCHEMA_NAME IN (?)' : 'WHERE SCHEMA_NAME NOT IN (?)'}`,
    [dbs && dbs.length ? dbs : dbs ? [''] : SYSTEM]);
  return new Map(r.map((x) => [String(x.s), normalizeCharset(String(x.cs))]));
}
