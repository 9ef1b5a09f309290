// Decoder of the output of postgres-decoderbufs (Debezium's logical decoding plugin, Protocol
// Buffers), turned into the same messages as pgoutput (pgoutput.ts) so that one stream assembly
// (stream.ts) serves both plugins.
//
// The message shapes below are written from the format the plugin documents (README and
// proto/pg_logicaldec.proto of github.com/debezium/postgres-decoderbufs, 2.x, as packaged by
// Debian as postgresql-<ver>-decoderbufs): one RowMessage per CopyData payload, with op BEGIN,
// COMMIT, INSERT, UPDATE or DELETE; the table as a quoted "schema.table"; typed datums per column.
//
// Values become PostgreSQL's own text output under LakeSync's session settings (values.ts then
// makes them canonical exactly as for pgoutput), so both plugins give the same strings:
//   bool, int2/int4/int8/oid        -> decimal / t, f
//   float4/float8, point            -> shortest round-trip text, PostgreSQL's layout (1e-05, 3.4028235e+38)
//   date (days), timestamp[tz], time (µs) -> ISO text (BC years, infinity kept)
//   money (minor units)             -> decimal with 2 fraction digits (lc_monetary C)
//   bytea                           -> \x hex
//   numeric, text types, json(b), xml, uuid, bit, interval, and every other type -> the server's text output
// Where decoderbufs loses information (docs/postgres-decoderbufs.md):
//   timetz   sent as its UTC time of day: the value arrives with offset +00 (same instant, offset lost)
//   TRUNCATE not decoded by the plugin at all (no message)
import protobuf from 'protobufjs/light';
import Long from 'long';
import type { PgOutputMessage, RelationColumn, TupleValue } from './pgoutput';

protobuf.util.Long = Long;
protobuf.configure();

/** Operation codes of RowMessage.op. */
export const Op = { UNKNOWN: -1, INSERT: 0, UPDATE: 1, DELETE: 2, BEGIN: 3, COMMIT: 4 } as const;

const root = new protobuf.Root();
const ns = root.define('decoderbufs');
ns.add(new protobuf.Enum('Op', { ...Op }));
ns.add(new protobuf.Type('Point')
  .add(new protobuf.Field('x', 1, 'double', 'required'))
  .add(new protobuf.Field('y', 2, 'double', 'required')));
const DATUM_FIELDS: [string, number, string][] = [
  ['int32', 3, 'int32'], ['int64', 4, 'int64'], ['float', 5, 'float'], ['double', 6, 'double'], ['bool', 7, 'bool'],
  ['string', 8, 'string'], ['bytes', 9, 'bytes'], ['point', 10, 'Point'], ['missing', 11, 'bool'],
];
const datumType = new protobuf.Type('DatumMessage')
  .add(new protobuf.Field('columnName', 1, 'string', 'optional'))
  .add(new protobuf.Field('columnType', 2, 'int64', 'optional'));
for (const [name, id, type] of DATUM_FIELDS) datumType.add(new protobuf.Field(name, id, type, 'optional'));
datumType.add(new protobuf.OneOf('datum', DATUM_FIELDS.map(([name]) => name)));
ns.add(datumType);
ns.add(new protobuf.Type('TypeInfo')
  .add(new protobuf.Field('modifier', 1, 'string', 'required'))
  .add(new protobuf.Field('valueOptional', 2, 'bool', 'required')));
ns.add(new protobuf.Type('RowMessage')
  .add(new protobuf.Field('transactionId', 1, 'uint32', 'optional'))
  .add(new protobuf.Field('commitTime', 2, 'uint64', 'optional'))
  .add(new protobuf.Field('table', 3, 'string', 'optional'))
  .add(new protobuf.Field('op', 4, 'Op', 'optional'))
  .add(new protobuf.Field('newTuple', 5, 'DatumMessage', 'repeated'))
  .add(new protobuf.Field('oldTuple', 6, 'DatumMessage', 'repeated'))
  .add(new protobuf.Field('newTypeinfo', 7, 'TypeInfo', 'repeated')));
const RowMessageType = root.lookupType('decoderbufs.RowMessage');

export interface Datum {
  columnName?: string;
  columnType?: Long;
  datum?: string;
  int32?: number; int64?: Long; float?: number; double?: number; bool?: boolean;
  string?: string; bytes?: Uint8Array; point?: { x: number; y: number }; missing?: boolean;
}

