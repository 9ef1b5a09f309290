// LakeSync's own ROWS event decoder (rowsdecode.ts) against zongji's, value by value on the same
// bytes: for every column type it covers, the text it gives must be what zongji's readMysqlValue
// (with the engine's connection options: dateStrings, timezone 'Z') followed by values.ts'
// binlogConverter gives, for edge values, random valid values and random bytes. zongji's decoder is
// loaded from its own module file (the package exports only its entry point); it is the reference.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROWS_EVENTS, decodeRows, readRowsHeader, rowsPlan, type BinlogColumn, type BinlogColumnSchema } from '../../../src/engine/source/mysql/rowsdecode';
import { binlogConverter, rawGeometry, type BinlogKind } from '../../../src/engine/source/mysql/values';

interface ZongjiParser { append(b: Buffer): void; _offset: number }
type ReadMysqlValue = (parser: ZongjiParser, column: unknown, schema: unknown, tableMap: unknown, zongji: unknown) => unknown;

const zongjiFile = (f: string) => pathToFileURL(join(process.cwd(), 'node_modules/@vlasky/zongji/lib', f)).href;
let readMysqlValue: ReadMysqlValue;
let Parser: new () => ZongjiParser;
const zongjiStub = { connection: { config: { dateStrings: true, timezone: 'Z', jsonStrings: true } } };

/** A deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(20261207);
const int = (n: number) => Math.floor(rand() * n);
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));

interface Col { name: string; column: BinlogColumn; schema: BinlogColumnSchema & { COLUMN_NAME: string }; kind: BinlogKind }

const col = (type: number, kind: BinlogKind, def: string, metadata: Record<string, number> = {}, charset: string | null = null, unsigned?: boolean): Col => ({
  name: def, kind, column: { type, metadata, charset },
  schema: { COLUMN_NAME: 'c', COLUMN_TYPE: def, ...(unsigned !== undefined ? { UNSIGNED: unsigned } : {}) },
});
const marker = col(3, 'integer', 'int');
const le0 = (size: number) => Buffer.alloc(size);

/** zongji's text for one value's bytes. */
function zongjiText(c: Col, value: Buffer): string | null {
  const p = new Parser();
  p.append(value);
  const v = readMysqlValue(p, { name: 'c', ...c.column }, c.schema, { tableName: 't', parentSchema: 'd' }, zongjiStub);
  assert.equal(p._offset, value.length, `zongji read ${p._offset} of ${value.length} bytes`);
  return binlogConverter(c.kind)(v);
}

/** A v1 WRITE_ROWS event body of one column and these values (null: SQL NULL). */
function writeEvent(values: (Buffer | null)[], v2 = false): { body: Buffer; code: number } {
  const parts: Buffer[] = [Buffer.from([7, 0, 0, 0, 0, 0, 1, 0])];
  if (v2) parts.push(Buffer.from([2, 0]));
  parts.push(Buffer.from([1, 1]));
  for (const v of values) { parts.push(Buffer.from([v === null ? 1 : 0])); if (v) parts.push(v); }
  return { body: Buffer.concat(parts), code: v2 ? 30 : 23 };
}

/** Ours: the values decoded through a whole ROWS event. */
function ourTexts(c: Col, values: (Buffer | null)[], v2 = false): (string | null | undefined)[] {
  const plan = rowsPlan([c.column], [c.schema], [c.kind]);
  assert.ok(plan, `${c.name}: no plan`);
  const { body, code } = writeEvent(values, v2);
  const h = readRowsHeader(body, 0, ROWS_EVENTS.get(code)!.v2, false);
  assert.equal(h.tableId, 7);
  return decodeRows(plan, h, body, body.length).map((r) => r[0]);
}

function same(c: Col, values: Buffer[]): void {
  const ours = ourTexts(c, values);
  values.forEach((v, i) => assert.equal(ours[i], zongjiText(c, v), `${c.name} ${v.toString('hex')}`));
  samePairs(c, values);
}

/**
 * The same values as the before and after images of UPDATE_ROWS events (column 1, then an INT
 * marker): an update's before image is walked by the values' lengths and its values decoded only
 * where the after image's bytes differ, so every length must be the one its reader reads, and a
 * before value equal to the after value must still be its own text. Before and after: the same
 * value, another one, NULL on either side.
 */
