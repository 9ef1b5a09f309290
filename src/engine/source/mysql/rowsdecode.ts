// A binlog ROWS event decoder of LakeSync's own, for the common column types: it reads the row
// images straight from the packet bytes into canonical text (the strings values.ts gives for
// zongji's values), without zongji's per-row objects, per-value closures and digit-by-digit
// padding. A table with any other column type (JSON of MySQL, other charsets, MariaDB's UUID/INET,
// compressed columns, ENUM/SET labels with commas or quotes...) is left to zongji whole: `rowsPlan`
// returns undefined and the event takes zongji's path, exactly as before.
//
// Every reader below reproduces, for the values a server writes, the text that zongji's
// `readMysqlValue` (dateStrings, timezone 'Z') followed by values.ts `binlogConverter` gives;
// test/unit/mysql/rowsdecode.test.ts holds the two to that, type by type, on the same bytes.
import type { Row } from '../../pipeline/events';
import { binlogTime, bufferToUnsigned, doubleText, float32Text, INVALID_ENUM, type BinlogKind } from './values';

/** A column of zongji's table map entry (after its updateColumnInfo; GEOMETRY already read as BLOB: values.ts rawGeometry). */
export interface BinlogColumn {
  type: number;
  charset?: string | null;
  metadata?: Record<string, number>;
}

/** What the plan needs of a column's schema (LakeSync's history or the binlog's FULL metadata, with the ENUM/SET labels). */
export interface BinlogColumnSchema { COLUMN_TYPE: string; UNSIGNED?: boolean; ENUM_VALUES?: string[]; SET_VALUES?: string[] }

/** The read position in a packet. */
interface Cursor { b: Buffer; p: number }

/** Reads one non-NULL value at the cursor and returns its canonical text (null: what zongji gives as no value, an ENUM's index 0). */
type Read = (c: Cursor) => string | null;

/** Where a value starting at `p` ends: its length read, its bytes not decoded. */
type End = (b: Buffer, p: number) => number;

/**
 * How to decode the rows of one table map: one reader per binlog column, and each value's size
 * (`widths[i]` bytes, or 0 and `ends[i]` for a value with a length prefix), to walk an update's
 * before image. `ranges`: where each value of the pair being decoded lies (scratch).
 */
export interface RowsPlan { readers: Read[]; widths: Int32Array; ends: (End | undefined)[]; ranges: Int32Array }

// binlog column type codes (MySQL's enum_field_types)
const T = {
  TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, LONGLONG: 8, INT24: 9, DATE: 10, YEAR: 13, VARCHAR: 15, BIT: 16,
  TIMESTAMP2: 17, DATETIME2: 18, TIME2: 19, NEWDECIMAL: 246, ENUM: 247, SET: 248, TINY_BLOB: 249, MEDIUM_BLOB: 250, LONG_BLOB: 251, BLOB: 252, STRING: 254,
} as const;

/** The ROWS event type codes decoded here: v1 (MariaDB) and v2 (MySQL); the compressed ones stay with zongji. */
export const ROWS_EVENTS: ReadonlyMap<number, { name: 'writerows' | 'updaterows' | 'deleterows'; v2: boolean }> = new Map([
  [23, { name: 'writerows', v2: false }], [24, { name: 'updaterows', v2: false }], [25, { name: 'deleterows', v2: false }],
  [30, { name: 'writerows', v2: true }], [31, { name: 'updaterows', v2: true }], [32, { name: 'deleterows', v2: true }],
] as const);

/** Charsets zongji decodes as UTF-8 (its default when the charset is not known). */
const UTF8 = new Set(['utf8', 'utf8mb3', 'utf8mb4']);
const utf8Charset = (cs: string | null | undefined): boolean => cs === undefined || cs === null || cs === '' || UTF8.has(cs);

const TWO: string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' : '') + i);

/** zongji's zeroPad: the last `size` characters of the number's text after zeros. */
function pad(s: string, size: number): string {
  return s.length >= size ? s.slice(s.length - size) : '0'.repeat(size - s.length) + s;
}
const two = (n: number): string => (n >= 0 && n < 100 ? TWO[n] : pad(String(n), 2));
const four = (n: number): string => (n >= 1000 && n < 10000 ? String(n) : pad(String(n), 4));

