// Entry points of the type map: one source table -> TableMapping, several -> one merged mapping.
import type { SourceType } from '../config/plan';
import type { SourceColumn, SourceTable } from '../source/types';
import { tableKey } from '../source/types';
import type { ColumnMapping, TableMapping } from './types';
import { sourceFacts } from '../source/known';
import { fromTextFor, widen } from './duckdb';
import { MERGE_KEY_COLUMNS, metadataColumns } from './ddl';

export { quoteIdent, quoteLiteral, renderFromText, widen, fromTextFor } from './duckdb';
export { tableDdl, metadataColumns, MERGE_KEY_COLUMNS } from './ddl';
export { mapMysqlColumn } from './mysql';
export { mapPostgresColumn } from './postgres';

/** `inKey`: the column is part of the primary key (a MySQL zero date there cannot become NULL). */
export function mapColumn(source: SourceType, col: SourceColumn, inKey = false): ColumnMapping {
  return sourceFacts(source).mapColumn(col, inKey);
}

const RESERVED = new Set(metadataColumns(true).map((c) => c.name));

/** Mirror mapping: one source table -> one target table with the same columns and key. */
export function mapTable(source: SourceType, table: SourceTable, namespace: string, target: string): TableMapping {
  const columns = table.columns.map((c) => mapColumn(source, c, table.primaryKey.includes(c.name)));
  const warnings: string[] = [];
  for (const c of columns) {
    if (c.warning) warnings.push(`${c.name}: ${c.warning}`);
    if (RESERVED.has(c.name)) warnings.push(`column ${c.name} has the name of a LakeSync metadata column`);
  }
  if (!table.primaryKey.length) {
    warnings.push(`${tableKey(table.id)} has no primary key: the target table gets no key`);
  }
  return { sources: [table.id], namespace, table: target, columns, key: [...table.primaryKey], warnings };
}

/**
 * Merge mapping: the union of the sources' columns by name (first appearance order), types widened
 * so that every source's values fit; the key is the source identity plus the common primary key.
 */
export function mergeMappings(parts: TableMapping[], namespace: string, target: string): TableMapping {
  const columns: ColumnMapping[] = [];
  const byName = new Map<string, number>();
  const warnings: string[] = [];
  for (const part of parts) {
    for (const w of part.warnings) if (!w.includes('has no primary key')) warnings.push(w);
    for (const col of part.columns) {
      const from = { table: part.sources[0], column: col.source };
      const at = byName.get(col.name);
      if (at === undefined) { byName.set(col.name, columns.length); columns.push({ ...col, mergedFrom: [from] }); continue; }
      const prev = columns[at];
      prev.mergedFrom = [...(prev.mergedFrom ?? []), from];
      if (prev.targetType === col.targetType && prev.fromText === col.fromText) continue;
      const w = widen(prev.targetType, col.targetType);
      const next: ColumnMapping = { ...prev, targetType: w.targetType };
      // the generic expression reads every canonical text the widened type admits
      next.fromText = fromTextFor(w.targetType);
      if (w.note) next.note = w.note;
      if (w.warning) {
        next.warning = w.warning;
        warnings.push(`${col.name}: ${w.warning} (${tableKey(part.sources[0])})`);
      }
      columns[at] = next;
    }
  }
  const keys = parts.map((p) => p.key.join(','));
  let key = parts[0]?.key ?? [];
  if (new Set(keys).size > 1) {
    warnings.push(`the merged sources have different primary keys (${[...new Set(keys)].map((k) => `(${k})`).join(', ')}): using (${key.join(', ')})`);
  }
  if (parts.some((p) => p.key.length === 0)) {
    warnings.push('a merged source has no primary key: the target table has no key');
    key = [];
  }
  return {
    sources: parts.flatMap((p) => p.sources), namespace, table: target, columns,
    key: key.length ? [...MERGE_KEY_COLUMNS, ...key] : [], warnings,
  };
}
