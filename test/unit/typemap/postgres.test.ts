// Every PostgreSQL type: the canonical text of tricky values goes through a real DuckDB via the
// mapping's fromText into a column of the mapped type, and what DuckDB stored is the source value.
import assert from 'node:assert/strict';
import type { SourceColumn } from '../../../src/engine/source/types';
import { mapPostgresColumn } from '../../../src/engine/typemap/postgres';
import { pgArrayToCanonical, pgByteaToCanonical, pgIntervalToCanonical } from '../../../src/engine/typemap/canonical';
import { roundTrip } from './duck';

type Expect = string | null | ((got: { text: string | null; js: unknown; hex?: string | null }) => void);
interface Case { col: Partial<SourceColumn> & { dataType: string }; type: string; values: [string | null, Expect][]; note?: boolean }

const col = (c: Case['col']): SourceColumn => ({ name: 'c', ordinal: 1, nullable: true, fullType: c.dataType, ...c });
const same = (s: string): [string, string] => [s, s];
const double = (s: string): [string, Expect] => [s, (g) => assert.ok(Object.is(g.js, Number(s)) || (Number.isNaN(Number(s)) && Number.isNaN(g.js as number)), `${s} -> ${String(g.js)}`)];
const float = (s: string): [string, Expect] => [s, (g) => assert.ok(Object.is(g.js, Math.fround(Number(s))) || (Number.isNaN(Number(s)) && Number.isNaN(g.js as number)), `${s} -> ${String(g.js)}`)];
const hex = (s: string): [string, Expect] => [s, (g) => assert.equal(g.hex, s)];
const interval = (pg: string, months: number, days: number, micros: bigint): [string, Expect] =>
  [pgIntervalToCanonical(pg), (g) => assert.deepEqual(g.js, { months, days, micros }, pg)];
const js = (staged: string, value: unknown): [string, Expect] => [staged, (g) => assert.deepEqual(g.js, value)];
const digits1000 = '9'.repeat(600) + '.' + '1'.repeat(400);

