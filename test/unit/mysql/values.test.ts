// One table of values: each source value as the snapshot path sees it (server text) and as the
// binlog path sees it (zongji's decoded value) must give the same canonical text.
import assert from 'node:assert/strict';
import { BinlogValueError, binlogTime, fromBinlogValue, fromSnapshotText, formatInet6, float32Text, rawGeometry, type ValueKind } from '../../../src/engine/source/mysql/values';

interface Case { kind: ValueKind; snapshot: string | null; binlog: unknown; canonical: string | null }

const cases: Case[] = [
  { kind: 'integer', snapshot: '18446744073709551615', binlog: '18446744073709551615', canonical: '18446744073709551615' },
  { kind: 'integer', snapshot: '-128', binlog: -128, canonical: '-128' },
  { kind: 'integer', snapshot: '-9223372036854775808', binlog: '-9223372036854775808', canonical: '-9223372036854775808' },
  { kind: 'decimal', snapshot: '-12345678901234567890123456789012345.123456789012345678901234567890',
    binlog: '-12345678901234567890123456789012345.123456789012345678901234567890',
    canonical: '-12345678901234567890123456789012345.123456789012345678901234567890' },
  { kind: 'decimal', snapshot: '12.50', binlog: '12.50', canonical: '12.50' },
  // FLOAT: the snapshot reads (col + 0E0), the binlog the float32 widened to double
  { kind: 'float', snapshot: '1.100000023841858', binlog: 1.100000023841858, canonical: '1.1' },
  { kind: 'float', snapshot: '3.4028234663852886e38', binlog: 3.4028234663852886e38, canonical: '3.4028235e+38' },
  { kind: 'double', snapshot: '0.1', binlog: 0.1, canonical: '0.1' },
  { kind: 'double', snapshot: '1.7976931348623157e308', binlog: 1.7976931348623157e308, canonical: '1.7976931348623157e+308' },
  { kind: 'bit', snapshot: '682', binlog: Buffer.from([0x02, 0xaa]), canonical: '682' },
  { kind: 'bit', snapshot: '18446744073709551615', binlog: Buffer.alloc(8, 0xff), canonical: '18446744073709551615' },
  { kind: 'year', snapshot: '2024', binlog: 2024, canonical: '2024' },
  { kind: 'year', snapshot: '0000', binlog: 1900, canonical: '0' },
  { kind: 'date', snapshot: '2024-02-29', binlog: '2024-02-29', canonical: '2024-02-29' },
  { kind: 'date', snapshot: '0000-00-00', binlog: '0000-00-00', canonical: '0000-00-00' }, // the type map decides: NULL, key error or text
  { kind: 'date', snapshot: '2024-05-00', binlog: '2024-05-00', canonical: '2024-05-00' },
  { kind: 'datetime', snapshot: '2024-00-10 00:00:00.000000', binlog: '2024-00-10 00:00:00.000000', canonical: '2024-00-10 00:00:00.000000' },
  { kind: 'datetime', snapshot: '2024-01-02 03:04:05.123456', binlog: '2024-01-02 03:04:05.123456', canonical: '2024-01-02 03:04:05.123456' },
  { kind: 'timestamp', snapshot: '2024-01-02 03:04:05.000001', binlog: '2024-01-02 03:04:05.000001', canonical: '2024-01-02 03:04:05.000001+00' },
  { kind: 'timestamp', snapshot: '0000-00-00 00:00:00', binlog: '0000-00-00 00:00:00', canonical: '0000-00-00 00:00:00+00' },
  { kind: 'time', snapshot: '-838:59:59.000000', binlog: '-838:59:59.000000', canonical: '-838:59:59.000000' },
  { kind: 'time', snapshot: '25:00:01', binlog: '25:00:01', canonical: '25:00:01' },
  { kind: 'text', snapshot: 'café €', binlog: 'café €', canonical: 'café €' },
  { kind: 'json', snapshot: '{"a": [1, 2.50]}', binlog: '{"a": [1, 2.50]}', canonical: '{"a": [1, 2.50]}' },
  { kind: 'binary', snapshot: '61620000', binlog: Buffer.from([0x61, 0x62, 0, 0]), canonical: '61620000' },
  { kind: 'binary', snapshot: '00FF10', binlog: Buffer.from([0, 0xff, 0x10]), canonical: '00ff10' },
  { kind: 'uuid', snapshot: '123E4567E89B12D3A456426655440000', binlog: Buffer.from('123e4567e89b12d3a456426655440000', 'hex'),
    canonical: '123e4567-e89b-12d3-a456-426655440000' },
  { kind: 'inet4', snapshot: 'C0A80001', binlog: Buffer.from([192, 168, 0, 1]), canonical: '192.168.0.1' },
  { kind: 'inet6', snapshot: '20010DB8000000000000000000000001', binlog: Buffer.from('20010db8000000000000000000000001', 'hex'), canonical: '2001:db8::1' },
  { kind: 'text', snapshot: null, binlog: null, canonical: null },
];

