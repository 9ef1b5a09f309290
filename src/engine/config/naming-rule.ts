// The target naming rule as written in a task file (naming.ts applies it): the default namespace,
// the tableName template in effect and its readable form. A leaf (patterns.ts and types only), so
// the extension's task list describes a task without loading the engine.
import { candidateDatabases } from './patterns';
import type { NamespaceSetting, TaskPlan } from './plan';

/** The plan fields naming depends on (tests may pass partial plans). */
export type NamingPlan = Pick<TaskPlan, 'mode' | 'databases' | 'tables'> & {
  source?: Pick<TaskPlan['source'], 'type' | 'database'>;
  target?: Partial<Pick<TaskPlan['target'], 'namespace' | 'tableName' | 'lowerCase'>>;
};

export const DEFAULT_NAMESPACE = 'ods';
export const TEMPLATE_FIELDS = ['schema', 'database', 'table'] as const;

export function namespaceFromSource(ns: NamespaceSetting | undefined): ns is { from: 'source' } {
  return typeof ns === 'object' && ns !== null && ns.from === 'source';
}

/** The tableName template in effect (the written one, or the default described in naming.ts). */
export function tableNameTemplate(plan: NamingPlan): string {
  if (plan.target?.tableName) return plan.target.tableName;
  if (namespaceFromSource(plan.target?.namespace)) return '{table}';
  const dbs = candidateDatabases(plan as TaskPlan);
  return dbs !== undefined && dbs.length === 1 ? '{table}' : '{schema}_{table}';
}

/** A readable form of the rule, for headers and the tree: `ods.{table}`, `{schema}.{table} (lower-cased)`. */
export function describeNaming(plan: NamingPlan): string {
  const ns = plan.target?.namespace ?? DEFAULT_NAMESPACE;
  const table = plan.mode === 'multi-table-merge' ? '<virtual table>' : tableNameTemplate(plan);
  return `${namespaceFromSource(ns) ? '{schema}' : ns}.${table}${plan.target?.lowerCase ? ' (lower-cased)' : ''}`;
}