function samePairs(c: Col, values: Buffer[]): void {
  const plan = rowsPlan([c.column, marker.column], [c.schema, marker.schema], [c.kind, marker.kind]);
  assert.ok(plan, `${c.name}: no plan`);
  const n = values.length;
  const pairs = values.map((v, k): [Buffer | null, Buffer | null] => [k % 5 === 4 ? null : v, k % 7 === 6 ? null : k % 3 === 0 ? v : values[(k * 7 + 3) % n]]);
  const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32LE(v); return b; };
  const img = (v: Buffer | null, m: number) => Buffer.concat([Buffer.from([v === null ? 1 : 0]), v ?? Buffer.alloc(0), i32(m)]);
  for (const v2 of [false, true]) {
    const body = Buffer.concat([Buffer.from([7, 0, 0, 0, 0, 0, 1, 0]), v2 ? Buffer.from([2, 0]) : Buffer.alloc(0), Buffer.from([2, 0b11, 0b11]),
      ...pairs.flatMap(([b, a], k) => [img(b, k), img(a, -k)])]);
    const h = readRowsHeader(body, 0, v2, true);
    const images = decodeRows(plan, h, body, body.length);
    assert.equal(images.length, 2 * n);
    pairs.forEach(([b, a], k) => {
      assert.deepEqual(images[2 * k], [b === null ? null : zongjiText(c, b), String(k)], `${c.name} before ${b?.toString('hex')}`);
      assert.deepEqual(images[2 * k + 1], [a === null ? null : zongjiText(c, a), String(-k)], `${c.name} after ${a?.toString('hex')}`);
    });
  }
}

// ---- encoders of valid values ----
const be = (v: number, n: number) => { const b = Buffer.alloc(n); b.writeIntBE(v, 0, n); return b; };
const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

/** MySQL's binary DECIMAL(precision, scale) of a decimal text. */
function decimalBytes(text: string, precision: number, scale: number): Buffer {
  const neg = text.startsWith('-');
  const [i = '', f = ''] = text.replace('-', '').split('.');
  const intg = precision - scale;
  const ip = i.padStart(intg, '0'), fp = f.padEnd(scale, '0');
  const groups: [string, number][] = [];
  const intg0x = intg % 9, frac0x = scale % 9;
  if (intg0x) groups.push([ip.slice(0, intg0x), DIG2BYTES[intg0x]]);
  for (let k = intg0x; k < intg; k += 9) groups.push([ip.slice(k, k + 9), 4]);
  for (let k = 0; k + 9 <= scale; k += 9) groups.push([fp.slice(k, k + 9), 4]);
  if (frac0x) groups.push([fp.slice(scale - frac0x), DIG2BYTES[frac0x]]);
  const out = Buffer.concat(groups.map(([d, n]) => { const b = Buffer.alloc(n); b.writeUIntBE(Number(d), 0, n); return b; }));
  if (neg) for (let k = 0; k < out.length; k++) out[k] ^= 0xff;
  out[0] ^= 0x80;
  return out;
}

function datetime2Bytes(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: number, fsp: number): Buffer {
  const ym = y * 13 + mo;
  const packed = (BigInt(1) << 39n) | (BigInt(ym) << 22n) | (BigInt(d) << 17n) | (BigInt(h) << 12n) | (BigInt(mi) << 6n) | BigInt(s);
  const head = Buffer.alloc(5);
  head.writeUIntBE(Number(packed), 0, 5);
  if (!fsp) return head;
  const size = (fsp + 1) >> 1;
  return Buffer.concat([head, be(fsp % 2 ? frac * 10 : frac, size)]);
}

