// Row-by-row comparison of a source table (PostgreSQL or MariaDB, through a harness handle) with
// its target table in the DuckDB file, by primary key. Run it after the engine stopped: DuckDB has
// one writer, so the file is attached READ_ONLY to a private in-memory instance.
//
// How values are compared (both sides end as DuckDB's VARCHAR text of the target type):
//   source: the server's own text (PostgreSQL: the type's output under the engine's session
//           settings; MariaDB: the snapshot SELECT expression), turned into canonical text by the
//           readers' pure converters, then read by the column's `fromText` into the mapped type and
//           CAST to VARCHAR;
//   target: the target column CAST to VARCHAR.
// So a value that is wrong in the target (a lost digit, a shifted time zone, a value under the
// wrong column) shows up as a difference, and the report names the key, not just a checksum.
import pg from 'pg';
import mysql from 'mysql2/promise';
import { DuckDBInstance, DuckDBDataChunk, VARCHAR } from '@duckdb/node-api';
import type { ServerHandle } from '../harness';
import type { SourceConfig } from '../../src/engine/config/plan';
import type { SourceColumn, SourceTable } from '../../src/engine/source/types';
import { mapColumn, quoteIdent, quoteLiteral, renderFromText } from '../../src/engine/typemap';
import { describePostgresTable } from '../../src/engine/source/postgres/metadata';
import { describeMysqlTable } from '../../src/engine/source/mysql/metadata';
import { pgClientConfig } from '../../src/engine/source/postgres/connect';
import { SESSION_SETTINGS, RAW_TYPES } from '../../src/engine/source/postgres/session';
import { TypeResolver } from '../../src/engine/source/postgres/typeinfo';
import { toCanonical } from '../../src/engine/source/postgres/values';
import { mysqlConnectionOptions } from '../../src/engine/source/mysql/connect';
import { fromSnapshotText, snapshotSelectExpr, valueKind, quoteId } from '../../src/engine/source/mysql/values';

export interface CompareSpec {
  server: ServerHandle;
  /** PostgreSQL: the database; MariaDB: the database (= `table.db` unless given otherwise). */
  database: string;
  /** PostgreSQL: { db: schema, table }; MariaDB: { db: database, table }. */
  table: { db: string; table: string };
  /** The DuckDB file of the task. */
  duckdbPath?: string;
  /**
   * Instead of a DuckDB file: a DuckDB table expression holding the target rows, e.g. the
   * `read_parquet(...)` of what an Iceberg reader returned (test/interop/readers.ts).
   */
  targetFrom?: string;
  /** Target schema (default `ods`) and table (default: the source table's name). */
  namespace?: string;
  targetTable?: string;
}

export interface ValueDiff { column: string; source: string | null; target: string | null }

export interface TableDiff {
  table: string;
  sourceRows: number;
  targetRows: number;
  /** Keys (JSON arrays of the key columns' text) in the source but not in the target. */
  missing: string[];
  /** Keys in the target but not in the source. */
  extra: string[];
  /** Keys present on both sides whose values differ. */
  different: { key: string; values: ValueDiff[] }[];
  /** Keys that occur more than once in the target. */
  duplicates: { key: string; count: number }[];
  /** Source columns the target table lacks. */
  missingColumns: string[];
  equal: boolean;
}

const SHOW = 10;

/** A short human report of a diff (the first keys of each kind). */
export function formatDiff(d: TableDiff): string {
  if (d.equal) return `${d.table}: equal (${d.sourceRows} rows)`;
  const lines = [`${d.table}: source ${d.sourceRows} rows, target ${d.targetRows} rows`];
  const list = (what: string, keys: string[]) => {
    if (keys.length) lines.push(`  ${what} (${keys.length}): ${keys.slice(0, SHOW).join(' ')}${keys.length > SHOW ? ' ...' : ''}`);
  };
  if (d.missingColumns.length) lines.push(`  columns missing in the target: ${d.missingColumns.join(', ')}`);
  list('missing in target', d.missing);
  list('extra in target', d.extra);
  list('duplicated in target', d.duplicates.map((x) => `${x.key}x${x.count}`));
  if (d.different.length) {
    lines.push(`  different (${d.different.length}):`);
    for (const x of d.different.slice(0, SHOW)) {
      lines.push(`    ${x.key}: ${x.values.map((v) => `${v.column}: ${JSON.stringify(v.source)} != ${JSON.stringify(v.target)}`).join('; ')}`);
    }
  }
  return lines.join('\n');
}

