// Which target table each source table feeds: the same mappings `lakesync preview` shows
// (source/discover.ts planMappings: table selection + type map), one route per source table.
import type { TaskPlan } from '../config/plan';
import { planMappings } from '../source/discover';
import type { SourceTable } from '../source/types';
import { tableKey } from '../source/types';
import { makeRoute, type Route } from './route';

/**
 * Routes for every source table of the task (tables that route nowhere are left out). `errors`:
 * source tables that would share a target name (left out too; the runner refuses to start).
 */
export function planRoutes(plan: TaskPlan, tables: SourceTable[]): { routes: Route[]; warnings: string[]; errors: string[] } {
  const byKey = new Map(tables.map((t) => [tableKey(t.id), t]));
  const { mappings, warnings, errors } = planMappings(plan, tables);
  const routes: Route[] = [];
  for (const mapping of mappings) {
    for (const id of mapping.sources) {
      const table = byKey.get(tableKey(id));
      if (table) routes.push(makeRoute(table, mapping));
    }
  }
  return { routes, warnings: [...warnings, ...new Set(mappings.flatMap((m) => m.warnings))], errors };
}
