// Rows of a route (canonical text) -> a typed DuckDB TEMP table with the Iceberg table's column
// names and `_op`, which IcebergTableWriter.apply turns into one data file + one delete file.
// The text -> type conversion is the type map's (ColumnMapping.fromText), the same as the DuckDB
// sink's, so both sinks hold the same values.
import type { Entry, TableBatch } from '../../pipeline/batch';
import type { Row } from '../../pipeline/events';
import type { Route } from '../../pipeline/route';
import { metadataColumns } from '../../typemap/ddl';
import { renderFromText } from '../../typemap/duckdb';
import { loadChunkFile } from '../duckdb/chunkfile';
import { stagingDdl, type Conn } from '../duckdb/db';
import { stagedType, type StagedType } from '../duckdb/stagetypes';
import { quoteIdent, quoteLiteral } from './parquet';
import type { ColumnSpec } from './writer';
import { OP } from './writer';

export const SOURCE_DB = '_lakesync_source_db';
export const SOURCE_TABLE = '_lakesync_source_table';

/** The Iceberg table's columns for a route's mapping: data columns, then LakeSync's metadata columns. */
export function tableColumns(route: Pick<Route, 'mapping' | 'merged'>): ColumnSpec[] {
  return [
    ...route.mapping.columns.map((c) => ({ name: c.name, duckType: c.targetType })),
    ...metadataColumns(route.merged).map((m) => ({ name: m.name, duckType: m.type })),
  ];
}

/** Stage layout: c0..c(n-1) data, then op, commit ms, keep list, fill key columns. */
function layout(route: Route) {
  const n = route.mapping.columns.length;
  return { n, op: n, ts: n + 1, keep: n + 2, fill: n + 3, width: n + 3 + route.keyIndex.length };
}

const staging = new WeakMap<Route['mapping'], StagedType[]>();
function stagedTypes(route: Route): StagedType[] {
  let st = staging.get(route.mapping);
  if (!st) { st = route.mapping.columns.map((c) => stagedType(c.fromText)); staging.set(route.mapping, st); }
  return st;
}

function converted(route: Route, j: number, col: string): string {
  const st = stagedTypes(route)[j];
  return renderFromText(st.size > 0 ? st.fromText : route.mapping.columns[j].fromText, col);
}

function entryRow(route: Route, e: Entry): (string | null)[] {
  const L = layout(route);
  const out: (string | null)[] = new Array(L.width).fill(null);
  out[L.op] = e.op;
  out[L.ts] = String(e.commitTime);
  if (e.op === 'delete') {
    route.keyColumns.forEach((j, i) => { out[j] = e.key[i]; });
    return out;
  }
  let keep = '';
  for (let j = 0; j < L.n; j++) {
    const si = route.columnIndex[j];
    if (si < 0) continue;
    const v = e.row[si];
    if (v === undefined) keep += `${j},`;
    else out[j] = v;
  }
  if (keep) {
    out[L.keep] = `,${keep}`;
    e.fillKey?.forEach((v, i) => { out[L.fill + i] = v; });
  }
  return out;
}

function identity(route: Route): string[] {
  return route.merged ? [`${quoteLiteral(route.source.id.db)} AS ${quoteIdent(SOURCE_DB)}`, `${quoteLiteral(route.source.id.table)} AS ${quoteIdent(SOURCE_TABLE)}`] : [];
}

/** `t.identity = this route's source` (merged tables), else nothing. */
export function sourceFilter(route: Route, alias: string): string {
  if (!route.merged) return 'true';
  return `${alias}.${quoteIdent(SOURCE_DB)} = ${quoteLiteral(route.source.id.db)} AND ${alias}.${quoteIdent(SOURCE_TABLE)} = ${quoteLiteral(route.source.id.table)}`;
}

/**
 * Stages a reduced batch as TEMP table `name` (typed, target column names, `_op`). Values marked
 * "keep" (PostgreSQL unchanged TOAST) come from `oldRows(keysSql)`: the current rows of the keys.
 */
