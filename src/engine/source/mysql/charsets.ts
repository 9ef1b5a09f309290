// Text in a character set other than UTF-8, decoded from the binlog exactly as the server converts
// it for the snapshot's queries. zongji decodes such text with iconv-lite, whose tables differ from
// the server's in many charsets (sjis 0x815F is '\' on the server, U+FF3C in iconv-lite; big5,
// cp932, ujis, tis620, latin1's 0x81..., armscii8, ...): the binlog path would land other text than
// the snapshot. So the server's own table of every non-UTF-8 charset a task reads is loaded once
// (one query per charset: each 1- and 2-byte code, and the 3-byte codes of ujis/eucjpms, converted
// by the server) and registered as an iconv-lite codec that zongji then uses for those columns.
import iconv from 'iconv-lite';
import type { Sql } from './session';
import { rows } from './session';

/** Charsets iconv-lite reads exactly (UTF-8 itself, binary, and the fixed-width Unicode forms). */
const EXACT = new Set(['utf8', 'utf8mb3', 'utf8mb4', 'binary', 'ucs2', 'utf16', 'utf16le', 'utf32']);

interface Table { single: (string | undefined)[]; multi: Map<number, string>; widths: Set<number> }

const loaded = new Map<string, Table>();

const PREFIX = 'lakesyncserver';

/** The name zongji decodes a column of `charset` with: LakeSync's server table when one is loaded. */
export function binlogCharset(charset: string): string {
  return loaded.has(charset) ? `${PREFIX}${charset}` : charset;
}

/** A text column zongji decodes byte for byte (latin1) until its charset's server table is loaded. */
export interface DeferredColumn { index: number; charset: string }

/** zongji's name of the byte-for-byte codec: latin1 maps every byte to one character and back. */
const DEFERRED = 'lakesyncdeferred';

const deferredOf = new WeakMap<object, DeferredColumn[]>();

/**
 * Makes zongji decode a TableMap entry's text columns by the server's tables (before its rows are
 * read). A text column in a charset whose table is not loaded yet (added by a DDL after the start:
 * its rows arrive before the DDL is handled, and this hook cannot wait for a query) is decoded
 * byte for byte instead; it is returned, and its values go through decodeDeferred once loaded.
 */
