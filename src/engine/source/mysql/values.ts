// MySQL/MariaDB values -> canonical text, for BOTH read paths, side by side on purpose:
// the snapshot (mysql2 text protocol, every value fetched as the server's own text through
// `snapshotSelectExpr`) and the binlog (@vlasky/zongji decoded values with dateStrings,
// timezone 'Z', jsonStrings). The same source value must give the identical string on both
// paths; test/unit/mysql/values.test.ts and the integration type test hold them to that.
import type { SourceColumn } from '../types';
import { parseEnumLabels } from './metadata';

/** How a column's values are read and written as text. */
export type ValueKind =
  | 'integer' | 'decimal' | 'float' | 'double' | 'bit' | 'year'
  | 'date' | 'datetime' | 'timestamp' | 'time'
  | 'text' | 'json' | 'binary' | 'uuid' | 'inet4' | 'inet6';

/** How the binlog's values of a column are read: its ValueKind, or 'enum' (see INVALID_ENUM). */
export type BinlogKind = ValueKind | 'enum';

/** The BinlogKind of a column. */
export function binlogKind(col: SourceColumn): BinlogKind {
  return col.dataType.toLowerCase() === 'enum' ? 'enum' : valueKind(col);
}

const INTEGER = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'serial']);
const BINARY = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'geometry', 'point',
  'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection', 'vector']);

export function valueKind(col: SourceColumn): ValueKind {
  const t = col.dataType.toLowerCase();
  if (INTEGER.has(t)) return 'integer';
  if (t === 'decimal' || t === 'numeric' || t === 'dec' || t === 'fixed') return 'decimal';
  if (t === 'float') return 'float';
  if (t === 'double' || t === 'real' || t === 'double precision') return 'double';
  if (t === 'bit') return 'bit';
  if (t === 'year') return 'year';
  if (t === 'date') return 'date';
  if (t === 'datetime') return 'datetime';
  if (t === 'timestamp') return 'timestamp';
  if (t === 'time') return 'time';
  if (t === 'json') return 'json';
  if (t === 'uuid') return 'uuid';
  if (t === 'inet4') return 'inet4';
  if (t === 'inet6') return 'inet6';
  if (BINARY.has(t)) return 'binary';
  // char/varchar/text with the binary charset are byte strings too
  if (col.charset === 'binary') return 'binary';
  return 'text';
}