export async function stageBatch(conn: Conn, name: string, batch: TableBatch, oldRows: (keysSql: string) => Promise<string>): Promise<void> {
  const route = batch.route;
  const L = layout(route);
  const rows = [...batch.entries.values()].map((e) => entryRow(route, e));
  const anyKeep = rows.some((r) => r[L.keep] !== null);
  const raw = `${name}_raw`;
  const st = [...stagedTypes(route), ...new Array(L.width - L.n).fill(undefined)];
  await conn.exec(stagingDdl(raw, L.width, st));
  await conn.appendTemp(raw, L.width, rows, undefined, st);
  const cols = route.mapping.columns;
  const c = (i: number) => `s.${quoteIdent(`c${i}`)}`;
  let from = `temp.main.${quoteIdent(raw)} s`;
  if (anyKeep) {
    const keyNames = route.keyColumns.map((j) => cols[j].name);
    const keysSql = `SELECT ${route.keyColumns.map((j, i) => `${renderFromText(cols[j].fromText, c(L.fill + i))} AS ${quoteIdent(cols[j].name)}`).join(', ')}`
      + `${route.merged ? `, ${identity(route).join(', ')}` : ''} FROM temp.main.${quoteIdent(raw)} s WHERE ${c(L.keep)} IS NOT NULL`;
    const on = route.keyColumns.map((j, i) => `f.${quoteIdent(keyNames[i])} = ${renderFromText(cols[j].fromText, c(L.fill + i))}`).join(' AND ');
    from += ` LEFT JOIN (${await oldRows(keysSql)}) f ON ${on} AND ${sourceFilter(route, 'f')}`;
  }
  const values = cols.map((col, j) => {
    const v = converted(route, j, c(j));
    return `${anyKeep ? `CASE WHEN ${c(L.keep)} LIKE ${quoteLiteral(`%,${j},%`)} THEN f.${quoteIdent(col.name)} ELSE ${v} END` : v} AS ${quoteIdent(col.name)}`;
  });
  await conn.exec(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(name)} AS SELECT ${[
    ...values, ...identity(route),
    `${c(L.op)} AS "_lakesync_op"`,
    `to_timestamp(CAST(${c(L.ts)} AS BIGINT) / 1000.0) AS "_lakesync_source_ts"`,
    'now() AS "_lakesync_synced_at"',
    `CASE WHEN ${c(L.op)} = 'delete' THEN 'delete' ELSE 'upsert' END AS ${OP}`,
  ].join(', ')} FROM ${from}`);
  await conn.exec(`DROP TABLE IF EXISTS temp.main.${quoteIdent(raw)}`);
}

/** Appends snapshot rows (source column order) to the raw stage `name`_raw (created when `first`). */
export async function stageSnapshotRows(conn: Conn, name: string, route: Route, rows: Row[], first: boolean): Promise<void> {
  const n = route.mapping.columns.length;
  const st = stagedTypes(route);
  if (first) await conn.exec(stagingDdl(`${name}_raw`, n, st));
  const idx = route.columnIndex.slice(0, n);
  const columns = idx.every((si, j) => si === j) ? undefined : idx;
  await conn.appendTemp(`${name}_raw`, n, rows, columns, st);
}

/** Loads a snapshot chunk's CSV file (the bulk path) as the raw stage `name`_raw; returns the rows. */
export async function stageSnapshotFile(conn: Conn, name: string, route: Route, file: string): Promise<number> {
  return loadChunkFile(conn, `${name}_raw`, route, file, stagedTypes(route));
}

/** Turns the raw snapshot stage into the typed stage `name` (op 'snapshot', one commit time). */
export async function typedSnapshotStage(conn: Conn, name: string, route: Route, snapshotMs: number): Promise<void> {
  const cols = route.mapping.columns;
  const c = (i: number) => `s.${quoteIdent(`c${i}`)}`;
  await conn.exec(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(name)} AS SELECT ${[
    ...cols.map((col, j) => `${converted(route, j, c(j))} AS ${quoteIdent(col.name)}`),
    ...identity(route),
    `'snapshot' AS "_lakesync_op"`,
    `to_timestamp(${Number(snapshotMs)} / 1000.0) AS "_lakesync_source_ts"`,
    'now() AS "_lakesync_synced_at"',
    `'upsert' AS ${OP}`,
  ].join(', ')} FROM temp.main.${quoteIdent(`${name}_raw`)} s`);
}

export async function dropStage(conn: Conn, name: string): Promise<void> {
  await conn.exec(`DROP TABLE IF EXISTS temp.main.${quoteIdent(`${name}_raw`)}`);
  await conn.exec(`DROP TABLE IF EXISTS temp.main.${quoteIdent(name)}`);
}
