// Writes one reduced table batch (or one snapshot chunk) into its target table:
// text rows -> TEMP all-VARCHAR stage (Appender) -> typed TEMP table (fromText) ->
// DELETE ... USING by key + INSERT of the non-deletes. Delete+insert measured about twice as
// cheap as MERGE here, and is correct because the batch holds at most one entry per key.
import type { Entry, TableBatch, Upsert } from '../../pipeline/batch';
import type { Route } from '../../pipeline/route';
import type { Row } from '../../pipeline/events';
import { chunkFilesSelect, loadChunkFile } from './chunkfile';
import type { Conn, StageColumn } from './db';
import { stageColumnSql, stagingDdl } from './db';
import { OP_COLUMN, SOURCE_DB_COLUMN, SOURCE_TABLE_COLUMN, SOURCE_TS_COLUMN, SYNCED_AT_COLUMN } from './ddl';
import { fromTextExpr, qualified, quoteIdent, quoteLiteral } from './sql';
import { stagedType, type StagedType } from './stagetypes';

const STAGE = 'lakesync_stage';
const TYPED = 'lakesync_typed';

/** Stage layout: c0..c(n-1) data, then op (a code), commit ms (DOUBLE), keep list, fill key columns. */
function layout(route: Route) {
  const n = route.mapping.columns.length;
  return { n, op: n, ts: n + 1, keep: n + 2, fill: n + 3, width: n + 3 + route.keyIndex.length };
}

const stagedTypes = new WeakMap<Route['mapping'], StagedType[]>();

/** Typed staging of the route's data columns (see stageEntries for the op/ts/keep/fill columns after them). */
function dataStaging(route: Route): StagedType[] {
  let st = stagedTypes.get(route.mapping);
  if (!st) { st = route.mapping.columns.map((c) => stagedType(c.fromText)); stagedTypes.set(route.mapping, st); }
  return st;
}

/** Data column j of the stage (`s.cj`) converted to its target type (a typed stage column already is). */
function converted(route: Route, j: number): string {
  const st = dataStaging(route)[j];
  return fromTextExpr(st.size > 0 ? st.fromText : route.mapping.columns[j].fromText, `s.${quoteIdent(`c${j}`)}`);
}

function sourceFilter(route: Route, alias: string): string {
  if (!route.merged) return '';
  return ` AND ${alias}.${quoteIdent(SOURCE_DB_COLUMN)} = ${quoteLiteral(route.source.id.db)}`
    + ` AND ${alias}.${quoteIdent(SOURCE_TABLE_COLUMN)} = ${quoteLiteral(route.source.id.table)}`;
}

function target(route: Route): string {
  return qualified(route.mapping.namespace, route.mapping.table);
}

/** Column list of the target in the order the INSERT writes it. */
function insertColumns(route: Route): string {
  const cols = route.mapping.columns.map((c) => quoteIdent(c.name));
  if (route.merged) cols.push(quoteIdent(SOURCE_DB_COLUMN), quoteIdent(SOURCE_TABLE_COLUMN));
  cols.push(quoteIdent(OP_COLUMN), quoteIdent(SOURCE_TS_COLUMN), quoteIdent(SYNCED_AT_COLUMN));
  return cols.join(', ');
}

function metaValues(route: Route, op: string, ts: string): string {
  const vals: string[] = [];
  if (route.merged) vals.push(quoteLiteral(route.source.id.db), quoteLiteral(route.source.id.table));
  vals.push(op, `to_timestamp(CAST(${ts} AS BIGINT) / 1000.0)`, 'now()');
  return vals.join(', ');
}

function keyMatch(route: Route, left: string, leftCol: (j: number) => string, right: (j: number, i: number) => string): string {
  const eq = route.fullRowKey ? 'IS NOT DISTINCT FROM' : '=';
  return route.keyColumns.map((j, i) => `${left}.${leftCol(j)} ${eq} ${right(j, i)}`).join(' AND ');
}

/** Deletes every row of the route's source (the whole table when it is not merged). */
export async function truncateSource(conn: Conn, route: Route): Promise<number> {
  if (!route.merged) return conn.exec(`DELETE FROM ${target(route)}`);
  return conn.exec(`DELETE FROM ${target(route)} t WHERE true${sourceFilter(route, 't')}`);
}