// Text built byte by byte in one scratch buffer and read out once: a flat string, no
// concatenation of pieces (which DuckDB's appender would flatten again).
const scratch = Buffer.alloc(128) as Buffer & { latin1Slice(from: number, to: number): string };
const latin1 = (to: number): string => scratch.latin1Slice(0, to);

/** Writes the `width` last decimal digits of `n` (an integer, 0 <= n < 2^53) ending before `end`. */
function digitsBefore(end: number, n: number, width: number): void {
  for (let i = end - 1; i >= end - width; i--) {
    const q = Math.floor(n / 10);
    scratch[i] = 48 + (n - q * 10);
    n = q;
  }
}

/** How many decimal digits `n` (an integer, 0 <= n < 2^53) has. */
function digitCount(n: number): number {
  let k = 1;
  while (n >= 10) { n = Math.floor(n / 10); k++; }
  return k;
}

/** The text of an integer within ±2^53: String() for 32-bit values, digits written for larger ones (String() of a large double is slow). */
function int53Text(v: number): string {
  if (v >= -2147483648 && v <= 2147483647) return String(v);
  let at = 0;
  if (v < 0) { scratch[at++] = 45; v = -v; }
  const k = digitCount(v);
  digitsBefore(at + k, v, k);
  return latin1(at + k);
}

/** A big-endian signed integer of `len` (1..4) bytes. */
function intBE(b: Buffer, p: number, len: number): number {
  let u = 0;
  for (let i = 0; i < len; i++) u = u * 256 + b[p + i];
  const shift = 32 - 8 * len;
  return (u << shift) >> shift;
}

/** The fraction of a TIMESTAMP2/DATETIME2 (`fsp` > 0): its value as zongji reads it. */
function fraction(c: Cursor, fsp: number): number {
  const size = (fsp + 1) >> 1;
  let f = intBE(c.b, c.p, size);
  c.p += size;
  if (fsp % 2 !== 0) f /= 10;
  return f < 0 ? -f : f;
}

// ---- readers ----

function integerReader(type: number, unsigned: boolean): Read | undefined {
  switch (type) {
    case T.TINY: return unsigned ? (c) => String(c.b[c.p++]) : (c) => { const v = c.b[c.p++]; return String(v > 127 ? v - 256 : v); };
    case T.SHORT: return unsigned ? (c) => { const v = c.b.readUInt16LE(c.p); c.p += 2; return String(v); }
      : (c) => { const v = c.b.readInt16LE(c.p); c.p += 2; return String(v); };
    case T.INT24: return unsigned ? (c) => { const v = c.b.readUIntLE(c.p, 3); c.p += 3; return String(v); }
      : (c) => { const v = c.b.readIntLE(c.p, 3); c.p += 3; return String(v); };
    case T.LONG: return unsigned ? (c) => { const v = c.b.readUInt32LE(c.p); c.p += 4; return int53Text(v); }
      : (c) => { const v = c.b.readInt32LE(c.p); c.p += 4; return String(v); };
    case T.LONGLONG: return unsigned
      ? (c) => {
        const lo = c.b.readUInt32LE(c.p), hi = c.b.readUInt32LE(c.p + 4);
        const s = hi < 0x200000 ? int53Text(hi * 4294967296 + lo) : c.b.readBigUInt64LE(c.p).toString();
        c.p += 8; return s;
      }
      : (c) => {
        const lo = c.b.readUInt32LE(c.p), hi = c.b.readInt32LE(c.p + 4);
        // within ±2^53 the double is exact; beyond, BigInt
        const s = hi >= -0x200000 && hi < 0x200000 ? int53Text(hi * 4294967296 + lo) : c.b.readBigInt64LE(c.p).toString();
        c.p += 8; return s;
      };
    default: return undefined;
  }
}

/** The digits of each part of a DECIMAL(precision, scale): 9 per 4 bytes, the rest in 1-4 bytes. */
const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

