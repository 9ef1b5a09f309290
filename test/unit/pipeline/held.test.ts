// Per-table positions on resume: a table the sink committed past the task checkpoint skips
// exactly the transactions it already holds, and nothing else.
import { strict as assert } from 'node:assert';
import { HeldPositions } from '../../../src/engine/pipeline/held';
import type { Transaction } from '../../../src/engine/pipeline/events';
import { lsn, parsePosition, type Position } from '../../../src/engine/positions';

const tx = (position: Position, partial = false): Transaction => ({ changes: [], position, commitTime: 0, ...(partial ? { partial } : {}) });

describe('HeldPositions', () => {
  it('keeps only tables ahead of the checkpoint', () => {
    const held = HeldPositions.ahead(lsn(100n), [
      { source: 'a.behind', position: lsn(50n) }, { source: 'a.equal', position: lsn(100n) },
      { source: 'a.ahead', position: lsn(150n) }, { source: 'a.none' },
    ]);
    assert.equal(held.size, 1);
    assert.equal(held.holds('a.behind', tx(lsn(60n))), false);
    assert.equal(held.holds('a.equal', tx(lsn(100n))), false);
    assert.equal(held.holds('a.none', tx(lsn(101n))), false);
  });

  it('a complete transaction ending at or before the table position is held; a later one is not', () => {
    const held = HeldPositions.ahead(lsn(100n), [{ source: 'a.t', position: lsn(150n) }]);
    assert.equal(held.holds('a.t', tx(lsn(120n))), true);
    assert.equal(held.holds('a.t', tx(lsn(150n))), true);
    assert.equal(held.holds('a.t', tx(lsn(151n))), false);
    assert.equal(held.holds('a.other', tx(lsn(120n))), false);
  });

  it('a part of a large transaction is held only when strictly before (MySQL parts carry the previous end)', () => {
    const held = HeldPositions.ahead(parsePosition('binlog.000001:100'), [{ source: 'd.t', position: parsePosition('binlog.000001:500') }]);
    // the transaction after 500: its parts carry 500, the table does not hold it
    assert.equal(held.holds('d.t', tx(parsePosition('binlog.000001:500'), true)), false);
    // a transaction ending at 500 came in parts that carry 300: held
    assert.equal(held.holds('d.t', tx(parsePosition('binlog.000001:300'), true)), true);
    assert.equal(held.holds('d.t', tx(parsePosition('binlog.000002:4'))), false);
  });

  it('inside a large transaction: a table committed past the checkpoint skips exactly the changes it holds after the same end', () => {
    // the checkpoint holds 3,000 changes after the end at 100, table d.t holds 5,000 (a sink that
    // commits table by table stopped between two tables)
    const held = HeldPositions.ahead(parsePosition('binlog.000001:100#applied:3000'), [
      { source: 'd.t', position: parsePosition('binlog.000001:100#applied:5000') },
      { source: 'd.u', position: parsePosition('binlog.000001:100#applied:3000') },
    ]);
    assert.equal(held.size, 1);
    const end = parsePosition('binlog.000001:100');
    // the parts carry the previous end (MySQL, decoderbufs), the same as the held position's end
    const part = tx(end, true);
    assert.equal(held.holds('d.t', part, { end, count: 3001 }), true);
    assert.equal(held.holds('d.t', part, { end, count: 5000 }), true);
    assert.equal(held.holds('d.t', part, { end, count: 5001 }), false);
    // the transaction's last changes arrive with its end
    assert.equal(held.holds('d.t', tx(parsePosition('binlog.000001:9000')), { end, count: 5001 }), false);
    assert.equal(held.holds('d.u', part, { end, count: 3001 }), false);
    // after a later end nothing is held
    assert.equal(held.holds('d.t', tx(parsePosition('binlog.000001:9500')), { end: parsePosition('binlog.000001:9000'), count: 1 }), false);
  });

  it('a table at a transaction end holds nothing after that end, whatever the parts carry', () => {
    const held = HeldPositions.ahead(lsn(100n), [{ source: 'p.t', position: lsn(500n) }]);
    assert.equal(held.holds('p.t', tx(lsn(500n), true), { end: lsn(500n), count: 1 }), false);
    // a part of a transaction that ended before 500 (read from an earlier end) is held
    assert.equal(held.holds('p.t', tx(lsn(300n), true), { end: lsn(100n), count: 7 }), true);
  });

  it('positions of different kinds never skip anything', () => {
    const held = HeldPositions.ahead(parsePosition('binlog.000001:100'), [{ source: 'd.t', position: parsePosition('binlog.000001:500') }]);
    assert.equal(held.holds('d.t', tx(parsePosition('gtid:0-1-5'))), false);
    assert.equal(HeldPositions.ahead(parsePosition('gtid:0-1-5'), [{ source: 'd.t', position: parsePosition('binlog.000001:500') }]).size, 0);
  });
});
