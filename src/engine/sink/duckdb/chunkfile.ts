// A snapshot chunk's CSV file (SnapshotSession.copyChunk, format CHUNK_CSV, source column order)
// loaded by DuckDB's own reader into a stage table laid out as the row path stages rows: data
// columns c0..c(n-1) in target order, typed stage columns cast from the text as the row path's
// parse does. Shared by the DuckDB and Iceberg sinks, whose commits then read the stage as usual.
import type { Route } from '../../pipeline/route';
import { CHUNK_CSV } from '../../source/adapter';
import type { Conn } from './db';
import { quoteIdent, quoteLiteral } from './sql';
import type { StagedType } from './stagetypes';

/**
 * read_csv's buffer per file: DuckDB's default (16 x the 2 MB line limit) held 31-61 MiB of the
 * engine's memory during a snapshot; 4 MiB holds 8-12 (lines up to the 2 MB limit still read).
 */
const CSV_BUFFER_BYTES = 4 << 20;

/**
 * The SELECT that reads the files (one or more chunks of the same table) as the stage's rows:
 * columns c0..c(n-1), exactly what loadChunkFile stores.
 */
export function chunkFilesSelect(route: Route, files: readonly string[], staged: readonly StagedType[]): string {
  const width = route.source.columns.length;
  const columns = Array.from({ length: width }, (_, i) => `${quoteLiteral(`s${i}`)}: 'VARCHAR'`).join(', ');
  const values = route.columnIndex.slice(0, route.mapping.columns.length).map((si, j) =>
    `CAST(${si < 0 ? 'NULL' : quoteIdent(`s${si}`)} AS ${staged[j].sql}) AS ${quoteIdent(`c${j}`)}`);
  const from = files.length === 1 ? quoteLiteral(files[0]) : `[${files.map(quoteLiteral).join(', ')}]`;
  return `SELECT ${values.join(', ')} FROM read_csv(`
    + `${from}, header = false, auto_detect = false, delim = ${quoteLiteral(CHUNK_CSV.delimiter)}, `
    + `quote = ${quoteLiteral(CHUNK_CSV.quote)}, escape = ${quoteLiteral(CHUNK_CSV.escape)}, new_line = '\\n', `
    + `nullstr = ${quoteLiteral(CHUNK_CSV.null)}, allow_quoted_nulls = false, strict_mode = true, buffer_size = ${CSV_BUFFER_BYTES}, columns = {${columns}})`;
}

/** Replaces TEMP table `stage` with the file's rows; returns how many. */
export async function loadChunkFile(conn: Conn, stage: string, route: Route, file: string, staged: readonly StagedType[]): Promise<number> {
  await conn.exec(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(stage)} AS ${chunkFilesSelect(route, [file], staged)}`);
  const [{ n }] = await conn.rows<{ n: bigint }>(`SELECT count(*) AS n FROM temp.main.${quoteIdent(stage)}`);
  return Number(n);
}
