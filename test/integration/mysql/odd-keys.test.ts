// Odd primary keys (after Debezium's datetime_key_test): a TIME, a DATETIME and a BIT in the key
// sync through snapshot and binlog although DuckDB cannot index a TIME's INTERVAL (LakeSync keeps
// the key itself); a table whose key the target cannot hold (zero dates read as NULL) stops alone,
// with its reason, while its neighbours go on.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, sharedMariadb, tempDir, uniqueName, writeTask } from '../../harness';
import { targetRows } from '../postgres/e2e-helpers';
import { EXIT_TABLES_FAILED } from '../../../src/engine/errors';

describe('MariaDB odd primary keys: TIME, DATETIME and BIT in the key; one bad table stops alone', function () {
  this.timeout(180_000);

  it('syncs a TIME/DATETIME/BIT key through snapshot and binlog; a zero-date key stops only its table', async () => {
    const s = await sharedMariadb();
    const db = await s.createDatabase();
    const sql = (q: string) => s.sql(q, [], { database: db });
    try {
      await sql(`CREATE TABLE timekey (id int, tval time(3), dtval datetime(2), b bit(8), v varchar(10), PRIMARY KEY (id, tval, dtval, b))`);
      await sql(`CREATE TABLE zerokey (id int, dval date, PRIMARY KEY (id, dval))`);
      await sql(`CREATE TABLE plain (id int PRIMARY KEY, v varchar(10))`);
      await sql(`INSERT INTO timekey VALUES (1, '-01:01:00.5', '2024-01-02 03:04:05.25', b'101', 'a'), (1, '838:59:59', '2024-01-02 03:04:05.25', b'101', 'b'), (2, '00:00:00', '1999-12-31 23:59:59.99', b'11111111', 'c')`);
      await sql(`SET SESSION sql_mode = ''; INSERT INTO zerokey VALUES (1, '0000-00-00'), (2, '2024-01-01')`);
      await sql(`INSERT INTO plain VALUES (1, 'x'), (2, 'y')`);
      const dir = tempDir('odd-keys');
      const file = writeTask({ name: uniqueName('odd'), source: s.source(db), mode: 'database-mirror', databases: [db], target: { path: 'lake.duckdb', namespace: 'ods' } }, dir);
      const duckdb = join(dir, 'lake.duckdb');
      const first = await runCli(['run', file, '--until-caught-up'], { timeoutMs: 120_000 });
      // the run goes on without the bad table, and says so by its exit code: not a success
      assert.equal(first.code, EXIT_TABLES_FAILED, `the run must go on without the bad table:\n${first.stdout}\n${first.stderr}`);
      assert.match(first.stderr, new RegExp(`caught up, except 1 failed table.*${db}\\.zerokey`));
      assert.doesNotMatch(first.stderr, /unexpected error/);

      // through the binlog: insert, update of a non-key column, key change, delete
      await sql(`INSERT INTO timekey VALUES (3, '-00:00:00.001', '2024-02-29 00:00:00', b'0', 'd')`);
      await sql(`UPDATE timekey SET v = 'B' WHERE id = 1 AND tval = '838:59:59'`);
      await sql(`UPDATE timekey SET tval = '-838:59:59' WHERE id = 2`);
      await sql(`DELETE FROM timekey WHERE id = 1 AND tval = '-01:01:00.5'`);
      await sql(`INSERT INTO plain VALUES (3, 'z')`);
      const second = await runCli(['run', file, '--until-caught-up'], { timeoutMs: 120_000 });
      assert.equal(second.code, EXIT_TABLES_FAILED, `${second.stdout}\n${second.stderr}`);

      const got = await targetRows(duckdb, `SELECT id, tval::VARCHAR, strftime(dtval, '%Y-%m-%d %H:%M:%S.%f'), b::VARCHAR, v FROM ods.timekey ORDER BY id, tval`);
      assert.deepEqual(got, [
        ['1', '838:59:59', '2024-01-02 03:04:05.250000', '5', 'B'],
        ['2', '-838:59:59', '1999-12-31 23:59:59.990000', '255', 'c'],
        ['3', '-00:00:00.001', '2024-02-29 00:00:00.000000', '0', 'd'],
      ]);
      assert.deepEqual(await targetRows(duckdb, 'SELECT id, v FROM ods.plain ORDER BY id'), [['1', 'x'], ['2', 'y'], ['3', 'z']]);
      const status = await runCli(['status', file, '--json'], { timeoutMs: 60_000 });
      const tables = JSON.parse(status.stdout).tables as { source: string; phase: string; errors: { message: string }[] }[];
      const zero = tables.find((t) => t.source === `${db}.zerokey`)!;
      assert.equal(zero.phase, 'failed', 'the table whose key the target cannot hold stops');
      assert.ok(zero.errors.length > 0, 'with its reason');
      assert.equal(tables.find((t) => t.source === `${db}.timekey`)!.phase, 'incremental');
      assert.equal(tables.find((t) => t.source === `${db}.plain`)!.phase, 'incremental');
    } finally {
      await s.dropDatabase(db).catch(() => undefined);
    }
  });
});
