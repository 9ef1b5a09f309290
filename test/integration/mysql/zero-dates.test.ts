// MySQL/MariaDB zero dates ('0000-00-00', '0000-00-00 00:00:00', month or day 00) under a
// permissive sql_mode, in a primary key and in ordinary columns, by the snapshot and the binlog
// with a restart in between: with source.zeroDates: text every value lands as the server's exact
// text and no two keys become one; by default ordinary zero dates land as NULL and a zero date in
// a key stops only its table, with the fix in its error.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, sharedMariadb, tempDir, uniqueName, writeTask } from '../../harness';
import { targetRows } from '../postgres/e2e-helpers';
import { EXIT_TABLES_FAILED } from '../../../src/engine/errors';

const PERMISSIVE = "SET SESSION sql_mode = 'ALLOW_INVALID_DATES'; ";

/** Rows from..to: keys share `id` and differ only in (partial) zero dates; values of every fsp. */
const rows = (db: string, from: number, to: number) => `${PERMISSIVE}
  INSERT INTO \`${db}\`.zk (id, d, dt, ts, d2, dt3, note)
  SELECT s.n DIV 4,
    ELT(s.n % 4 + 1, '0000-00-00', CONCAT(1000 + s.n % 9000, '-00-15'), CONCAT(1000 + s.n % 9000, '-05-00'), DATE('2024-02-29') - INTERVAL s.n DAY),
    ELT(s.n % 3 + 1, '0000-00-00 00:00:00', CONCAT(2000 + s.n % 99, '-00-00 12:34:56.5'), TIMESTAMP('2024-01-01 00:00:00.123456') + INTERVAL s.n SECOND),
    IF(s.n % 5 = 0, '0000-00-00 00:00:00', FROM_UNIXTIME(1000000000 + s.n * 7919 + 0.654321)),
    IF(s.n % 7 = 0, '2024-00-00', NULL),
    IF(s.n % 2 = 0, '0000-00-00 00:00:00.000', '9999-12-31 23:59:59.999'),
    CONCAT('row ', s.n)
  FROM (SELECT a.x * 1000 + b.x * 100 + c.x * 10 + d.x AS n
          FROM (SELECT 0 x UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9) a,
               (SELECT 0 x UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9) b,
               (SELECT 0 x UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9) c,
               (SELECT 0 x UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9) d) s
  WHERE s.n BETWEEN ${from} AND ${to}`;

const COLS = ['id', 'd', 'dt', 'ts', 'd2', 'dt3', 'note'];