describe('MySQL binlog rows decoder (own) equals zongji + values.ts, value by value', () => {
  before(async () => {
    ({ readMysqlValue } = await import(zongjiFile('common.js')) as { readMysqlValue: ReadMysqlValue });
    ({ Parser } = await import(zongjiFile('reader.js')) as { Parser: new () => ZongjiParser });
  });

  it('integers of every width, signed and unsigned (the schema flag and the column type), 64-bit beyond 2^53', () => {
    const widths: [number, number, string][] = [[1, 1, 'tinyint'], [2, 2, 'smallint'], [9, 3, 'mediumint'], [3, 4, 'int'], [8, 8, 'bigint']];
    for (const [type, n, name] of widths) {
      for (const c of [col(type, 'integer', name), col(type, 'integer', `${name} unsigned`), col(type, 'integer', name, {}, null, true), col(type, 'integer', `${name} unsigned`, {}, null, false)]) {
        const edges = [Buffer.alloc(n, 0), Buffer.alloc(n, 0xff), Buffer.concat([Buffer.alloc(n - 1, 0xff), Buffer.from([0x7f])]),
          Buffer.concat([Buffer.alloc(n - 1, 0), Buffer.from([0x80])])];
        if (n === 8) {
          // around ±2^53 and the 32-bit halves
          for (const v of [2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n), -(2n ** 53n) - 1n, 2n ** 32n, -(2n ** 32n), 4294967295n]) {
            const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt.asUintN(64, v)); edges.push(b);
          }
        }
        same(c, [...edges, ...Array.from({ length: 300 }, () => bytes(n))]);
      }
    }
  });

  it('FLOAT and DOUBLE', () => {
    const floats = [0, -0, 1.1, -3.4028234663852886e38, 1e-45, Infinity, NaN].map((v) => { const b = Buffer.alloc(4); b.writeFloatLE(v); return b; });
    same(col(4, 'float', 'float', { size: 4 }), [...floats, ...Array.from({ length: 500 }, () => bytes(4))]);
    const doubles = [0, -0, 0.1, 1 / 7, -1.7976931348623157e308, 5e-324, 123456789.125].map((v) => { const b = Buffer.alloc(8); b.writeDoubleLE(v); return b; });
    same(col(5, 'double', 'double', { size: 8 }), [...doubles, ...Array.from({ length: 500 }, () => bytes(8))]);
  });

  it('DECIMAL of many precisions and scales: edge values, random valid values and random bytes', () => {
    const shapes: [number, number][] = [[1, 0], [1, 1], [5, 5], [9, 0], [10, 0], [12, 2], [18, 9], [19, 4], [20, 10], [27, 13], [38, 0], [38, 30], [65, 30], [65, 0], [30, 29]];
    for (const [p, s] of shapes) {
      const c = col(246, 'decimal', `decimal(${p},${s})`, { precision: p, decimals: s });
      const digits = (n: number) => Array.from({ length: n }, () => String(int(10))).join('');
      const texts = [`${'9'.repeat(p - s)}${s ? '.' + '9'.repeat(s) : ''}`, `-${'9'.repeat(p - s) || '0'}${s ? '.' + '9'.repeat(s) : ''}`, s ? `0.${'0'.repeat(s - 1)}1` : '1', s ? `-0.${'0'.repeat(s - 1)}1` : '-1', '0'];
      for (let k = 0; k < 200; k++) {
        const i = digits(int(p - s + 1)); const f = digits(s);
        texts.push(`${rand() < 0.5 ? '-' : ''}${i || '0'}${s ? '.' + f : ''}`);
      }
      const valid = texts.map((t) => decimalBytes(t, p, s));
      same(c, valid);
      // and the text is the value itself (leading zeros gone, the scale's digits kept)
      const ours = ourTexts(c, valid);
      texts.forEach((t, k) => {
        const [i, f = ''] = t.replace('-', '').split('.');
        const digits = (i.replace(/^0+(?=\d)/, '') || '0') + (s ? '.' + f.padEnd(s, '0') : '');
        assert.equal(ours[k], (t.startsWith('-') ? '-' : '') + digits, `${p},${s} ${t}`);
      });
      // random bytes: whatever zongji makes of them, the same text
      const size = valid[0].length;
      const raw = Array.from({ length: 200 }, () => bytes(size));
      const ourRaw = ourTexts(c, raw);
      raw.forEach((b, k) => {
        const pz = new Parser(); pz.append(b);
        assert.equal(ourRaw[k], readMysqlValue(pz, { name: 'c', ...c.column }, c.schema, {}, zongjiStub), `${p},${s} ${b.toString('hex')}`);
      });
    }
  });

  it('DATETIME(0..6), TIMESTAMP(0..6), DATE, YEAR: valid values, zero dates and random bytes', () => {
    for (let fsp = 0; fsp <= 6; fsp++) {
      const c = col(18, 'datetime', `datetime(${fsp})`, { decimals: fsp });
      const max = 10 ** fsp;
      const valid = [datetime2Bytes(0, 0, 0, 0, 0, 0, 0, fsp), datetime2Bytes(9999, 12, 31, 23, 59, 59, max - 1, fsp), datetime2Bytes(2024, 0, 10, 0, 0, 0, 0, fsp),
        ...Array.from({ length: 300 }, () => datetime2Bytes(int(10000), int(13), int(32), int(24), int(60), int(60), int(max), fsp))];
      const size = valid[0].length;
      same(c, [...valid, ...Array.from({ length: 200 }, () => bytes(size))]);

      const t = col(17, 'timestamp', `timestamp(${fsp})`, { decimals: fsp });
      const ts = (sec: number, frac: number) => Buffer.concat([be(sec, 4), fsp ? be(fsp % 2 ? frac * 10 : frac, (fsp + 1) >> 1) : Buffer.alloc(0)]);
      same(t, [ts(0, 0), ts(0, max - 1), ts(1, 0), ts(2147483647, max - 1), ...Array.from({ length: 300 }, () => ts(int(2 ** 31), int(max)))]);
    }
    same(col(10, 'date', 'date'), [Buffer.from([0, 0, 0]), ...Array.from({ length: 300 }, () => bytes(3))]);
    same(col(13, 'year', 'year'), Array.from({ length: 256 }, (_, i) => Buffer.from([i])));
  });

  it('BIT(1..64), VARCHAR/CHAR text of 1- and 2-byte lengths, VARBINARY, TEXT/BLOB of every length size, spatial bytes', () => {
    for (const bits of [1, 7, 8, 9, 31, 32, 53, 63, 64]) {
      const n = Math.floor((bits + 7) / 8);
      same(col(16, 'bit', `bit(${bits})`, { bits }), Array.from({ length: 100 }, () => bytes(n)));
    }
    const words = ['', 'a', 'customer 42', 'é', '日本語', '😀 emoji', 'x'.repeat(255), 'y'.repeat(300), "quote ' \\ \0 nul"];
    for (const [type, maxLength] of [[15, 64], [15, 255], [15, 256], [15, 65535], [254, 32], [254, 765]]) {
      for (const cs of ['utf8mb4', 'utf8mb3', 'utf8', null]) {
        const c = col(type, 'text', type === 15 ? `varchar(${maxLength})` : `char(${maxLength})`, { max_length: maxLength }, cs);
        const values = words.map((w) => Buffer.from(w)).filter((w) => w.length <= maxLength)
          .map((w) => Buffer.concat([maxLength > 255 ? Buffer.from([w.length & 0xff, w.length >> 8]) : Buffer.from([w.length]), w]));
        same(c, values);
      }
    }
    same(col(15, 'binary', 'varbinary(300)', { max_length: 300 }), [Buffer.from([3, 0, 0, 0xff, 1]), Buffer.from([0, 0])]);
    for (const lengthSize of [1, 2, 3, 4]) {
      const prefix = (n: number) => { const b = Buffer.alloc(lengthSize); b.writeUIntLE(n, 0, lengthSize); return b; };
      const blobs = [Buffer.alloc(0), Buffer.from('{"a": [1, 2.5, "日本"]}'), bytes(200)];
      same(col(252, 'binary', 'blob', { length_size: lengthSize }, null), blobs.map((b) => Buffer.concat([prefix(b.length), b])));
      const texts = [Buffer.alloc(0), Buffer.from('{"a": [1, 2.5, "日本"]}'), Buffer.from('text 😀')];
      same(col(252, 'text', 'text', { length_size: lengthSize }, 'utf8mb4'), texts.map((b) => Buffer.concat([prefix(b.length), b])));
      same(col(252, 'json', 'longtext', { length_size: lengthSize }, 'utf8mb4'), texts.map((b) => Buffer.concat([prefix(b.length), b])));
    }
    // a GEOMETRY column as values.ts rawGeometry turns it into a BLOB: SRID + WKB bytes as hex
    const g: { columns: BinlogColumn[] } = { columns: [{ type: 255, metadata: { length_size: 4 }, charset: 'binary' }] };
    rawGeometry(g as Parameters<typeof rawGeometry>[0]);
    const wkb = Buffer.from('e6100000010100000000000000000000f83f000000000000f0bf', 'hex');
    const gc: Col = { name: 'geometry', kind: 'binary', column: g.columns[0], schema: { COLUMN_NAME: 'g', COLUMN_TYPE: 'geometry' } };
    same(gc, [Buffer.concat([Buffer.from([wkb.length, 0, 0, 0]), wkb])]);
  });

  it('TIME(0..6): positive and negative, with and without a fraction, and random bytes (an error where zongji + values.ts give one)', () => {
    for (let fsp = 0; fsp <= 6; fsp++) {
      const c = col(19, 'time', `time(${fsp})`, { decimals: fsp });
      const size = (fsp + 1) >> 1;
      // MySQL's TIME2: hour (10 bits), minute, second (6 each) + 0x800000; a negative value's bytes are its complement
      const time = (neg: boolean, h: number, m: number, s: number, frac: number) => {
        const int = (h << 12) | (m << 6) | s;
        const head = Buffer.alloc(3);
        head.writeUIntBE(neg ? 0x800000 - int - (frac ? 1 : 0) : 0x800000 + int, 0, 3);
        if (!fsp) return head;
        const max = 10 ** (2 * size);
        const f = (fsp % 2 ? frac * 10 : frac);
        return Buffer.concat([head, be(neg && f ? f - max : f, size)]);
      };
      const valid = [time(false, 0, 0, 0, 0), time(true, 0, 0, 1, 0), time(true, 838, 59, 59, 0), time(false, 838, 59, 59, 10 ** fsp - 1), time(true, 1, 0, 0, 0), time(true, 0, 59, 59, 0)];
      for (let k = 0; k < 300; k++) valid.push(time(rand() < 0.5, int(839), int(60), int(60), fsp ? int(10 ** fsp) : 0));
      const values = [...valid, ...Array.from({ length: 300 }, () => bytes(3 + size))];
      for (const v of values) {
        let want: string | null | Error;
        try { want = zongjiText(c, v); } catch (err) { want = err as Error; }
        if (want instanceof Error) { assert.throws(() => ourTexts(c, [v]), `time(${fsp}) ${v.toString('hex')}: zongji + values.ts throw`); continue; }
        assert.deepEqual(ourTexts(c, [v]), [want], `time(${fsp}) ${v.toString('hex')}`);
      }
      samePairs(c, valid);
    }
  });

  it('ENUM by index (1 and 2 bytes; index 0, MySQL\'s invalid value, and beyond the labels: \'\' as the full sync reads it) and SET as its labels (1-4 and 8 bytes)', () => {
    const labels = (n: number) => Array.from({ length: n }, (_, i) => `l${i}${i % 3 === 0 ? ' x' : ''}${i % 5 === 0 ? 'é' : ''}`);
    const list = (l: string[]) => l.map((x) => `'${x}'`).join(',');
    for (const [size, n] of [[1, 3], [1, 255], [2, 300], [2, 3000]]) {
      const c = col(247, 'enum', `enum(${list(labels(n))})`, { size });
      assert.deepEqual(ourTexts(c, [le0(size), null]), ['', null], 'index 0 is \'\', NULL is NULL');
      const le = (v: number) => { const b = Buffer.alloc(size); b.writeUIntLE(v % 256 ** size, 0, size); return b; };
      same(c, [...Array.from({ length: 256 }, (_, i) => le(i)), le(n), le(n + 1), ...Array.from({ length: 300 }, () => bytes(size))]);
      // the labels the binlog carries (FULL metadata) win, as in zongji
      const full: Col = { ...c, schema: { ...c.schema, COLUMN_TYPE: 'enum', ENUM_VALUES: labels(n).map((x) => x.toUpperCase()) } as Col['schema'] };
      same(full, Array.from({ length: 100 }, () => bytes(size)));
    }
    for (const [size, n] of [[1, 1], [1, 8], [2, 12], [3, 24], [4, 32], [8, 64], [8, 40]]) {
      const c = col(248, 'text', `set(${list(labels(n))})`, { size });
      same(c, [Buffer.alloc(size, 0), Buffer.alloc(size, 0xff), ...Array.from({ length: 300 }, () => bytes(size))]);
      const full: Col = { ...c, schema: { ...c.schema, COLUMN_TYPE: 'set', SET_VALUES: labels(n).map((x) => x.toUpperCase()) } as Col['schema'] };
      same(full, Array.from({ length: 100 }, () => bytes(size)));
    }
    // labels zongji's split of the column type would misread stay with zongji
    for (const def of ["enum('a,b','c')", "enum('it''s','x')", "enum('a\\b')", "set('a,b')", "enum('a', 'b')"]) {
      const kind = def.startsWith('enum') ? 'enum' : 'text';
      assert.equal(rowsPlan([col(247, kind, def, { size: 1 }).column], [col(247, kind, def).schema], [kind]), undefined, def);
    }
  });

  it('leaves to zongji every table with a column it does not cover', () => {
    const not: Col[] = [
      col(245, 'json', 'json', { length_size: 4 }), col(15, 'text', 'varchar(10)', { max_length: 10 }, 'latin1'), col(254, 'uuid', 'uuid', { max_length: 16 }),
      col(254, 'binary', 'binary(16)', { max_length: 16 }), col(12, 'datetime', 'datetime', {}), col(7, 'timestamp', 'timestamp', {}), col(11, 'time', 'time', {}),
      col(141, 'text', 'varchar(10) /*M!100301 COMPRESSED*/', { max_length: 11 }, 'utf8mb4'), col(140, 'text', 'text /*M!100301 COMPRESSED*/', { length_size: 2 }, 'utf8mb4'),
      // a kind that does not match the binlog type (the history and the binlog disagree)
      col(3, 'text', 'int'), col(5, 'float', 'double', { size: 8 }), col(252, 'binary', 'text', { length_size: 2 }, 'utf8mb4'),
    ];
    const ok = col(3, 'integer', 'int');
    for (const c of not) {
      assert.equal(rowsPlan([ok.column, c.column], [ok.schema, c.schema], [ok.kind, c.kind]), undefined, c.name);
    }
    assert.ok(rowsPlan([ok.column], [ok.schema], [ok.kind]));
  });

  it('reads whole events: v1 and v2, NULLs, columns absent from the image, update pairs, several rows', () => {
    const a = col(3, 'integer', 'int'), b = col(15, 'text', 'varchar(20)', { max_length: 20 }, 'utf8mb4'), d = col(5, 'double', 'double', { size: 8 });
    const plan = rowsPlan([a.column, b.column, d.column], [a.schema, b.schema, d.schema], [a.kind, b.kind, d.kind])!;
    const i32 = (v: number) => { const x = Buffer.alloc(4); x.writeInt32LE(v); return x; };
    const dbl = (v: number) => { const x = Buffer.alloc(8); x.writeDoubleLE(v); return x; };
    const str = (s: string) => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]);
    // UPDATE_ROWS v2: before image of all 3 columns, after image of columns 0 and 2 only (MINIMAL-like)
    const body = Buffer.concat([
      Buffer.from([9, 0, 0, 0, 0, 0, 1, 0]), Buffer.from([4, 0, 0xaa, 0xbb]), Buffer.from([3, 0b111, 0b101]),
      Buffer.from([0b000]), i32(-5), str('before'), dbl(0.5),
      Buffer.from([0b10]), i32(7),
      Buffer.from([0b010]), i32(8), dbl(1.5),
      Buffer.from([0b00]), i32(9), dbl(-2),
    ]);
    const h = readRowsHeader(body, 0, true, true);
    assert.deepEqual([h.tableId, h.columnCount], [9, 3]);
    assert.deepEqual(decodeRows(plan, h, body, body.length), [
      ['-5', 'before', '0.5'], ['7', undefined, null],
      ['8', null, '1.5'], ['9', undefined, '-2'],
    ]);
    // WRITE_ROWS v1, three rows, a NULL in each position
    const w = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([3, 0b111]),
      Buffer.from([0b001]), str('x'), dbl(1), Buffer.from([0b010]), i32(2), dbl(2), Buffer.from([0b100]), i32(3), str('')]);
    assert.deepEqual(decodeRows(plan, readRowsHeader(w, 0, false, false), w, w.length), [[null, 'x', '1'], ['2', null, '2'], ['3', '', null]]);
    // a truncated event is an error, never a short row
    assert.throws(() => decodeRows(plan, readRowsHeader(w, 0, false, false), w, w.length - 3));
  });
});
