// Target table DDL and the metadata columns every target table carries; the DDL itself comes
// from the type map so that preview and target agree.
import type { TableMapping } from '../../typemap/types';
import { isMerged as typemapIsMerged, tableDdl } from '../../typemap/ddl';

export const OP_COLUMN = '_lakesync_op';
export const SOURCE_TS_COLUMN = '_lakesync_source_ts';
export const SYNCED_AT_COLUMN = '_lakesync_synced_at';
export const SOURCE_DB_COLUMN = '_lakesync_source_db';
export const SOURCE_TABLE_COLUMN = '_lakesync_source_table';

/** A merged table carries its rows' source identity (part of its key when it has one). */
export function isMerged(m: TableMapping): boolean {
  return typemapIsMerged(m);
}

/** Key columns that come from the source row (the merged identity columns excluded). */
export function dataKey(m: TableMapping): string[] {
  const key = m.key.filter((k) => k !== SOURCE_DB_COLUMN && k !== SOURCE_TABLE_COLUMN);
  // A table without a primary key is matched on all of its columns (full row image).
  return key.length > 0 ? key : m.columns.map((c) => c.name);
}

export function createTableSql(m: TableMapping): string {
  return tableDdl(m);
}