/** The bytes of a DECIMAL(precision, scale). */
function decimalSize(precision: number, scale: number): number {
  const intg = precision - scale;
  const intg0 = Math.floor(intg / 9), frac0 = Math.floor(scale / 9);
  return intg0 * 4 + DIG2BYTES[intg - intg0 * 9] + frac0 * 4 + DIG2BYTES[scale - frac0 * 9];
}

function decimalReader(precision: number, scale: number): Read {
  const intg = precision - scale;
  const intg0 = Math.floor(intg / 9), frac0 = Math.floor(scale / 9);
  const intg0x = intg - intg0 * 9, frac0x = scale - frac0 * 9;
  const intgX = DIG2BYTES[intg0x], fracX = DIG2BYTES[frac0x];
  const size = decimalSize(precision, scale);
  return (c) => {
    const b = c.b, start = c.p;
    c.p += size;
    // the sign is the first byte's top bit (set: positive); a negative value has every bit flipped
    const positive = (b[start] & 0x80) !== 0;
    const mask = positive ? 0 : -1;
    if (intg <= 15) {
      const text = decimalDigits(b, start, mask, positive, intgX, intg0, frac0, fracX, frac0x);
      if (text !== undefined) return text;
    }
    let p = start;
    let int = '';
    if (intgX > 0) { int += String(decimalGroup(b, p, intgX, start, mask)); p += intgX; }
    for (let i = 0; i < intg0; i++) { int += pad(String(decimalGroup(b, p, 4, start, mask)), 9); p += 4; }
    // leading zeros go, one digit stays (zongji: replace(/^0+(?=\d)/, ''))
    let k = 0;
    while (int.charCodeAt(k) === 48 && k + 1 < int.length && isDigit(int.charCodeAt(k + 1))) k++;
    if (k > 0) int = int.slice(k);
    if (int === '') int = '0';
    let text = positive ? int : '-' + int;
    if (scale > 0) {
      let frac = '';
      for (let i = 0; i < frac0; i++) { frac += pad(String(decimalGroup(b, p, 4, start, mask)), 9); p += 4; }
      if (fracX > 0) frac += pad(String(decimalGroup(b, p, fracX, start, mask)), frac0x);
      text += '.' + frac;
    }
    return text;
  };
}
const isDigit = (ch: number): boolean => ch >= 48 && ch <= 57;
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

/**
 * A DECIMAL whose integer part has at most 15 digits, written into the scratch buffer: the same
 * text as the general path when every group holds a valid digit group; undefined when one does not.
 */
function decimalDigits(b: Buffer, start: number, mask: number, positive: boolean,
  intgX: number, intg0: number, frac0: number, fracX: number, frac0x: number): string | undefined {
  let p = start;
  let int = 0;
  if (intgX > 0) {
    const g = decimalGroup(b, p, intgX, start, mask);
    if (g < 0 || g >= 1e9) return undefined;
    int = g; p += intgX;
  }
  for (let i = 0; i < intg0; i++) {
    const g = decimalGroup(b, p, 4, start, mask);
    if (g < 0 || g >= 1e9) return undefined;
    int = int * 1e9 + g; p += 4;
  }
  let at = 0;
  if (!positive) scratch[at++] = 45;
  const k = digitCount(int);
  digitsBefore(at + k, int, k);
  at += k;
  if (frac0 === 0 && fracX === 0) return latin1(at);
  scratch[at++] = 46;
  for (let i = 0; i < frac0; i++) {
    const g = decimalGroup(b, p, 4, start, mask);
    if (g < 0 || g >= 1e9) return undefined;
    digitsBefore(at + 9, g, 9);
    at += 9; p += 4;
  }
  if (fracX > 0) {
    const g = decimalGroup(b, p, fracX, start, mask);
    if (g < 0 || g >= POW10[frac0x]) return undefined;
    digitsBefore(at + frac0x, g, frac0x);
    at += frac0x;
  }
  return latin1(at);
}

