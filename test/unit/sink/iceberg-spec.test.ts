// Pure parts of the Iceberg writer against the spec's own definitions: single-value serialization
// of bounds (Appendix D), allowed type promotions, the DuckDB -> Iceberg type map, and the chunk
// marks kept in snapshot summaries.
import assert from 'node:assert/strict';
import { boundBytes, canPromote, icebergType } from '../../../src/engine/sink/iceberg/types';
import { formatRanges, parseRanges } from '../../../src/engine/sink/iceberg/sink';

describe('Iceberg spec pieces', () => {
  it('bounds use the spec\'s binary forms: little-endian int/long/time, two\'s-complement big-endian decimals, uuid bytes, UTF-8', () => {
    const hex = (t: Parameters<typeof boundBytes>[0], v: string) => boundBytes(t, v)?.toString('hex');
    assert.equal(hex('int', '-2'), 'feffffff');
    assert.equal(hex('long', '1'), '0100000000000000');
    assert.equal(hex('decimal(12, 2)', '1.50'), '0096');   // 150 needs a sign bit: two bytes
    assert.equal(hex('decimal(12, 2)', '-1.50'), 'ff6a');
    assert.equal(hex('decimal(12, 2)', '1.27'), '7f');
    assert.equal(hex('time', '00:00:01'), '40420f0000000000');
    assert.equal(hex('uuid', '00000000-0000-4000-8000-0000000000ff'), '00000000000040008000' + '0000000000ff');
    assert.equal(hex('string', 'é'), 'c3a9');
    assert.equal(hex('boolean', 'true'), '01');
    // left out rather than risked: the statistics text of dates drops the era, floats may be NaN
    assert.equal(hex('date', '5000-01-01'), undefined);
    assert.equal(hex('timestamptz', '2024-01-01 00:00:00+00'), undefined);
    assert.equal(hex('double', '1.5'), undefined);
    assert.equal(hex('string', 'x'.repeat(65)), undefined);
    assert.equal(hex('decimal(12, 2)', '1.5'), undefined, 'a text with another scale is not trusted');
  });

  it('type promotion follows the spec: int -> long, float -> double, decimal precision widening at the same scale', () => {
    assert.ok(canPromote('int', 'long'));
    assert.ok(canPromote('float', 'double'));
    assert.ok(canPromote('decimal(10, 2)', 'decimal(18, 2)'));
    assert.ok(!canPromote('decimal(10, 2)', 'decimal(18, 3)'));
    assert.ok(!canPromote('long', 'int'));
    assert.ok(!canPromote('int', 'string'));
  });

  it('DuckDB types map to Iceberg types, lists with element ids, the rest as lossless text', () => {
    let id = 100;
    const next = () => ++id;
    assert.equal(icebergType('SMALLINT', next).type, 'int');
    assert.equal(icebergType('UBIGINT', next).type, 'decimal(20, 0)');
    assert.equal(icebergType('TIMESTAMP WITH TIME ZONE', next).type, 'timestamptz');
    assert.equal(icebergType('DECIMAL(38,10)', next).type, 'decimal(38, 10)');
    assert.deepEqual(icebergType('INTEGER[][]', next).type,
      { type: 'list', 'element-id': 102, element: { type: 'list', 'element-id': 101, element: 'int', 'element-required': false }, 'element-required': false });
    assert.deepEqual(icebergType('INTERVAL', next), { type: 'string', write: 'VARCHAR', note: icebergType('INTERVAL', next).note });
    assert.equal(icebergType('ENUM(\'a\', \'b\')', next).type, 'string');
  });

  it('chunk marks round-trip as short ranges', () => {
    assert.equal(formatRanges([5, 0, 1, 2, 3, 7, 8, 9, 3]), '0-3,5,7-9');
    assert.deepEqual([...parseRanges('0-3,5,7-9')], [0, 1, 2, 3, 5, 7, 8, 9]);
    assert.deepEqual([...parseRanges('')], []);
  });
});
