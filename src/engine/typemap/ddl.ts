// CREATE TABLE for a mapped table, with LakeSync's metadata columns.
import type { TableMapping } from './types';
import { quoteIdent } from './duckdb';

export interface MetadataColumn { name: string; type: string }

export const MERGE_KEY_COLUMNS = ['_lakesync_source_db', '_lakesync_source_table'] as const;

/** Metadata columns of every target table; merged tables also carry their source identity (part of the key). */
export function metadataColumns(merged: boolean): MetadataColumn[] {
  const cols: MetadataColumn[] = [
    { name: '_lakesync_op', type: 'VARCHAR' },
    { name: '_lakesync_source_ts', type: 'TIMESTAMPTZ' },
    { name: '_lakesync_synced_at', type: 'TIMESTAMPTZ' },
  ];
  if (merged) for (const name of MERGE_KEY_COLUMNS) cols.push({ name, type: 'VARCHAR' });
  return cols;
}

export function isMerged(mapping: TableMapping): boolean {
  return mapping.key.includes(MERGE_KEY_COLUMNS[0]) || mapping.sources.length > 1;
}

/** Key columns that come from the source row (the merged identity columns excluded). */
export function dataKey(m: TableMapping): string[] {
  const key = m.key.filter((k) => !(MERGE_KEY_COLUMNS as readonly string[]).includes(k));
  // A table without a primary key is matched on all of its columns (full row image).
  return key.length > 0 ? key : m.columns.map((c) => c.name);
}

/** Target types DuckDB refuses in an index key ("Invalid type for index key"). */
const UNINDEXABLE = /^(INTERVAL|STRUCT|MAP|UNION)\b|\[\d*\]$/i;

/** `CREATE TABLE IF NOT EXISTS "ns"."t" (...)`; every identifier quoted so any source name round trips. */
export function tableDdl(mapping: TableMapping): string {
  const key = new Set(mapping.key);
  const lines = mapping.columns.map((c) => `${quoteIdent(c.name)} ${c.targetType}${key.has(c.name) ? ' NOT NULL' : ''}`);
  for (const m of metadataColumns(isMerged(mapping))) {
    lines.push(`${quoteIdent(m.name)} ${m.type}${key.has(m.name) ? ' NOT NULL' : ''}`);
  }
  // DuckDB cannot index some types (INTERVAL for a MySQL TIME, lists, structs): such a table gets
  // no PRIMARY KEY constraint; LakeSync keeps the key itself (changes apply by the key columns)
  const indexable = mapping.key.every((k) => !UNINDEXABLE.test(mapping.columns.find((c) => c.name === k)?.targetType ?? ''));
  if (mapping.key.length && indexable) lines.push(`PRIMARY KEY (${mapping.key.map(quoteIdent).join(', ')})`);
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(mapping.namespace)}.${quoteIdent(mapping.table)} (\n  ${lines.join(',\n  ')}\n)`;
}
