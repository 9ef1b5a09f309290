// One column definition of a CREATE/ALTER TABLE statement -> the SourceColumn the server would
// describe for it (the fields the type map and the binlog decoder read: base type, length,
// precision, scale, unsigned, charset, enum labels, generated), plus its place (FIRST / AFTER).
import type { SourceColumn } from '../types';
import type { Token } from './sqltokens';
import { Tokens } from './sqltokens';

export class DdlParseError extends Error {
  /** The statement reads fine but does not fit the known shape (a column it names is missing or there). */
  constructor(message: string, readonly inconsistent = false) { super(message); }
}

export interface ColumnDef {
  column: SourceColumn;
  /** Declared PRIMARY KEY inline (or SERIAL's implied key is not primary: only this). */
  primary: boolean;
  place?: { first: true } | { after: string };
  /** The value rows already in the table take when ALTER TABLE adds this column (see SourceColumn.fill). */
  fill?: string;
  /** Why the rows already in the table take values of this column that the statement does not tell (see SourceColumn.rewritten). */
  unknownFill?: string;
}

/** The character set of a collation name (utf8mb4_general_ci -> utf8mb4). */
export function charsetOfCollation(collation: string): string {
  const c = collation.toLowerCase();
  if (c === 'binary') return 'binary';
  return normalizeCharset(c.split('_')[0]);
}

/** The server's current spelling: `utf8` is `utf8mb3` (MariaDB 10.6+, MySQL 8.0.30+). */
export function normalizeCharset(cs: string): string {
  const c = cs.toLowerCase();
  return c === 'utf8' ? 'utf8mb3' : c;
}

const INT_PRECISION: Record<string, [number, number]> = {
  tinyint: [3, 3], smallint: [5, 5], mediumint: [7, 8], int: [10, 10], bigint: [19, 20],
};
const TEXT_LENGTH: Record<string, number> = { tinytext: 255, text: 65535, mediumtext: 16777215, longtext: 4294967295 };
const BLOB_LENGTH: Record<string, number> = { tinyblob: 255, blob: 65535, mediumblob: 16777215, longblob: 4294967295 };
const TEXTUAL = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set']);
const TEMPORAL_FSP = new Set(['datetime', 'timestamp', 'time']);
const SIMPLE = new Set([
  'date', 'year', 'json', 'uuid', 'inet4', 'inet6', 'geometry', 'point', 'linestring', 'polygon', 'multipoint',
  'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection', 'vector', 'float', 'double', 'decimal',
  'bit', 'char', 'varchar', 'binary', 'varbinary', 'enum', 'set', ...Object.keys(INT_PRECISION), ...Object.keys(TEXT_LENGTH),
  ...Object.keys(BLOB_LENGTH), ...TEMPORAL_FSP,
]);
const ALIASES: Record<string, string> = {
  integer: 'int', int1: 'tinyint', int2: 'smallint', int3: 'mediumint', int4: 'int', int8: 'bigint', middleint: 'mediumint',
  dec: 'decimal', numeric: 'decimal', fixed: 'decimal', real: 'double', float4: 'float', float8: 'double',
  character: 'char', nvarchar: 'varchar', nchar: 'char',
};

/** Reads the type words at the cursor: base type, whether it implies a national charset. */
function readTypeName(ts: Tokens): { base: string; national: boolean; serial?: boolean; bool?: boolean } {
  const t = ts.next();
  if (!t || t.t !== 'word') throw new DdlParseError(`a column type was expected${t ? ` at "${t.v}"` : ''}`);
  let w = t.upper.toLowerCase();
  let national = false;
  if (w === 'national') { national = true; const n = ts.next(); if (!n || n.t !== 'word') throw new DdlParseError('a type after NATIONAL was expected'); w = n.upper.toLowerCase(); }
  if (w === 'nchar' || w === 'nvarchar') national = true;
  if (w === 'double' && ts.eat('PRECISION')) return { base: 'double', national };
  if (w === 'long') {
    if (ts.eat('VARBINARY')) return { base: 'mediumblob', national };
    if (!ts.eat('VARCHAR')) ts.eat('CHAR', 'VARYING');
    return { base: 'mediumtext', national };
  }
  if ((w === 'char' || w === 'character' || w === 'nchar') && ts.eat('VARYING')) return { base: 'varchar', national };
  if (w === 'bool' || w === 'boolean') return { base: 'tinyint', national, bool: true };
  if (w === 'serial') return { base: 'bigint', national, serial: true };
  w = ALIASES[w] ?? w;
  if (!SIMPLE.has(w)) throw new DdlParseError(`type ${t.v} is not known to LakeSync's DDL reader`);
  return { base: w, national };
}

/** The (...) arguments of a type: numbers, or string labels for enum/set. */
function readArgs(ts: Tokens): Token[] {
  if (!ts.isPunct('(')) return [];
  ts.next();
  const args: Token[] = [];
  while (!ts.done() && !ts.isPunct(')')) {
    const t = ts.next()!;
    if (t.t !== 'punct') args.push(t);
  }
  ts.eatPunct(')');
  return args;
}