export function serverCharsets(table: { columns?: { charset?: string | null }[]; columnSchemas?: { COLUMN_TYPE?: string }[] } | undefined): DeferredColumn[] {
  if (!table) return [];
  // an entry seen again keeps its answer: its columns' charsets have been renamed by then
  const known = deferredOf.get(table);
  if (known) return known;
  const deferred: DeferredColumn[] = [];
  deferredOf.set(table, deferred);
  (table.columns ?? []).forEach((c, index) => {
    if (!c.charset) return;
    if (loaded.has(c.charset)) { c.charset = binlogCharset(c.charset); return; }
    // ENUM and SET values are labels from the column type, not bytes in the charset
    if (!needsServerTable(c.charset) || /^(enum|set)\(/i.test(table.columnSchemas?.[index]?.COLUMN_TYPE ?? '')) return;
    registerDeferred();
    deferred.push({ index, charset: c.charset.toLowerCase() });
    c.charset = DEFERRED;
  });
  return deferred;
}

/** A deferred column's value (its bytes as latin1 text) decoded by the charset's server table (loaded first). */
export function decodeDeferred(value: string, charset: string): string {
  const table = loaded.get(charset);
  if (!table) throw new Error(`the server's ${charset} table is not loaded; please report it`);
  return decodeWith(table, Buffer.from(value, 'latin1'), charset);
}

let deferredRegistered = false;
function registerDeferred(): void {
  if (deferredRegistered) return;
  deferredRegistered = true;
  iconv.getCodec('utf8'); // loads iconv-lite's encodings object, which the entry goes into
  (iconv as unknown as { encodings: Record<string, unknown> }).encodings[DEFERRED] = 'latin1';
}

/** Whether a charset's text needs the server's table. */
export function needsServerTable(charset: string | undefined): charset is string {
  return !!charset && !EXACT.has(charset.toLowerCase());
}

/** Decodes bytes by the server's table; throws on a sequence the server would not have stored. */
export function decodeWith(t: Table, b: Buffer, charset: string): string {
  let out = '';
  for (let i = 0; i < b.length;) {
    const one = t.single[b[i]];
    if (one !== undefined) { out += one; i++; continue; }
    const two = i + 1 < b.length ? t.multi.get((b[i] << 8) | b[i + 1]) : undefined;
    if (two !== undefined) { out += two; i += 2; continue; }
    const three = i + 2 < b.length && t.widths.has(3) ? t.multi.get(0x1000000 + ((b[i] << 16) | (b[i + 1] << 8) | b[i + 2])) : undefined;
    if (three !== undefined) { out += three; i += 3; continue; }
    throw new Error(`a binlog value in character set ${charset} holds the bytes ${b.subarray(i, i + 3).toString('hex')}, which the server's ${charset} does not convert; please report it`);
  }
  return out;
}

/** Every code of `charset` the server converts to one Unicode character, with that character. */
async function serverTable(c: Sql, charset: string, maxlen: number): Promise<Table> {
  const digits = '(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 '
    + 'UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10 UNION ALL SELECT 11 UNION ALL SELECT 12 UNION ALL SELECT 13 UNION ALL SELECT 14 UNION ALL SELECT 15)';
  const codes = [`SELECT a.d * 16 + b.d AS n, 1 AS w FROM ${digits} a, ${digits} b`];
  if (maxlen >= 2) codes.push(`SELECT 32768 + a.d * 4096 + b.d * 256 + c.d * 16 + e.d, 2 FROM ${digits} a, ${digits} b, ${digits} c, ${digits} e WHERE a.d < 8`);
  if (maxlen >= 3) codes.push(`SELECT 0x8F0000 + a.d * 4096 + b.d * 256 + c.d * 16 + e.d, 3 FROM ${digits} a, ${digits} b, ${digits} c, ${digits} e WHERE a.d >= 10 AND c.d >= 10`);
  const bytes = `UNHEX(LPAD(HEX(n), w * 2, '0'))`;
  const text = `CONVERT(CAST(${bytes} AS CHAR CHARACTER SET ${charset}) USING utf8mb4)`;
  const r = await rows<{ n: number | string; w: number | string; t: string }>(c,
    // a code the server converts is one character; one it does not becomes '?'. Not "converts back to
    // the same bytes": sjis 0x5C and 0x815F are both a backslash, which converts back to 0x815F alone
    `SELECT n, w, HEX(${text}) AS t FROM (${codes.join(' UNION ALL ')}) x WHERE CHAR_LENGTH(${text}) = 1 AND (HEX(${text}) <> '3F' OR ${bytes} = '?')`);
  const t: Table = { single: new Array(256).fill(undefined), multi: new Map(), widths: new Set() };
  for (const x of r) {
    const n = Number(x.n), w = Number(x.w);
    const s = Buffer.from(x.t, 'hex').toString('utf8');
    if (w === 1) t.single[n] = s;
    else t.multi.set(w === 3 ? 0x1000000 + n : n, s);
    t.widths.add(w);
  }
  return t;
}

/**
 * Loads the server's table of every charset in `charsets` that iconv-lite may read differently, and
 * registers it as a codec zongji decodes with (binlogCharset). Once per charset and process.
 */
export async function loadServerCharsets(c: Sql, charsets: Iterable<string | undefined>): Promise<void> {
  const wanted = [...new Set([...charsets].filter(needsServerTable).map((x) => x.toLowerCase()))].filter((x) => !loaded.has(x));
  if (!wanted.length) return;
  const info = await rows<{ n: string; m: number | string }>(c,
    `SELECT CHARACTER_SET_NAME AS n, MAXLEN AS m FROM information_schema.CHARACTER_SETS WHERE CHARACTER_SET_NAME IN (${wanted.map(() => '?').join(', ')})`, wanted);
  for (const { n, m } of info) {
    const table = await serverTable(c, n, Number(m));
    register(n, table);
    loaded.set(n, table);
  }
}

/** An iconv-lite codec (its documented shape: a constructor whose decoder has write and end). */
function register(charset: string, table: Table): void {
  iconv.getCodec('utf8'); // loads iconv-lite's encodings object, which the entry goes into
  function Decoder(this: { write(b: Buffer): string; end(): string }) {
    this.write = (b: Buffer) => decodeWith(table, b, charset);
    this.end = () => '';
  }
  function Codec(this: { decoder: unknown; encoder: unknown }) {
    this.decoder = Decoder;
    this.encoder = function Encoder() { throw new Error(`LakeSync's ${charset} table only decodes`); };
  }
  (iconv as unknown as { encodings: Record<string, unknown> }).encodings[`${PREFIX}${charset}`] = Codec;
}
