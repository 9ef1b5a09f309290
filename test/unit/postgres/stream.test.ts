// Transaction assembly and confirmation discipline of the pgoutput reader, fed with protocol bytes
// (no server): parts for large transactions, position-only transactions for LakeSync's messages,
// and a keepalive position confirmed only when nothing handed over is unconfirmed.
import assert from 'node:assert/strict';
import type { Client } from 'pg';
import type { Transaction } from '../../../src/engine/pipeline/events';
import { msToPgTime } from '../../../src/engine/source/postgres/pgoutput';
import { PgOutputStream } from '../../../src/engine/source/postgres/stream';
import { TypeResolver } from '../../../src/engine/source/postgres/typeinfo';
import type { WalStream } from '../../../src/engine/source/postgres/walstream';
import type { SourceTable } from '../../../src/engine/source/types';

const table: SourceTable = {
  id: { db: 'public', table: 't' }, primaryKey: ['id'],
  columns: [{ name: 'id', ordinal: 1, dataType: 'int4', fullType: 'integer', nullable: false, typeOid: 23 }],
};

const u64 = (v: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(v); return b; };
const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };
const i16 = (v: number) => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
const str = (s: string) => Buffer.from(`${s}\0`);
const xlog = (at: bigint, payload: Buffer) => Buffer.concat([Buffer.from('w'), u64(at), u64(at), u64(0n), payload]);
const keepalive = (at: bigint, reply = false) => Buffer.concat([Buffer.from('k'), u64(at), u64(0n), Buffer.from([reply ? 1 : 0])]);
const begin = (final: bigint) => Buffer.concat([Buffer.from('B'), u64(final), u64(BigInt.asUintN(64, msToPgTime(1_700_000_000_000))), i32(7)]);
const commit = (end: bigint) => Buffer.concat([Buffer.from('C'), Buffer.from([0]), u64(end - 8n), u64(end), u64(BigInt.asUintN(64, msToPgTime(1_700_000_000_000)))]);
const relation = Buffer.concat([Buffer.from('R'), i32(99), str('public'), str('t'), Buffer.from('d'), i16(1), Buffer.from([1]), str('id'), i32(23), i32(-1)]);
const insert = (id: number) => Buffer.concat([Buffer.from('I'), i32(99), Buffer.from('N'), i16(1), Buffer.from('t'), i32(String(id).length), Buffer.from(String(id))]);
const message = (lsn: bigint, prefix = 'lakesync') => Buffer.concat([Buffer.from('M'), Buffer.from([0]), u64(lsn), str(prefix), i32(0)]);

function setup(maxTransactionChanges = 1000) {
  const status: [bigint, bigint][] = [];
  const wal = { pause() {}, resume() {}, sendStatus(w: bigint, f: bigint) { status.push([w, f]); } } as unknown as WalStream;
  const txs: Transaction[] = [];
  // no catalog here: every type is plain text (int4 prints canonically anyway)
  const types = new TypeResolver(async () => ({ query: async () => ({ rows: [] }) }) as unknown as Client);
  const stream = new PgOutputStream(wal, types, {
    maxTransactionChanges, statusIntervalMs: 60_000,
    resolveTable: async (_rel, id) => (id.table === 't' ? { table, renames: [] } : undefined),
    onTransaction: (tx) => { txs.push(tx); },
  }, 100n);
  stream.setInitialTables([table]);
  stream.start((err) => { throw err; });
  const feed = async (...chunks: Buffer[]) => { for (const c of chunks) stream.onData(c); await new Promise((r) => setTimeout(r, 5)); };
  return { stream, status, txs, feed };
}

describe('pgoutput transaction assembly', () => {
  it('hands a large transaction over in parts, the last one at the commit end position', async () => {
    const { stream, txs, feed } = setup(2);
    await feed(xlog(200n, begin(290n)), xlog(200n, relation), ...[1, 2, 3, 4, 5].map((i) => xlog(210n, insert(i))), xlog(300n, commit(300n)));
    stream.stop();
    assert.deepEqual(txs.map((t) => [t.changes.length, t.partial ?? false]), [[2, true], [2, true], [1, false]]);
    assert.deepEqual(txs[2].position, { kind: 'lsn', lsn: 300n });
    assert.equal(txs[0].commitTime, 1_700_000_000_000);
  });

  it('turns its own non-transactional messages into position-only transactions, and ignores others', async () => {
    const { stream, txs, feed } = setup();
    await feed(xlog(400n, message(400n)), xlog(410n, message(410n, 'someone-else')), xlog(400n, message(400n)));
    stream.stop();
    assert.deepEqual(txs.map((t) => [t.changes.length, t.position]), [[0, { kind: 'lsn', lsn: 400n }]]);
  });

  it('confirms a keepalive position only when everything handed over is confirmed', async () => {
    const { stream, status, txs, feed } = setup();
    await feed(xlog(200n, begin(290n)), xlog(200n, relation), xlog(210n, insert(1)), xlog(300n, commit(300n)));
    await feed(keepalive(500n, true));
    assert.equal(txs.length, 1);
    assert.deepEqual(status.at(-1), [100n, 100n], 'the handed-over transaction is not confirmed yet');
    stream.confirm(300n);
    assert.deepEqual(status.at(-1), [300n, 300n]);
    await feed(keepalive(600n, true));
    assert.deepEqual(status.at(-1), [600n, 600n], 'idle: the keepalive position is safe to confirm');
    await feed(xlog(700n, begin(790n)), keepalive(800n, true));
    assert.deepEqual(status.at(-1), [600n, 600n], 'never inside an open transaction');
    stream.stop();
  });
});