/**
 * Upserts and deletes the staged rows by key. Values marked "keep" come from the target row
 * named by the fill key, read before anything is deleted.
 */
async function mergeStaged(conn: Conn, route: Route, anyKeep: boolean, meta: { op: string; ts: string; upserts?: string }): Promise<{ deleted: number; inserted: number }> {
  const L = layout(route);
  const { op, ts } = meta;
  const cols = route.mapping.columns;
  const tgt = target(route);
  if (!anyKeep) {
    // nothing kept from the target: delete by the staged keys and insert from the stage directly
    // (a typed copy of the stage cost a third of DuckDB's work per change; the key columns are
    // converted twice instead)
    const stageRef = `temp.main.${quoteIdent(STAGE)}`;
    const on = keyMatch(route, 't', (j) => quoteIdent(cols[j].name), (j) => converted(route, j));
    const deleted = await conn.exec(`DELETE FROM ${tgt} t USING ${stageRef} s WHERE ${on}${sourceFilter(route, 't')}`);
    const inserted = await conn.exec(`INSERT INTO ${tgt} (${insertColumns(route)}) SELECT `
      + `${cols.map((_, j) => converted(route, j)).join(', ')}, ${metaValues(route, op, ts)} `
      + `FROM ${stageRef} s WHERE ${meta.upserts ?? `${op} <> 'delete'`}`);
    return { deleted, inserted };
  }
  const typed = cols.map((c, j) => {
    const conv = converted(route, j);
    const name = quoteIdent(`t${j}`);
    if (!anyKeep) return `${conv} AS ${name}`;
    return `CASE WHEN s.${quoteIdent(`c${L.keep}`)} LIKE ${quoteLiteral(`%,${j},%`)} THEN f.${quoteIdent(c.name)} ELSE ${conv} END AS ${name}`;
  });
  let from = `temp.main.${quoteIdent(STAGE)} s`;
  if (anyKeep) {
    const on = keyMatch(route, 'f', (j) => quoteIdent(cols[j].name),
      (j, i) => fromTextExpr(cols[j].fromText, `s.${quoteIdent(`c${L.fill + i}`)}`));
    from += ` LEFT JOIN ${tgt} f ON ${on}${sourceFilter(route, 'f')}`;
  }
  await conn.exec(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(TYPED)} AS SELECT ${typed.join(', ')}, `
    + `${op} AS op, ${ts} AS ts FROM ${from}`);
  const typedRef = `temp.main.${quoteIdent(TYPED)}`;
  const on = keyMatch(route, 't', (j) => quoteIdent(cols[j].name), (j) => `s.${quoteIdent(`t${j}`)}`);
  const deleted = await conn.exec(`DELETE FROM ${tgt} t USING ${typedRef} s WHERE ${on}${sourceFilter(route, 't')}`);
  const inserted = await conn.exec(`INSERT INTO ${tgt} (${insertColumns(route)}) SELECT `
    + `${cols.map((_, j) => `s.${quoteIdent(`t${j}`)}`).join(', ')}, ${metaValues(route, 's.op', 's.ts')} `
    + `FROM ${typedRef} s WHERE s.op <> 'delete'`);
  return { deleted, inserted };
}

/**
 * A table without a key is a multiset: each staged row image carries how many copies to remove
 * (delete) or add (insert). Removing picks that many matching rows by DuckDB's rowid; rows that
 * are equal are interchangeable, so which copies go does not matter.
 */
async function applyMultiset(conn: Conn, batch: TableBatch): Promise<{ deleted: number; inserted: number }> {
  const route = batch.route;
  const n = route.mapping.columns.length;
  const cols = route.mapping.columns;
  const rows = [...batch.entries.values()].map((e) => {
    const out: (string | null)[] = new Array(n + 3).fill(null);
    if (e.op === 'delete') route.keyColumns.forEach((j, i) => { out[j] = e.key[i]; });
    else for (let j = 0; j < n; j++) { const si = route.columnIndex[j]; if (si >= 0) out[j] = e.row[si] ?? null; }
    out[n] = e.op; out[n + 1] = String(e.commitTime); out[n + 2] = String(e.count ?? 1);
    return out;
  });
  const st = dataStaging(route);
  await conn.exec(stagingDdl(STAGE, n + 3, st));
  await conn.appendTemp(STAGE, n + 3, rows, undefined, st);
  const c = (i: number) => `s.${quoteIdent(`c${i}`)}`;
  await conn.exec(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(TYPED)} AS SELECT `
    + `${cols.map((_, j) => `${converted(route, j)} AS ${quoteIdent(`t${j}`)}`).join(', ')}, `
    + `${c(n)} AS op, ${c(n + 1)} AS ts, CAST(${c(n + 2)} AS BIGINT) AS cnt, row_number() OVER () AS sid FROM temp.main.${quoteIdent(STAGE)} s`);
  const typedRef = `temp.main.${quoteIdent(TYPED)}`;
  const tgt = target(route);
  const on = keyMatch(route, 't', (j) => quoteIdent(cols[j].name), (j) => `s.${quoteIdent(`t${j}`)}`);
  const deleted = await conn.exec(`DELETE FROM ${tgt} WHERE rowid IN (SELECT rid FROM (`
    + `SELECT t.rowid AS rid, s.cnt, row_number() OVER (PARTITION BY s.sid ORDER BY t.rowid) AS rn `
    + `FROM ${tgt} t JOIN ${typedRef} s ON ${on}${sourceFilter(route, 't')} WHERE s.op = 'delete') m WHERE m.rn <= m.cnt)`);
  const inserted = await conn.exec(`INSERT INTO ${tgt} (${insertColumns(route)}) SELECT `
    + `${cols.map((_, j) => `s.${quoteIdent(`t${j}`)}`).join(', ')}, ${metaValues(route, 's.op', 's.ts')} `
    + `FROM (SELECT *, unnest(range(cnt)) AS copy FROM ${typedRef} WHERE op <> 'delete') s`);
  return { deleted, inserted };
}

