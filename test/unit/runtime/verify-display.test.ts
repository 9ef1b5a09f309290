// verify reports show dates and times as ISO text, not as the day and microsecond counts the
// checksums compare.
import assert from 'node:assert/strict';
import { displayValue } from '../../../src/engine/verify/display';

describe('verify: canonical values as people read them', () => {
  it('timestamps, dates and times', () => {
    assert.equal(displayValue('1704103200500001', 'TIMESTAMP'), '2024-01-01 10:00:00.500001');
    assert.equal(displayValue('1704103200000000', 'TIMESTAMPTZ'), '2024-01-01 10:00:00+00');
    assert.equal(displayValue('-1', 'TIMESTAMP'), '1969-12-31 23:59:59.999999');
    assert.equal(displayValue('19723', 'DATE'), '2024-01-01');
    assert.equal(displayValue('86399999999', 'TIME'), '23:59:59.999999');
    assert.equal(displayValue('infinity', 'DATE'), 'infinity');
    assert.equal(displayValue('1500.25', 'DECIMAL(12,2)'), '1500.25');
    assert.equal(displayValue(null, 'TIMESTAMP'), null);
  });
});
