// The stream's place in checkpoint terms: a resumed stream skips exactly the row changes the
// checkpoint says the target holds, also when the resumed run meets a point the first run did not.
import { strict as assert } from 'node:assert';
import type { Change, Transaction } from '../../../src/engine/pipeline/events';
import { StreamCursor } from '../../../src/engine/pipeline/place';
import { formatPosition, parsePosition, type Position } from '../../../src/engine/positions';

const row: Change = { kind: 'insert', table: { db: 'd', table: 't' }, after: ['1'] };
const tx = (position: Position, changes: number, partial = false): Transaction =>
  ({ changes: Array.from({ length: changes }, () => row), position, commitTime: 0, ...(partial ? { partial } : {}) });

/** Feeds transactions as stream.ts does; returns how many row changes were taken (not skipped). */
function feed(cursor: StreamCursor, txs: Transaction[]): number {
  let taken = 0;
  for (const t of txs) {
    if (cursor.ignores(t)) continue;
    for (let i = 0; i < t.changes.length; i++) if (!cursor.take()) taken++;
    if (!t.partial) cursor.ended(t.position);
  }
  return taken;
}

describe('StreamCursor', () => {
  const end = parsePosition('mysql-bin.000001:500#gtid:0-1-7');

  it('counts the changes after the last end; the position carries them as #applied:N', () => {
    const c = new StreamCursor(end);
    assert.equal(c.inside, false);
    assert.equal(feed(c, [tx(end, 300, true), tx(end, 200, true)]), 500);
    assert.equal(formatPosition(c.position), 'mysql-bin.000001:500#gtid:0-1-7#applied:500');
    assert.equal(c.inside, true);
    feed(c, [tx(parsePosition('mysql-bin.000001:9000#gtid:0-1-8'), 50)]);
    assert.equal(formatPosition(c.position), 'mysql-bin.000001:9000#gtid:0-1-8');
    assert.equal(c.inside, false);
  });

  it('resumed inside a transaction: skips exactly the changes the checkpoint holds', () => {
    const c = new StreamCursor(parsePosition('mysql-bin.000001:500#gtid:0-1-7#applied:450'));
    assert.equal(c.inside, true);
    assert.equal(feed(c, [tx(end, 300, true), tx(end, 200, true)]), 50);
    assert.equal(c.count, 500);
    assert.equal(feed(c, [tx(parsePosition('mysql-bin.000001:9000'), 100)]), 100);
  });

  it('an empty transaction before the changes to skip (a keepalive the first run did not see) does not end the skip', () => {
    const c = new StreamCursor(parsePosition('lsn:0/1000#applied:450'));
    assert.equal(feed(c, [tx(parsePosition('lsn:0/1800'), 0), tx(parsePosition('lsn:0/1000'), 300, true), tx(parsePosition('lsn:0/5000'), 200)]), 50);
    assert.equal(formatPosition(c.position), 'lsn:0/5000');
  });

  it('an empty transaction at a transaction end moves the end', () => {
    const c = new StreamCursor(parsePosition('lsn:0/1000'));
    feed(c, [tx(parsePosition('lsn:0/1800'), 0)]);
    assert.equal(formatPosition(c.position), 'lsn:0/1800');
  });
});
