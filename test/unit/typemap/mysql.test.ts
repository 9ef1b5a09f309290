// Every MySQL/MariaDB type: canonical text of tricky values through a real DuckDB equals the source value.
import assert from 'node:assert/strict';
import type { SourceColumn } from '../../../src/engine/source/types';
import { mapMysqlColumn } from '../../../src/engine/typemap/mysql';
import { mysqlBitToCanonical } from '../../../src/engine/typemap/canonical';
import { roundTrip } from './duck';

type Expect = string | null | ((got: { text: string | null; js: unknown; hex?: string | null }) => void);
interface Case { col: Partial<SourceColumn> & { dataType: string }; type: string; values: [string | null, Expect][]; note?: boolean }

const col = (c: Case['col']): SourceColumn => ({ name: 'c', ordinal: 1, nullable: true, fullType: c.dataType, ...c });
const same = (s: string): [string, string] => [s, s];
const num = (s: string, f: (n: number) => number = (n) => n): [string, Expect] =>
  [s, (g) => assert.ok(Object.is(g.js, f(Number(s))), `${s} -> ${String(g.js)}`)];
const hex = (s: string): [string, Expect] => [s, (g) => assert.equal(g.hex, s)];
/** MySQL TIME text -> the exact microseconds of the INTERVAL it becomes. */
const time = (s: string, micros: bigint): [string, Expect] => [s, (g) => assert.deepEqual(g.js, { months: 0, days: 0, micros }, s)];
const us = (h: number, m: number, sec: number, frac = 0) => BigInt(((h * 60 + m) * 60 + sec)) * 1_000_000n + BigInt(frac);

const cases: Case[] = [
  { col: { dataType: 'tinyint' }, type: 'TINYINT', values: [same('-128'), same('127')] },
  { col: { dataType: 'tinyint', unsigned: true }, type: 'UTINYINT', values: [same('255'), same('0')] },
  { col: { dataType: 'smallint' }, type: 'SMALLINT', values: [same('-32768'), same('32767')] },
  { col: { dataType: 'smallint', unsigned: true }, type: 'USMALLINT', values: [same('65535')] },
  { col: { dataType: 'mediumint' }, type: 'INTEGER', values: [same('-8388608'), same('8388607')] },
  { col: { dataType: 'mediumint', unsigned: true }, type: 'UINTEGER', values: [same('16777215')] },
  { col: { dataType: 'int' }, type: 'INTEGER', values: [same('-2147483648'), same('2147483647')] },
  { col: { dataType: 'int', unsigned: true }, type: 'UINTEGER', values: [same('4294967295')] },
  { col: { dataType: 'bigint' }, type: 'BIGINT', values: [same('-9223372036854775808'), same('9223372036854775807')] },
  { col: { dataType: 'bigint', unsigned: true }, type: 'UBIGINT', values: [same('18446744073709551615'), same('0')] },
  { col: { dataType: 'decimal', precision: 10, scale: 0 }, type: 'DECIMAL(10,0)', values: [same('-9999999999')] },
  { col: { dataType: 'decimal', precision: 12, scale: 2, unsigned: true }, type: 'DECIMAL(12,2)', values: [same('9999999999.99'), same('0.00')] },
  { col: { dataType: 'decimal', precision: 38, scale: 38 }, type: 'DECIMAL(38,38)', // DuckDB prints DECIMAL(38,38) without the leading zero
    values: [['0.' + '9'.repeat(38), '.' + '9'.repeat(38)], ['-0.' + '0'.repeat(37) + '1', '-.' + '0'.repeat(37) + '1']] },
  { col: { dataType: 'decimal', precision: 65, scale: 30 }, type: 'VARCHAR', note: true,
    values: [same('-' + '9'.repeat(35) + '.' + '9'.repeat(30)), same('0.' + '0'.repeat(29) + '1')] },
  { col: { dataType: 'decimal', precision: 65, scale: 0 }, type: 'VARCHAR', note: true, values: [same('9'.repeat(65))] },
  { col: { dataType: 'float' }, type: 'FLOAT',
    values: [num('3.4028235e+38', Math.fround), num('-1.1754944e-38', Math.fround), num('0.1', Math.fround), num('1e-45', Math.fround), num('-0', Math.fround)] },
  { col: { dataType: 'double' }, type: 'DOUBLE', values: [num('1.7976931348623157e+308'), num('-2.2250738585072014e-308'), num('5e-324'), num('0.1')] },
  { col: { dataType: 'bit', length: 64 }, type: 'UBIGINT', note: true,
    values: [same(mysqlBitToCanonical(Buffer.from('ffffffffffffffff', 'hex'))), same(mysqlBitToCanonical(Buffer.from([0x02, 0xaa])))] },
  { col: { dataType: 'bit', length: 1 }, type: 'UBIGINT', note: true, values: [same('0'), same('1')] },
  { col: { dataType: 'year' }, type: 'SMALLINT', note: true, values: [same('1901'), same('2155'), same('0')] },
  { col: { dataType: 'date' }, type: 'DATE', note: true,
    values: [same('1000-01-01'), same('9999-12-31'), same('2024-02-29'), ['0000-00-00', null], ['2024-00-15', null], ['2024-05-00', null]] },
  { col: { dataType: 'datetime', precision: 6 }, type: 'TIMESTAMP', note: true,
    values: [same('9999-12-31 23:59:59.999999'), same('1000-01-01 00:00:00'), same('2024-02-29 12:00:00.000001'),
      ['0000-00-00 00:00:00', null], ['0000-00-00 00:00:00.000000', null]] },
  { col: { dataType: 'timestamp', precision: 6 }, type: 'TIMESTAMPTZ', note: true,
    values: [same('2038-01-19 03:14:07.999999+00'), same('1970-01-01 00:00:01+00'), ['0000-00-00 00:00:00+00', null]] },
  { col: { dataType: 'time', precision: 6 }, type: 'INTERVAL', note: true,
    values: [time('-838:59:59.000000', -us(838, 59, 59)), time('838:59:59', us(838, 59, 59)), time('00:00:00', 0n),
      time('-00:00:00.500000', -500000n), time('25:00:00.000001', us(25, 0, 0, 1)), time('-12:34:56.789', -us(12, 34, 56, 789000))] },
  { col: { dataType: 'varchar', charset: 'latin1', length: 10 }, type: 'VARCHAR', values: [same('café €'), same('')] },
  { col: { dataType: 'varchar', charset: 'utf8mb4', length: 10 }, type: 'VARCHAR', values: [same('héllo ✓ 日本 😀'), same("a'b\"c\\d")] },
  { col: { dataType: 'char', charset: 'utf8mb4', length: 3 }, type: 'VARCHAR', values: [same('ab')] },
  { col: { dataType: 'longtext', charset: 'utf8mb4' }, type: 'VARCHAR', values: [same('x'.repeat(70000))] },
  { col: { dataType: 'varchar', charset: 'binary', length: 4 }, type: 'BLOB', values: [hex('00ff')] },
  { col: { dataType: 'enum', enumValues: ['a', 'b c'] }, type: 'VARCHAR', note: true, values: [same('b c'), same('')] },
  { col: { dataType: 'set', enumValues: ['a', 'b'] }, type: 'VARCHAR', note: true, values: [same('a,b'), same('')] },
  { col: { dataType: 'json' }, type: 'JSON', values: [same('{"k": [1, "x", null, 1.50]}'), same('"é😀"')] },
  { col: { dataType: 'blob' }, type: 'BLOB', values: [hex('00ff10'), hex('')] },
  { col: { dataType: 'binary', length: 4 }, type: 'BLOB', values: [hex('61000000')] },
  { col: { dataType: 'varbinary', length: 8 }, type: 'BLOB', values: [hex('deadbeef')] },
  { col: { dataType: 'uuid' }, type: 'UUID', values: [same('123e4567-e89b-12d3-a456-426614174000'), same('ffffffff-ffff-ffff-ffff-ffffffffffff')] },
  { col: { dataType: 'inet6' }, type: 'VARCHAR', note: true, values: [same('::ffff:1.2.3.4'), same('2001:db8::1')] },
  { col: { dataType: 'inet4' }, type: 'VARCHAR', note: true, values: [same('255.255.255.255')] },
  { col: { dataType: 'geometry' }, type: 'BLOB', note: true, values: [hex('000000000101000000000000000000f03f0000000000000040')] },
];

