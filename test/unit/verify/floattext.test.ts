// verify's canonical text of FLOAT and DOUBLE values (src/engine/verify/floattext.ts), computed by
// DuckDB over the target type, equals the same rewrite of JavaScript's shortest round-trip text
// (a second, independent printer of the shortest digits) for thousands of random doubles and
// float32 values, and two doubles one bit apart never share a text. The PostgreSQL and MariaDB
// sides are checked against real servers in test/integration/verify/types.test.ts.
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdbCanonical } from '../../../src/engine/verify/target';

/** The notation of floattext.ts from a JavaScript number: [-]DIGITS e EXP, meaning 0.DIGITS x 10^EXP. */
function expected(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (v === 0) return '0';
  const [m, e = '0'] = Math.abs(v).toExponential().split('e'); // shortest digits: d.ddd e±x
  const digits = m.replace('.', '').replace(/0+$/, '');
  return `${v < 0 ? '-' : ''}${digits}e${Number(e) + 1}`;
}

function randomDouble(): number {
  const b = new DataView(new ArrayBuffer(8));
  for (let i = 0; i < 8; i++) b.setUint8(i, Math.floor(Math.random() * 256));
  return b.getFloat64(0);
}

describe('verify: canonical FLOAT / DOUBLE text', () => {
  it('DuckDB gives the shortest round-trip digits in one notation, for random doubles, float32 values and edge cases', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const edge = [0.1, 0.1 + 0.2, 1e20, 1e21, 1e16, 1e15, 1.5e-7, 123456789.12345679, 5e-324, 1.7976931348623157e308, -2.2250738585072014e-308,
      100, 0.001, -1, 2 ** 53 + 2, 1 / 3, NaN, Infinity, -Infinity, 0];
    const doubles = [...edge, ...Array.from({ length: 3000 }, randomDouble)];
    const floats = [...edge.map(Math.fround), ...Array.from({ length: 1000 }, () => Math.fround(randomDouble()))];
    for (const [type, values] of [['DOUBLE', doubles], ['FLOAT', floats]] as const) {
      // JavaScript's round-trip text reads back (correctly rounded) as exactly the same double
      await c.run(`CREATE OR REPLACE TABLE v AS SELECT i, CAST(CAST(t AS DOUBLE) AS ${type}) AS x FROM `
        + `(SELECT unnest(range(${values.length})) AS i, unnest([${values.map((v) => `'${String(v)}'`).join(',')}]) AS t)`);
      const r = await c.runAndReadAll(`SELECT i, ${duckdbCanonical('x', type)} AS canon FROM v ORDER BY i`);
      const got = (r.getRowObjectsJS() as { i: bigint; canon: string }[]).map((x) => x.canon);
      assert.deepEqual(got, values.map(expected), type);
      // distinct doubles, distinct texts
      const distinct = new Set(values.filter((v) => !Number.isNaN(v)).map((v) => (Object.is(v, -0) ? 0 : v)));
      assert.equal(new Set(got.filter((g) => g !== 'NaN')).size, distinct.size);
    }
    // one bit apart: 0.1 and its next double up
    const r = await c.runAndReadAll(`SELECT ${duckdbCanonical('0.1::DOUBLE', 'DOUBLE')} AS a, ${duckdbCanonical('0.10000000000000002::DOUBLE', 'DOUBLE')} AS b`);
    assert.deepEqual(r.getRowObjectsJS(), [{ a: '1e0', b: '10000000000000002e0' }]);
    c.closeSync(); db.closeSync();
  });
});
