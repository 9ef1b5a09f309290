// Values the target's type cannot hold (docs/type-mapping.md): PostgreSQL timestamps in the 29
// years past DuckDB's 294247-01-10. The table stops at once, its exception names the column and
// the limit, and the other tables go on; before, the snapshot read the chunk six times over half a
// minute and stopped the table with DuckDB's bare "timestamp field value out of range".
import assert from 'node:assert/strict';
import { runCli, spawnCli, waitUntil } from '../../harness';
import { e2eTask, targetRows } from './e2e-helpers';
import { dropTestSlots, testDatabase, type PgTestDb } from './helpers';

describe('PostgreSQL values the target cannot hold', function () {
  this.timeout(120_000);
  let t: PgTestDb;
  before(async () => { t = await testDatabase(); });
  afterEach(dropTestSlots);

  it('snapshot and stream: the table stops at once with the column and the limit named, the others go on', async () => {
    await t.sql(`CREATE TABLE snap_bad (id int PRIMARY KEY, ok timestamptz, ts timestamp);
      CREATE TABLE stream_bad (id int PRIMARY KEY, ts timestamp);
      CREATE TABLE good (id int PRIMARY KEY, ts timestamp);
      INSERT INTO snap_bad SELECT g, now(), '2020-01-01' FROM generate_series(1, 50) g;
      INSERT INTO snap_bad VALUES (51, now(), '294270-01-01 00:00:00');
      INSERT INTO stream_bad VALUES (1, '2020-01-01'); INSERT INTO good VALUES (1, '2020-01-01')`);
    const task = e2eTask(t, { tables: ['public.*'] });
    const exceptions = async (table: string) => JSON.parse((await runCli(['exceptions', task.file, '--table', table, '--json'])).stdout) as { message: string }[];

    const run = spawnCli(['run', task.file]);
    try {
      await run.waitFor(/public\.stream_bad: (incremental|full sync done)/, 60_000);
      await run.waitFor(/public\.snap_bad: failed/, 60_000);
      await t.sql(`INSERT INTO stream_bad VALUES (2, '294275-06-01 12:00:00'); INSERT INTO good VALUES (2, '2021-01-01')`);
      await run.waitFor(/public\.stream_bad: failed/, 60_000);
      // read through the running engine (it holds the DuckDB file)
      await waitUntil('the good table to take its change', async () =>
        /\b2\b/.test((await runCli(['query', task.file, '--sql', 'SELECT count(*) AS n FROM ods.good'])).stdout), 30_000);
    } finally {
      run.kill('SIGTERM');
      await run.exited;
    }
    const snap = await exceptions('public.snap_bad');
    assert.equal(snap.length, 1, `one exception, no retries of a value no read can fix: ${JSON.stringify(snap)}`);
    // DuckDB's error does not tell the columns of one kind apart: both timestamp columns are named
    assert.match(snap[0].message, /value "294270-01-01 00:00:00" of one of the columns ok \(TIMESTAMPTZ\), ts \(TIMESTAMP\); DuckDB's TIMESTAMP and TIMESTAMPTZ end at 294247-01-10/);
    const stream = await exceptions('public.stream_bad');
    assert.equal(stream.length, 1, JSON.stringify(stream));
    assert.match(stream[0].message, /applying changes: .*value "294275-06-01 12:00:00" of column ts \(timestamp.* -> TIMESTAMP; .*294247-01-10/);
    // nothing of the failed tables was changed silently; the rows before the bad one are there
    assert.deepEqual(await targetRows(task.duckdb, 'SELECT count(*) FROM ods.stream_bad'), [['1']]);
    assert.deepEqual(await targetRows(task.duckdb, 'SELECT id::VARCHAR, ts::VARCHAR FROM ods.good ORDER BY id'),
      [['1', '2020-01-01 00:00:00'], ['2', '2021-01-01 00:00:00']]);
  });
});
