// Parquet data and position delete files through DuckDB's built-in Parquet writer, with Iceberg
// field ids (spec: "Parquet" appendix: "Columns must be written with field ids"), and the SQL
// that reads a table's current rows back by field id (data files minus position deletes).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DataFile, KV } from './avro';
import { DELETE_FILE_PATH_ID, DELETE_POS_ID, type Field, type IcebergType } from './spec';
import { boundBytes, icebergType } from './types';

export function quoteIdent(name: string): string { return `"${name.replace(/"/g, '""')}"`; }
export function quoteLiteral(value: string): string { return `'${value.replace(/'/g, "''")}'`; }

/** FIELD_IDS value of one column: a plain id, or the id plus its list element's ids. */
function fieldIdValue(id: number, type: IcebergType): string {
  if (typeof type === 'string') return String(id);
  return `{__duckdb_field_id: ${id}, element: ${fieldIdValue(type['element-id'], type.element)}}`;
}

function fieldIds(fields: Field[]): string {
  return `{${fields.map((f) => `${quoteIdent(f.name)}: ${fieldIdValue(f.id, f.type)}`).join(', ')}}`;
}

/** DuckDB type that reads an Iceberg type back (the read side of types.ts). */
export function duckType(t: IcebergType): string {
  if (typeof t !== 'string') return `${duckType(t.element)}[]`;
  const dec = /^decimal\((\d+), (\d+)\)$/.exec(t);
  if (dec) return `DECIMAL(${dec[1]},${dec[2]})`;
  const simple: Record<string, string> = {
    boolean: 'BOOLEAN', int: 'INTEGER', long: 'BIGINT', float: 'FLOAT', double: 'DOUBLE', date: 'DATE', time: 'TIME',
    timestamp: 'TIMESTAMP', timestamptz: 'TIMESTAMPTZ', string: 'VARCHAR', uuid: 'UUID', binary: 'BLOB',
  };
  return simple[t] ?? 'BLOB';
}

/** The write cast of a column: its Iceberg type's DuckDB type (see types.ts). */
export function writeExpr(f: Field, expr: string): string {
  return `CAST(${expr} AS ${duckType(f.type)})`;
}

export function newDataPath(dir: string, kind: 'data' | 'deletes'): string {
  return join(dir, 'data', `${Date.now().toString(36)}-${randomUUID()}${kind === 'deletes' ? '-deletes' : ''}.parquet`);
}

interface Stats { filename: string; count: bigint | number | string; file_size_bytes: bigint | number | string; column_statistics: unknown }

/** RETURN_STATS' column_statistics (a MAP of quoted column path -> MAP of stat -> text) as plain objects. */
function statsByColumn(raw: unknown): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  const entries = (raw as { entries?: { key: string; value: { entries: { key: string; value: string }[] } }[] })?.entries ?? [];
  for (const e of entries) out.set(e.key, Object.fromEntries(e.value.entries.map((x) => [x.key, x.value])));
  return out;
}

/**
 * Writes `select` (columns in `fields` order, already cast by writeExpr) to a new data file and
 * returns its manifest entry, with column metrics (spec: "Manifests": value_counts,
 * null_value_counts, lower/upper_bounds keyed by field id) for top-level primitive columns.
 */
export async function writeDataFile(conn: DuckDBConnection, dir: string, fields: Field[], select: string): Promise<DataFile | undefined> {
  const path = newDataPath(dir, 'data');
  const reader = await conn.runAndReadAll(`COPY (${select}) TO ${quoteLiteral(path)} `
    + `(FORMAT parquet, COMPRESSION zstd, FIELD_IDS ${fieldIds(fields)}, RETURN_STATS)`);
  const [row] = reader.getRowObjects() as unknown as Stats[];
  const count = Number(row?.count ?? 0);
  if (!row || count === 0) {
    await import('node:fs/promises').then((fs) => fs.unlink(path)).catch(() => undefined);
    return undefined;
  }
  const stats = statsByColumn(row.column_statistics);
  const sizes: KV<number>[] = []; const values: KV<number>[] = []; const nulls: KV<number>[] = [];
  const lower: KV<Buffer>[] = []; const upper: KV<Buffer>[] = [];
  for (const f of fields) {
    if (typeof f.type !== 'string') continue; // nested columns: metrics left out (optional)
    const s = stats.get(quoteIdent(f.name));
    if (!s) continue;
    if (s.column_size_bytes) sizes.push({ key: f.id, value: Number(s.column_size_bytes) });
    if (s.num_values) values.push({ key: f.id, value: Number(s.num_values) });
    if (s.null_count) nulls.push({ key: f.id, value: Number(s.null_count) });
    const lo = s.min === undefined ? undefined : boundBytes(f.type, s.min);
    const hi = s.max === undefined ? undefined : boundBytes(f.type, s.max);
    if (lo && hi) { lower.push({ key: f.id, value: lo }); upper.push({ key: f.id, value: hi }); }
  }
  return {
    content: 0, file_path: path, file_format: 'PARQUET', partition: {}, record_count: count,
    file_size_in_bytes: Number(row.file_size_bytes),
    column_sizes: sizes, value_counts: values, null_value_counts: nulls, nan_value_counts: null,
    lower_bounds: lower, upper_bounds: upper,
    key_metadata: null, split_offsets: null, equality_ids: null, sort_order_id: null, referenced_data_file: null,
  };
}

