// Source positions (with positions.test.ts): any LSN or binlog position parses back to the same value,
// orders the way the source does, and a bad position says how to write a good one.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { comparePositions, formatLsn, formatPosition, lsn, parseLsn, parsePosition, PositionError, type Position } from '../../../src/engine/positions';

const lsnArb = fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }).map(lsn);
const binlogArb = fc.record({
  kind: fc.constant('binlog' as const),
  file: fc.integer({ min: 1, max: 999_999 }).map((n) => `mysql-bin.${String(n).padStart(6, '0')}`),
  pos: fc.integer({ min: 4, max: 2 ** 32 }),
}).chain((p) => fc.option(fc.constantFrom('0-1-253', '0-1-5,1-2-9', '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5'), { nil: undefined })
  .map((gtid): Position => (gtid ? { ...p, gtid } : { ...p })));

describe('positions', () => {
  it('format then parse is the identity for LSNs and binlog positions (with and without a GTID set)', () => {
    fc.assert(fc.property(fc.oneof(lsnArb, binlogArb), (p) => {
      assert.deepEqual(parsePosition(formatPosition(p)), p);
    }), { numRuns: 500 });
  });

  it('LSNs are X/Y in upper-case hex of the high and low 32 bits', () => {
    assert.equal(formatLsn(0x16B3748n), '0/16B3748');
    assert.equal(formatLsn((0x1An << 32n) | 0xFFn), '1A/FF');
    assert.equal(parseLsn('1a/ff'), (0x1An << 32n) | 0xFFn);
    assert.equal(formatPosition(lsn(0n)), 'lsn:0/0');
  });

  it('orders LSNs numerically and binlog positions by file number, then offset', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (a, b) => {
      assert.equal(Math.sign(comparePositions(lsn(a), lsn(b))), a < b ? -1 : a > b ? 1 : 0);
    }));
    const p = (s: string) => parsePosition(s);
    // file number, not text: .000010 is after .000009, and a GTID set does not change the order
    assert.ok(comparePositions(p('mysql-bin.000009:9000'), p('mysql-bin.000010:4')) < 0);
    assert.ok(comparePositions(p('mysql-bin.000010:120'), p('mysql-bin.000010:4#gtid:0-1-9')) > 0);
    assert.equal(comparePositions(p('mysql-bin.000010:120#gtid:0-1-9'), p('mysql-bin.000010:120')), 0);
  });

  it('refuses to compare positions of different kinds', () => {
    assert.throws(() => comparePositions(lsn(1n), parsePosition('mysql-bin.000001:4')), PositionError);
    assert.throws(() => comparePositions(parsePosition('gtid:0-1-5'), parsePosition('mysql-bin.000001:4')), PositionError);
  });

  it('parses start requests: gtid:SET and ISO times (a time is never taken for FILE:POS)', () => {
    assert.deepEqual(parsePosition('gtid:0-1-253'), { kind: 'gtid', set: '0-1-253' });
    const t = parsePosition('2026-11-24T10:00:00Z');
    assert.equal(t.kind, 'time');
    assert.equal(t.kind === 'time' && t.at.toISOString(), '2026-11-24T10:00:00.000Z');
    assert.equal(parsePosition('2026-11-24 10:00:00+02:00').kind, 'time');
  });

  it('says how to write a position when one is wrong', () => {
    for (const bad of ['', 'lsn:0/', 'lsn:xyz', 'gtid:', 'mysql-bin.000001', 'yesterday']) {
      assert.throws(() => parsePosition(bad), (err: Error) => err instanceof PositionError && /lsn:|X\/Y|gtid/.test(err.message), bad);
    }
  });

});