describe('MySQL/MariaDB type map: canonical text through a real DuckDB is the source value', () => {
  for (const c of cases) {
    const column = col(c.col);
    const label = `${column.dataType}${column.unsigned ? ' unsigned' : ''}${column.precision !== undefined ? `(${column.precision},${column.scale ?? ''})` : ''}${column.charset ? ` ${column.charset}` : ''}`;
    it(`${label} -> ${c.type}`, async () => {
      const m = mapMysqlColumn(column);
      assert.equal(m.targetType, c.type);
      if (c.note) assert.ok(m.note, 'a non-natural representation carries a note');
      assert.equal(m.warning, undefined);
      const got = await roundTrip(m, [...c.values.map((v) => v[0]), null]);
      assert.equal(got[c.values.length].text, null, 'NULL stays NULL');
      c.values.forEach(([staged, expect], i) => {
        if (typeof expect === 'function') expect(got[i]);
        else assert.equal(got[i].text, expect, `staged ${JSON.stringify(staged)?.slice(0, 80)}`);
      });
    });
  }

  it('a zero date in a key column fails the batch with the fix, never a NULL that could merge two keys', async () => {
    for (const [dataType, zero] of [['date', '0000-00-00'], ['datetime', '2024-05-00 10:00:00'], ['timestamp', '0000-00-00 00:00:00+00']]) {
      const m = mapMysqlColumn(col({ dataType }), true);
      await assert.rejects(roundTrip(m, [zero]), /zero date .* primary key column.*source\.zeroDates: text/);
    }
    const m = mapMysqlColumn(col({ dataType: 'date' }), true);
    assert.deepEqual((await roundTrip(m, ['2024-02-29', '1000-01-01'])).map((g) => g.text), ['2024-02-29', '1000-01-01']);
  });

  it('source.zeroDates: text keeps DATE, DATETIME and TIMESTAMP as the exact text, zero dates included', async () => {
    const texts: Record<string, string[]> = {
      date: ['0000-00-00', '2024-00-15', '2024-05-00', '2024-02-29'],
      datetime: ['0000-00-00 00:00:00.000000', '2024-05-00 23:59:59.5', '9999-12-31 23:59:59.999999'],
      timestamp: ['0000-00-00 00:00:00+00', '2038-01-19 03:14:07.999999+00'],
    };
    for (const [dataType, values] of Object.entries(texts)) {
      for (const inKey of [false, true]) {
        const m = mapMysqlColumn(col({ dataType, dateText: true }), inKey);
        assert.equal(m.targetType, 'VARCHAR');
        assert.ok(m.note);
        assert.deepEqual((await roundTrip(m, values)).map((g) => g.text), values);
      }
    }
  });

  it('an unknown type becomes VARCHAR with a warning', () => {
    const m = mapMysqlColumn(col({ dataType: 'weird' }));
    assert.equal(m.targetType, 'VARCHAR');
    assert.match(m.warning ?? '', /not known/);
  });
});