/**
 * Writes a position delete file from `select` (columns file_path, pos). The spec requires rows
 * sorted by file_path, then pos ("Position Delete Files").
 */
export async function writeDeleteFile(conn: DuckDBConnection, dir: string, select: string): Promise<DataFile | undefined> {
  const path = newDataPath(dir, 'deletes');
  const reader = await conn.runAndReadAll(`COPY (SELECT CAST(file_path AS VARCHAR) AS file_path, CAST(pos AS BIGINT) AS pos `
    + `FROM (${select}) ORDER BY file_path, pos) TO ${quoteLiteral(path)} `
    + `(FORMAT parquet, COMPRESSION zstd, FIELD_IDS {file_path: ${DELETE_FILE_PATH_ID}, pos: ${DELETE_POS_ID}}, RETURN_STATS)`);
  const [row] = reader.getRowObjects() as unknown as Stats[];
  const count = Number(row?.count ?? 0);
  if (!row || count === 0) {
    await import('node:fs/promises').then((fs) => fs.unlink(path)).catch(() => undefined);
    return undefined;
  }
  const stats = statsByColumn(row.column_statistics).get(quoteIdent('file_path'));
  // one referenced file: say so (readers then skip the delete file for every other data file)
  const single = stats && stats.min === stats.max ? stats.min : null;
  return {
    content: 1, file_path: path, file_format: 'PARQUET', partition: {}, record_count: count,
    file_size_in_bytes: Number(row.file_size_bytes),
    column_sizes: null, value_counts: null, null_value_counts: null, nan_value_counts: null,
    lower_bounds: null, upper_bounds: null,
    key_metadata: null, split_offsets: null, equality_ids: null, sort_order_id: null, referenced_data_file: single,
  };
}

/** read_parquet's `schema` parameter: columns by field id, with the current names and types. */
function schemaMap(fields: Field[]): string {
  return `map {${fields.map((f) => `${f.id}: {name: ${quoteLiteral(f.name)}, type: ${quoteLiteral(duckType(f.type))}, default_value: NULL}`).join(', ')}}`;
}

/**
 * SQL for the table's current rows: its data files read by field id (so renamed, added, dropped
 * and promoted columns read as the current schema says), minus the rows its position delete
 * files name. `extra` adds the file and row position (`_file`, `_pos`) for the key index.
 */
export function currentRowsSql(fields: Field[], dataFiles: string[], deleteFiles: string[], extra = false): string {
  const cols = fields.map((f) => `d.${quoteIdent(f.name)}`).join(', ');
  if (dataFiles.length === 0) {
    return `SELECT ${fields.map((f) => `CAST(NULL AS ${duckType(f.type)}) AS ${quoteIdent(f.name)}`).join(', ')}`
      + `${extra ? ', CAST(NULL AS VARCHAR) AS _file, CAST(NULL AS BIGINT) AS _pos' : ''} WHERE false`;
  }
  const list = (fs: string[]) => `[${fs.map(quoteLiteral).join(', ')}]`;
  let sql = `SELECT ${cols}${extra ? ', d.filename AS _file, d.file_row_number AS _pos' : ''} `
    + `FROM read_parquet(${list(dataFiles)}, filename = true, file_row_number = true, schema = ${schemaMap(fields)}) d`;
  if (deleteFiles.length) {
    sql += ` ANTI JOIN read_parquet(${list(deleteFiles)}) x ON x.file_path = d.filename AND x.pos = d.file_row_number`;
  }
  return sql;
}

export { icebergType };
