// The decoderbufs decoder: protobuf RowMessages -> pgoutput messages with PostgreSQL's text values.
// The end-to-end proof against a real server is test/integration/postgres/decoderbufs.test.ts.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DecoderbufsTranslator, Op, datumText, encodeRowMessage, pgFloat, splitQuotedName, typmodOf,
} from '../../../src/engine/source/postgres/decoderbufs';

const row = (msg: Record<string, unknown>) => Buffer.from(encodeRowMessage(msg));

describe('decoderbufs decoder', () => {
  it('a transaction: BEGIN, an insert (with a Relation first), COMMIT at its envelope LSN', () => {
    const tr = new DecoderbufsTranslator();
    const begin = tr.translate(100n, row({ op: Op.BEGIN, transactionId: 7, commitTime: '1700000000123456' }));
    assert.deepEqual(begin, [{ tag: 'begin', finalLsn: 0n, commitTime: 1700000000123, xid: 7 }]);
    const ins = tr.translate(120n, row({
      op: Op.INSERT, table: '"My Schema"."odd.Name"', transactionId: 7,
      newTuple: [
        { columnName: 'id', columnType: 23, int32: 5 },
        { columnName: '"Note"', columnType: 25, string: 'x' },
        { columnName: 'gone', columnType: 25 },
        { columnName: 'big', columnType: 20, int64: '-9223372036854775808' },
      ],
      newTypeinfo: [{ modifier: 'integer', valueOptional: false }, { modifier: 'text', valueOptional: true },
        { modifier: 'text', valueOptional: true }, { modifier: 'bigint', valueOptional: true }],
    }));
    assert.equal(ins.length, 2);
    assert.deepEqual(ins[0], { tag: 'relation', relationId: 1, schema: 'My Schema', name: 'odd.Name', replicaIdentity: 'd', columns: [
      { name: 'id', isKey: false, typeOid: 23, typeMod: -1 }, { name: 'Note', isKey: false, typeOid: 25, typeMod: -1 },
      { name: 'gone', isKey: false, typeOid: 25, typeMod: -1 }, { name: 'big', isKey: false, typeOid: 20, typeMod: -1 }] });
    assert.deepEqual(ins[1], { tag: 'insert', relationId: 1, newTuple: ['5', 'x', null, '-9223372036854775808'] });
    // the same shape again: no second Relation message
    const again = tr.translate(130n, row({ op: Op.DELETE, table: '"My Schema"."odd.Name"', oldTuple: [
      { columnName: 'id', columnType: 23, int32: 5 }, { columnName: '"Note"', columnType: 25 }, { columnName: 'gone', columnType: 25 }, { columnName: 'big', columnType: 20 }] }));
    assert.deepEqual(again, [{ tag: 'delete', relationId: 1, oldKind: 'K', oldTuple: ['5', null, null, null] }]);
    assert.deepEqual(tr.translate(200n, row({ op: Op.COMMIT, commitTime: '1700000000123456' })),
      [{ tag: 'commit', flags: 0, commitLsn: 200n, endLsn: 200n, commitTime: 1700000000123 }]);
  });

  it('a changed column set or type modifier announces the table again; row-less updates of keyless tables are dropped', () => {
    const tr = new DecoderbufsTranslator();
    const ins = (cols: [string, number, string][]) => tr.translate(1n, row({ op: Op.INSERT, table: 'public.t',
      newTuple: cols.map(([n, oid]) => ({ columnName: n, columnType: oid, int32: 1 })), newTypeinfo: cols.map(([, , m]) => ({ modifier: m, valueOptional: true })) }));
    assert.equal(ins([['a', 1700, 'numeric(8,2)']]).length, 2);
    assert.equal(ins([['a', 1700, 'numeric(8,2)']]).length, 1);
    const retyped = ins([['a', 1700, 'numeric(12,4)']]);
    assert.equal(retyped[0].tag, 'relation');
    assert.equal(ins([['a', 1700, 'numeric(12,4)'], ['b', 23, 'integer']])[0].tag, 'relation');
    assert.deepEqual(tr.translate(1n, row({ op: Op.UPDATE, table: 'public.t' })), []);
    assert.deepEqual(tr.translate(1n, row({ op: Op.DELETE, table: 'public.t' })), []);
  });

  it('an unchanged TOAST value is undefined, as pgoutput\'s "u"', () => {
    assert.equal(datumText({ datum: 'missing', missing: true }), undefined);
    assert.equal(datumText({}), null);
  });

  it('typed datums become PostgreSQL text: bytea, money, dates with BC and infinity, times, timetz at +00', () => {
    const L = (v: string) => ({ toString: () => v }) as never;
    assert.equal(datumText({ columnType: L('17'), datum: 'bytes', bytes: Buffer.from([0, 255]) }), '\\x00ff');
    assert.equal(datumText({ columnType: L('3614'), datum: 'bytes', bytes: Buffer.from("'a':1", 'utf8') }), "'a':1");
    assert.equal(datumText({ columnType: L('790'), datum: 'int64', int64: L('-5') }), '-0.05');
    assert.equal(datumText({ columnType: L('1082'), datum: 'int32', int32: 0 }), '1970-01-01');
    assert.equal(datumText({ columnType: L('1082'), datum: 'int32', int32: -2440588 }), '4714-11-24 BC'); // julian day 0
    assert.equal(datumText({ columnType: L('1082'), datum: 'int32', int32: 2147483647 + 10957 - 4294967296 }), 'infinity');
    assert.equal(datumText({ columnType: L('1082'), datum: 'int32', int32: -2147483648 + 10957 }), '-infinity');
    assert.equal(datumText({ columnType: L('1114'), datum: 'int64', int64: L('-1') }), '1969-12-31 23:59:59.999999');
    assert.equal(datumText({ columnType: L('1184'), datum: 'int64', int64: L('-62167219200000000') }), '0001-01-01 00:00:00+00 BC');
    assert.equal(datumText({ columnType: L('1114'), datum: 'int64', int64: L('9223372036854775807') }), 'infinity');
    assert.equal(datumText({ columnType: L('1083'), datum: 'int64', int64: L('86400000000') }), '24:00:00');
    assert.equal(datumText({ columnType: L('1266'), datum: 'double', double: 23 * 3600e6 + 5 * 3600e6 }), '04:00:00+00');
    assert.equal(datumText({ columnType: L('600'), datum: 'point', point: { x: 1.5, y: -2e-5 } }), '(1.5,-2e-05)');
    assert.equal(datumText({ columnType: L('16'), datum: 'bool', bool: false }), 'f');
  });

  it('floats print as PostgreSQL prints them (shortest round trip, its exponent layout)', () => {
    const cases: [number, boolean, string][] = [
      [0.1, false, '0.1'], [1e-5, false, '1e-05'], [1e15, false, '1e+15'], [123456789012345.6, false, '123456789012345.6'],
      [1e-310, false, '1e-310'], [-2.5e-300, false, '-2.5e-300'], [0.0001, false, '0.0001'], [100, false, '100'],
      [Math.fround(3.4028235e38), true, '3.4028235e+38'], [Math.fround(0.1), true, '0.1'], [Math.fround(123456), true, '123456'],
      [Math.fround(1234567), true, '1.234567e+06'], [Math.fround(1e-5), true, '1e-05'], [-0, true, '-0'], [NaN, false, 'NaN'], [-Infinity, true, '-Infinity'],
    ];
    for (const [v, single, text] of cases) assert.equal(pgFloat(v, single), text, `${v}`);
    // any double reads back to itself
    fc.assert(fc.property(fc.double({ noNaN: true }), (v) => Object.is(Number(pgFloat(v, false).replace('Infinity', 'Infinity')), v)));
    fc.assert(fc.property(fc.float({ noNaN: true }), (v) => Object.is(Math.fround(Number(pgFloat(v, true))), v)));
  });

  it('type modifiers as the catalog stores them', () => {
    assert.equal(typmodOf('integer'), -1);
    assert.equal(typmodOf('character varying(20)'), 24);
    assert.equal(typmodOf('character(3)[]'), 7);
    assert.equal(typmodOf('numeric(10,2)'), (10 << 16 | 2) + 4);
    assert.equal(typmodOf('timestamp(3) with time zone'), 3);
    assert.equal(typmodOf('bit(4)'), 4);
    assert.equal(typmodOf('interval'), -1);
    assert.equal(typmodOf('interval(3)'), (0x7fff << 16) | 3);
    assert.equal(typmodOf('interval day to second(2)'), ((1 << 3 | 1 << 10 | 1 << 11 | 1 << 12) << 16) | 2);
    assert.equal(typmodOf('interval year to month'), ((1 << 2 | 1 << 1) << 16) | 0xffff);
  });

  it('quoted qualified names split like PostgreSQL quotes them', () => {
    assert.deepEqual(splitQuotedName('public.t'), ['public', 't']);
    assert.deepEqual(splitQuotedName('"a.b"."c""d"'), ['a.b', 'c"d']);
    assert.deepEqual(splitQuotedName('"Note"'), ['Note']);
  });
});