describe('MariaDB zero dates in keys and columns (issue 15)', function () {
  this.timeout(300_000);

  it('source.zeroDates: text: every zero date lands as its exact text by snapshot and binlog, no key collapses', async () => {
    const s = await sharedMariadb();
    const db = await s.createDatabase();
    const sql = (q: string) => s.sql(q, [], { database: db });
    try {
      await sql(`CREATE TABLE zk (id int, d date, dt datetime(1), ts timestamp(6) NULL, d2 date, dt3 datetime(3), note varchar(20), PRIMARY KEY (id, d, dt))`);
      await sql(rows(db, 0, 5999));
      const dir = tempDir('zero-dates');
      const file = writeTask({ name: uniqueName('zd'), source: { ...s.source(db), zeroDates: 'text' }, mode: 'database-mirror', databases: [db], target: { path: 'lake.duckdb', namespace: 'ods' } }, dir);
      const duckdb = join(dir, 'lake.duckdb');
      const first = await runCli(['run', file, '--until-caught-up'], { timeoutMs: 180_000 });
      assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
      // through the binlog, after a restart: inserts, an update of a key's zero date, deletes
      await sql(rows(db, 6000, 9999));
      await sql(`${PERMISSIVE}UPDATE zk SET dt = '0000-00-00 00:00:00', note = 'moved' WHERE id = 1600 AND d = '0000-00-00'`);
      await sql(`${PERMISSIVE}UPDATE zk SET d2 = '0000-00-00', dt3 = '2024-05-00 01:02:03.004' WHERE id % 10 = 3`);
      await sql(`${PERMISSIVE}DELETE FROM zk WHERE id % 11 = 0 AND d = '0000-00-00'`);
      const second = await runCli(['run', file, '--until-caught-up'], { timeoutMs: 180_000 });
      assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);

      const src = (await s.sql<Record<string, unknown> | Record<string, unknown>[]>(
        `SET SESSION time_zone = '+00:00'; SELECT CAST(id AS CHAR) AS id, CAST(d AS CHAR) AS d, CAST(dt AS CHAR) AS dt, CONCAT(CAST(ts AS CHAR), '+00') AS ts, CAST(d2 AS CHAR) AS d2,
                CAST(dt3 AS CHAR) AS dt3, note FROM zk ORDER BY zk.id, CAST(zk.d AS CHAR), CAST(zk.dt AS CHAR)`, [], { database: db }))
        .flat().filter((r) => !Array.isArray(r) && r && 'note' in r).map((r) => COLS.map((c) => (r[c] === null ? null : String(r[c]))));
      const dst = await targetRows(duckdb, `SELECT ${COLS.map((c) => `${c}::VARCHAR`).join(', ')} FROM ods.zk ORDER BY id, d, dt`);
      assert.ok(src.length > 9000, `${src.length} source rows`);
      assert.equal(dst.length, src.length);
      for (let i = 0; i < src.length; i++) assert.deepEqual(dst[i], src[i], `row ${i}`);
      assert.ok(src.some((r) => r[1] === '0000-00-00') && src.some((r) => /-00-15$/.test(r[1]!)) && src.some((r) => r[3] === '0000-00-00 00:00:00.000000+00'));
      const types = await targetRows(duckdb, `SELECT typeof(d), typeof(dt), typeof(ts) FROM ods.zk LIMIT 1`);
      assert.deepEqual(types, [['VARCHAR', 'VARCHAR', 'VARCHAR']]);
    } finally {
      await s.dropDatabase(db).catch(() => undefined);
    }
  });

  it('default: ordinary zero dates land as NULL; a zero date in a key stops only its table, with the fix', async () => {
    const s = await sharedMariadb();
    const db = await s.createDatabase();
    const sql = (q: string) => s.sql(q, [], { database: db });
    try {
      await sql(`CREATE TABLE zk (id int, d date, dt datetime(1), ts timestamp(6) NULL, d2 date, dt3 datetime(3), note varchar(20), PRIMARY KEY (id, d, dt))`);
      await sql(`CREATE TABLE cols (id int PRIMARY KEY, d date, dt datetime(6), ts timestamp NULL)`);
      await sql(`${PERMISSIVE}INSERT INTO cols VALUES (1, '0000-00-00', '2024-05-00 10:00:00', '0000-00-00 00:00:00'), (2, '2024-02-29', '2024-02-29 10:00:00.000001', '2038-01-19 03:14:07')`);
      await sql(`INSERT INTO zk (id, d, dt) VALUES (1, '2024-01-01', '2024-01-01 00:00:00')`);
      const dir = tempDir('zero-dates');
      const file = writeTask({ name: uniqueName('zd'), source: s.source(db), mode: 'database-mirror', databases: [db], target: { path: 'lake.duckdb', namespace: 'ods' } }, dir);
      const duckdb = join(dir, 'lake.duckdb');
      const first = await runCli(['run', file, '--until-caught-up'], { timeoutMs: 180_000 });
      assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
      await sql(`${PERMISSIVE}INSERT INTO cols VALUES (3, '2024-00-01', '0000-00-00 00:00:00', NULL)`);
      await sql(`${PERMISSIVE}INSERT INTO zk (id, d, dt) VALUES (1, '0000-00-00', '2024-01-01 00:00:00'), (1, '2024-00-00', '2024-01-01 00:00:00')`);
      const second = await runCli(['run', file, '--until-caught-up'], { timeoutMs: 180_000 });
      assert.match(`${second.stdout}\n${second.stderr}`, /zero date 0000-00-00 is in a primary key column.*source\.zeroDates: text/s);
      assert.equal(second.code, EXIT_TABLES_FAILED, 'zk stopped: the catch-up is not a success');
      assert.deepEqual(await targetRows(duckdb, `SELECT id::VARCHAR, d::VARCHAR, dt::VARCHAR, ts::VARCHAR FROM ods.cols ORDER BY id`), [
        ['1', null, null, null],
        ['2', '2024-02-29', '2024-02-29 10:00:00.000001', '2038-01-19 03:14:07+00'],
        ['3', null, null, null],
      ]);
      assert.deepEqual(await targetRows(duckdb, 'SELECT id::VARCHAR, d::VARCHAR FROM ods.zk ORDER BY d'), [['1', '2024-01-01']], 'no NULL or merged key landed');
      const status = JSON.parse((await runCli(['status', file, '--json'], { timeoutMs: 60_000 })).stdout) as { tables: { source: string; phase: string }[] };
      assert.equal(status.tables.find((t) => t.source === `${db}.zk`)?.phase, 'failed');
      assert.equal(status.tables.find((t) => t.source === `${db}.cols`)?.phase, 'incremental');
    } finally {
      await s.dropDatabase(db).catch(() => undefined);
    }
  });
});