function sourceConfig(s: ServerHandle, database: string): SourceConfig {
  return {
    type: s.kind === 'postgres' ? 'postgres' : 'mysql', host: s.host, port: s.port, user: s.user, password: s.password,
    database, serverId: 1, slot: '', publication: '', connectTimeoutMs: 10_000,
  };
}

interface SourceData { meta: SourceTable; rows: (string | null)[][] }

async function readPostgres(spec: CompareSpec): Promise<SourceData> {
  const options = Object.entries(SESSION_SETTINGS).map(([k, v]) => `-c ${k}=${v.replace(/,/g, '\\,')}`).join(' ');
  const client = new pg.Client({ ...pgClientConfig(sourceConfig(spec.server, spec.database)), options, types: RAW_TYPES });
  await client.connect();
  try {
    const meta = await describePostgresTable(client, spec.table);
    if (!meta) throw new Error(`source table ${spec.table.db}.${spec.table.table} not found in ${spec.database}`);
    const types = new TypeResolver(async () => client);
    await types.load(meta.columns.map((c) => c.typeOid!).filter((o) => o !== undefined));
    const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
    // the column itself (not ::text, which strips char(n) padding): the text COPY and pgoutput give
    const r = await client.query<(string | null)[]>({
      text: `SELECT ${meta.columns.map((c) => q(c.name)).join(', ')} FROM ${q(spec.table.db)}.${q(spec.table.table)}`,
      rowMode: 'array',
    });
    const kinds = meta.columns.map((c) => types.kindOf(c.typeOid));
    const rows = r.rows.map((row) => row.map((v, i) => (v === null ? null : toCanonical(kinds[i], v))));
    return { meta, rows };
  } finally {
    await client.end();
  }
}

async function readMysql(spec: CompareSpec): Promise<SourceData> {
  const conn = await mysql.createConnection(mysqlConnectionOptions(sourceConfig(spec.server, spec.database)));
  try {
    await conn.query("SET time_zone = '+00:00'");
    const meta = await describeMysqlTable(conn, spec.table);
    if (!meta) throw new Error(`source table ${spec.table.db}.${spec.table.table} not found`);
    const cols = meta.columns.filter((c) => !c.generated);
    const [rows] = await conn.query({
      sql: `SELECT ${cols.map((c) => snapshotSelectExpr(c)).join(', ')} FROM ${quoteId(spec.table.db)}.${quoteId(spec.table.table)}`,
      rowsAsArray: true,
      typeCast: (field: { type: string; string(enc?: string): string | null }) => (field.type === 'JSON' ? field.string('utf8') : field.string()),
    });
    const kinds = cols.map((c) => valueKind(c));
    return {
      meta: { ...meta, columns: cols },
      rows: (rows as (string | null)[][]).map((r) => r.map((v, i) => fromSnapshotText(kinds[i], v))),
    };
  } finally {
    await conn.end();
  }
}

async function appendVarchar(conn: Awaited<ReturnType<DuckDBInstance['connect']>>, table: string, width: number, rows: (string | null)[][]) {
  if (!rows.length) return;
  const appender = await conn.createAppender(table, 'main', 'memory');
  const types = Array.from({ length: width }, () => VARCHAR);
  for (let start = 0; start < rows.length; start += 2048) {
    const n = Math.min(2048, rows.length - start);
    const chunk = DuckDBDataChunk.create(types, n);
    for (let c = 0; c < width; c++) chunk.setColumnValues(c, rows.slice(start, start + n).map((r) => r[c] ?? null));
    appender.appendDataChunk(chunk);
  }
  appender.flushSync();
  appender.closeSync();
}