/** A DECIMAL group of `len` bytes as a signed big-endian integer, the sign bit of the value's first byte (`start`) flipped, XOR `mask`. */
function decimalGroup(b: Buffer, p: number, len: number, start: number, mask: number): number {
  let u = 0;
  for (let i = 0; i < len; i++) u = u * 256 + (p + i === start ? b[p + i] ^ 0x80 : b[p + i]);
  const shift = 32 - 8 * len;
  return ((u << shift) >> shift) ^ mask;
}

/** VARCHAR/CHAR of a UTF-8 charset: a 1- or 2-byte length, then the bytes. */
function varcharReader(maxLength: number, read: (b: Buffer, from: number, to: number) => string): Read {
  return maxLength > 255
    ? (c) => { const n = c.b.readUInt16LE(c.p); const s = read(c.b, c.p + 2, c.p + 2 + n); c.p += 2 + n; return s; }
    : (c) => { const n = c.b[c.p]; const s = read(c.b, c.p + 1, c.p + 1 + n); c.p += 1 + n; return s; };
}

/** BLOB/TEXT: a `lengthSize`-byte length, then the bytes. */
function blobReader(lengthSize: number, read: (b: Buffer, from: number, to: number) => string): Read | undefined {
  if (lengthSize < 1 || lengthSize > 4) return undefined;
  return (c) => { const n = c.b.readUIntLE(c.p, lengthSize); const from = c.p + lengthSize; c.p = from + n; return read(c.b, from, from + n); };
}

// Buffer's own slices: toString(encoding, from, to) looks the encoding up on every call
type Slices = Buffer & { utf8Slice(from: number, to: number): string; hexSlice(from: number, to: number): string };
const utf8 = (b: Buffer, from: number, to: number): string => (b as Slices).utf8Slice(from, to);
const hex = (b: Buffer, from: number, to: number): string => (b as Slices).hexSlice(from, to);

