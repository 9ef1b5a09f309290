// The MySQL/MariaDB source adapter against a real MariaDB (binlog ROW, FULL row image and metadata).
import assert from 'node:assert/strict';
import { sharedMariadb, type ServerHandle } from '../../harness';
import { createMysqlSource } from '../../../src/engine/source/mysql';
import type { SourceAdapter } from '../../../src/engine/source/adapter';
import type { BinlogPosition } from '../../../src/engine/positions';
import type { Row, RowChange } from '../../../src/engine/pipeline/events';
import type { SourceTable } from '../../../src/engine/source/types';
import { collect, planFor, rowChanges } from './helpers';

async function snapshotRows(adapter: SourceAdapter, table: SourceTable, chunkSize = 1000): Promise<Row[]> {
  const s = await adapter.openSnapshot([table], 2);
  try {
    const out: Row[] = [];
    for (const chunk of await s.planChunks(table, chunkSize)) await s.readChunk(table, chunk, (rows) => { out.push(...rows); });
    return out;
  } finally {
    await s.close();
  }
}

const TYPES_DDL = `CREATE TABLE ty (
  id INT PRIMARY KEY, y YEAR, b1 BIT(1), b10 BIT(10), b64 BIT(64), s SET('a','b','c'), e ENUM('x','y'),
  d DECIMAL(65,30), du DECIMAL(10,2) UNSIGNED, ti TINYINT, tiu TINYINT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, mi MEDIUMINT UNSIGNED,
  f FLOAT, dbl DOUBLE, dt DATE, dtm DATETIME(6), dtm0 DATETIME, ts TIMESTAMP(6) NULL, tm TIME(6), tm0 TIME,
  j JSON, bl BLOB, bn BINARY(4), vb VARBINARY(10), l1 VARCHAR(20) CHARACTER SET latin1, u8 VARCHAR(20) CHARACTER SET utf8mb4,
  ch CHAR(5), uu UUID, i6 INET6, i4 INET4, tx TEXT CHARACTER SET latin1
)`;

