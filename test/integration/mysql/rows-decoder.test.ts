// LakeSync's own ROWS event decoder (src/engine/source/mysql/rowsdecode.ts) against a real
// MariaDB: a table of only the column types it decodes (so it, not zongji, reads its rows) must
// stream inserts, updates (before and after images) and deletes equal to the snapshot's rows, under
// binlog_row_metadata FULL, MINIMAL and NO_LOG; and under binlog_row_image=MINIMAL and NOBLOB, with
// key changes and a keyless table's duplicate rows, it must give exactly what zongji's decoder gives
// (LAKESYNC_MYSQL_ROWS_DECODER=zongji). An ENUM's invalid value (stored as index 0 under a non-strict
// sql_mode) reads '' as in the snapshot.
import assert from 'node:assert/strict';
import { sharedMariadb, type ServerHandle } from '../../harness';
import { createMysqlSource } from '../../../src/engine/source/mysql';
import { rowsDecoderStats } from '../../../src/engine/source/mysql/rowsdecode';
import type { SourceAdapter } from '../../../src/engine/source/adapter';
import type { Row, RowChange } from '../../../src/engine/pipeline/events';
import type { SourceTable } from '../../../src/engine/source/types';
import { collect, planFor, rowChanges } from './helpers';

const DDL = (t: string) => `CREATE TABLE ${t} (
  id INT PRIMARY KEY, ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
  i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, flag BOOLEAN, f FLOAT, dbl DOUBLE,
  d DECIMAL(65,30), du DECIMAL(10,2) UNSIGNED, d5 DECIMAL(5,5), d18 DECIMAL(18,0), d20 DECIMAL(20,3),
  y YEAR, b1 BIT(1), b10 BIT(10), b64 BIT(64), dt DATE, dtm0 DATETIME, dtm3 DATETIME(3), dtm6 DATETIME(6),
  ts0 TIMESTAMP NULL DEFAULT NULL, ts6 TIMESTAMP(6) NULL DEFAULT NULL,
  v VARCHAR(20) CHARACTER SET utf8mb4, v300 VARCHAR(300) CHARACTER SET utf8mb4, ch CHAR(5) CHARACTER SET utf8mb4,
  tx TEXT CHARACTER SET utf8mb4, mt MEDIUMTEXT CHARACTER SET utf8mb3, bl BLOB, lb LONGBLOB, vb VARBINARY(10), j JSON, g POINT,
  e ENUM('x', 'y', 'z w', 'é') CHARACTER SET utf8mb4, st SET('a', 'b', 'c', 'd é') CHARACTER SET utf8mb4, tm0 TIME, tm3 TIME(3), tm6 TIME(6)
)`;

const ROWS = [
  `(1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615, TRUE,
    1.1, 0.1, '-12345678901234567890123456789012345.123456789012345678901234567890', 12.5, 0.12345, 999999999999999999,
    -12345678901234567.891, 2024, b'1', b'1010101010', b'1111111111111111111111111111111111111111111111111111111111111111',
    '2024-02-29', '0000-00-00 00:00:00', '2024-01-02 03:04:05.123', '2024-01-02 03:04:05.123456', '1970-01-01 00:00:01',
    '2038-01-19 03:14:07.999999', 'héllo ✓ 日本 😀', REPEAT('ä', 300), 'ab', 'Grüße 😀', 'mt', X'00FF10', X'', X'00',
    '{"a": [1, 2.50, "x"], "big": 12345678901234567890}', ST_GeomFromText('POINT(1.5 -2.25)', 4326),
    'é', 'a,d é', '-838:59:59', '-00:00:00.001', '838:59:59.999999')`,
  `(2, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 0, FALSE, 3.4028234663852886e38, 1.7976931348623157e308,
    '0.000000000000000000000000000001', 0, -0.00001, -999999999999999999, 0, 0, b'0', b'0', b'0', '0000-00-00',
    '2024-00-10 00:00:00', '1000-01-01 00:00:00.000', '9999-12-31 23:59:59.999999', '2001-09-09 01:46:40', '1970-01-01 00:00:01.000001',
    '', '', '', '', '', X'', X'', X'', '[]', ST_GeomFromText('POINT(0 0)'), 'not a label', '', '-01:00:00', '-00:59:59.999', '-12:34:56.000001')`,
  `(3, ${Array(43).fill('NULL').join(', ')})`,
];

