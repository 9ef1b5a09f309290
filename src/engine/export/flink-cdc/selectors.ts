// LakeSync table patterns -> Flink CDC table selectors.
// Flink CDC selector syntax (flink-cdc-common Predicates.RegExSplitterByComma / ByDot, and the
// `tables` option of its MySQL and PostgreSQL pipeline sources): entries are separated by commas,
// the parts of one entry (db.table; PostgreSQL db.schema.table) by dots, each part is a Java regex
// matched against the whole name, and inside a part `\.` stands for the regex "any character"
// and `\,` for a comma. So a literal dot in a name cannot be written; we write `\.` (any
// character) there and say so.
import picomatch from 'picomatch';
import { parseNamePattern, type PartPattern } from '../../config/patterns';

export class SelectorError extends Error {}

/** Regex metacharacters (outside `.`, handled apart) escaped so a name matches literally. */
function escapeLiteral(name: string, notes: string[]): string {
  let out = '';
  for (const ch of name) {
    if (ch === '.') { out += '\\.'; notes.push(`"${name}" contains a dot, which a Flink CDC selector cannot match literally; it is written as "any character" there`); continue; }
    if (ch === ',') { out += '\\,'; continue; }
    out += /[\\^$|?*+()[\]{}]/.test(ch) ? `\\${ch}` : ch;
  }
  return out;
}

/**
 * A picomatch glob (`*`, `?`, `[..]`, `{a,b}`) as a selector part. Only those forms appear in
 * LakeSync's docs; anything else (extglobs, `**`) is refused rather than guessed.
 */
export function globToSelectorPart(glob: string, notes: string[] = []): string {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*') {
      if (glob[i + 1] === '*') throw new SelectorError(`"${glob}": "**" has no meaning in a table name pattern; use "*"`);
      out += '\\.*';
    } else if (ch === '?') out += '\\.';
    else if (ch === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) throw new SelectorError(`"${glob}": "[" without its closing "]"`);
      let body = glob.slice(i + 1, close);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      out += `[${body.replace(/\\/g, '\\\\').replace(/\./g, '\\.').replace(/,/g, '\\,')}]`;
      i = close;
    } else if (ch === '{') { braces++; out += '('; }
    else if (ch === '}' && braces > 0) { braces--; out += ')'; }
    else if (ch === ',' && braces > 0) out += '|';
    else if (ch === '\\' && i + 1 < glob.length) { out += escapeLiteral(glob[++i], notes); }
    else if ('!@+'.includes(ch) && glob[i + 1] === '(') throw new SelectorError(`"${glob}": extended glob patterns cannot be exported; list the tables or use * ? [..] {a,b}`);
    else out += escapeLiteral(ch, notes);
  }
  if (braces) throw new SelectorError(`"${glob}": "{" without its closing "}"`);
  return out;
}

function partSelector(part: PartPattern, notes: string[]): string {
  if (part.literal !== undefined) return escapeLiteral(part.literal, notes);
  return globToSelectorPart(part.glob!, notes);
}

/** One `tables`/`exclude` entry (`db.table`, globs and quoted names as LakeSync reads them) as a selector. */
export function tablePatternSelector(text: string, prefix: string[] = [], notes: string[] = []): string {
  const p = parseNamePattern(text);
  if (picomatch.scan(text).isGlob && p.db.glob === undefined && p.table.glob === undefined && p.db.literal === undefined) {
    throw new SelectorError(`"${text}" cannot be exported`);
  }
  return [...prefix, partSelector(p.db, notes), partSelector(p.table, notes)].join('.');
}

/** Every table of a database (MySQL) or schema (PostgreSQL). */
export function databaseSelector(db: string, prefix: string[] = [], notes: string[] = []): string {
  return [...prefix, escapeLiteral(db, notes), '\\.*'].join('.');
}

/**
 * A `virtualTables` regex (matched by LakeSync against the whole `db.table` text) as a selector:
 * it must split into a database part and a table part at one escaped dot `\.` outside groups and
 * classes, as in `shard_\d+\.orders_\d+`. The parts keep their regex; a bare `.` becomes `\.`
 * (Flink CDC's "any character").
 */
export function mergeRegexSelector(regex: string, prefix: string[] = []): string {
  const splits: number[] = [];
  let depth = 0; let inClass = false;
  for (let i = 0; i < regex.length; i++) {
    const ch = regex[i];
    if (ch === '\\') {
      if (regex[i + 1] === '.' && depth === 0 && !inClass) splits.push(i);
      i++; continue;
    }
    if (inClass) { if (ch === ']') inClass = false; continue; }
    if (ch === '[') inClass = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
  }
  if (splits.length !== 1) {
    throw new SelectorError(`virtual table regex "${regex}" must have exactly one escaped dot \\. between its database and table parts (e.g. shard_\\d+\\.orders_\\d+) for Flink CDC, where the dot separates database and table; it has ${splits.length}`);
  }
  const parts = [regex.slice(0, splits[0]), regex.slice(splits[0] + 2)].map((p) => toSelectorRegex(p.replace(/^\^/, '').replace(/\$$/, '')));
  if (parts.some((p) => !p)) throw new SelectorError(`virtual table regex "${regex}" has an empty database or table part`);
  return [...prefix, ...parts].join('.');
}

/** A Java-compatible regex part in selector spelling: `.` -> `\.`, `\.` (literal dot) refused, `,` -> `\,`. */
function toSelectorRegex(part: string): string {
  let out = '';
  for (let i = 0; i < part.length; i++) {
    const ch = part[i];
    if (ch === '\\') {
      const next = part[i + 1];
      if (next === '.') throw new SelectorError(`"${part}": a literal dot inside a database or table name cannot be written in a Flink CDC selector`);
      out += ch + (next ?? ''); i++; continue;
    }
    out += ch === '.' ? '\\.' : ch === ',' ? '\\,' : ch;
  }
  return out;
}

/** Exactly one table. */
export function literalSelector(db: string, table: string, prefix: string[] = [], notes: string[] = []): string {
  return [...prefix, escapeLiteral(db, notes), escapeLiteral(table, notes)].join('.');
}