const cases: Case[] = [
  { col: { dataType: 'int2' }, type: 'SMALLINT', values: [same('-32768'), same('32767'), same('0'), [null, null]] },
  { col: { dataType: 'int4' }, type: 'INTEGER', values: [same('-2147483648'), same('2147483647')] },
  { col: { dataType: 'int8' }, type: 'BIGINT', values: [same('-9223372036854775808'), same('9223372036854775807')] },
  { col: { dataType: 'oid' }, type: 'UINTEGER', values: [same('4294967295'), same('0')] },
  { col: { dataType: 'numeric', precision: 12, scale: 2 }, type: 'DECIMAL(12,2)',
    values: [same('-12.50'), same('9999999999.99'), same('-9999999999.99'), same('0.00'), ['NaN', null]] },
  { col: { dataType: 'numeric', precision: 38, scale: 10 }, type: 'DECIMAL(38,10)',
    values: [same('9999999999999999999999999999.9999999999'), same('-0.0000000001')] },
  { col: { dataType: 'numeric', precision: 38, scale: 0 }, type: 'DECIMAL(38,0)', values: [same('-' + '9'.repeat(38))] },
  { col: { dataType: 'numeric' }, type: 'VARCHAR', note: true,
    values: [same(digits1000), same('-' + digits1000), same('NaN'), same('Infinity'), same('-Infinity'),
      same('0.000000000000000000000000000000000000000000000001'), same('123.4500')] },
  { col: { dataType: 'numeric', precision: 50, scale: 5 }, type: 'VARCHAR', note: true, values: [same('-' + '9'.repeat(45) + '.99999')] },
  { col: { dataType: 'numeric', precision: 5, scale: -2 }, type: 'DECIMAL(7,0)', values: [same('9999900'), same('-100')] },
  { col: { dataType: 'numeric', precision: 3, scale: 5 }, type: 'DECIMAL(5,5)', values: [['0.00999', '.00999'], ['-0.00001', '-.00001']] }, // DuckDB prints no leading zero here
  { col: { dataType: 'money' }, type: 'DECIMAL(19,2)', values: [same('-92233720368547758.08'), same('92233720368547758.07'), same('0.01')] },
  { col: { dataType: 'float4' }, type: 'FLOAT',
    values: [float('3.4028235e+38'), float('-3.4028235e+38'), float('1e-45'), float('1.1754944e-38'), float('0.1'), float('-0'),
      float('NaN'), float('Infinity'), float('-Infinity')] },
  { col: { dataType: 'float8' }, type: 'DOUBLE',
    values: [double('1.7976931348623157e+308'), double('5e-324'), double('0.1'), double('-0'), double('3.141592653589793'),
      double('NaN'), double('Infinity'), double('-Infinity')] },
  { col: { dataType: 'bool' }, type: 'BOOLEAN', values: [same('true'), same('false')] },
  { col: { dataType: 'bpchar', length: 5 }, type: 'VARCHAR', values: [same('ab   '), same('     ')] },
  { col: { dataType: 'varchar', length: 20 }, type: 'VARCHAR',
    values: [same('héllo ✓ 日本 😀'), same(''), same(`quote ' "dq" back\\slash\nnew\tline`), same('NULL')] },
  { col: { dataType: 'text' }, type: 'VARCHAR', values: [same('x'.repeat(100000)), same('\u00e9\u0301 \u200b zero-width')] },
  { col: { dataType: 'name' }, type: 'VARCHAR', values: [same('a'.repeat(63))] },
  { col: { dataType: 'citext' }, type: 'VARCHAR', values: [same('MiXeD')] },
  { col: { dataType: 'bytea' }, type: 'BLOB', values: [hex(''), hex('00ff10'), hex(pgByteaToCanonical('\\x00010203fffe'))] },
  { col: { dataType: 'bit', length: 5 }, type: 'BIT', values: [same('10101'), same('00000')] },
  { col: { dataType: 'bit', length: 1 }, type: 'BIT', values: [same('0'), same('1')] },
  { col: { dataType: 'varbit' }, type: 'VARCHAR', note: true, values: [same(''), same('0'.repeat(3) + '1'.repeat(70))] },
  { col: { dataType: 'date' }, type: 'DATE',
    values: [same('2024-02-29'), same('infinity'), same('-infinity'), ['0044-03-15 BC', '0044-03-15 (BC)'],
      ['4713-11-24 BC', '4713-11-24 (BC)'], same('5874897-12-31'), same('0001-01-01'), same('1970-01-01')] },
  { col: { dataType: 'timestamp', precision: 6 }, type: 'TIMESTAMP',
    values: [same('2024-02-29 23:59:59.999999'), same('1970-01-01 00:00:00'), same('infinity'), same('-infinity'),
      ['1999-01-08 04:05:06.000001 BC', '1999-01-08 (BC) 04:05:06.000001'], same('4713-01-01 00:00:00'),
      same('1969-12-31 23:59:59.999999'), same('294246-12-31 23:59:59.999999')] },
  { col: { dataType: 'timestamptz', precision: 6 }, type: 'TIMESTAMPTZ',
    values: [same('2024-02-29 23:59:59.123456+00'), same('infinity'), same('-infinity'),
      ['0044-03-15 12:00:00.5+00 BC', '0044-03-15 (BC) 12:00:00.5+00'], same('1970-01-01 00:00:00+00')] },
  { col: { dataType: 'time', precision: 6 }, type: 'TIME',
    values: [same('00:00:00'), same('23:59:59.999999'), same('24:00:00'), same('12:00:00.000001')] },
  { col: { dataType: 'timetz' }, type: 'TIMETZ',
    values: [same('12:34:56.789+05:30'), same('00:00:00-15:59'), same('23:59:59.999999+15:59'), same('04:05:06+05:45:12')] },
  { col: { dataType: 'interval' }, type: 'INTERVAL',
    values: [
      interval('1 year 2 mons 3 days 04:05:06.789', 14, 3, 14706789000n),
      interval('-1 years -2 mons +3 days -04:05:06.789', -14, 3, -14706789000n),
      interval('178000000 years', 2136000000, 0, 0n),
      interval('-00:00:00.000001', 0, 0, -1n),
      interval('00:00:00', 0, 0, 0n),
      interval('1 day -25:00:00', 0, 1, -90000000000n),
      interval('2562047788:00:54.775807', 0, 0, 9223372036854775807n),
      interval('-2147483648 days', 0, -2147483648, 0n),
      interval('1 mon 30 days', 1, 30, 0n),
    ] },
  { col: { dataType: 'uuid' }, type: 'UUID',
    values: [same('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), same('00000000-0000-0000-0000-000000000000'), same('ffffffff-ffff-ffff-ffff-ffffffffffff')] },
  { col: { dataType: 'json' }, type: 'JSON',
    values: [same('{"a": [1, 2.50, "x\\u0000"],   "a": null}'), same('[1e400, 12345678901234567890123456789]'), same('"😀 é"'), same('null')] },
  { col: { dataType: 'jsonb' }, type: 'JSON', values: [same('{"b": {"c": [true, false, null]}, "é": "日本"}'), same('[]')] },
  { col: { dataType: 'inet' }, type: 'VARCHAR', note: true, values: [same('192.168.0.1/24'), same('::1'), same('2001:db8::ff00:42:8329')] },
  { col: { dataType: 'cidr' }, type: 'VARCHAR', note: true, values: [same('10.0.0.0/8')] },
  { col: { dataType: 'macaddr' }, type: 'VARCHAR', note: true, values: [same('08:00:2b:01:02:03')] },
  { col: { dataType: 'xml' }, type: 'VARCHAR', note: true, values: [same('<a b="1">ü</a>')] },
  { col: { dataType: 'tsvector' }, type: 'VARCHAR', note: true, values: [same("'a':1 'fat':2")] },
  { col: { dataType: 'point' }, type: 'VARCHAR', note: true, values: [same('(1.5,-2)')] },
  { col: { dataType: 'mood', enumValues: ['sad', 'ok', 'happy face'] }, type: 'VARCHAR', note: true, values: [same('happy face')] },
  // a domain over numeric(10,2): metadata hands the base type
  { col: { dataType: 'numeric', precision: 10, scale: 2, domain: 'price' } as Case['col'], type: 'DECIMAL(10,2)', values: [same('-99999999.99')] },
  // arrays: canonical text is a JSON array of element texts
  { col: { dataType: 'int4[]', fullType: 'integer[]', isArray: true, elementType: 'int4' }, type: 'INTEGER[]',
    values: [js(pgArrayToCanonical('{}'), []), js(pgArrayToCanonical('{1,NULL,-2147483648}'), [1, null, -2147483648]), [null, null]] },
  { col: { dataType: 'text[]', fullType: 'text[]', isArray: true, elementType: 'text' }, type: 'VARCHAR[]',
    values: [js(pgArrayToCanonical('{"a,b","c\\"d",NULL,"NULL","","é 😀","back\\\\slash",plain}'),
      ['a,b', 'c"d', null, 'NULL', '', 'é 😀', 'back\\slash', 'plain'])] },
  { col: { dataType: 'numeric[]', fullType: 'numeric(10,2)[]', isArray: true, elementType: 'numeric', precision: 10, scale: 2 },
    type: 'DECIMAL(10,2)[]', values: [[pgArrayToCanonical('{1.50,-99999999.99,NULL}'), '[1.50, -99999999.99, NULL]']] },
  { col: { dataType: 'numeric[]', fullType: 'numeric[]', isArray: true, elementType: 'numeric' }, type: 'VARCHAR[]',
    values: [js(pgArrayToCanonical(`{NaN,Infinity,${digits1000}}`), ['NaN', 'Infinity', digits1000])] },
  { col: { dataType: 'float8[]', fullType: 'double precision[]', isArray: true, elementType: 'float8' }, type: 'DOUBLE[]',
    values: [[pgArrayToCanonical('{NaN,Infinity,-Infinity,5e-324}'), '[nan, inf, -inf, 5e-324]']] },
  { col: { dataType: 'bool[]', fullType: 'boolean[]', isArray: true, elementType: 'bool' }, type: 'BOOLEAN[]',
    values: [js(pgArrayToCanonical('{t,f,NULL}', (s) => (s === 't' ? 'true' : s === 'f' ? 'false' : s)), [true, false, null])] },
  { col: { dataType: 'bytea[]', fullType: 'bytea[]', isArray: true, elementType: 'bytea' }, type: 'BLOB[]',
    values: [[pgArrayToCanonical('{"\\\\x00ff",NULL,"\\\\x"}', pgByteaToCanonical), "[\\x00\\xFF, NULL, '']"]] },
  { col: { dataType: 'date[]', fullType: 'date[]', isArray: true, elementType: 'date' }, type: 'DATE[]',
    values: [[pgArrayToCanonical('{infinity,"0044-03-15 BC",2024-02-29}'), "[infinity, '0044-03-15 (BC)', 2024-02-29]"]] },
  { col: { dataType: 'timestamptz[]', fullType: 'timestamp with time zone[]', isArray: true, elementType: 'timestamptz' }, type: 'TIMESTAMPTZ[]',
    values: [js(pgArrayToCanonical('{"2024-02-29 23:59:59.999999+00",-infinity}'), ['2024-02-29 23:59:59.999999+00', '-infinity'])] },
  { col: { dataType: 'int4[]', fullType: 'integer[][]', isArray: true, elementType: 'int4' }, type: 'INTEGER[][]',
    values: [js(pgArrayToCanonical('{{1,2},{3,NULL}}'), [[1, 2], [3, null]]), js(pgArrayToCanonical('{}'), [])] },
  { col: { dataType: 'interval[]', fullType: 'interval[]', isArray: true, elementType: 'interval' }, type: 'INTERVAL[]',
    values: [js(pgArrayToCanonical('{"-1 years -2 mons +3 days -04:05:06.789",NULL}', pgIntervalToCanonical),
      [{ months: -14, days: 3, micros: -14706789000n }, null])] },
  { col: { dataType: 'uuid[]', fullType: 'uuid[]', isArray: true, elementType: 'uuid' }, type: 'UUID[]',
    values: [[pgArrayToCanonical('{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'), '[a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11]']] },
  { col: { dataType: 'jsonb[]', fullType: 'jsonb[]', isArray: true, elementType: 'jsonb' }, type: 'JSON[]',
    values: [js(pgArrayToCanonical('{"{\\"a\\": [1, \\"x,y\\"]}",NULL}'), ['{"a": [1, "x,y"]}', null])] },
  { col: { dataType: 'mood[]', fullType: 'mood[]', isArray: true, elementType: 'mood', enumValues: ['a b', 'c'] }, type: 'VARCHAR[]',
    values: [js(pgArrayToCanonical('{"a b",c}'), ['a b', 'c'])] },
];

describe('PostgreSQL type map: canonical text through a real DuckDB is the source value', () => {
  for (const c of cases) {
    const column = col(c.col);
    it(`${column.fullType}${column.precision !== undefined ? `(${column.precision},${column.scale ?? ''})` : ''} -> ${c.type}`, async () => {
      const m = mapPostgresColumn(column);
      assert.equal(m.targetType, c.type);
      if (c.note) assert.ok(m.note, 'a non-natural representation carries a note');
      assert.equal(m.warning, undefined);
      const got = await roundTrip(m, c.values.map((v) => v[0]));
      c.values.forEach(([staged, expect], i) => {
        if (typeof expect === 'function') expect(got[i]);
        else assert.equal(got[i].text, expect, `staged ${JSON.stringify(staged)?.slice(0, 80)}`);
      });
    });
  }

  // PostgreSQL's own arrtest: declared dimensions and lower bounds are not enforced by PostgreSQL
  const shapes: [string, string, string][] = [
    ['integer[]', '[0:1]={1,2}', 'a lower bound of 0'],
    ['integer[]', '{{1,2},{3,4}}', 'two dimensions in a one-dimensional column'],
    ['integer[][][]', '{3,4}', 'one dimension in a three-dimensional column'],
    ['integer[][]', '{{{0,0},{1,2}}}', 'three dimensions in a two-dimensional column'],
    ['text[]', '{{elt1,elt2}}', 'a nested text array (would land as the text of the inner array)'],
    ['integer[][]', '[2:2][1:2]={{1,2}}', 'bounds on a rectangular array of the right dimensions'],
  ];
  for (const [fullType, text, what] of shapes) {
    it(`a LIST column refuses ${what} (${fullType} ← ${text}): the batch fails, nothing lands changed`, async () => {
      const m = mapPostgresColumn(col({ dataType: 'int4[]', fullType, isArray: true, elementType: fullType.startsWith('text') ? 'text' : 'int4' }));
      await assert.rejects(roundTrip(m, [pgArrayToCanonical(text)]), /does not fit a \d-dimensional list starting at 1.*source\.arrays: text/);
    });
  }

  it('LIST columns take 1-based values of the declared dimensions, empty and NULL-filled ones included', async () => {
    const m = mapPostgresColumn(col({ dataType: 'int4[]', fullType: 'integer[][][]', isArray: true, elementType: 'int4' }));
    assert.equal(m.targetType, 'INTEGER[][][]');
    const got = await roundTrip(m, ['{{{0,0},{1,2}}}', '{}', '{{{NULL}}}'].map((t) => pgArrayToCanonical(t)));
    assert.deepEqual(got.map((g) => g.text), ['[[[0, 0], [1, 2]]]', '[]', '[[[NULL]]]']);
  });

  it('source.arrays: text keeps every array as PostgreSQL\'s exact text', async () => {
    const m = mapPostgresColumn(col({ dataType: 'int4[]', fullType: 'integer[][][]', isArray: true, elementType: 'int4', arrayText: true }));
    assert.equal(m.targetType, 'VARCHAR');
    assert.ok(m.note);
    const texts = ['[0:1]={1.1,2.2}', '{{{0,0},{1,2}}}', '{3,4}', '{}', '{"a,b","c\\"d",NULL,"NULL"}'];
    assert.deepEqual((await roundTrip(m, texts)).map((g) => g.text), texts);
  });

  it('an unknown type becomes VARCHAR with a warning, never silently', () => {
    const m = mapPostgresColumn(col({ dataType: 'hstore' }));
    assert.equal(m.targetType, 'VARCHAR');
    assert.match(m.warning ?? '', /not known/);
  });

  it('reads SQL-standard spellings as well as internal names', () => {
    assert.equal(mapPostgresColumn(col({ dataType: 'double precision' })).targetType, 'DOUBLE');
    assert.equal(mapPostgresColumn(col({ dataType: 'timestamp with time zone' })).targetType, 'TIMESTAMPTZ');
    assert.equal(mapPostgresColumn(col({ dataType: 'character varying' })).targetType, 'VARCHAR');
  });
});

describe('PostgreSQL canonical text helpers', () => {
  it('parses array text with quotes, escapes, NULL, nesting and explicit bounds', () => {
    assert.equal(pgArrayToCanonical('{}'), '[]');
    assert.equal(pgArrayToCanonical('{"a\\\\b","x y",NULL,"NULL"}'), '["a\\\\b","x y",null,"NULL"]');
    assert.equal(pgArrayToCanonical('[0:1]={7,8}'), '[0:1]=["7","8"]', 'explicit bounds are kept, never dropped');
    assert.equal(pgArrayToCanonical('[-2:-1][1:1]={{7},{8}}'), '[-2:-1][1:1]=[["7"],["8"]]');
    assert.equal(pgArrayToCanonical('{{"(1,2),(3,4)"};{"(0,0),(1,1)"}}'.replace('};{', '},{')), '[["(1,2),(3,4)"],["(0,0),(1,1)"]]');
    assert.equal(pgArrayToCanonical('{(1,2),(0,0);(3,3),(2,2)}', (s) => s, ';'), '["(1,2),(0,0)","(3,3),(2,2)"]');
  });
  it('turns postgres-style interval text into exact months, days, microseconds', () => {
    assert.equal(pgIntervalToCanonical('3 days'), '0 months 3 days 0 microseconds');
    assert.equal(pgIntervalToCanonical('-00:00:01.5'), '0 months 0 days -1500000 microseconds');
  });
});
