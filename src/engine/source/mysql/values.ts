// MySQL/MariaDB values -> canonical text, for BOTH read paths, side by side on purpose:
// the snapshot (mysql2 text protocol, every value fetched as the server's own text through
// `snapshotSelectExpr`) and the binlog (@vlasky/zongji decoded values with dateStrings,
// timezone 'Z', jsonStrings). The same source value must give the identical string on both
// paths; test/unit/mysql/values.test.ts and the integration type test hold them to that.
import type { SourceColumn } from '../types';

/** How a column's values are read and written as text. */
export type ValueKind =
  | 'integer' | 'decimal' | 'float' | 'double' | 'bit' | 'year'
  | 'date' | 'datetime' | 'timestamp' | 'time'
  | 'text' | 'json' | 'binary' | 'uuid' | 'inet4' | 'inet6';

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
    case 'date': return zeroDate(text) ? null : text;
    case 'datetime': return zeroDate(text) ? null : text;
    case 'timestamp': return zeroDate(text) ? null : text + '+00';
    case 'time': return text;
    case 'binary': return text.toLowerCase();
    case 'uuid': return formatUuid(Buffer.from(text, 'hex'));
    case 'inet4': return formatInet4(Buffer.from(text, 'hex'));
    case 'inet6': return formatInet6(Buffer.from(text, 'hex'));
  }
}

// ---- binlog path: zongji value -> canonical text ----

/** Converts a value decoded by zongji (dateStrings, timezone 'Z', jsonStrings) to canonical text. */
export function fromBinlogValue(kind: ValueKind, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'integer': case 'decimal': return String(value);
    case 'float': return float32Text(Number(value));
    case 'double': return doubleText(Number(value));
    case 'bit': return Buffer.isBuffer(value) ? bufferToUnsigned(value) : String(value);
    // zongji decodes the stored YEAR byte as 1900 + byte, so YEAR 0000 arrives as 1900
    case 'year': return yearText(Number(value) === 1900 ? 0 : Number(value));
    case 'date': case 'datetime': {
      const s = String(value);
      return zeroDate(s) ? null : s;
    }
    case 'timestamp': {
      const s = String(value);
      return zeroDate(s) ? null : s + '+00';
    }
    case 'time': return String(value);
    case 'text': return typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
    case 'json': return typeof value === 'string' ? value : JSON.stringify(value);
    case 'binary': return Buffer.isBuffer(value) ? value.toString('hex') : Buffer.from(String(value), 'utf8').toString('hex');
    // With binlog_row_metadata=FULL, MariaDB UUID/INET columns look like BINARY(n) and arrive as bytes
    case 'uuid': return Buffer.isBuffer(value) ? formatUuid(value) : String(value);
    case 'inet4': return Buffer.isBuffer(value) ? formatInet4(value) : String(value);
    case 'inet6': return Buffer.isBuffer(value) ? formatInet6(value) : String(value);
  }
}

// ---- shared formatting ----

/** Zero dates and partial zero dates (`0000-00-00`, `2024-00-10`, `2024-01-00`) have no calendar value: NULL. */
function zeroDate(s: string): boolean {
  return /^\d{4}-00-|^\d{4}-\d{2}-00|^0000-00-00/.test(s);
}

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