export interface RowMessage {
  transactionId?: number;
  /** µs since the Unix epoch. */
  commitTime?: Long;
  table?: string;
  op?: number;
  newTuple: Datum[];
  oldTuple: Datum[];
  newTypeinfo: { modifier: string; valueOptional: boolean }[];
}

export function decodeRowMessage(buf: Uint8Array): RowMessage {
  return RowMessageType.decode(buf) as unknown as RowMessage;
}

/** Test helper and documentation of the wire shape: encodes a RowMessage. */
export function encodeRowMessage(msg: Record<string, unknown>): Uint8Array {
  return RowMessageType.encode(RowMessageType.fromObject(msg)).finish();
}

/** Splits a quote_identifier'd name list (`public.t`, `"My Schema"."a.b"`) into its parts. */
export function splitQuotedName(text: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`decoderbufs: unterminated quoted name in ${text}`);
        if (text[i] === '"') { if (text[i + 1] === '"') { s += '"'; i += 2; continue; } i++; break; }
        s += text[i++];
      }
      parts.push(s);
    } else {
      const end = text.indexOf('.', i);
      parts.push(text.slice(i, end < 0 ? text.length : end));
      i = end < 0 ? text.length : end;
    }
    if (text[i] !== '.') break;
    i++;
  }
  return parts;
}

// Type OIDs whose datums are not the server's text output.
const OID = { bool: 16, bytea: 17, int8: 20, int2: 21, int4: 23, oid: 26, float4: 700, float8: 701, point: 600,
  money: 790, date: 1082, time: 1083, timestamp: 1114, timestamptz: 1184, timetz: 1266 } as const;

/** DATE_NOBEGIN / DATE_NOEND after the plugin shifted them to the Unix epoch (int32 wrap-around). */
const DATE_MINUS_INFINITY = -2147483648 + 10957;
const DATE_INFINITY = 2147483647 + 10957 - 4294967296;
const DT_NOBEGIN = -(2n ** 63n);
const DT_NOEND = 2n ** 63n - 1n;
const US_PER_DAY = 86_400_000_000n;

/** One datum as the text PostgreSQL would print for it: null for SQL NULL, undefined for an unchanged TOAST value. */
export function datumText(d: Datum): TupleValue {
  const oid = d.columnType ? Number(d.columnType.toString()) : 0;
  switch (d.datum) {
    case undefined: return null;
    case 'missing': return undefined;
    case 'bool': return d.bool ? 't' : 'f';
    case 'int32': {
      const v = d.int32 as number;
      if (oid === OID.date) return v === DATE_INFINITY ? 'infinity' : v === DATE_MINUS_INFINITY ? '-infinity' : formatDate(BigInt(v)).text;
      return String(v);
    }
    case 'int64': {
      const v = BigInt((d.int64 as Long).toString());
      if (oid === OID.timestamp || oid === OID.timestamptz) return formatTimestamp(v, oid === OID.timestamptz);
      if (oid === OID.time) return formatTime(v);
      if (oid === OID.money) return formatMinorUnits(v, 2);
      return v.toString();
    }
    case 'float': return pgFloat(d.float as number, true);
    case 'double': {
      const v = d.double as number;
      // timetz: the plugin sends time + zone offset (µs, UTC time of day): the offset is lost
      if (oid === OID.timetz) return `${formatTime(mod(BigInt(Math.round(v)), US_PER_DAY))}+00`;
      return pgFloat(v, false);
    }
    case 'string': return d.string as string;
    case 'bytes': {
      const b = Buffer.from(d.bytes as Uint8Array);
      // bytea is raw bytes; every type the plugin does not know is its text output as bytes
      return oid === OID.bytea ? `\\x${b.toString('hex')}` : b.toString('utf8');
    }
    case 'point': return `(${pgFloat(d.point!.x, false)},${pgFloat(d.point!.y, false)})`;
    default: throw new Error(`decoderbufs: unknown datum kind ${d.datum}`);
  }
}

function mod(a: bigint, m: bigint): bigint { const r = a % m; return r < 0n ? r + m : r; }

/** Days since 1970-01-01 -> `YYYY-MM-DD` (proleptic Gregorian) and whether it is BC. */
function formatDate(days: bigint): { text: string; bc: boolean } {
  // civil-from-days (H. Hinnant's algorithm), on bigint so any int32 day count is exact
  const z = days + 719468n;
  const era = (z >= 0n ? z : z - 146096n) / 146097n;
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const d = doy - (153n * mp + 2n) / 5n + 1n;
  const m = mp < 10n ? mp + 3n : mp - 9n;
  const y = yoe + era * 400n + (m <= 2n ? 1n : 0n);
  const bc = y <= 0n;
  const year = bc ? 1n - y : y;
  return { text: `${pad(year, 4)}-${pad(m, 2)}-${pad(d, 2)}${bc ? ' BC' : ''}`, bc };
}

