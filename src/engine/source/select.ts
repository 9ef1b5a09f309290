// Expands a task's mode into the concrete table set (pure: no connection), each group with its
// target name (config/naming.ts). Pattern syntax of `tables` / `exclude`: config/patterns.ts;
// `virtualTables` regexes match the whole `db.table` text.
import type { TaskPlan } from '../config/plan';
import { matches, parseNamePattern, type NamePattern } from '../config/patterns';
import { collisionMessage, mergedTargetName, targetNameKey, targetNameOf, type TargetName } from '../config/naming';
import type { TableId } from './types';
import { tableKey } from './types';

export { candidateDatabases, matches, parseNamePattern, type NamePattern, type PartPattern } from '../config/patterns';

export interface TargetGroup {
  /** Target namespace (schema) of the table. */
  namespace: string;
  /** Target table name (inside namespace). */
  target: string;
  sources: TableId[];
  /** True for multi-table-merge virtual tables. */
  merged: boolean;
}

export interface Selection {
  groups: TargetGroup[];
  warnings: string[];
  /** Config errors found against the tables that exist (two tables, one target name): the task cannot run. */
  errors: string[];
  /** Tables left out of `groups` because their target name is taken: still discovered, so the errors are seen. */
  collided: TableId[];
}

/** Every table the task takes, once each, including those whose target name collides (see errors). */
export function selectedIds(selection: Selection): TableId[] {
  const seen = new Set<string>();
  const ids: TableId[] = [];
  for (const id of [...selection.groups.flatMap((g) => g.sources), ...selection.collided]) {
    if (!seen.has(tableKey(id))) { seen.add(tableKey(id)); ids.push(id); }
  }
  return ids;
}

function parseAll(entries: string[], what: string, warnings: string[]): NamePattern[] {
  const out: NamePattern[] = [];
  for (const e of entries) {
    try { out.push(parseNamePattern(e)); } catch (err) { warnings.push(`${what} entry ${(err as Error).message}`); }
  }
  return out;
}

function nothingMatched(what: string, text: string, available: TableId[], p?: NamePattern): string {
  const lower = text.toLowerCase();
  const hint = p && available.some((t) => tableKey(t).toLowerCase() === lower)
    ? ' (names are case-sensitive: a table differs only in case)' : '';
  return `${what} "${text}" matches no source table${hint}`;
}

/** The concrete table set of a task over the tables that exist (`available`), and warnings for the user. */
export function selectTables(plan: TaskPlan, available: TableId[]): Selection {
  const warnings: string[] = [];
  const sorted = [...available].sort((a, b) => cmp(a.db, b.db) || cmp(a.table, b.table));
  const exclude = parseAll(plan.exclude, 'exclude', warnings);
  const excluded = (t: TableId) => exclude.some((p) => matches(p, t));
  for (const p of exclude) if (!sorted.some((t) => matches(p, t))) warnings.push(nothingMatched('exclude', p.text, sorted));

  if (plan.mode === 'multi-table-merge') {
    const groups: TargetGroup[] = [];
    const owner = new Map<string, string>();
    for (const [target, regexes] of Object.entries(plan.virtualTables)) {
      const sources: TableId[] = [];
      for (const source of regexes) {
        let re: RegExp;
        try { re = new RegExp(`^(?:${source})$`, 'u'); } catch (err) {
          warnings.push(`virtualTables.${target}: "${source}" is not a valid regular expression (${(err as Error).message})`);
          continue;
        }
        const hit = sorted.filter((t) => re.test(tableKey(t)));
        if (!hit.length) warnings.push(nothingMatched(`virtualTables.${target} pattern`, source, sorted));
        for (const t of hit) {
          if (excluded(t) || sources.some((s) => s.db === t.db && s.table === t.table)) continue;
          const k = tableKey(t); const prev = owner.get(k);
          if (prev !== undefined && prev !== target) {
            warnings.push(`${k} matches virtual tables ${prev} and ${target}: it feeds ${prev} only`);
            continue;
          }
          owner.set(k, target); sources.push(t);
        }
      }
      groups.push({ ...named(mergedTargetName(plan, target)), sources, merged: true });
    }
    return { groups, warnings, errors: [], collided: [] };
  }

  let selected: TableId[];
  if (plan.mode === 'database-mirror') {
    for (const db of plan.databases) {
      if (!sorted.some((t) => t.db === db)) warnings.push(`database "${db}" has no tables (or does not exist)`);
    }
    selected = sorted.filter((t) => plan.databases.includes(t.db));
  } else {
    const include = parseAll(plan.tables, 'tables', warnings);
    for (const p of include) if (!sorted.some((t) => matches(p, t))) warnings.push(nothingMatched('tables', p.text, sorted, p));
    selected = sorted.filter((t) => include.some((p) => matches(p, t)));
  }
  selected = selected.filter((t) => !excluded(t));

  const groups: TargetGroup[] = [];
  const errors: string[] = [];
  const collided: TableId[] = [];
  const used = new Map<string, { id: TableId; name: TargetName }>();
  for (const t of selected) {
    const name = targetNameOf(plan, t);
    const clash = used.get(targetNameKey(name));
    if (clash) { errors.push(collisionMessage(plan, tableKey(clash.id), tableKey(t), clash.name, name)); collided.push(t); continue; }
    used.set(targetNameKey(name), { id: t, name });
    groups.push({ ...named(name), sources: [t], merged: false });
  }
  return { groups, warnings, errors, collided };
}

const named = (n: TargetName) => ({ namespace: n.namespace, target: n.table });

function cmp(a: string, b: string): number { return a < b ? -1 : a > b ? 1 : 0; }

/**
 * Where one table goes, or undefined when the task does not take it: for tables that appear
 * while the task runs (database-mirror "new ones too", globs, merge regexes).
 */
export function targetOf(plan: TaskPlan, table: TableId): { namespace: string; target: string; merged: boolean } | undefined {
  const g = selectTables(plan, [table]).groups.find((x) => x.sources.length > 0);
  return g ? { namespace: g.namespace, target: g.target, merged: g.merged } : undefined;
}