const TYPES_ROWS = [
  `(1, 2024, b'1', b'1010101010', b'1111111111111111111111111111111111111111111111111111111111111111', 'a,c', 'y',
    '-12345678901234567890123456789012345.123456789012345678901234567890', 12.5, -128, 255, -9223372036854775808, 18446744073709551615,
    16777215, 1.1, 0.1, '2024-02-29', '2024-01-02 03:04:05.123456', '0000-00-00 00:00:00', '2024-01-02 03:04:05.000001',
    '-838:59:59.000000', '25:00:01', '{"a": [1, 2.50, "x"], "big": 12345678901234567890}', X'00FF10', X'6162', X'00',
    'café €', 'héllo ✓ 日本 😀', 'ab', '123e4567-e89b-12d3-a456-426655440000', '2001:db8::1', '192.168.0.1', 'Grüße')`,
  `(2, 0, b'0', b'0', b'0', '', 'x', '0.000000000000000000000000000001', 0, 127, 0, 9223372036854775807, 0, 0,
    3.4028234663852886e38, 1.7976931348623157e308, '0000-00-00', '2024-00-10 00:00:00', '1000-01-01 00:00:00', '1970-01-01 00:00:01',
    '838:59:59', '-00:00:01', '[]', X'', X'00000000', X'', '', '', '', '0fbafb87-e7a4-11f1-8d29-02fc00000001', '::ffff:1.2.3.4', '0.0.0.0', '')`,
  `(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
];

describe('MySQL source adapter (MariaDB)', function () {
  this.timeout(120_000);
  let server: ServerHandle;
  let db: string;
  let adapter: SourceAdapter;

  before(async () => {
    server = await sharedMariadb();
    db = await server.createDatabase();
    adapter = createMysqlSource(planFor(server, [`${db}.*`]));
  });
  after(async () => {
    await adapter?.close();
    await server?.dropDatabase(db);
  });

  const sql = (q: string) => server.sql(q, [], { database: db });

  it('reads every type identically in the snapshot and the binlog', async () => {
    await sql(TYPES_DDL);
    const start = await adapter.currentPosition();
    await sql("SET SESSION sql_mode = ''");
    for (const r of TYPES_ROWS) await sql(`INSERT INTO ty VALUES ${r}`);
    const [table] = (await adapter.discover()).filter((t) => t.id.table === 'ty');
    const snap = await snapshotRows(adapter, table);
    const txs = await collect(adapter, start, [table], (t) => rowChanges(t).length >= 3);
    const streamed = rowChanges(txs).map((c) => (c as RowChange).after);
    assert.deepEqual(streamed, snap);
    const byName = (row: Row) => Object.fromEntries(table.columns.map((c, i) => [c.name, row[i]]));
    const one = byName(snap[0]);
    assert.deepEqual(one, {
      id: '1', y: '2024', b1: '1', b10: '682', b64: '18446744073709551615', s: 'a,c', e: 'y',
      d: '-12345678901234567890123456789012345.123456789012345678901234567890', du: '12.50', ti: '-128', tiu: '255',
      bi: '-9223372036854775808', biu: '18446744073709551615', mi: '16777215', f: '1.1', dbl: '0.1', dt: '2024-02-29',
      dtm: '2024-01-02 03:04:05.123456', dtm0: '0000-00-00 00:00:00', ts: '2024-01-02 03:04:05.000001+00', tm: '-838:59:59.000000', tm0: '25:00:01',
      j: '{"a": [1, 2.50, "x"], "big": 12345678901234567890}', bl: '00ff10', bn: '61620000', vb: '00', l1: 'café €',
      u8: 'héllo ✓ 日本 😀', ch: 'ab', uu: '123e4567-e89b-12d3-a456-426655440000', i6: '2001:db8::1', i4: '192.168.0.1', tx: 'Grüße',
    });
    const two = byName(snap[1]);
    assert.equal(two.y, '0');
    assert.equal(two.f, '3.4028235e+38');
    assert.equal(two.dbl, '1.7976931348623157e+308');
    // zero dates leave the adapter as the server's text on both paths; the type map decides
    // (NULL by default, the text with source.zeroDates: text; test/integration/mysql/zero-dates.test.ts)
    assert.equal(two.dt, '0000-00-00');
    assert.equal(two.dtm, '2024-00-10 00:00:00.000000');
    assert.equal(two.ts, '1970-01-01 00:00:01.000000+00');
    assert.equal(two.tm0, '-00:00:01');
    assert.equal(two.bn, '00000000');
    assert.equal(two.bl, '');
    assert.equal(two.uu, '0fbafb87-e7a4-11f1-8d29-02fc00000001');
    assert.equal(two.i6, '::ffff:1.2.3.4');
    assert.ok(snap[2].slice(1).every((v) => v === null));
  });

  it('streams inserts, updates, deletes and a key change as committed transactions with their end positions', async () => {
    await sql('CREATE TABLE kv (k INT PRIMARY KEY, v VARCHAR(20))');
    const [table] = (await adapter.discover()).filter((t) => t.id.table === 'kv');
    const start = await adapter.currentPosition();
    await sql("INSERT INTO kv VALUES (1, 'a'), (2, 'b')");
    await sql("START TRANSACTION; UPDATE kv SET v = 'c' WHERE k = 1; UPDATE kv SET k = 3 WHERE k = 2; DELETE FROM kv WHERE k = 1; COMMIT");
    const end = await adapter.currentPosition() as BinlogPosition;
    const txs = await collect(adapter, start, [table], (t) => rowChanges(t).length >= 5);
    const withRows = txs.filter((t) => t.changes.length);
    assert.equal(withRows.length, 2);
    assert.deepEqual(withRows[0].changes, [
      { kind: 'insert', table: table.id, after: ['1', 'a'] },
      { kind: 'insert', table: table.id, after: ['2', 'b'] },
    ]);
    assert.deepEqual(withRows[1].changes, [
      { kind: 'update', table: table.id, before: ['1', 'a'], after: ['1', 'c'] },
      { kind: 'update', table: table.id, before: ['2', 'b'], after: ['3', 'b'] },
      { kind: 'delete', table: table.id, before: ['1', 'c'] },
    ]);
    const last = withRows[1].position as BinlogPosition;
    assert.equal(last.kind, 'binlog');
    assert.equal(`${last.file}:${last.pos}`, `${end.file}:${end.pos}`);
    assert.equal(last.gtid, end.gtid, 'the GTID state after the transaction');
    assert.ok(Math.abs(withRows[1].commitTime - Date.now()) < 60_000);
    // Resuming from the first transaction's position gives exactly the second one.
    const again = await collect(adapter, withRows[0].position, [table], (t) => rowChanges(t).length >= 3);
    assert.deepEqual(again.filter((t) => t.changes.length)[0].changes, withRows[1].changes);
  });

  it('replays across ALTER TABLE with every value under its own column', async () => {
    await sql('CREATE TABLE alt (id INT PRIMARY KEY, a VARCHAR(10), b INT)');
    const start = await adapter.currentPosition();
    await sql("INSERT INTO alt VALUES (1, 'x', 10)");
    await sql('ALTER TABLE alt DROP COLUMN a, ADD COLUMN z INT FIRST');
    await sql("INSERT INTO alt VALUES (99, 2, 20)");
    // The reader starts after the ALTER: it knows only today's shape (z, id, b).
    const [table] = (await adapter.discover()).filter((t) => t.id.table === 'alt');
    assert.deepEqual(table.columns.map((c) => c.name), ['z', 'id', 'b']);
    const txs = await collect(adapter, start, [table], (t) => rowChanges(t).length >= 2);
    const changes = txs.flatMap((t) => t.changes);
    assert.deepEqual(changes.map((c) => c.kind), ['insert', 'schema', 'insert']);
    assert.deepEqual((changes[0] as RowChange).after, [undefined, '1', '10'], 'z did not exist then; a is gone');
    assert.deepEqual((changes[2] as RowChange).after, ['99', '2', '20']);
    assert.match((changes[1] as { ddl: string }).ddl, /ALTER TABLE alt DROP COLUMN a/);
  });

  it('splits a huge transaction into partial parts', async () => {
    const small = createMysqlSource(planFor(server, [`${db}.big`], { maxTransactionChanges: 4 }));
    try {
      await sql('CREATE TABLE big (id INT PRIMARY KEY)');
      const [table] = await small.discover();
      const start = await small.currentPosition();
      await sql('INSERT INTO big VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10)');
      const txs = await collect(small, start, [table], (t) => rowChanges(t).length >= 10);
      const parts = txs.filter((t) => t.changes.length);
      assert.deepEqual(parts.map((t) => [t.changes.length, !!t.partial]), [[4, true], [4, true], [2, false]]);
    } finally {
      await small.close();
    }
  });

  it('starts at FILE:POS, gtid:SET and an ISO time', async () => {
    await sql('CREATE TABLE pos (id INT PRIMARY KEY)');
    const [table] = (await adapter.discover()).filter((t) => t.id.table === 'pos');
    await sql('INSERT INTO pos VALUES (1)');
    const mid = await adapter.currentPosition() as BinlogPosition;
    await new Promise((r) => setTimeout(r, 1100)); // header times are whole seconds
    const at = new Date();
    await new Promise((r) => setTimeout(r, 1100));
    await sql('INSERT INTO pos VALUES (2)');
    const ids = async (from: Parameters<SourceAdapter['resolveStart']>[0]) => {
      const p = await adapter.resolveStart(from);
      const txs = await collect(adapter, p, [table], (t) => rowChanges(t).some((c) => (c as RowChange).after?.[0] === '2'));
      return rowChanges(txs).map((c) => (c as RowChange).after?.[0]);
    };
    assert.deepEqual(await ids({ kind: 'binlog', file: mid.file, pos: mid.pos }), ['2']);
    assert.ok(mid.gtid, 'MariaDB reports its GTID position');
    assert.deepEqual(await ids({ kind: 'gtid', set: mid.gtid! }), ['2']);
    assert.deepEqual(await ids({ kind: 'time', at }), ['2']);
    await assert.rejects(adapter.resolveStart({ kind: 'gtid', set: '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5' }), /MySQL GTID set, but the source is MariaDB/);
  });

  it('plans key-range chunks that cover every row exactly once', async () => {
    await sql('CREATE TABLE ck (id BIGINT PRIMARY KEY, name VARCHAR(20))');
    await sql('CREATE TABLE cs (a VARCHAR(10), b INT, v INT, PRIMARY KEY (a, b))');
    await sql('CREATE TABLE cn (v INT)');
    const values = Array.from({ length: 250 }, (_, i) => i * 7 - 300);
    await sql(`INSERT INTO ck VALUES ${values.map((v) => `(${v}, 'n${v}')`).join(',')}`);
    await sql(`INSERT INTO cs VALUES ${values.map((v, i) => `('k${i % 13}', ${v}, ${i})`).join(',')}`);
    await sql(`INSERT INTO cn VALUES ${values.map((v) => `(${v % 5})`).join(',')}`);
    const tables = (await adapter.discover()).filter((t) => ['ck', 'cs', 'cn'].includes(t.id.table));
    for (const t of tables) {
      const s = await adapter.openSnapshot([t], 2);
      try {
        const chunks = await s.planChunks(t, 40);
        if (t.id.table === 'cn') assert.equal(chunks.length, 1, 'a table without a key is one chunk');
        else assert.ok(chunks.length >= 5, `${t.id.table}: ${chunks.length} chunks`);
        const seen: string[] = [];
        for (const c of chunks) await s.readChunk(t, c, (rows) => { for (const r of rows) seen.push(JSON.stringify(r)); });
        assert.equal(seen.length, 250, t.id.table);
        if (t.id.table !== 'cn') assert.equal(new Set(seen).size, 250, `${t.id.table}: no row twice`);
      } finally {
        await s.close();
      }
    }
  });
});