/** Backtick-quotes an identifier (backticks doubled). */
export function quoteId(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/**
 * The snapshot SELECT expression of a column: the server's own text where that text is exact,
 * otherwise an expression whose text is (FLOAT widened to DOUBLE so no digit is lost, BIT as its
 * unsigned integer, bytes as hex so no charset conversion touches them).
 */
export function snapshotSelectExpr(col: SourceColumn): string {
  const c = quoteId(col.name);
  switch (valueKind(col)) {
    case 'float': return `(${c} + 0E0)`;
    case 'bit': return `CAST(${c} AS UNSIGNED)`;
    case 'binary': return `HEX(${c})`;
    case 'uuid': return `HEX(CAST(${c} AS BINARY(16)))`;
    case 'inet6': return `HEX(CAST(${c} AS BINARY(16)))`;
    case 'inet4': return `HEX(CAST(${c} AS BINARY(4)))`;
    default: return c;
  }
}

// ---- snapshot path: server text -> canonical text ----

/** Converts the text the snapshot SELECT returned for a column to canonical text. */
export function fromSnapshotText(kind: ValueKind, text: string | null): string | null {
  if (text === null) return null;
  switch (kind) {
    case 'integer': case 'decimal': case 'text': case 'json': case 'bit':
      return text;
    case 'float': return float32Text(Number(text));
    case 'double': return doubleText(Number(text));
    case 'year': return yearText(Number(text));
    case 'date': case 'datetime': return text;
    case 'timestamp': return text + '+00';
    case 'time': return text;
    case 'binary': return text.toLowerCase();
    case 'uuid': return formatUuid(Buffer.from(text, 'hex'));
    case 'inet4': return formatInet4(Buffer.from(text, 'hex'));
    case 'inet6': return formatInet6(Buffer.from(text, 'hex'));
  }
}

// ---- binlog path: zongji value -> canonical text ----

/**
 * A binlog value whose JavaScript form is not what its column type decodes to (an object where
 * bytes were expected...). Never turned into text with String(): that wrote `[object Object]`
 * for spatial values once.
 */
export class BinlogValueError extends Error {
  constructor(kind: BinlogKind, value: unknown) {
    const shape = Buffer.isBuffer(value) ? 'bytes' : Array.isArray(value) ? 'an array' : typeof value;
    super(`a binlog value of a ${kind} column arrived as ${shape} (${preview(value)}), which LakeSync cannot convert exactly; please report it`);
    this.name = 'BinlogValueError';
  }
}

function preview(value: unknown): string {
  try { return (JSON.stringify(value) ?? String(value)).slice(0, 60); } catch { return typeof value; }
}

/** One typed conversion per kind: each accepts only the shapes zongji produces for that type. */
const binlogConverters: Record<BinlogKind, (v: unknown) => string | null | undefined> = {
  integer: (v) => (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint' ? String(v)
    : typeof v === 'string' && /^-?\d+$/.test(v) ? v : undefined,
  decimal: (v) => (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) || typeof v === 'number' ? String(v) : undefined,
  float: (v) => (typeof v === 'number' ? float32Text(v) : undefined),
  double: (v) => (typeof v === 'number' ? doubleText(v) : undefined),
  bit: (v) => (Buffer.isBuffer(v) ? bufferToUnsigned(v) : typeof v === 'number' || typeof v === 'bigint' ? String(v) : undefined),
  // zongji decodes the stored YEAR byte as 1900 + byte, so YEAR 0000 arrives as 1900
  year: (v) => (typeof v === 'number' ? yearText(v === 1900 ? 0 : v) : undefined),
  date: (v) => (typeof v === 'string' ? v : undefined),
  datetime: (v) => (typeof v === 'string' ? v : undefined),
  timestamp: (v) => (typeof v === 'string' ? v + '+00' : undefined),
  time: (v) => (typeof v === 'string' ? binlogTime(v) : undefined),
  text: (v) => (typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : undefined),
  enum: (v) => (typeof v === 'string' ? v : undefined),
  json: (v) => (typeof v === 'string' ? v : undefined),
  // spatial columns arrive as bytes too (SRID + WKB, as the snapshot's HEX() reads them): see rawGeometry
  binary: (v) => (Buffer.isBuffer(v) ? v.toString('hex') : undefined),
  // With binlog_row_metadata=FULL, MariaDB UUID/INET columns look like BINARY(n) and arrive as bytes
  uuid: (v) => (Buffer.isBuffer(v) ? formatUuid(v) : typeof v === 'string' ? v : undefined),
  inet4: (v) => (Buffer.isBuffer(v) ? formatInet4(v) : typeof v === 'string' ? v : undefined),
  inet6: (v) => (Buffer.isBuffer(v) ? formatInet6(v) : typeof v === 'string' ? v : undefined),
};

/**
 * An ENUM's index 0: the value MySQL stores for an invalid one (non-strict mode) and reads back as
 * '' (so does the full sync). zongji gives it as `undefined` (no label; so is an index beyond the
 * labels it has), NULL as `null`.
 */
export const INVALID_ENUM = '';

/** Converts a value decoded by zongji (dateStrings, timezone 'Z', jsonStrings) to canonical text; throws on a shape the type cannot have. */
export function fromBinlogValue(kind: BinlogKind, value: unknown): string | null {
  if (kind === 'enum' && value === undefined) return INVALID_ENUM;
  if (value === null || value === undefined) return null;
  const text = binlogConverters[kind](value);
  if (text === undefined) throw new BinlogValueError(kind, value);
  return text;
}

/** fromBinlogValue for one kind, looked up once (the binlog reader converts every value of a column with it). */
export function binlogConverter(kind: BinlogKind): (value: unknown) => string | null {
  const convert = binlogConverters[kind];
  if (kind === 'enum') return (value) => fromBinlogValue(kind, value);
  return (value) => {
    if (value === null || value === undefined) return null;
    const text = convert(value);
    if (text === undefined) throw new BinlogValueError(kind, value);
    return text;
  };
}

/**
 * A negative TIME whose fraction is zero comes from zongji one unit short with the second added
 * back without a carry: -01:01:00 arrives as -01:00:64, -01:00:00 as -00:63:64. Normalizes the
 * carry (a field of 64 is the 6-bit field's borrow, never a real value).
 */
export function binlogTime(s: string): string {
  const m = /^(-?)(\d+):(\d+):(\d+)(\.\d+)?$/.exec(s);
  if (!m) throw new BinlogValueError('time', s);
  let [h, mi, se] = [Number(m[2]), Number(m[3]), Number(m[4])];
  if (se < 60 && mi < 60) return s;
  if (se === 64) { se = 0; mi++; }
  if (mi === 64) { mi = 0; h++; }
  const two = (n: number) => String(n).padStart(2, '0');
  return `${m[1]}${two(h)}:${two(mi)}:${two(se)}${m[5] ?? ''}`;
}

/**
 * Makes zongji hand over spatial values as their stored bytes (4-byte SRID + WKB, what the
 * snapshot reads with HEX()) instead of its parsed objects, which drop the SRID and cannot tell a
 * MULTIPOINT from a LINESTRING. Called with a TableMap event's table entry before its rows are
 * read: GEOMETRY columns are read as BLOBs (same length prefix, no charset).
 */
export function rawGeometry(table: { columns?: { type: number; charset?: string | null }[] } | undefined): void {
  for (const c of table?.columns ?? []) {
    if (c.type === MYSQL_TYPE_GEOMETRY) { c.type = MYSQL_TYPE_BLOB; c.charset = null; }
  }
}
const MYSQL_TYPE_GEOMETRY = 255;

/**
 * Gives zongji the exact ENUM and SET labels of a TableMap entry whose binlog carries none
 * (binlog_row_metadata NO_LOG / MINIMAL): it would split the column type at every comma and keep
 * doubled quotes, so 'a,b' read as '' and 'c,''d' as "b'". Called before the table's rows are read.
 */
export function exactEnumLabels(table: { columnSchemas?: { COLUMN_TYPE?: string; ENUM_VALUES?: string[]; SET_VALUES?: string[] }[] } | undefined): void {
  for (const s of table?.columnSchemas ?? []) {
    const t = s.COLUMN_TYPE ?? '';
    if (/^enum\(/i.test(t) && !s.ENUM_VALUES) s.ENUM_VALUES = parseEnumLabels(t);
    else if (/^set\(/i.test(t) && !s.SET_VALUES) s.SET_VALUES = parseEnumLabels(t);
  }
}
const MYSQL_TYPE_BLOB = 252;

// ---- shared formatting ----

/** YEAR as its number; the zero year 0000 is 0 (the type map reads it as SMALLINT). */
function yearText(y: number): string | null {
  return String(y);
}

/** Shortest decimal text that reads back to the same float32 (FLOAT is single precision). */
export function float32Text(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(f.toPrecision(p));
    if (Math.fround(candidate) === f) return String(candidate);
  }
  return String(f);
}

/** Shortest round-trip text of a double (JavaScript's own Number -> string). */
export function doubleText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  return String(v);
}

/** BIT(n) bytes (big-endian) as an unsigned decimal integer. */
export function bufferToUnsigned(b: Buffer): string {
  let n = 0n;
  for (const byte of b) n = (n << 8n) | BigInt(byte);
  return n.toString();
}

export function formatUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function formatInet4(b: Buffer): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/**
 * RFC 5952 text of 16 address bytes, as MariaDB prints INET6 (inet_ntop rules): the longest run
 * (first on a tie) of two or more zero groups becomes `::`; IPv4-mapped (::ffff:a.b.c.d) and
 * IPv4-compatible (::a.b.c.d, except :: and ::1) addresses end in dotted quads.
 */
export function formatInet6(b: Buffer): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i] << 8) | b[i + 1]);
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) { bestStart = -1; bestLen = 0; }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i >= bestStart && i < bestStart + bestLen && bestStart >= 0) {
      if (i === bestStart) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    // Embedded IPv4: ::a.b.c.d (6 leading zero groups) or ::ffff:a.b.c.d
    if (i === 6 && bestStart === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += formatInet4(b.subarray(12, 16));
      return out;
    }
    out += words[i].toString(16);
  }
  if (bestStart >= 0 && bestStart + bestLen === 8) out += ':';
  return out;
}
