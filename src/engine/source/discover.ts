// The task's concrete tables, as the source's adapter discovers them (selection.ts);
// then the target mappings (typemap) with every warning the user should see.
import type { TaskPlan } from '../config/plan';
import type { SourceTable } from './types';
import { tableKey } from './types';
import { selectTables } from './select';
import { mapTable, mergeMappings } from '../typemap';
import type { TableMapping } from '../typemap/types';
import { openSource } from './registry';
import { discoveryWarningsOf } from './selection';

/** Every table the task syncs, described (columns, types, key), in a stable order: the adapter's own discovery. */
export async function discoverTables(plan: TaskPlan): Promise<SourceTable[]> {
  const adapter = await openSource(plan);
  try {
    return await adapter.discover();
  } finally {
    await adapter.close().catch(() => undefined);
  }
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
  const warnings = [...(discoveryWarningsOf(tables) ?? selection.warnings)];
  for (const g of selection.groups) {
    const parts = g.sources.map((s) => byKey.get(tableKey(s))).filter((t): t is SourceTable => t !== undefined)
      .map((t) => mapTable(plan.source.type, t, g.namespace, g.target));
    if (!g.merged) { if (parts[0]) mappings.push(parts[0]); continue; }
    if (!parts.length) continue; // "matches no source table" is already among the warnings
    mappings.push(mergeMappings(parts, g.namespace, g.target));
  }
  return { mappings, warnings, errors: selection.errors };
}
