// Positions as values: parse/format round trips, order, distance, and the `#applied:N` count of
// row changes a checkpoint inside a large transaction carries.
import { strict as assert } from 'node:assert';
import { basePosition, comparePositions, formatPosition, parsePosition, positionDistance } from '../../../src/engine/positions';

describe('positions', () => {
  it('round-trips every kind, with and without changes applied past the position', () => {
    for (const text of ['lsn:0/16B3748', 'lsn:1/A#applied:1300', 'mysql-bin.000003:4567', 'mysql-bin.000003:4567#gtid:0-1-9',
      'mysql-bin.000001:2515#gtid:0-1-9#applied:300', 'gtid:0-1-253', 'gtid:3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5#applied:7']) {
      assert.equal(formatPosition(parsePosition(text)), text);
    }
    assert.equal(formatPosition(parsePosition('lsn:0/10#applied:0')), 'lsn:0/10', 'nothing applied past it is the position itself');
    assert.throws(() => parsePosition('2026-01-01T00:00:00Z#applied:3'), /a time has no applied changes/);
  });

  it('orders changes applied past a position after it, and before the next position', () => {
    const p = (t: string) => parsePosition(t);
    assert.ok(comparePositions(p('lsn:0/10#applied:5'), p('lsn:0/10')) > 0);
    assert.ok(comparePositions(p('lsn:0/10#applied:5'), p('lsn:0/10#applied:6')) < 0);
    assert.ok(comparePositions(p('lsn:0/10#applied:500'), p('lsn:0/11')) < 0);
    assert.ok(comparePositions(p('mysql-bin.000002:4'), p('mysql-bin.000001:99999#applied:3')) > 0);
    assert.equal(formatPosition(basePosition(p('mysql-bin.000001:7#gtid:0-1-2#applied:3'))), 'mysql-bin.000001:7#gtid:0-1-2');
  });

  it('tells the distance in bytes where the positions can', () => {
    assert.equal(positionDistance(parsePosition('lsn:0/100'), parsePosition('lsn:0/180')), 0x80);
    assert.equal(positionDistance(parsePosition('lsn:0/200'), parsePosition('lsn:0/180')), 0);
    assert.equal(positionDistance(parsePosition('b.000001:100'), parsePosition('b.000001:350')), 250);
    assert.equal(positionDistance(parsePosition('b.000001:100'), parsePosition('b.000002:350')), undefined, 'file sizes in between are not known');
    assert.equal(positionDistance(parsePosition('b.000003:100'), parsePosition('b.000002:350')), 0);
  });
});
