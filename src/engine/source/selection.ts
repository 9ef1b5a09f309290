// A source's discovery: the tables that exist -> the task's selection (select.ts) -> described.
// Every adapter's discover() goes through here, so `lakesync preview`, `check` and `run` see the
// same tables and the same selection warnings.
import type { TaskPlan } from '../config/plan';
import { selectedIds, selectTables } from './select';
import type { SourceTable, TableId } from './types';

/**
 * Selection warnings judged against every table that exists (an exclude that removed a table, a
 * name that differs only in case), kept for planMappings, which only sees the selected tables.
 */
const discoveryWarnings = new WeakMap<SourceTable[], string[]>();

/** Selects the task's tables among `available` and describes them. */
export async function describeSelection(plan: TaskPlan, available: TableId[], describe: (ids: TableId[]) => Promise<SourceTable[]>): Promise<SourceTable[]> {
  const selection = selectTables(plan, available);
  const tables = await describe(selectedIds(selection));
  discoveryWarnings.set(tables, selection.warnings);
  return tables;
}

/** The warnings of the discovery that returned `tables` (undefined for a list made otherwise). */
export function discoveryWarningsOf(tables: SourceTable[]): string[] | undefined {
  return discoveryWarnings.get(tables);
}
