// Target table DDL and the metadata columns every target table carries; the DDL itself comes
// from the type map so that preview and target agree.
import type { TableMapping } from '../../typemap/types';
import { MERGE_KEY_COLUMNS, tableDdl } from '../../typemap/ddl';

export const OP_COLUMN = '_lakesync_op';
export const SOURCE_TS_COLUMN = '_lakesync_source_ts';
export const SYNCED_AT_COLUMN = '_lakesync_synced_at';
export const [SOURCE_DB_COLUMN, SOURCE_TABLE_COLUMN] = MERGE_KEY_COLUMNS;


export function createTableSql(m: TableMapping): string {
  return tableDdl(m);
}