function pad(v: bigint, n: number): string { return v.toString().padStart(n, '0'); }

/** µs since midnight -> `HH:MM:SS[.ffffff]` with trailing zeros of the fraction dropped (24:00:00 allowed). */
function formatTime(us: bigint): string {
  const frac = us % 1_000_000n;
  const s = us / 1_000_000n;
  const text = `${pad(s / 3600n, 2)}:${pad((s / 60n) % 60n, 2)}:${pad(s % 60n, 2)}`;
  return frac === 0n ? text : `${text}.${pad(frac, 6).replace(/0+$/, '')}`;
}

/** µs since the Unix epoch -> PostgreSQL's ISO text (TimeZone UTC for timestamptz). */
function formatTimestamp(us: bigint, tz: boolean): string {
  if (us === DT_NOEND) return 'infinity';
  if (us === DT_NOBEGIN) return '-infinity';
  const days = us >= 0n ? us / US_PER_DAY : -((-us + US_PER_DAY - 1n) / US_PER_DAY);
  const date = formatDate(days);
  const time = formatTime(us - days * US_PER_DAY);
  const dateText = date.bc ? date.text.slice(0, -3) : date.text;
  return `${dateText} ${time}${tz ? '+00' : ''}${date.bc ? ' BC' : ''}`;
}