function datetime2Reader(fsp: number): Read {
  return (c) => {
    const b = c.b, p = c.p;
    // 40 bits: sign, year*13+month (17), day (5), hour (5), minute (6), second (6)
    const high = (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
    const low = (b[p + 1] << 24) | (b[p + 2] << 16) | (b[p + 3] << 8) | b[p + 4];
    c.p += 5;
    const ym = (high & 0x7fffc000) >> 14;
    const year = Math.floor(ym / 13);
    const f = fsp > 0 ? fraction(c, fsp) : 0;
    // zongji pads the fraction's text: an odd precision's value is a whole number for every value a server writes
    if (year > 9999 || !Number.isInteger(f)) {
      const text = four(year) + '-' + two(ym % 13) + '-' + two((low >> 17) & 31) + ' '
        + two((low >> 12) & 31) + ':' + two((low >> 6) & 63) + ':' + two(low & 63);
      return fsp > 0 ? text + '.' + pad(String(f), fsp) : text;
    }
    digitsBefore(4, year, 4); scratch[4] = 45;
    digitsBefore(7, ym % 13, 2); scratch[7] = 45;
    digitsBefore(10, (low >> 17) & 31, 2); scratch[10] = 32;
    digitsBefore(13, (low >> 12) & 31, 2); scratch[13] = 58;
    digitsBefore(16, (low >> 6) & 63, 2); scratch[16] = 58;
    digitsBefore(19, low & 63, 2);
    if (fsp === 0) return latin1(19);
    scratch[19] = 46;
    digitsBefore(20 + fsp, f, fsp);
    return latin1(20 + fsp);
  };
}

function timestamp2Reader(fsp: number): Read {
  return (c) => {
    const seconds = c.b.readInt32BE(c.p);
    c.p += 4;
    const f = fsp > 0 ? fraction(c, fsp) : 0;
    const fracText = fsp > 0 ? '.' + pad(String(f), fsp) : '';
    if (seconds === 0 && f === 0) return '0000-00-00 00:00:00' + fracText + '+00';
    // zongji builds a Date from the seconds and the fraction's milliseconds, read back in UTC
    const ms = fsp > 3 ? Math.floor(f / 10 ** (fsp - 3)) : fsp < 3 ? f * 10 ** (3 - fsp) : f;
    const d = new Date(seconds * 1000 + ms);
    return four(d.getUTCFullYear()) + '-' + two(d.getUTCMonth() + 1) + '-' + two(d.getUTCDate()) + ' '
      + two(d.getUTCHours()) + ':' + two(d.getUTCMinutes()) + ':' + two(d.getUTCSeconds()) + fracText + '+00';
  };
}

const dateReader: Read = (c) => {
  const raw = c.b.readUIntLE(c.p, 3);
  c.p += 3;
  return four((raw >> 9) & 0x7fff) + '-' + two((raw >> 5) & 15) + '-' + two(raw & 31);
};

// zongji reads YEAR as 1900 + the byte; values.ts turns 1900 (the zero year) into 0
const yearReader: Read = (c) => { const v = c.b[c.p++] + 1900; return String(v === 1900 ? 0 : v); };

function bitReader(bits: number): Read {
  const size = Math.floor((bits + 7) / 8);
  return (c) => { const v = bufferToUnsigned(c.b.subarray(c.p, c.p + size)); c.p += size; return v; };
}

/**
 * TIME2 (3 bytes, then the fraction) as zongji's text followed by values.ts binlogTime: a negative
 * value's fields are the bits flipped, a second added when it has no fraction (binlogTime carries
 * the 64 that may give).
 */
function time2Reader(fsp: number): Read {
  return (c) => {
    let raw = intBE(c.b, c.p, 3);
    c.p += 3;
    const f = fsp > 0 ? fraction(c, fsp) : 0;
    const negative = (raw & 0x800000) === 0;
    if (negative) raw ^= 0xffffff;
    const hour = (raw >> 12) & 0x3ff, minute = (raw >> 6) & 63;
    let second = raw & 63;
    if (negative && f === 0) second++;
    const text = (negative ? '-' : '') + pad(String(hour), hour > 99 ? 3 : 2) + ':' + two(minute) + ':' + pad(String(second), 2)
      + (fsp > 0 ? '.' + pad(String(f), fsp) : '');
    return binlogTime(text);
  };
}

/**
 * ENUM: the label of a 1- or 2-byte index; index 0 is the server's '' for an invalid value (as the
 * full sync reads it). An index beyond the labels reads the same, as zongji's path gives it.
 */
function enumReader(size: number, labels: string[]): Read | undefined {
  const label = (i: number) => (i >= 1 && i <= labels.length ? labels[i - 1] : INVALID_ENUM);
  if (size === 1) return (c) => label(c.b[c.p++]);
  if (size === 2) return (c) => { const i = c.b.readUInt16LE(c.p); c.p += 2; return label(i); };
  return undefined;
}

/** SET: the labels of the bits set (1-4 or 8 bytes, little-endian), in bit order, joined by commas; '' for none. */
function setReader(size: number, labels: string[]): Read | undefined {
  if (size < 1 || (size > 4 && size !== 8)) return undefined;
  return (c) => {
    const b = c.b;
    let text = '';
    for (let k = 0; k < size; k++) {
      const byte = b[c.p + k];
      // a bit beyond the labels reads as zongji writes it: "undefined"
      for (let j = 0; j < 8; j++) if (byte & (1 << j)) text += (text === '' ? '' : ',') + String(labels[8 * k + j]);
    }
    c.p += size;
    return text;
  };
}

/**
 * An ENUM's or SET's labels as zongji takes them: the binlog's own (FULL metadata), else the column
 * type's list `enum('a','b')` split at commas. Undefined when that split is not the labels (a label
 * with a comma, a quote or a backslash): such a column stays with zongji.
 */
function labelsOf(schema: BinlogColumnSchema, type: 'enum' | 'set'): string[] | undefined {
  const own = type === 'enum' ? schema.ENUM_VALUES : schema.SET_VALUES;
  if (own) return own;
  const def = schema.COLUMN_TYPE ?? '';
  if (!def.startsWith(type + '(') || !def.endsWith(')')) return undefined;
  const pieces = def.slice(type.length + 1, -1).split(',');
  return pieces.every((x) => /^'[^'\\]*'$/.test(x)) ? pieces.map((x) => x.slice(1, -1)) : undefined;
}

/** The reader of a column whose binlog type and LakeSync kind this decoder covers; undefined: zongji's. */
function readerFor(col: BinlogColumn, schema: BinlogColumnSchema, kind: BinlogKind): Read | undefined {
  const m = col.metadata ?? {};
  const def = schema.COLUMN_TYPE ?? '';
  switch (col.type) {
    case T.TINY: case T.SHORT: case T.INT24: case T.LONG: case T.LONGLONG:
      if (kind !== 'integer') return undefined;
      return integerReader(col.type, schema.UNSIGNED !== undefined ? schema.UNSIGNED : def.indexOf('unsigned') !== -1);
    case T.FLOAT:
      return kind === 'float' ? (c) => { const v = c.b.readFloatLE(c.p); c.p += 4; return float32Text(v); } : undefined;
    case T.DOUBLE:
      return kind === 'double' ? (c) => { const v = c.b.readDoubleLE(c.p); c.p += 8; return doubleText(v); } : undefined;
    case T.NEWDECIMAL:
      return kind === 'decimal' && Number.isInteger(m.precision) && Number.isInteger(m.decimals) ? decimalReader(m.precision, m.decimals) : undefined;
    case T.VARCHAR: case T.STRING: {
      if (!Number.isInteger(m.max_length)) return undefined;
      // MariaDB's UUID/INET and VECTOR, BINARY(n) (re-padded by zongji) stay with zongji
      const special = def === 'uuid' || def === 'inet4' || def === 'inet6' || def.startsWith('vector') || def.startsWith('binary');
      if (special) return undefined;
      if (def.startsWith('varbin')) return kind === 'binary' ? varcharReader(m.max_length, hex) : undefined;
      return kind === 'text' && utf8Charset(col.charset) ? varcharReader(m.max_length, utf8) : undefined;
    }
    case T.TINY_BLOB: case T.MEDIUM_BLOB: case T.LONG_BLOB: case T.BLOB:
      // zongji: bytes when the column has no charset (null), else text in its charset
      if (col.charset === null) return kind === 'binary' ? blobReader(m.length_size, hex) : undefined;
      return (kind === 'text' || kind === 'json') && utf8Charset(col.charset) ? blobReader(m.length_size, utf8) : undefined;
    case T.DATETIME2:
      return kind === 'datetime' && isFsp(m.decimals) ? datetime2Reader(m.decimals) : undefined;
    case T.TIMESTAMP2:
      return kind === 'timestamp' && isFsp(m.decimals) ? timestamp2Reader(m.decimals) : undefined;
    case T.TIME2:
      return kind === 'time' && isFsp(m.decimals) ? time2Reader(m.decimals) : undefined;
    case T.ENUM: case T.SET: {
      const labels = kind === (col.type === T.ENUM ? 'enum' : 'text') ? labelsOf(schema, col.type === T.ENUM ? 'enum' : 'set') : undefined;
      if (!labels || !Number.isInteger(m.size)) return undefined;
      return col.type === T.ENUM ? enumReader(m.size, labels) : setReader(m.size, labels);
    }
    case T.DATE: return kind === 'date' ? dateReader : undefined;
    case T.YEAR: return kind === 'year' ? yearReader : undefined;
    case T.BIT: return kind === 'bit' && Number.isInteger(m.bits) ? bitReader(m.bits) : undefined;
    default: return undefined;
  }
}
/** The size of a value of a column `readerFor` covers: bytes, or where it ends (a length prefix). */
function widthOf(col: BinlogColumn): number | End {
  const m = col.metadata ?? {};
  switch (col.type) {
    case T.TINY: case T.YEAR: return 1;
    case T.SHORT: return 2;
    case T.INT24: case T.DATE: return 3;
    case T.LONG: case T.FLOAT: return 4;
    case T.LONGLONG: case T.DOUBLE: return 8;
    case T.NEWDECIMAL: return decimalSize(m.precision, m.decimals);
    case T.DATETIME2: return 5 + ((m.decimals + 1) >> 1);
    case T.TIMESTAMP2: return 4 + ((m.decimals + 1) >> 1);
    case T.TIME2: return 3 + ((m.decimals + 1) >> 1);
    case T.ENUM: case T.SET: return m.size;
    case T.BIT: return Math.floor((m.bits + 7) / 8);
    case T.VARCHAR: case T.STRING:
      return m.max_length > 255 ? (b, p) => p + 2 + b.readUInt16LE(p) : (b, p) => p + 1 + b[p];
    default: {
      const n = m.length_size; // the BLOBs
      return (b, p) => p + n + b.readUIntLE(p, n);
    }
  }
}
const isFsp = (d: unknown): d is number => Number.isInteger(d) && (d as number) >= 0 && (d as number) <= 6;

/**
 * LAKESYNC_MYSQL_ROWS_DECODER=zongji leaves every ROWS event to zongji (a way back should this
 * decoder ever misread something; please report it). Read at each stream start.
 */
export function ownRowsDecoder(): boolean {
  return process.env.LAKESYNC_MYSQL_ROWS_DECODER !== 'zongji';
}

/** Events decoded here since the process started (tests check that a table took this path). */
export const rowsDecoderStats = { events: 0 };

/** The plan for a table map's rows, or undefined when a column needs zongji. */
export function rowsPlan(columns: BinlogColumn[], schemas: BinlogColumnSchema[], kinds: BinlogKind[]): RowsPlan | undefined {
  if (schemas.length < columns.length || kinds.length !== columns.length) return undefined;
  const readers: Read[] = [];
  const widths = new Int32Array(columns.length);
  const ends: (End | undefined)[] = [];
  for (let i = 0; i < columns.length; i++) {
    const r = readerFor(columns[i], schemas[i], kinds[i]);
    if (!r) return undefined;
    readers.push(r);
    const w = widthOf(columns[i]);
    if (typeof w === 'number') { widths[i] = w; ends.push(undefined); } else ends.push(w);
  }
  return { readers, widths, ends, ranges: new Int32Array(4 * columns.length) };
}

/** The fixed part of a ROWS event, read from its body. */
export interface RowsHeader { tableId: number; columnCount: number; present: Buffer; present2?: Buffer; rowsAt: number }

/** Reads a ROWS event's post-header and column bitmaps; `p` is the body's first byte. */
export function readRowsHeader(b: Buffer, p: number, v2: boolean, update: boolean): RowsHeader {
  const tableId = b.readUIntLE(p, 6);
  p += 8; // table id, flags
  if (v2) p += b.readUInt16LE(p); // extra data, its length included
  let columnCount = b[p++];
  if (columnCount === 252) { columnCount = b.readUInt16LE(p); p += 2; }
  else if (columnCount === 253) { columnCount = b.readUIntLE(p, 3); p += 3; }
  else if (columnCount >= 251) throw new Error(`a binlog rows event with an unreadable column count (${columnCount})`);
  const bitmapSize = (columnCount + 7) >> 3;
  const present = b.subarray(p, p + bitmapSize);
  p += bitmapSize;
  let present2: Buffer | undefined;
  if (update) { present2 = b.subarray(p, p + bitmapSize); p += bitmapSize; }
  return { tableId, columnCount, present, rowsAt: p, ...(present2 ? { present2 } : {}) };
}

/**
 * Decodes the row images from `h.rowsAt` to `end` (the checksum excluded), in binlog column order.
 * An update gives before, after, before, after... A column the image does not carry
 * (binlog_row_image=MINIMAL) is undefined, as the zongji path has it (binlog.ts): the pipeline keeps
 * the target's value there, where null would overwrite it.
 *
 * An update's before image is walked first (value lengths only), then the after image decoded, then
 * the before image built: a value with the same bytes as the after image's is the same text (every
 * reader is a function of the value's bytes alone), so only the values the update changed are
 * decoded twice. Nothing is left out: the before image is whole, whoever reads it.
 */
export function decodeRows(plan: RowsPlan, h: RowsHeader, b: Buffer, end: number): Row[] {
  const { readers, widths, ends, ranges } = plan;
  const n = readers.length;
  if (h.columnCount !== n) throw new Error(`a binlog rows event has ${h.columnCount} columns, its table map ${n}`);
  const images: Row[] = [];
  const c: Cursor = { b, p: h.rowsAt };
  const presentCount = (bitmap: Buffer): number => { let k = 0; for (let i = 0; i < n; i++) if (bitmap[i >> 3] & (1 << (i & 7))) k++; return k; };
  const count1 = presentCount(h.present);
  const present2 = h.present2;
  if (!present2) {
    while (c.p < end) images.push(image(readers, n, h.present, count1, c, undefined));
  } else {
    const count2 = presentCount(present2);
    // ranges: [0, n) before's starts, [n, 2n) its ends, [2n, 3n) after's starts, [3n, 4n) its ends; -1: no value
    const at: Cursor = { b, p: 0 };
    while (c.p < end) {
      walk(widths, ends, n, h.present, count1, c, ranges);
      const after = image(readers, n, present2, count2, c, ranges);
      const before: Row = new Array(n);
      for (let i = 0; i < n; i++) {
        const from = ranges[i];
        if (from < 0) { before[i] = h.present[i >> 3] & (1 << (i & 7)) ? null : undefined; continue; }
        const to = ranges[n + i], a = ranges[2 * n + i];
        if (a >= 0 && ranges[3 * n + i] - a === to - from && sameBytes(b, from, a, to - from)) { before[i] = after[i]; continue; }
        at.p = from;
        before[i] = readers[i](at);
        if (at.p !== to) throw new Error(`a binlog rows event's value ${i + 1} ends at byte ${at.p}, its length at ${to}`);
      }
      images.push(before, after);
    }
  }
  if (c.p !== end) throw new Error(`a binlog rows event's row images end at byte ${c.p}, the event at ${end}`);
  rowsDecoderStats.events++;
  return images;
}

/** Decodes one row image at the cursor; with `ranges`, notes where each value lies (an update's after image). */
function image(readers: Read[], n: number, bitmap: Buffer, count: number, c: Cursor, ranges: Int32Array | undefined): Row {
  const b = c.b;
  const nulls = c.p;
  c.p += (count + 7) >> 3;
  const row: Row = new Array(n);
  for (let i = 0, bit = 0; i < n; i++) {
    if (!(bitmap[i >> 3] & (1 << (i & 7)))) {
      row[i] = undefined; // not in the image: the target keeps its value (never NULL)
      if (ranges) ranges[2 * n + i] = -1;
      continue;
    }
    if (b[nulls + (bit >> 3)] & (1 << (bit & 7))) {
      row[i] = null;
      if (ranges) ranges[2 * n + i] = -1;
    } else if (ranges) {
      ranges[2 * n + i] = c.p;
      row[i] = readers[i](c);
      ranges[3 * n + i] = c.p;
    } else {
      row[i] = readers[i](c);
    }
    bit++;
  }
  return row;
}

/** Walks one row image at the cursor (an update's before image), noting where each value lies. */
function walk(widths: Int32Array, ends: (End | undefined)[], n: number, bitmap: Buffer, count: number, c: Cursor, ranges: Int32Array): void {
  const b = c.b;
  const nulls = c.p;
  let p = nulls + ((count + 7) >> 3);
  for (let i = 0, bit = 0; i < n; i++) {
    if (!(bitmap[i >> 3] & (1 << (i & 7)))) { ranges[i] = -1; continue; }
    if (b[nulls + (bit >> 3)] & (1 << (bit & 7))) {
      ranges[i] = -1;
    } else {
      ranges[i] = p;
      const w = widths[i];
      p = w > 0 ? p + w : ends[i]!(b, p);
      ranges[n + i] = p;
    }
    bit++;
  }
  c.p = p;
}

/** Whether `b[x, x + len)` and `b[y, y + len)` hold the same bytes. */
function sameBytes(b: Buffer, x: number, y: number, len: number): boolean {
  if (len > 32) return b.compare(b, y, y + len, x, x + len) === 0;
  for (let k = 0; k < len; k++) if (b[x + k] !== b[y + k]) return false;
  return true;
}