/** 200 more rows with values of every size, built by the server. */
const GENERATED = (t: string) => `INSERT INTO ${t} SELECT seq, seq % 256 - 128, seq % 256, seq * 97 % 65536 - 32768, seq * 97 % 65536,
  seq * 7919 % 16777216 - 8388608, seq * 7919 % 16777216, seq * 104729 * (seq % 2 * 2 - 1), seq * 104729 % 4294967296,
  (seq * 1000000007 * 1000003) * (seq % 2 * 2 - 1), seq * 1000000007 * 1000003 * 40, seq % 2, seq / 7e0, seq / 7e0 * 1e10 * (seq % 3 - 1),
  (seq * 1000000007.123456789) * (seq % 2 * 2 - 1), seq * 12.34, (seq % 100) / 100000, seq * 1000000007, seq * 10000000.001 * (seq % 2 * 2 - 1),
  1901 + seq % 254, seq % 2, seq % 1024, seq * 1000000007 * 1000003, '2024-01-01' + INTERVAL seq DAY,
  TIMESTAMPADD(SECOND, seq * 86401, '1000-01-01 00:00:00'), TIMESTAMPADD(MICROSECOND, seq * 1001, '2024-01-01 00:00:00'),
  TIMESTAMPADD(MICROSECOND, seq * 999983, '2024-01-01 00:00:00'), TIMESTAMPADD(SECOND, seq * 999983, '1970-01-02 00:00:00'),
  TIMESTAMPADD(MICROSECOND, seq * 999999937, '1980-01-01 00:00:00'), CONCAT('v', seq), REPEAT('é', seq % 300), LPAD(HEX(seq), 5, '0'),
  IF(seq % 3 = 0, NULL, REPEAT('t😀', seq)), REPEAT('m', seq * 50), UNHEX(REPEAT(HEX(seq), seq % 20)), UNHEX(REPEAT('ab', seq * 10)),
  UNHEX(LPAD(HEX(seq), 4, '0')), JSON_OBJECT('n', seq, 'x', seq / 3), POINT(seq, -seq / 3),
  seq % 4 + 1, seq % 16, SEC_TO_TIME((seq - 100) * 12345), SEC_TO_TIME((seq - 100) * 1234.567), SEC_TO_TIME((seq - 100) * 98765.4321)
  FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_4_to_203) s`;

