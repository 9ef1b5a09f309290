// The pure decoders of the PostgreSQL source: COPY text lines, pgoutput messages, money text.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CopyTextDecoder, decodeLine } from '../../../src/engine/source/postgres/copytext';
import { decodePgOutput, decodeWalMessage, encodeStandbyStatus, msToPgTime, pgTimeToMs } from '../../../src/engine/source/postgres/pgoutput';
import { toCanonical } from '../../../src/engine/source/postgres/values';

/** COPY text encoding of one field, as PostgreSQL's COPY TO writes it. */
function copyEscape(v: string | null): string {
  if (v === null) return '\\N';
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    .split('\b').join('\\b').replace(/\f/g, '\\f').replace(/\v/g, '\\v');
}

describe('COPY text decoder', () => {
  it('decodes NULL, escapes and empty fields', () => {
    assert.deepEqual(decodeLine('1\t\\N\t\ta\\tb\\nc\\\\d\\\\N\t\\101'), ['1', null, '', 'a\tb\nc\\d\\N', 'A']);
  });

  it('any rows survive encoding and arbitrary chunk boundaries, multi-byte characters included', () => {
    fc.assert(fc.property(
      fc.array(fc.array(fc.option(fc.string({ unit: 'grapheme' }), { nil: null }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      (rows, cuts) => {
        const bytes = Buffer.from(rows.map((r) => r.map(copyEscape).join('\t') + '\n').join(''), 'utf8');
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const dec = new CopyTextDecoder();
        const out: (string | null)[][] = [];
        let prev = 0;
        for (const p of [...points, bytes.length]) { out.push(...dec.push(bytes.subarray(prev, p))); prev = p; }
        dec.end();
        assert.deepEqual(out, rows);
      }));
  });

  it('refuses data cut in the middle of a row', () => {
    const dec = new CopyTextDecoder();
    dec.push(Buffer.from('1\tabc'));
    assert.throws(() => dec.end(), /middle of a row/);
  });
});

describe('canonical values', () => {
  it('money under lc_monetary=C becomes a plain decimal', () => {
    assert.equal(toCanonical({ kind: 'money' }, '-$1,234,567.89'), '-1234567.89');
    assert.equal(toCanonical({ kind: 'money' }, '$0.01'), '0.01');
    assert.equal(toCanonical({ kind: 'money' }, '($5.00)'), '-5.00');
  });
  it('bool, bytea and arrays of them', () => {
    assert.equal(toCanonical({ kind: 'bool' }, 't'), 'true');
    assert.equal(toCanonical({ kind: 'bytea' }, '\\xdead00'), 'dead00');
    assert.equal(toCanonical({ kind: 'array', element: { kind: 'bool' }, delimiter: ',' }, '{t,NULL,f}'), '["true",null,"false"]');
    assert.equal(toCanonical({ kind: 'array', element: { kind: 'text' }, delimiter: ';' }, '{(1,1),(0,0);(2,2),(1,1)}'), '["(1,1),(0,0)","(2,2),(1,1)"]');
  });
});

function msg(parts: (string | number | bigint | Buffer)[], layout: string): Buffer {
  // layout: one letter per part: c=char, b=byte, h=int16, i=int32, q=int64, s=cstring, r=raw
  const bufs: Buffer[] = [];
  [...layout].forEach((k, i) => {
    const v = parts[i];
    const b = Buffer.alloc(k === 'h' ? 2 : k === 'i' ? 4 : k === 'q' ? 8 : 1);
    if (k === 'c') bufs.push(Buffer.from(v as string, 'latin1'));
    else if (k === 'b') { b.writeUInt8(v as number); bufs.push(b); }
    else if (k === 'h') { b.writeInt16BE(v as number); bufs.push(b); }
    else if (k === 'i') { b.writeInt32BE(v as number); bufs.push(b); }
    else if (k === 'q') { b.writeBigInt64BE(BigInt(v as number | bigint)); bufs.push(b); }
    else if (k === 's') bufs.push(Buffer.from(`${v as string}\0`, 'utf8'));
    else bufs.push(v as Buffer);
  });
  return Buffer.concat(bufs);
}

describe('pgoutput decoder', () => {
  const ts = msToPgTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678));

  it('begin / commit carry LSNs and the commit time', () => {
    assert.deepEqual(decodePgOutput(msg(['B', 0x1_0000_0020n, ts, 77], 'cqqi')), { tag: 'begin', finalLsn: 0x1_0000_0020n, commitTime: Date.UTC(2026, 0, 2, 3, 4, 5, 678), xid: 77 });
    assert.deepEqual(decodePgOutput(msg(['C', 0, 10n, 20n, ts], 'cbqqq')), { tag: 'commit', flags: 0, commitLsn: 10n, endLsn: 20n, commitTime: Date.UTC(2026, 0, 2, 3, 4, 5, 678) });
    assert.equal(pgTimeToMs(msToPgTime(1234567890123)), 1234567890123);
  });

  it('relation, and update with old key, new tuple, NULL and unchanged TOAST', () => {
    const rel = decodePgOutput(msg(['R', 16384, 'public', 'docs', 'd', 2, 1, 'id', 23, -1, 0, 'body', 25, -1], 'cissch' + 'bsii' + 'bsii'));
    assert.deepEqual(rel, { tag: 'relation', relationId: 16384, schema: 'public', name: 'docs', replicaIdentity: 'd',
      columns: [{ isKey: true, name: 'id', typeOid: 23, typeMod: -1 }, { isKey: false, name: 'body', typeOid: 25, typeMod: -1 }] });
    const upd = decodePgOutput(msg(['U', 16384, 'K', 2, 't', 1, Buffer.from('4'), 'n', 'N', 2, 't', 2, Buffer.from('é'), 'u'], 'cic' + 'hcir' + 'c' + 'c' + 'hcir' + 'c'));
    assert.deepEqual(upd, { tag: 'update', relationId: 16384, oldKind: 'K', oldTuple: ['4', null], newTuple: ['é', undefined] });
  });

  it('truncate lists its relations; messages keep prefix and content', () => {
    assert.deepEqual(decodePgOutput(msg(['T', 2, 1, 5, 6], 'cibii')), { tag: 'truncate', cascade: true, restartIdentity: false, relationIds: [5, 6] });
    const m = decodePgOutput(msg(['M', 0, 99n, 'lakesync', 2, Buffer.from('hi')], 'cbqsir'));
    assert.deepEqual(m, { tag: 'message', transactional: false, lsn: 99n, prefix: 'lakesync', content: Buffer.from('hi') });
  });

  it('replication envelope: XLogData, keepalive, and the standby status update layout', () => {
    const x = decodeWalMessage(msg(['w', 5n, 9n, 0n, Buffer.from('B')], 'cqqqr'));
    assert.deepEqual(x, { type: 'xlog', walStart: 5n, walEnd: 9n, data: Buffer.from('B') });
    assert.deepEqual(decodeWalMessage(msg(['k', 123n, 0n, 1], 'cqqb')), { type: 'keepalive', walEnd: 123n, replyRequested: true });
    const s = encodeStandbyStatus(30n, 20n, Date.UTC(2000, 0, 1));
    assert.equal(s.length, 34);
    assert.equal(String.fromCharCode(s[0]), 'r');
    assert.equal(s.readBigUInt64BE(1), 30n);
    assert.equal(s.readBigUInt64BE(9), 20n, 'flush = the confirmed position only');
    assert.equal(s.readBigUInt64BE(17), 20n);
    assert.equal(s.readBigInt64BE(25), 0n, 'time counts from 2000-01-01');
  });
});
