// Decoder of the pgoutput logical replication messages (protocol version 1, text tuples), as
// documented in "Logical Replication Message Formats" of the PostgreSQL manual. Pure: bytes in,
// typed messages out; the transaction assembly lives in stream.ts.

/** A tuple value: string (text), null (SQL NULL) or undefined (unchanged TOASTed value, not sent). */
export type TupleValue = string | null | undefined;

export interface RelationColumn { name: string; isKey: boolean; typeOid: number; typeMod: number }

export type PgOutputMessage =
  | { tag: 'begin'; finalLsn: bigint; commitTime: number; xid: number }
  | { tag: 'commit'; flags: number; commitLsn: bigint; endLsn: bigint; commitTime: number }
  | { tag: 'origin'; lsn: bigint; name: string }
  | { tag: 'relation'; relationId: number; schema: string; name: string; replicaIdentity: string; columns: RelationColumn[] }
  | { tag: 'type'; typeOid: number; schema: string; name: string }
  | { tag: 'insert'; relationId: number; newTuple: TupleValue[] }
  | { tag: 'update'; relationId: number; oldKind?: 'K' | 'O'; oldTuple?: TupleValue[]; newTuple: TupleValue[] }
  | { tag: 'delete'; relationId: number; oldKind: 'K' | 'O'; oldTuple: TupleValue[] }
  | { tag: 'truncate'; cascade: boolean; restartIdentity: boolean; relationIds: number[] }
  | { tag: 'message'; transactional: boolean; lsn: bigint; prefix: string; content: Buffer };

/** Microseconds between the Unix epoch and the PostgreSQL epoch (2000-01-01 UTC). */
const PG_EPOCH_MICROS = 946_684_800_000_000n;

/** PostgreSQL timestamp (µs since 2000-01-01) -> ms since the Unix epoch. */
export function pgTimeToMs(micros: bigint): number {
  return Number((micros + PG_EPOCH_MICROS) / 1000n);
}

/** ms since the Unix epoch -> PostgreSQL timestamp (µs since 2000-01-01). */
export function msToPgTime(ms: number): bigint {
  return BigInt(Math.round(ms)) * 1000n - PG_EPOCH_MICROS;
}

/** Buffer's own UTF-8 decoder (what toString('utf8', a, b) ends in), not in @types/node. */
type Utf8Buffer = Buffer & { utf8Slice(start: number, end: number): string };

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  u8(): number { return this.buf.readUInt8(this.pos++); }
  i16(): number { const v = this.buf.readInt16BE(this.pos); this.pos += 2; return v; }
  i32(): number { const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v; }
  u32(): number { const v = this.buf.readUInt32BE(this.pos); this.pos += 4; return v; }
  u64(): bigint { const v = this.buf.readBigUInt64BE(this.pos); this.pos += 8; return v; }
  i64(): bigint { const v = this.buf.readBigInt64BE(this.pos); this.pos += 8; return v; }
  char(): string { return String.fromCharCode(this.u8()); }
  cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new Error('pgoutput: unterminated string');
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  bytes(n: number): Buffer { const b = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return b; }

  tuple(): TupleValue[] {
    const n = this.i16();
    const out: TupleValue[] = new Array(n);
    const buf = this.buf as Utf8Buffer;
    // per value: bytes compared and utf8Slice called directly (toString() looks up its encoding
    // argument on every call, a few hundred ns per value)
    for (let i = 0; i < n; i++) {
      if (this.pos >= buf.length) throw new RangeError('pgoutput: tuple past the end of the message');
      const kind = buf[this.pos++];
      if (kind === 0x74 /* t */) {
        const len = buf.readInt32BE(this.pos);
        const from = this.pos + 4;
        if (len < 0 || from + len > buf.length) throw new RangeError('pgoutput: tuple value past the end of the message');
        out[i] = buf.utf8Slice(from, from + len);
        this.pos = from + len;
      } else if (kind === 0x6e /* n */) out[i] = null;
      else if (kind === 0x75 /* u */) out[i] = undefined;
      else throw new Error(`pgoutput: unsupported tuple value kind '${String.fromCharCode(kind)}' (binary mode is not used)`);
    }
    return out;
  }
}

