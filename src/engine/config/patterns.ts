// The syntax of `tables` / `exclude` entries: `db.table`, split at the first dot outside double
// quotes; an unquoted part is a glob (picomatch: * ? [..] {a,b}), a double-quoted part is a literal
// name ("" inside quotes is one quote), e.g. `shop."order.items"` or `"my db"."x""y"`. Dots after
// the first belong to the table part. Pure: used by selection (source/select.ts) and naming.
import picomatch from 'picomatch';
import type { TaskPlan } from './plan';
import type { TableId } from '../source/types';

export interface NamePattern {
  /** The entry as written. */
  text: string;
  db: PartPattern;
  table: PartPattern;
}
export interface PartPattern { literal?: string; glob?: string; matcher: (name: string) => boolean }

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