describe('mysql values: snapshot and binlog give the same canonical text', () => {
  for (const c of cases) {
    it(`${c.kind} ${String(c.snapshot)}`, () => {
      assert.equal(fromSnapshotText(c.kind, c.snapshot), c.canonical);
      assert.equal(fromBinlogValue(c.kind, c.binlog), c.canonical);
    });
  }

  it('repairs the carry of a negative TIME with a zero fraction that zongji decodes one unit short', () => {
    assert.equal(binlogTime('-01:00:64.000000'), '-01:01:00.000000');
    assert.equal(binlogTime('-00:63:64'), '-01:00:00');
    assert.equal(binlogTime('-99:63:64.000'), '-100:00:00.000');
    assert.equal(binlogTime('-838:59:59.000000'), '-838:59:59.000000');
    assert.equal(binlogTime('-00:00:00.000001'), '-00:00:00.000001');
    assert.equal(fromBinlogValue('time', '-01:00:64.000000'), '-01:01:00.000000');
  });

  it('refuses a value whose JavaScript shape its column type cannot have, instead of String()', () => {
    // zongji's parsed geometry objects: never "[object Object]" in the target
    assert.throws(() => fromBinlogValue('binary', { x: 1, y: 2 }), BinlogValueError);
    assert.throws(() => fromBinlogValue('binary', [[{ x: 0, y: 0 }]]), /binary column arrived as an array/);
    assert.throws(() => fromBinlogValue('text', { a: 1 }), BinlogValueError);
    assert.throws(() => fromBinlogValue('integer', 1.5), BinlogValueError);
    assert.throws(() => fromBinlogValue('date', new Date(0)), BinlogValueError);
    assert.throws(() => fromBinlogValue('json', { a: 1 }), BinlogValueError);
  });

  it('reads spatial columns of a TableMap as bytes (SRID + WKB), leaving other columns alone', () => {
    const table = { columns: [{ type: 255, charset: 'binary' }, { type: 3, charset: null }, { type: 252, charset: 'utf8mb4' }] };
    rawGeometry(table);
    assert.deepEqual(table.columns, [{ type: 252, charset: null }, { type: 3, charset: null }, { type: 252, charset: 'utf8mb4' }]);
    rawGeometry(undefined);
  });

  it('prints INET6 as MariaDB does (inet_ntop rules)', () => {
    const server: Record<string, string> = {
      '00000000000000000000FFFF01020304': '::ffff:1.2.3.4',
      '00000000000000000000000001020304': '::1.2.3.4',
      '00000000000000000000000000000001': '::1',
      '00010000000000000000000000000000': '1::',
      '20010DB8000000000001000000000001': '2001:db8::1:0:0:1',
      '00000000000000000000000000000000': '::',
      'FE800000000000010000000000000005': 'fe80:0:0:1::5',
    };
    for (const [hex, text] of Object.entries(server)) assert.equal(formatInet6(Buffer.from(hex, 'hex')), text);
  });

  it('FLOAT text reads back to the same float32', () => {
    for (const v of [0.1, 1e-45, 16777217, -3.3, 123456.789]) {
      const f = Math.fround(v);
      assert.equal(Math.fround(Number(float32Text(f))), f);
    }
  });
});