const quoteLabel = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/**
 * Reads `name type [attributes] [FIRST | AFTER col]` (the name already read) up to the end of the
 * given tokens. `defaultCharset` is the table's (for text columns without their own).
 */
export function readColumnDef(name: string, tokens: Token[], defaultCharset: string | undefined): ColumnDef {
  const ts = new Tokens(tokens);
  const type = readTypeName(ts);
  const args = readArgs(ts);
  let base = type.base;
  let unsigned = type.serial ?? false;
  let charset: string | undefined = type.national ? 'utf8mb3' : undefined;
  let collation: string | undefined;
  let nullable = !type.serial;
  let primary = false;
  let generated = false;
  let byteString = false;
  let place: ColumnDef['place'];
  let defaultValue: string | null | undefined;
  let defaultExpression = false;
  let autoIncrement = type.serial ?? false;
  while (!ts.done()) {
    const t = ts.peek()!;
    if (t.t === 'punct' && t.v === '(') { ts.skipGroup(); continue; }
    if (t.t !== 'word') { ts.next(); continue; }
    if (ts.eat('UNSIGNED') || ts.eat('ZEROFILL')) { unsigned = true; continue; }
    if (ts.eat('SIGNED')) continue;
    if (ts.eat('BYTE')) { byteString = true; continue; }
    if (ts.eat('CHARACTER', 'SET') || ts.eat('CHARSET')) { ts.eatPunct('='); const c = ts.name(); if (c) charset = normalizeCharset(c); continue; }
    if (ts.eat('COLLATE')) { ts.eatPunct('='); collation = ts.name(); continue; }
    if (ts.eat('NOT', 'NULL')) { nullable = false; continue; }
    if (ts.eat('NULL')) { nullable = true; continue; }
    if (ts.eat('DEFAULT')) { const v = readLiteral(ts); defaultExpression = !v; if (v) defaultValue = v.value; else { defaultValue = undefined; skipExpression(ts); } continue; }
    if (ts.eat('AUTO_INCREMENT')) { autoIncrement = true; continue; }
    if (ts.eat('ON', 'UPDATE')) { skipExpression(ts); continue; }
    if (ts.eat('COMMENT')) { ts.next(); continue; }
    if (ts.eat('UNIQUE')) { ts.eat('KEY'); continue; }
    if (ts.eat('PRIMARY', 'KEY') || ts.eat('KEY')) { primary = true; nullable = false; continue; }
    if (ts.eat('GENERATED', 'ALWAYS', 'AS') || ts.eat('AS')) { generated = true; continue; }
    if (ts.eat('REFERENCES')) { ts.qualifiedName(); continue; }
    if (ts.eat('FIRST')) { place = { first: true }; continue; }
    if (ts.eat('AFTER')) { const a = ts.name(); if (a === undefined) throw new DdlParseError('a column name after AFTER was expected'); place = { after: a }; continue; }
    ts.next(); // AUTO_INCREMENT, UNIQUE, INVISIBLE, VIRTUAL, STORED, PERSISTENT, CHECK, BINARY, ASCII, COMPRESSED...
  }
  if (byteString && base === 'char') base = 'binary';
  if (byteString && base === 'varchar') base = 'varbinary';
  if (charset === undefined && collation) charset = charsetOfCollation(collation);
  if (charset === 'binary' && (base === 'char' || base === 'varchar')) { base = base === 'char' ? 'binary' : 'varbinary'; charset = undefined; }

  const nums = args.filter((a) => a.t === 'num').map((a) => Number(a.v));
  const col: SourceColumn = { name, ordinal: 0, dataType: base, fullType: base, nullable };
  let full = base;
  if (INT_PRECISION[base]) {
    col.precision = INT_PRECISION[base][unsigned ? 1 : 0]; col.scale = 0;
    if (nums.length) full = `${base}(${nums[0]})`;
    if (type.bool) full = 'tinyint(1)';
  } else if (base === 'decimal') {
    col.precision = nums[0] ?? 10; col.scale = nums[1] ?? 0;
    full = `decimal(${col.precision},${col.scale})`;
  } else if (base === 'float' || base === 'double') {
    if (base === 'float' && nums.length === 1 && nums[0] > 24) { col.dataType = base = 'double'; }
    if (nums.length === 2) { col.precision = nums[0]; col.scale = nums[1]; full = `${base}(${nums[0]},${nums[1]})`; } else { full = base; col.precision = base === 'float' ? 12 : 22; }
  } else if (base === 'bit') {
    col.length = nums[0] ?? 1; full = `bit(${col.length})`;
  } else if (base === 'char' || base === 'binary') {
    col.length = nums[0] ?? 1; full = `${base}(${col.length})`;
  } else if (base === 'varchar' || base === 'varbinary') {
    if (!nums.length) throw new DdlParseError(`${base} needs a length`);
    col.length = nums[0]; full = `${base}(${col.length})`;
  } else if (TEXT_LENGTH[base] !== undefined) {
    col.length = TEXT_LENGTH[base];
  } else if (BLOB_LENGTH[base] !== undefined) {
    col.length = BLOB_LENGTH[base];
  } else if (TEMPORAL_FSP.has(base)) {
    col.precision = nums[0] ?? 0; if (nums.length) full = `${base}(${nums[0]})`;
  } else if (base === 'year') {
    full = 'year(4)';
  } else if (base === 'enum' || base === 'set') {
    const labels = args.filter((a) => a.t === 'str').map((a) => a.v);
    col.enumValues = labels;
    // CHARACTER_MAXIMUM_LENGTH: the longest label, or every member with commas
    col.length = base === 'enum' ? Math.max(0, ...labels.map((l) => l.length)) : labels.reduce((n, l) => n + l.length, 0) + Math.max(0, labels.length - 1);
    full = `${base}(${labels.map(quoteLabel).join(',')})`;
  } else if (base === 'vector') {
    if (nums.length) full = `vector(${nums[0]})`;
  }
  if (unsigned && (INT_PRECISION[base] || base === 'decimal' || base === 'float' || base === 'double')) { col.unsigned = true; full += ' unsigned'; }
  if (TEXTUAL.has(base)) col.charset = charset ?? defaultCharset;
  else if (base === 'json') col.charset = charset ?? 'utf8mb4';
  col.fullType = full;
  if (generated) col.generated = true;
  const fill = generated || autoIncrement ? undefined : defaultValue !== undefined ? defaultValue ?? undefined : nullable ? undefined : implicitDefault(col);
  // the server computes what the rows already there hold: an expression default (CURRENT_TIMESTAMP,
  // (uuid())), numbers of an AUTO_INCREMENT, a generated column, or a NOT NULL column's zero value
  // of a type without a known one (dates: '0000-00-00'; MariaDB's first TIMESTAMP: the time)
  const why = 'the server gave every row already in the table a value the binlog does not carry';
  const unknownFill = generated ? `column ${name} was added as a generated column: ${why}`
    : autoIncrement ? `column ${name} was added with AUTO_INCREMENT: ${why}`
      : defaultExpression ? `column ${name} was added with an expression default: ${why}`
        : fill === undefined && !nullable && defaultValue === undefined ? `column ${name} was added NOT NULL without a default: ${why}` : undefined;
  return { column: col, primary, ...(place ? { place } : {}), ...(fill !== undefined ? { fill } : {}), ...(unknownFill ? { unknownFill } : {}) };
}

