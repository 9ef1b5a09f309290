// Expands a task's mode into the concrete table set (pure: no connection). Pattern syntax of
// `tables` / `exclude` entries: `db.table`, split at the first dot outside double quotes; an
// unquoted part is a glob (picomatch: * ? [..] {a,b}), a double-quoted part is a literal name
// ("" inside quotes is one quote), e.g. `shop."order.items"` or `"my db"."x""y"`. Dots after the
// first belong to the table part. `virtualTables` regexes match the whole `db.table` text.
import picomatch from 'picomatch';
import type { TaskPlan } from '../config/plan';
import type { TableId } from './types';
import { tableKey } from './types';

export interface NamePattern {
  /** The entry as written. */
  text: string;
  db: PartPattern;
  table: PartPattern;
}
export interface PartPattern { literal?: string; glob?: string; matcher: (name: string) => boolean }

export interface TargetGroup {
  /** Target table name (inside target.namespace). */
  target: string;
  sources: TableId[];
  /** True for multi-table-merge virtual tables. */
  merged: boolean;
}

export interface Selection { groups: TargetGroup[]; warnings: string[] }

// picomatch treats `/` as a path separator; table names may contain it.
const SLASH = '\u2215';
const globMatcher = (glob: string) => {
  const isMatch = picomatch(glob.split('/').join(SLASH), { dot: true });
  return (name: string) => isMatch(name.split('/').join(SLASH));
};

/** A double-quoted literal name starting at `at` ("" is one quote); returns it and the index after it. */
function parseQuoted(text: string, at: number): { part: PartPattern; end: number } {
  let i = at + 1; let literal = '';
  for (;;) {
    if (i >= text.length) throw new Error(`"${text}": unclosed double quote`);
    if (text[i] === '"') {
      if (text[i + 1] === '"') { literal += '"'; i += 2; continue; }
      return { part: { literal, matcher: (n) => n === literal }, end: i + 1 };
    }
    literal += text[i++];
  }
}

/** Parses one `db.table` entry; throws with a readable reason when malformed. */
export function parseNamePattern(text: string): NamePattern {
  let db: PartPattern; let i: number;
  if (text.startsWith('"')) {
    const r = parseQuoted(text, 0); db = r.part; i = r.end;
    if (text[i] !== '.') throw new Error(`"${text}": expected a dot after the quoted database name`);
    i++;
  } else {
    const dot = text.indexOf('.');
    if (dot <= 0) throw new Error(`"${text}" is not of the form db.table`);
    const glob = text.slice(0, dot);
    db = picomatch.scan(glob).isGlob ? { glob, matcher: globMatcher(glob) } : { literal: glob, matcher: (n) => n === glob };
    i = dot + 1;
  }
  let table: PartPattern;
  if (text[i] === '"') {
    const r = parseQuoted(text, i); table = r.part;
    if (r.end !== text.length) throw new Error(`"${text}": unexpected text after the quoted table name`);
  } else {
    const glob = text.slice(i);
    if (!glob) throw new Error(`"${text}" has no table part`);
    table = picomatch.scan(glob).isGlob ? { glob, matcher: globMatcher(glob) } : { literal: glob, matcher: (n) => n === glob };
  }
  return { text, db, table };
}

export const matches = (p: NamePattern, t: TableId): boolean => p.db.matcher(t.db) && p.table.matcher(t.table);

/** Databases (schemas) a task can touch, when the patterns name them literally; undefined = any. */
export function candidateDatabases(plan: TaskPlan): string[] | undefined {
  if (plan.mode === 'database-mirror') return [...plan.databases];
  if (plan.mode === 'multi-table-mirror') {
    const dbs = new Set<string>();
    for (const t of plan.tables) {
      try {
        const p = parseNamePattern(t);
        if (p.db.literal === undefined) return undefined;
        dbs.add(p.db.literal);
      } catch { /* reported by selectTables */ }
    }
    return [...dbs];
  }
  return undefined;
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
      groups.push({ target, sources, merged: true });
    }
    return { groups, warnings };
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

  // One database: target tables keep their names; several: `db_table` so that they cannot meet.
  const dbs = candidateDatabases(plan);
  const single = dbs !== undefined && dbs.length === 1;
  const groups: TargetGroup[] = [];
  const used = new Map<string, TableId>();
  for (const t of selected) {
    let name = single ? t.table : `${t.db}_${t.table}`;
    const clash = used.get(name);
    if (clash) {
      const alt = `${t.db}__${t.table}`;
      warnings.push(`${tableKey(t)} and ${tableKey(clash)} would both be target table ${name}: ${tableKey(t)} goes to ${alt}`);
      name = alt;
    }
    used.set(name, t);
    groups.push({ target: name, sources: [t], merged: false });
  }
  return { groups, warnings };
}

function cmp(a: string, b: string): number { return a < b ? -1 : a > b ? 1 : 0; }

/**
 * Where one table goes, or undefined when the task does not take it: for tables that appear
 * while the task runs (database-mirror "new ones too", globs, merge regexes).
 */
export function targetOf(plan: TaskPlan, table: TableId): { target: string; merged: boolean } | undefined {
  const g = selectTables(plan, [table]).groups.find((x) => x.sources.length > 0);
  return g ? { target: g.target, merged: g.merged } : undefined;
}