/** Compares one table; see the file comment for how values are normalised. */
export async function compareTable(spec: CompareSpec): Promise<TableDiff> {
  const src = spec.server.kind === 'postgres' ? await readPostgres(spec) : await readMysql(spec);
  const { meta, rows } = src;
  if (!meta.primaryKey.length) throw new Error(`compare: ${meta.id.db}.${meta.id.table} has no primary key`);
  const ns = spec.namespace ?? 'ods';
  const tname = spec.targetTable ?? spec.table.table;
  const label = `${spec.table.db}.${spec.table.table} -> ${ns}.${tname}`;
  const cols: SourceColumn[] = meta.columns;
  const mappings = cols.map((c) => mapColumn(spec.server.kind === 'postgres' ? 'postgres' : 'mysql', c));

  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    let tq: string;
    let targetCols: Set<string>;
    if (spec.targetFrom) {
      tq = spec.targetFrom;
      targetCols = new Set((await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${tq}`)).getRowObjectsJS().map((r) => String(r.column_name)));
    } else {
      await conn.run(`ATTACH ${quoteLiteral(spec.duckdbPath!)} AS tgt (READ_ONLY)`);
      tq = `tgt.${quoteIdent(ns)}.${quoteIdent(tname)}`;
      const tcolsRes = await conn.runAndReadAll(
        `SELECT column_name FROM duckdb_columns() WHERE database_name = 'tgt' AND schema_name = ${quoteLiteral(ns)} AND table_name = ${quoteLiteral(tname)}`);
      targetCols = new Set(tcolsRes.getRowObjectsJS().map((r) => String(r.column_name)));
    }
    if (!targetCols.size) throw new Error(`compare: target table ${ns}.${tname} does not exist in ${spec.targetFrom ?? spec.duckdbPath}`);
    const missingColumns = mappings.filter((m) => !targetCols.has(m.name)).map((m) => m.name);

    await conn.run(`CREATE TABLE src_raw (${cols.map((_, i) => `c${i} VARCHAR`).join(', ')})`);
    await appendVarchar(conn, 'src_raw', cols.length, rows);
    const keyIdx = meta.primaryKey.map((k) => cols.findIndex((c) => c.name === k));
    const srcVals = mappings.map((m, i) => `CAST(${renderFromText(m.fromText, `c${i}`)} AS VARCHAR)`);
    const tgtVals = mappings.map((m) => (targetCols.has(m.name) ? `CAST(${quoteIdent(m.name)} AS VARCHAR)` : 'NULL'));
    const keyOf = (vals: string[]) => `CAST(to_json([${keyIdx.map((i) => vals[i]).join(', ')}]) AS VARCHAR)`;
    const sel = (vals: string[]) => `${keyOf(vals)} AS k, ${vals.map((v, i) => `${v} AS v${i}`).join(', ')}`;
    await conn.run(`CREATE TABLE s AS SELECT ${sel(srcVals)} FROM src_raw`);
    await conn.run(`CREATE TABLE t AS SELECT ${sel(tgtVals)} FROM ${tq}`);

    const all = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
    const count = async (table: string) => Number((await all(`SELECT count(*) AS n FROM ${table}`))[0].n);
    const missing = (await all('SELECT k FROM s WHERE k NOT IN (SELECT k FROM t) ORDER BY k')).map((r) => String(r.k));
    const extra = (await all('SELECT DISTINCT k FROM t WHERE k NOT IN (SELECT k FROM s) ORDER BY k')).map((r) => String(r.k));
    const duplicates = (await all('SELECT k, count(*) AS n FROM t GROUP BY k HAVING count(*) > 1 ORDER BY k'))
      .map((r) => ({ key: String(r.k), count: Number(r.n) }));
    const differs = mappings.map((_, i) => `s.v${i} IS DISTINCT FROM t.v${i}`).join(' OR ');
    const diffRows = await all(`SELECT s.k, ${mappings.map((_, i) => `s.v${i} AS s${i}, t.v${i} AS t${i}`).join(', ')} `
      + `FROM s JOIN t ON s.k = t.k WHERE ${differs} ORDER BY s.k`);
    const different = diffRows.map((r) => ({
      key: String(r.k),
      values: mappings.flatMap((m, i) => {
        const a = r[`s${i}`] as string | null;
        const b = r[`t${i}`] as string | null;
        return a === b ? [] : [{ column: m.name, source: a, target: b }];
      }),
    }));
    const sourceRows = await count('s');
    const targetRows = await count('t');
    const equal = !missing.length && !extra.length && !duplicates.length && !different.length && !missingColumns.length
      && sourceRows === targetRows;
    return { table: label, sourceRows, targetRows, missing, extra, different, duplicates, missingColumns, equal };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Compares every table and throws one error listing all differences. */
export async function assertTablesEqual(specs: CompareSpec[], context = ''): Promise<TableDiff[]> {
  const diffs: TableDiff[] = [];
  for (const s of specs) diffs.push(await compareTable(s));
  const bad = diffs.filter((d) => !d.equal);
  if (bad.length) throw new Error(`target differs from source${context ? ` (${context})` : ''}:\n${bad.map(formatDiff).join('\n')}`);
  return diffs;
}
