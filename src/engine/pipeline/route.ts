// A route ties one source table to the target table it feeds, and precomputes where each
// target column and each key column sits in that source table's rows.
import type { SourceTable } from '../source/types';
import { tableKey } from '../source/types';
import type { TableMapping } from '../typemap/types';
import { dataKey, isMerged } from '../typemap/ddl';

export interface Route {
  /** `db.table` of the source. */
  readonly key: string;
  readonly source: SourceTable;
  readonly mapping: TableMapping;
  readonly merged: boolean;
  /** For each mapping column: its index in the source row, or -1 (not in this source: NULL). */
  readonly columnIndex: number[];
  /** Source-row indices of the key columns (all columns for a table without a key). */
  readonly keyIndex: number[];
  /** Mapping-column indices of the key columns, in the same order as keyIndex. */
  readonly keyColumns: number[];
  /** The key has no primary key behind it: compare with IS NOT DISTINCT FROM. */
  readonly fullRowKey: boolean;
}

export function makeRoute(source: SourceTable, mapping: TableMapping): Route {
  const sourceIndex = new Map(source.columns.map((c, i) => [c.name, i]));
  const columnIndex = mapping.columns.map((c) => sourceIndex.get(c.source.name) ?? sourceIndex.get(c.name) ?? -1);
  const keyNames = dataKey(mapping);
  const keyColumns = keyNames.map((k) => {
    const j = mapping.columns.findIndex((c) => c.name === k);
    if (j < 0) throw new Error(`key column ${k} of ${mapping.namespace}.${mapping.table} is not mapped`);
    return j;
  });
  const keyIndex = keyColumns.map((j) => columnIndex[j]);
  if (keyIndex.some((i) => i < 0)) throw new Error(`key of ${mapping.table} is missing in source ${tableKey(source.id)}`);
  const fullRowKey = mapping.key.filter((k) => !k.startsWith('_lakesync_')).length === 0;
  return { key: tableKey(source.id), source, mapping, merged: isMerged(mapping), columnIndex, keyIndex, keyColumns, fullRowKey };
}
