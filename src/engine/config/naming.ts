// Target naming: where one source table lands (namespace + table name). This is the ONE place
// that applies `target.namespace`, `target.tableName` and `target.lowerCase`; selection (and so
// preview, status, the tree and run), new tables found while running, and the exporters all ask
// here instead of building names themselves.
//
//   target.namespace  "ods" (fixed, the default) | {from: source} (the source database / schema)
//   target.tableName  a template over {schema} {database} {table}, e.g. "{schema}_{table}",
//                     "raw_{table}" (a prefix), "{table}_v1" (a suffix). Default: "{table}" when
//                     the task reads one database (or the namespace mirrors the source), else
//                     "{schema}_{table}" so that tables of two databases cannot meet.
//   target.lowerCase  lower-cases what the templates produce from source names.
//
// {schema} is the part before the dot of `db.table`: the MySQL database or the PostgreSQL schema.
// {database} is the MySQL database too, but for PostgreSQL the task's `source.database`.
// multi-table-merge names its targets in virtualTables: those names are used as written.
import type { TableId } from '../source/types';
import { sourceFacts } from '../source/known';
import { DEFAULT_NAMESPACE, namespaceFromSource, tableNameTemplate, TEMPLATE_FIELDS, type NamingPlan } from './naming-rule';

export type { NamespaceSetting } from './plan';
// The rule itself (defaults, the template in effect, its readable form) is in naming-rule.ts, a
// leaf the extension's task list uses without loading the engine; applying it is here.
export { DEFAULT_NAMESPACE, describeNaming, namespaceFromSource, tableNameTemplate, TEMPLATE_FIELDS, type NamingPlan } from './naming-rule';

export interface TargetName { readonly namespace: string; readonly table: string }

/** Placeholders of a template that are not {schema}, {database} or {table} (for the task-file check). */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]).filter((f) => !(TEMPLATE_FIELDS as readonly string[]).includes(f));
}

function render(template: string, values: Record<(typeof TEMPLATE_FIELDS)[number], string>): string {
  return template.replace(/\{(schema|database|table)\}/g, (_m, f: keyof typeof values) => values[f]);
}

/** Where a source table of a mirror mode lands. */
export function targetNameOf(plan: NamingPlan, id: TableId): TargetName {
  const lower = plan.target?.lowerCase === true;
  const fix = (s: string) => (lower ? s.toLowerCase() : s);
  const database = plan.source && sourceFacts(plan.source.type).schemasInDatabase && plan.source.database ? plan.source.database : id.db;
  const ns = plan.target?.namespace ?? DEFAULT_NAMESPACE;
  return {
    namespace: namespaceFromSource(ns) ? fix(id.db) : ns,
    table: fix(render(tableNameTemplate(plan), { schema: id.db, database, table: id.table })),
  };
}

/** Where a virtual table of multi-table-merge lands (its name as written in virtualTables). */
export function mergedTargetName(plan: NamingPlan, virtualTable: string): TargetName {
  const ns = plan.target?.namespace ?? DEFAULT_NAMESPACE;
  // {from: source} is refused for merge mode by the task-file check: a merge gathers several schemas.
  return { namespace: namespaceFromSource(ns) ? DEFAULT_NAMESPACE : ns, table: virtualTable };
}

/** Identity of a target name as the target sees it: DuckDB (and Iceberg catalogs) ignore case. */
export function targetNameKey(n: TargetName): string {
  return `${n.namespace.toLowerCase()}\u0000${n.table.toLowerCase()}`;
}

/** The config error for two source tables that would share one target table (mirror modes). */
export function collisionMessage(plan: NamingPlan, a: string, b: string, name: TargetName, other: TargetName): string {
  const same = name.namespace === other.namespace && name.table === other.table;
  return `${a} and ${b} would both be target table ${name.namespace}.${name.table}`
    + `${same ? '' : ` (and ${other.namespace}.${other.table}: target names ignore case)`}`
    + ` under target.tableName "${tableNameTemplate(plan)}"${plan.target?.lowerCase ? ' with target.lowerCase' : ''};`
    + ' set target.tableName to a template that tells them apart (e.g. "{schema}_{table}"), or exclude one of them';
}