/** Minor currency units -> decimal text. */
function formatMinorUnits(v: bigint, digits: number): string {
  const neg = v < 0n;
  const abs = (neg ? -v : v).toString().padStart(digits + 1, '0');
  return `${neg ? '-' : ''}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}

/**
 * float4/float8 as PostgreSQL 12+ prints them with extra_float_digits > 0: the shortest digits
 * that read back to the same value, fixed notation for display exponents -4 .. 5 (float4) or
 * -4 .. 14 (float8), else d.ddde±XX.
 */
export function pgFloat(v: number, single: boolean): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const abs = Math.abs(v);
  let s = abs.toExponential();
  if (single) {
    for (let p = 1; p <= 9; p++) { s = abs.toExponential(p - 1); if (Math.fround(Number(s)) === abs) break; }
  }
  const [mantissa, e] = s.split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(e);
  let body: string;
  if (exp >= -4 && exp < (single ? 6 : 15)) {
    if (exp < 0) body = `0.${'0'.repeat(-exp - 1)}${digits}`;
    else if (digits.length <= exp + 1) body = digits + '0'.repeat(exp + 1 - digits.length);
    else body = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    body = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return v < 0 ? `-${body}` : body;
}

const INTERVAL_FIELDS: Record<string, number> = {
  year: 1 << 2, month: 1 << 1, day: 1 << 3, hour: 1 << 10, minute: 1 << 11, second: 1 << 12,
};

/**
 * The typmod PostgreSQL stores for a format_type() spelling (`character varying(20)`,
 * `numeric(10,2)`, `timestamp(3) with time zone`, `interval day to second(2)`, `bit(4)`), so a
 * decoderbufs column compares with the catalog's. -1: no modifier.
 */
export function typmodOf(modifier: string): number {
  const m = modifier.replace(/\[\]$/g, '').trim();
  const args = /\(([^)]*)\)/.exec(m)?.[1]?.split(',').map((x) => Number(x.trim()));
  const base = m.replace(/\([^)]*\)/, '').trim();
  if (base.startsWith('interval')) {
    const fields = base.slice('interval'.length).trim();
    let range = 0x7fff;
    if (fields) {
      const [from, to] = fields.split(/\s+to\s+/);
      const order = ['year', 'month', 'day', 'hour', 'minute', 'second'];
      const a = order.indexOf(from), b = to ? order.indexOf(to) : a;
      if (a < 0 || b < 0) return -1;
      range = 0;
      // day to second = day | hour | minute | second; year to month = year | month
      for (let i = a; i <= b; i++) range |= INTERVAL_FIELDS[order[i]];
    }
    if (!args && !fields) return -1;
    return (range << 16) | (args ? args[0] : 0xffff);
  }
  if (!args || args.some((x) => !Number.isFinite(x))) return -1;
  if (/^(character varying|character|varchar|bpchar|char)\b/.test(base)) return args[0] + 4;
  if (/^(numeric|decimal)\b/.test(base)) return (((args[0] << 16) | ((args[1] ?? 0) & 0x7ff)) + 4);
  if (/^(timestamp|time)\b/.test(base)) return args[0];
  if (/^(bit varying|bit|varbit)\b/.test(base)) return args[0];
  return -1;
}

/** A column of a decoderbufs row, as the stream's Relation shape (the plugin sends no Relation message). */
function columnsOf(tuple: Datum[], typeinfo: RowMessage['newTypeinfo'] | undefined): RelationColumn[] {
  return tuple.map((d, i) => ({
    name: splitQuotedName(d.columnName ?? '')[0],
    isKey: false,
    typeOid: d.columnType ? Number(d.columnType.toString()) : 0,
    // -2: the row carried no type modifiers (an old tuple): the stream resolves by name and type only
    typeMod: typeinfo?.[i] ? typmodOf(typeinfo[i].modifier) : -2,
  }));
}

/**
 * Turns decoderbufs RowMessages into pgoutput messages: a Relation message whenever a table's
 * columns (names, types, modifiers) differ from the last row seen of it, then the change. The
 * positions come from the replication envelope: a COMMIT is written at the transaction's end LSN.
 */
export class DecoderbufsTranslator {
  private readonly shapes = new Map<string, { id: number; full: string; loose: string }>();
  private nextId = 1;

  translate(walStart: bigint, data: Buffer): PgOutputMessage[] {
    const msg = decodeRowMessage(data);
    const commitTime = msg.commitTime ? Number(BigInt(msg.commitTime.toString()) / 1000n) : Date.now();
    switch (msg.op) {
      case Op.BEGIN:
        // the commit LSN is unknown until COMMIT: parts of a large transaction take the last handed-over position
        return [{ tag: 'begin', finalLsn: 0n, commitTime, xid: msg.transactionId ?? 0 }];
      case Op.COMMIT:
        return [{ tag: 'commit', flags: 0, commitLsn: walStart, endLsn: walStart, commitTime }];
      case Op.INSERT:
      case Op.UPDATE:
      case Op.DELETE:
        return this.change(msg);
      default:
        throw new Error(`decoderbufs: unknown operation ${String(msg.op)} for ${msg.table ?? 'no table'}`);
    }
  }

  private change(msg: RowMessage): PgOutputMessage[] {
    const [schema, name] = splitQuotedName(msg.table ?? '');
    if (name === undefined) throw new Error(`decoderbufs: change without a schema-qualified table (${msg.table ?? ''})`);
    // An update or delete of a table without key or replica identity carries no row at all. Such
    // a table is never synced whole (rules.keylessTables stops, skips or appends it; REPLICA
    // IDENTITY NOTHING with a key is refused at start), so there is nothing to apply.
    if (msg.op !== Op.INSERT && msg.oldTuple.length === 0 && (msg.op === Op.DELETE || msg.newTuple.length === 0)) return [];
    const key = `${schema}\u0000${name}`;
    const out: PgOutputMessage[] = [];
    // the shape comes from the new tuple (it has type modifiers); a delete's old tuple has none
    const hasNew = msg.newTuple.length > 0;
    const columns = hasNew ? columnsOf(msg.newTuple, msg.newTypeinfo) : columnsOf(msg.oldTuple, undefined);
    const loose = columns.map((c) => `${c.name}:${c.typeOid}`).join('\u0000');
    const full = columns.map((c) => `${c.name}:${c.typeOid}:${c.typeMod}`).join('\u0000');
    let shape = this.shapes.get(key);
    if (!shape || (hasNew ? shape.full !== full : shape.loose !== loose)) {
      shape = { id: shape?.id ?? this.nextId++, full: hasNew ? full : '', loose };
      this.shapes.set(key, shape);
      out.push({ tag: 'relation', relationId: shape.id, schema, name, replicaIdentity: 'd', columns });
    }
    const relationId = shape.id;
    const newTuple = msg.newTuple.map(datumText);
    // old tuples: whole rows under REPLICA IDENTITY FULL, else the key columns (the stream knows which)
    const oldTuple = msg.oldTuple.length > 0 ? msg.oldTuple.map(datumText) : undefined;
    if (msg.op === Op.INSERT) out.push({ tag: 'insert', relationId, newTuple });
    else if (msg.op === Op.UPDATE) out.push({ tag: 'update', relationId, ...(oldTuple ? { oldKind: 'K' as const, oldTuple } : {}), newTuple });
    else out.push({ tag: 'delete', relationId, oldKind: 'K', oldTuple: oldTuple! });
    return out;
  }
}