export function decodePgOutput(buf: Buffer): PgOutputMessage {
  const r = new Reader(buf);
  const tag = r.char();
  switch (tag) {
    case 'B': return { tag: 'begin', finalLsn: r.u64(), commitTime: pgTimeToMs(r.i64()), xid: r.u32() };
    case 'C': return { tag: 'commit', flags: r.u8(), commitLsn: r.u64(), endLsn: r.u64(), commitTime: pgTimeToMs(r.i64()) };
    case 'O': return { tag: 'origin', lsn: r.u64(), name: r.cstring() };
    case 'R': {
      const relationId = r.u32(), schema = r.cstring(), name = r.cstring(), replicaIdentity = r.char();
      const n = r.i16();
      const columns: RelationColumn[] = [];
      for (let i = 0; i < n; i++) {
        const flags = r.u8();
        columns.push({ isKey: (flags & 1) === 1, name: r.cstring(), typeOid: r.u32(), typeMod: r.i32() });
      }
      return { tag: 'relation', relationId, schema, name, replicaIdentity, columns };
    }
    case 'Y': return { tag: 'type', typeOid: r.u32(), schema: r.cstring(), name: r.cstring() };
    case 'I': {
      const relationId = r.u32();
      if (r.char() !== 'N') throw new Error('pgoutput: insert without new tuple');
      return { tag: 'insert', relationId, newTuple: r.tuple() };
    }
    case 'U': {
      const relationId = r.u32();
      let kind = r.char();
      let oldKind: 'K' | 'O' | undefined, oldTuple: TupleValue[] | undefined;
      if (kind === 'K' || kind === 'O') { oldKind = kind; oldTuple = r.tuple(); kind = r.char(); }
      if (kind !== 'N') throw new Error('pgoutput: update without new tuple');
      return { tag: 'update', relationId, oldKind, oldTuple, newTuple: r.tuple() };
    }
    case 'D': {
      const relationId = r.u32();
      const kind = r.char();
      if (kind !== 'K' && kind !== 'O') throw new Error('pgoutput: delete without old tuple');
      return { tag: 'delete', relationId, oldKind: kind, oldTuple: r.tuple() };
    }
    case 'T': {
      const n = r.i32(), options = r.u8();
      const relationIds: number[] = [];
      for (let i = 0; i < n; i++) relationIds.push(r.u32());
      return { tag: 'truncate', cascade: (options & 1) !== 0, restartIdentity: (options & 2) !== 0, relationIds };
    }
    case 'M': {
      const flags = r.u8(), lsn = r.u64(), prefix = r.cstring(), len = r.i32();
      return { tag: 'message', transactional: (flags & 1) !== 0, lsn, prefix, content: r.bytes(len) };
    }
    default:
      throw new Error(`pgoutput: unknown message '${tag}'`);
  }
}

/** The replication protocol's envelope inside CopyData. */
export type WalMessage =
  | { type: 'xlog'; walStart: bigint; walEnd: bigint; data: Buffer }
  | { type: 'keepalive'; walEnd: bigint; replyRequested: boolean };

export function decodeWalMessage(buf: Buffer): WalMessage {
  const t = buf[0];
  if (t === 0x77 /* w */) return { type: 'xlog', walStart: buf.readBigUInt64BE(1), walEnd: buf.readBigUInt64BE(9), data: buf.subarray(25) };
  if (t === 0x6b /* k */) return { type: 'keepalive', walEnd: buf.readBigUInt64BE(1), replyRequested: buf[17] === 1 };
  throw new Error(`replication protocol: unknown message '${String.fromCharCode(t)}'`);
}

/** Standby status update: write/flush/apply positions (the next byte wanted after them). */
export function encodeStandbyStatus(written: bigint, flushed: bigint, nowMs: number, replyRequested = false): Buffer {
  const b = Buffer.alloc(34);
  b[0] = 0x72; // r
  b.writeBigUInt64BE(written, 1);
  b.writeBigUInt64BE(flushed, 9);
  b.writeBigUInt64BE(flushed, 17);
  b.writeBigInt64BE(msToPgTime(nowMs), 25);
  b[33] = replyRequested ? 1 : 0;
  return b;
}