/** The op column of a change batch's stage: a code (one byte a row, no string), named again in SQL. */
const OP_CODES = { insert: 0, update: 1, delete: 2 } as const;
const OP_OF_CODE = (col: string) => `CASE ${col} WHEN 0 THEN 'insert' WHEN 1 THEN 'update' ELSE 'delete' END`;

/**
 * Stages a change batch column by column (Conn.appendColumns): the values are read from the
 * entries where they are, with no row array, op text or commit-time string per entry.
 * Returns whether an entry keeps target values (the keep/fill columns are used).
 */
async function stageEntries(conn: Conn, route: Route, entries: Entry[]): Promise<boolean> {
  const L = layout(route);
  const n = entries.length;
  const ops = new Uint8Array(n);
  const times = new Float64Array(n);
  let keeps: (string | null)[] | undefined;
  for (let r = 0; r < n; r++) {
    const e = entries[r];
    ops[r] = OP_CODES[e.op];
    times[r] = e.commitTime;
    if (e.op === 'delete' || !e.row.includes(undefined)) continue;
    let keep = '';
    for (let j = 0; j < L.n; j++) {
      const si = route.columnIndex[j];
      if (si >= 0 && e.row[si] === undefined) keep += `${j},`;
    }
    if (!keep) continue;
    keeps ??= new Array<string | null>(n).fill(null);
    keeps[r] = `,${keep}`;
  }
  const st = dataStaging(route);
  const columns: StageColumn[] = [];
  for (let j = 0; j < L.n; j++) {
    const si = route.columnIndex[j];
    const ki = route.keyColumns.indexOf(j);
    const get = (r: number): string | null | undefined => {
      const e = entries[r];
      if (e.op === 'delete') return ki < 0 ? null : e.key[ki];
      return si < 0 ? null : e.row[si];
    };
    columns.push({ kind: 'text', get, staged: st[j] });
  }
  columns.push({ kind: 'utinyint', values: ops }, { kind: 'double', values: times });
  const k = keeps;
  columns.push({ kind: 'text', get: k ? (r) => k[r] : () => null });
  route.keyIndex.forEach((_, i) => {
    columns.push({ kind: 'text', get: k ? (r) => (k[r] === null ? null : (entries[r] as Upsert).fillKey?.[i]) : () => null });
  });
  if (columns.length !== L.width) throw new Error(`stage of ${route.key}: ${columns.length} columns, expected ${L.width}`);
  await conn.exec(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(STAGE)} (${columns.map((c, i) => `${quoteIdent(`c${i}`)} ${stageColumnSql(c)}`).join(', ')})`);
  await conn.appendColumns(STAGE, n, columns);
  return keeps !== undefined;
}

/** Applies one reduced table batch. Must run inside the caller's transaction. */
export async function applyTableBatch(conn: Conn, batch: TableBatch): Promise<{ deleted: number; inserted: number }> {
  const route = batch.route;
  if (batch.truncate) await truncateSource(conn, route);
  if (batch.entries.size === 0) return { deleted: 0, inserted: 0 };
  if (route.fullRowKey) return applyMultiset(conn, batch);
  const anyKeep = await stageEntries(conn, route, [...batch.entries.values()]);
  const L = layout(route);
  const opCode = `s.${quoteIdent(`c${L.op}`)}`;
  return mergeStaged(conn, route, anyKeep, { op: OP_OF_CODE(opCode), ts: `s.${quoteIdent(`c${L.ts}`)}`, upserts: `${opCode} <> ${OP_CODES.delete}` });
}

/**
 * Snapshot stages hold only the data columns: the op ('snapshot') and commit time are the same
 * for every row of a full sync and the keep/fill columns are always NULL there, so they go into
 * the INSERT as literals instead of 4 more staged values per row. The time is remembered per
 * connection (the stage is private to it) from the last stageSnapshotRows.
 */
const snapshotTimes = new WeakMap<Conn, number>();

/** Stage column c -> index in the source row (-1: NULL), or undefined when it is the identity. */
function snapshotColumns(route: Route): number[] | undefined {
  const idx = route.columnIndex.slice(0, route.mapping.columns.length);
  return idx.every((si, j) => si === j) ? undefined : idx;
}

/** Stages snapshot rows (outside any transaction; the stage is private to this connection). */
export async function stageSnapshotRows(conn: Conn, route: Route, rows: Row[], first: boolean, snapshotMs: number): Promise<void> {
  const n = route.mapping.columns.length;
  const st = dataStaging(route);
  if (first) await conn.exec(stagingDdl(STAGE, n, st));
  snapshotTimes.set(conn, snapshotMs);
  // the source rows go in as they are (an undefined value stages NULL, as the keep list did)
  await conn.appendTemp(STAGE, n, rows, snapshotColumns(route), st);
}

/** Stages a snapshot chunk from a CSV file of canonical text (loadChunkFile); returns the rows staged. */
export async function stageSnapshotFile(conn: Conn, route: Route, file: string, snapshotMs: number): Promise<number> {
  snapshotTimes.set(conn, snapshotMs);
  return loadChunkFile(conn, STAGE, route, file, dataStaging(route));
}

/**
 * Moves the staged snapshot rows into the target. `append` when the table had no rows before its
 * snapshot (plain INSERT), else by key (resync, backfill, a full sync over existing data).
 * Must run inside the caller's transaction.
 */
export async function commitStagedSnapshot(conn: Conn, route: Route, append: boolean): Promise<number> {
  const meta = { op: quoteLiteral('snapshot'), ts: quoteLiteral(String(snapshotTimes.get(conn) ?? 0)) };
  if (!append) return (await mergeStaged(conn, route, false, meta)).inserted;
  const cols = route.mapping.columns;
  const values = cols.map((_, j) => converted(route, j));
  return conn.exec(`INSERT INTO ${target(route)} (${insertColumns(route)}) SELECT ${values.join(', ')}, `
    + `${metaValues(route, meta.op, meta.ts)} FROM temp.main.${quoteIdent(STAGE)} s`);
}

/**
 * Inserts the rows of snapshot chunk files (CHUNK_CSV, one table, a fresh target: append) straight
 * from DuckDB's CSV reader into the target, with no stage table: the same casts as staging the
 * files and committing the stage. Returns the rows inserted. Must run inside the caller's transaction.
 */
export async function insertSnapshotFiles(conn: Conn, route: Route, files: readonly string[], snapshotMs: number): Promise<number> {
  const values = route.mapping.columns.map((_, j) => converted(route, j));
  return conn.exec(`INSERT INTO ${target(route)} (${insertColumns(route)}) SELECT ${values.join(', ')}, `
    + `${metaValues(route, quoteLiteral('snapshot'), quoteLiteral(String(snapshotMs)))} FROM (${chunkFilesSelect(route, files, dataStaging(route))}) s`);
}

export async function dropStage(conn: Conn): Promise<void> {
  await conn.exec(`DROP TABLE IF EXISTS temp.main.${quoteIdent(STAGE)}`);
}