/**
 * A constant DEFAULT: its value as canonical text (null for DEFAULT NULL); undefined for an
 * expression (CURRENT_TIMESTAMP, a function, a parenthesized expression), whose value is not known here.
 */
function readLiteral(ts: Tokens): { value: string | null } | undefined {
  const t = ts.peek();
  const after = ts.peek(1);
  // a bit or hex string (b'01', x'ff') is left out
  const ends = !after || after.t !== 'punct' || after.v !== '(';
  if (!t) return undefined;
  if (t.t === 'str') { ts.next(); return { value: t.v }; }
  // a character set introducer: _utf8mb4'x'
  if (t.t === 'word' && t.v.startsWith('_') && after?.t === 'str') { ts.next(); ts.next(); return { value: after.v }; }
  if (t.t === 'num' && ends) { ts.next(); return { value: t.v }; }
  if (t.t === 'punct' && (t.v === '-' || t.v === '+') && after?.t === 'num') { ts.next(); ts.next(); return { value: t.v === '-' ? `-${after.v}` : after.v }; }
  if (t.t === 'word' && ends && (after?.t !== 'str')) {
    if (t.upper === 'NULL') { ts.next(); return { value: null }; }
    if (t.upper === 'TRUE' || t.upper === 'FALSE') { ts.next(); return { value: t.upper === 'TRUE' ? '1' : '0' }; }
  }
  return undefined;
}

/** MySQL's implicit default of a NOT NULL column without one (what ADD COLUMN gives existing rows). */
function implicitDefault(c: SourceColumn): string | undefined {
  if (INT_PRECISION[c.dataType] || ['decimal', 'float', 'double', 'year'].includes(c.dataType)) return '0';
  if (['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext'].includes(c.dataType)) return '';
  if (c.dataType === 'enum') return c.enumValues?.[0];
  if (c.dataType === 'set') return '';
  return undefined;
}

/** Skips a DEFAULT / ON UPDATE expression: one literal, word (with call parentheses) or group. */
function skipExpression(ts: Tokens): void {
  const t = ts.peek();
  if (!t) return;
  if (t.t === 'punct' && t.v === '(') { ts.skipGroup(); return; }
  if (t.t === 'punct' && (t.v === '-' || t.v === '+')) { ts.next(); ts.next(); return; }
  ts.next();
  // _utf8mb4'x', b'0101', x'ff', CURRENT_TIMESTAMP(3), NEXT VALUE FOR s
  if (ts.peek()?.t === 'str') ts.next();
  if (ts.isPunct('(')) ts.skipGroup();
}