describe('MySQL binlog rows decoder (own) against MariaDB: streamed rows equal the snapshot', function () {
  this.timeout(180_000);
  let server: ServerHandle;
  let db: string;
  let adapter: SourceAdapter;
  const sql = (q: string) => server.sql(q, [], { database: db });

  before(async () => {
    server = await sharedMariadb();
    db = await server.createDatabase();
    adapter = createMysqlSource(planFor(server, [`${db}.*`]));
  });
  after(async () => {
    delete process.env.LAKESYNC_MYSQL_ROWS_DECODER;
    await server?.sql("SET GLOBAL binlog_row_metadata = 'FULL'").catch(() => undefined);
    await adapter?.close();
    await server?.dropDatabase(db);
  });

  /** The `expected` row changes `read` gets with LakeSync's decoder, required equal to zongji's. */
  async function sameAsZongji(read: () => ReturnType<typeof collect>, expected: number): Promise<ReturnType<typeof rowChanges>> {
    const eventsBefore = rowsDecoderStats.events;
    const own = rowChanges(await read());
    assert.ok(rowsDecoderStats.events > eventsBefore, 'LakeSync\'s decoder read the events');
    process.env.LAKESYNC_MYSQL_ROWS_DECODER = 'zongji';
    try {
      assert.deepEqual(own, rowChanges(await read()));
    } finally {
      delete process.env.LAKESYNC_MYSQL_ROWS_DECODER;
    }
    assert.equal(own.length, expected);
    return own;
  }

  async function snapshotRows(table: SourceTable): Promise<Row[]> {
    const s = await adapter.openSnapshot([table], 1);
    try {
      const out: Row[] = [];
      for (const chunk of await s.planChunks(table, 1000)) await s.readChunk(table, chunk, (rows) => { out.push(...rows); });
      return out.sort((a, b) => Number(a[0]) - Number(b[0]));
    } finally {
      await s.close();
    }
  }

  for (const metadata of ['FULL', 'MINIMAL', 'NO_LOG']) {
    it(`binlog_row_metadata=${metadata}: inserts, updates and deletes of every covered type equal the snapshot's rows`, async () => {
      const t = `fast_${metadata.toLowerCase()}`;
      await sql(DDL(t));
      await server.sql(`SET GLOBAL binlog_row_metadata = '${metadata}'`);
      const [table] = (await adapter.discover()).filter((x) => x.id.table === t);
      const start = await adapter.currentPosition();
      const eventsBefore = rowsDecoderStats.events;
      await sql(`SET SESSION sql_mode = ''; INSERT INTO ${t} VALUES ${ROWS.join(', ')}; ${GENERATED(t)}`);
      const inserted = await snapshotRows(table);
      assert.equal(inserted.length, 203);
      await sql(`UPDATE ${t} SET v = CONCAT('u', id), dbl = id / 3, d = -d, dtm6 = '2025-06-01 12:00:00.5', ti = -1, j = JSON_ARRAY(id), bl = X'BEEF', e = 'z w', st = 'b,c', tm6 = '-00:00:01.5' WHERE id <= 150`);
      const updated = await snapshotRows(table);
      await sql(`DELETE FROM ${t} WHERE id IN (2, 3, 200)`);
      const expected = 203 + 150 + 3;
      const txs = await collect(adapter, start, [table], (x) => rowChanges(x).length >= expected, 60_000);
      const changes = rowChanges(txs) as RowChange[];
      assert.equal(changes.length, expected);
      const byId = (rows: Row[]) => new Map(rows.map((r) => [r[0], r]));
      const ins = byId(inserted), upd = byId(updated);
      const inserts = changes.filter((c) => c.kind === 'insert');
      assert.equal(inserts.length, 203);
      for (const c of inserts) assert.deepEqual(c.after, ins.get(c.after![0]), `insert of id ${c.after![0]}`);
      const updates = changes.filter((c) => c.kind === 'update');
      assert.equal(updates.length, 150);
      for (const c of updates) {
        assert.deepEqual(c.before, ins.get(c.before![0]), `before image of id ${c.before![0]}`);
        assert.deepEqual(c.after, upd.get(c.after![0]), `after image of id ${c.after![0]}`);
      }
      const deletes = changes.filter((c) => c.kind === 'delete');
      assert.deepEqual(deletes.map((c) => c.before), [upd.get('2'), upd.get('3'), upd.get('200')]);
      // LakeSync's decoder read them (every insert, update and delete statement's events), not zongji
      assert.ok(rowsDecoderStats.events - eventsBefore >= 3, `own decoder events: ${rowsDecoderStats.events - eventsBefore}`);
    });
  }

  it('key changes, keyless duplicates, binlog_row_image=NOBLOB: the same changes as zongji gives (before images whole)', async () => {
    await server.sql("SET GLOBAL binlog_row_metadata = 'NO_LOG'");
    const t = 'fast_before_images', k = 'fast_keyless';
    await sql(DDL(t));
    await sql(`CREATE TABLE ${k} (a INT, v VARCHAR(20) CHARACTER SET utf8mb4, dbl DOUBLE, dtm6 DATETIME(6), tx TEXT CHARACTER SET utf8mb4)`);
    const tables = (await adapter.discover()).filter((x) => x.id.table === t || x.id.table === k);
    const start = await adapter.currentPosition();
    await sql(`SET SESSION sql_mode = ''; INSERT INTO ${t} VALUES ${ROWS.join(', ')}; ${GENERATED(t)};
      INSERT INTO ${k} VALUES (1, 'x', 0.5, '2024-01-01 00:00:00.5', 'same'), (1, 'x', 0.5, '2024-01-01 00:00:00.5', 'same'), (2, NULL, NULL, NULL, NULL)`);
    // the key and some values change; one column back and forth; every value the same (a no-op update writes no row)
    await sql(`UPDATE ${t} SET id = id + 1000, v = CONCAT('k', id) WHERE id <= 10; UPDATE ${t} SET dbl = dbl + 1, dtm6 = dtm6 WHERE id BETWEEN 20 AND 40;
      UPDATE ${k} SET dbl = 1.5 WHERE a = 1 LIMIT 1; UPDATE ${k} SET v = 'y', tx = NULL WHERE a = 2; DELETE FROM ${k} WHERE a = 1 LIMIT 1;
      SET SESSION binlog_row_image = 'NOBLOB'; UPDATE ${t} SET ti = 7, tx = 'blob changed' WHERE id BETWEEN 50 AND 60; UPDATE ${t} SET si = 8 WHERE id BETWEEN 61 AND 70`);
    const expected = 203 + 3 + 10 + 21 + 3 + 11 + 10;
    const own = await sameAsZongji(() => collect(adapter, start, tables, (x) => rowChanges(x).length >= expected, 60_000), expected);
    // the old key is in the before image, the new one in the after image
    const moved = own.find((c) => c.kind === 'update' && c.before![0] === '1') as RowChange;
    assert.equal(moved.after![0], '1001');
    // the keyless table's update names the copy it changed, whole
    const dup = own.find((c) => c.kind === 'update' && c.table.table === k && c.before![0] === '1') as RowChange;
    assert.deepEqual([dup.before, dup.after], [['1', 'x', '0.5', '2024-01-01 00:00:00.500000', 'same'], ['1', 'x', '1.5', '2024-01-01 00:00:00.500000', 'same']]);
  });

  it('binlog_row_image=MINIMAL: the same changes as zongji gives (columns the image lacks included)', async () => {
    await server.sql("SET GLOBAL binlog_row_metadata = 'FULL'");
    const t = 'fast_minimal_image';
    await sql(DDL(t));
    const [table] = (await adapter.discover()).filter((x) => x.id.table === t);
    const start = await adapter.currentPosition();
    await sql(`SET SESSION sql_mode = ''; INSERT INTO ${t} VALUES ${ROWS.join(', ')}; ${GENERATED(t)}`);
    await sql(`SET SESSION binlog_row_image = 'MINIMAL'; UPDATE ${t} SET v = 'min', dbl = 2.5 WHERE id <= 20; DELETE FROM ${t} WHERE id BETWEEN 30 AND 39;
      INSERT INTO ${t} (id, v) VALUES (1000, 'only v')`);
    const expected = 203 + 20 + 10 + 1;
    const own = await sameAsZongji(() => collect(adapter, start, [table], (x) => rowChanges(x).length >= expected, 60_000), expected);
    // the update's after image carries the key and the two changed columns
    const u = own.find((c) => c.kind === 'update') as RowChange;
    const col = (name: string) => table.columns.findIndex((c) => c.name === name);
    assert.equal(u.after![col('v')], 'min');
    assert.equal(u.after![col('dbl')], '2.5');
  });
});
