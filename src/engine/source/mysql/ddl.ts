// Which tables a statement from a binlog query event changes, and how. Only the statement's head
// is read (comments and the rest skipped): enough to route DDL, never to execute it.
import type { TableId } from '../types';

export type DdlKind = 'create' | 'alter' | 'drop' | 'rename' | 'truncate' | 'index' | 'other';

export interface DdlTarget { kind: DdlKind; tables: TableId[] }

/** Removes comments (`/* *\/`, `-- `, `#`) outside quotes; keeps `/*!NNNNN ... *\/` bodies (versioned SQL). */
function stripComments(sql: string): string {
  let out = '';
  for (let i = 0; i < sql.length;) {
    const ch = sql[i];
    if (ch === '\'' || ch === '"' || ch === '`') {
      let j = i + 1;
      while (j < sql.length && sql[j] !== ch) j += sql[j] === '\\' && ch !== '`' ? 2 : 1;
      out += sql.slice(i, j + 1); i = j + 1; continue;
    }
    if (sql.startsWith('/*!', i)) { i += 3; while (i < sql.length && /\d/.test(sql[i])) i++; continue; }
    if (sql.startsWith('/*', i)) { const e = sql.indexOf('*/', i + 2); i = e < 0 ? sql.length : e + 2; out += ' '; continue; }
    if (sql.startsWith('*/', i)) { i += 2; continue; }
    if (sql.startsWith('-- ', i) || ch === '#') { const e = sql.indexOf('\n', i); i = e < 0 ? sql.length : e + 1; out += ' '; continue; }
    out += ch; i++;
  }
  return out;
}

/** Reads identifiers `a`, `db`.`t`, db.t from position i; returns the name parts and the end. */
function readName(s: string, i: number): { parts: string[]; end: number } | undefined {
  const parts: string[] = [];
  for (;;) {
    while (/\s/.test(s[i] ?? '')) i++;
    if (s[i] === '`') {
      let j = i + 1, name = '';
      for (;;) {
        if (j >= s.length) return undefined;
        if (s[j] === '`') { if (s[j + 1] === '`') { name += '`'; j += 2; continue; } break; }
        name += s[j++];
      }
      parts.push(name); i = j + 1;
    } else {
      const m = /^[\w$\u0080-\uffff]+/.exec(s.slice(i));
      if (!m) return parts.length ? { parts, end: i } : undefined;
      parts.push(m[0]); i += m[0].length;
    }
    while (/\s/.test(s[i] ?? '')) i++;
    if (s[i] !== '.') return { parts, end: i };
    i++;
  }
}

function toId(parts: string[], defaultDb: string): TableId {
  return parts.length >= 2 ? { db: parts[parts.length - 2], table: parts[parts.length - 1] } : { db: defaultDb, table: parts[0] };
}

/** Reads a comma-separated list of table names starting at i. */
function readNames(s: string, i: number, defaultDb: string): TableId[] {
  const out: TableId[] = [];
  for (;;) {
    const n = readName(s, i);
    if (!n) return out;
    out.push(toId(n.parts, defaultDb));
    i = n.end;
    if (s[i] !== ',') return out;
    i++;
  }
}

/** Classifies a query event's statement; `defaultDb` is the event's current database. */
export function parseDdl(statement: string, defaultDb: string): DdlTarget {
  const s = stripComments(statement).trim();
  const head = s.toUpperCase();
  let m: RegExpExecArray | null;
  if ((m = /^CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?/.exec(head))) {
    if (/^CREATE\s+(?:OR\s+REPLACE\s+)?TEMPORARY/.test(head)) return { kind: 'other', tables: [] };
    const n = readName(s, m[0].length);
    return { kind: 'create', tables: n ? [toId(n.parts, defaultDb)] : [] };
  }
  if ((m = /^ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\s+(?:IF\s+EXISTS\s+)?/.exec(head))) {
    const n = readName(s, m[0].length);
    if (!n) return { kind: 'alter', tables: [] };
    const tables = [toId(n.parts, defaultDb)];
    // ALTER TABLE a RENAME [TO|AS] b: both names change shape
    const rest = s.slice(n.end);
    const r = /\bRENAME\s+(?:TO\s+|AS\s+)?(?!COLUMN\b|INDEX\b|KEY\b)/i.exec(rest);
    if (r) { const to = readName(rest, r.index + r[0].length); if (to) tables.push(toId(to.parts, defaultDb)); }
    return { kind: 'alter', tables };
  }
  if ((m = /^DROP\s+(?:TEMPORARY\s+)?TABLES?\s+(?:IF\s+EXISTS\s+)?/.exec(head))) {
    if (/^DROP\s+TEMPORARY/.test(head)) return { kind: 'other', tables: [] };
    return { kind: 'drop', tables: readNames(s, m[0].length, defaultDb) };
  }
  if ((m = /^RENAME\s+TABLES?\s+/.exec(head))) {
    const tables: TableId[] = [];
    let i = m[0].length;
    for (;;) {
      const a = readName(s, i); if (!a) break;
      tables.push(toId(a.parts, defaultDb));
      const to = /^\s*TO\s+/i.exec(s.slice(a.end)); if (!to) break;
      const b = readName(s, a.end + to[0].length); if (!b) break;
      tables.push(toId(b.parts, defaultDb));
      i = b.end; if (s[i] !== ',') break; i++;
    }
    return { kind: 'rename', tables };
  }
  if ((m = /^TRUNCATE\s+(?:TABLE\s+)?/.exec(head))) {
    const n = readName(s, m[0].length);
    return { kind: 'truncate', tables: n ? [toId(n.parts, defaultDb)] : [] };
  }
  if (/^(?:CREATE|DROP)\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+|ONLINE\s+|OR\s+REPLACE\s+)*INDEX\b/.test(head)) {
    const on = /\sON\s+/i.exec(s);
    const n = on ? readName(s, on.index + on[0].length) : undefined;
    return { kind: 'index', tables: n ? [toId(n.parts, defaultDb)] : [] };
  }
  return { kind: 'other', tables: [] };
}
