// The task's concrete tables: list what exists, select by mode (select.ts), describe the selection;
// then the target mappings (typemap) with every warning the user should see.
import type { TaskPlan } from '../config/plan';
import type { SourceTable, TableId } from './types';
import { tableKey } from './types';
import { candidateDatabases, selectedIds, selectTables } from './select';
import { mapTable, mergeMappings } from '../typemap';
import type { TableMapping } from '../typemap/types';
import { connectPostgres } from './postgres/connect';
import { connectMysql } from './mysql/connect';
import { describePostgresTables, listPostgresTables } from './postgres/metadata';
import { describeMysqlTables, listMysqlTables } from './mysql/metadata';

/**
 * Selection warnings judged against every table that exists (an exclude that removed a table, a
 * name that differs only in case), kept for planMappings, which only sees the selected tables.
 */
const discoveryWarnings = new WeakMap<SourceTable[], string[]>();

/** Every table the task syncs, described (columns, types, key), in a stable order. */
export async function discoverTables(plan: TaskPlan): Promise<SourceTable[]> {
  const dbs = candidateDatabases(plan);
  let tables: SourceTable[];
  let warnings: string[];
  if (plan.source.type === 'postgres') {
    const client = await connectPostgres(plan.source);
    try {
      const selection = selectedIdsOf(plan, await listPostgresTables(client, dbs));
      warnings = selection.warnings;
      tables = await describePostgresTables(client, selection.ids);
    } finally {
      await client.end().catch(() => undefined);
    }
  } else {
    const conn = await connectMysql(plan.source, { database: null });
    try {
      const selection = selectedIdsOf(plan, await listMysqlTables(conn, dbs));
      warnings = selection.warnings;
      tables = await describeMysqlTables(conn, selection.ids);
    } finally {
      await conn.end().catch(() => undefined);
    }
  }
  discoveryWarnings.set(tables, warnings);
  return tables;
}

function selectedIdsOf(plan: TaskPlan, available: TableId[]): { ids: TableId[]; warnings: string[] } {
  const selection = selectTables(plan, available);
  return { ids: selectedIds(selection), warnings: selection.warnings };
}

/**
 * Target mappings of the discovered tables: one per mirrored table, one per virtual table in merge
 * mode (its sources' columns unified). Warnings: patterns that match nothing, lossy or unknown
 * types, tables without a key. Errors: two source tables that would share one target name.
 */
export function planMappings(plan: TaskPlan, tables: SourceTable[]): { mappings: TableMapping[]; warnings: string[]; errors: string[] } {
  const selection = selectTables(plan, tables.map((t) => t.id));
  const byKey = new Map(tables.map((t) => [tableKey(t.id), t]));
  const mappings: TableMapping[] = [];
  const warnings = [...(discoveryWarnings.get(tables) ?? selection.warnings)];
  for (const g of selection.groups) {
    const parts = g.sources.map((s) => byKey.get(tableKey(s))).filter((t): t is SourceTable => t !== undefined)
      .map((t) => mapTable(plan.source.type, t, g.namespace, g.target));
    if (!g.merged) { if (parts[0]) mappings.push(parts[0]); continue; }
    if (!parts.length) continue; // "matches no source table" is already among the warnings
    mappings.push(mergeMappings(parts, g.namespace, g.target));
  }
  return { mappings, warnings, errors: selection.errors };
}
