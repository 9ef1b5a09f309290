// Which target table each source table feeds: the table selection (source/select.ts) names the
// target of every source table; the type map gives the mapping (merged for virtual tables).
import type { TaskPlan } from '../config/plan';
import { selectTables } from '../source/select';
import type { SourceTable } from '../source/types';
import { tableKey } from '../source/types';
import { mapTable, mergeMappings } from '../typemap';
import { makeRoute, type Route } from './route';

/** Routes for every source table of the task (tables that route nowhere are left out). */
export function planRoutes(plan: TaskPlan, tables: SourceTable[]): { routes: Route[]; warnings: string[] } {
  const byKey = new Map(tables.map((t) => [tableKey(t.id), t]));
  const ns = plan.target.namespace;
  const selection = selectTables(plan, tables.map((t) => t.id));
  const routes: Route[] = [];
  for (const group of selection.groups) {
    const members = group.sources.map((id) => byKey.get(tableKey(id))).filter((t): t is SourceTable => t !== undefined);
    if (members.length === 0) continue;
    const parts = members.map((t) => mapTable(plan.source.type, t, ns, group.target));
    const mapping = group.merged ? mergeMappings(parts, ns, group.target) : parts[0];
    for (const t of members) routes.push(makeRoute(t, mapping));
  }
  const warnings = [...selection.warnings, ...new Set(routes.flatMap((r) => r.mapping.warnings))];
  return { routes, warnings };
}
