// Typed staging must give exactly what DuckDB's cast of the canonical text gives: the same
// values go through both paths in one DuckDB and every pair must be identical (or both fail).
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Db, stagingDdl } from '../../../src/engine/sink/duckdb/db';
import { stagedType } from '../../../src/engine/sink/duckdb/stagetypes';

const cases: [string, string[]][] = [
  ['CAST($ AS BIGINT)', ['0', '-1', '1', '9007199254740991', '9007199254740992', '-9007199254740993', '9223372036854775807', '-9223372036854775808', '4294967296', '-4294967297', '+42', '0042']],
  ['CAST($ AS UBIGINT)', ['0', '18446744073709551615', '9007199254740993', '4294967295']],
  ['CAST($ AS INTEGER)', ['0', '-2147483648', '2147483647', '-1', '65536']],
  ['CAST($ AS UINTEGER)', ['0', '4294967295']],
  ['CAST($ AS SMALLINT)', ['-32768', '32767', '-1']],
  ['CAST($ AS USMALLINT)', ['0', '65535']],
  ['CAST($ AS TINYINT)', ['-128', '127']],
  ['CAST($ AS UTINYINT)', ['0', '255']],
  ['CAST($ AS DOUBLE)', ['0', '-0', '1.5', '0.1', '1e-320', '1.7976931348623157e+308', '-2.2250738585072014e-308', '5e-324', 'NaN', 'Infinity', '-Infinity', '123456789012345680000', '3.141592653589793']],
  ['CAST($ AS BOOLEAN)', ['true', 'false']],
];

async function both(fromText: string, values: (string | null)[]): Promise<void> {
  const st = stagedType(fromText);
  assert.ok(st.size > 0, `${fromText} is staged typed`);
  const db = await Db.open(':memory:');
  const conn = await db.connect();
  try {
    await conn.exec(stagingDdl('t', 1, [st]));
    await conn.exec(stagingDdl('v', 1));
    await conn.appendTemp('t', 1, values.map((v) => [v]), undefined, [st]);
    await conn.appendTemp('v', 1, values.map((v) => [v]));
    const typed = await conn.rows<{ x: unknown }>(`SELECT CAST(${st.fromText.split('$').join('c0')} AS VARCHAR) AS x FROM temp.main.t`);
    const text = await conn.rows<{ x: unknown }>(`SELECT CAST(${fromText.split('$').join('c0')} AS VARCHAR) AS x FROM temp.main.v`);
    assert.deepEqual(typed.map((r) => r.x), text.map((r) => r.x), fromText);
  } finally { await conn.close(); await db.close(); }
}

describe('typed staging (DuckDB target)', () => {
  for (const [fromText, values] of cases) {
    it(`stages ${fromText} exactly as the text cast`, async () => { await both(fromText, [...values, null]); });
  }

  it('random integers and doubles equal the text cast', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 50 }),
      fc.array(fc.double(), { maxLength: 50 }),
      async (ints, doubles) => {
        await both('CAST($ AS BIGINT)', ints.map(String));
        await both('CAST($ AS DOUBLE)', doubles.map((d) => (Object.is(d, -0) ? '-0' : String(d))));
      }), { numRuns: 20 });
  });

  it('rejects text that is not a value of the type', () => {
    for (const [ft, v] of [['CAST($ AS INTEGER)', '2147483648'], ['CAST($ AS BIGINT)', '1.5'], ['CAST($ AS BIGINT)', ''],
      ['CAST($ AS DOUBLE)', 'abc'], ['CAST($ AS BOOLEAN)', 'maybe'], ['CAST($ AS UBIGINT)', '-1']]) {
      const st = stagedType(ft);
      assert.throws(() => st.put!({ u8: new Uint8Array(16), i8: new Int8Array(16), i16: new Int16Array(8), u16: new Uint16Array(8), i32: new Int32Array(4), u32: new Uint32Array(4), f64: new Float64Array(2), b64: new BigInt64Array(2), ub64: new BigUint64Array(2) }, 0, v), `${ft} ${v}`);
    }
  });

  it('keeps VARCHAR for everything else', () => {
    for (const ft of ['$', 'unhex($)', 'CAST($ AS TIMESTAMP)', 'CAST($ AS DECIMAL(12,2))', "CASE WHEN $ = 'NaN' THEN NULL ELSE CAST($ AS DECIMAL(12,2)) END", 'CAST($ AS FLOAT)', 'CAST($ AS HUGEINT)']) {
      assert.equal(stagedType(ft).size, 0, ft);
    }
  });
});
