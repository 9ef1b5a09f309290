// `lakesync run` on a PostgreSQL task, end to end: the lakehouse equals the source row by row
// after a snapshot taken under writes, after streaming, and after kill -9 anywhere.
import assert from 'node:assert/strict';
import { runCli, sleep, spawnCli, startPostgres, waitUntil } from '../../harness';
import { assertWorkloadEqual, createWorkload, e2eTask, runUntilCaughtUp, targetRows, Writer } from './e2e-helpers';
import { testDatabase, dropTestSlots, waitSlotActive } from './helpers';

describe('lakesync run (PostgreSQL)', function () {
  this.timeout(300_000);
  afterEach(dropTestSlots);

  it('snapshot with concurrency 4 while a writer changes the tables, then streaming: target equals source', async () => {
    const t = await testDatabase();
    await createWorkload(t, 6000);
    const task = e2eTask(t);
    const writer = new Writer(t);
    writer.start();
    const run = spawnCli(['run', task.file]);
    try {
      await run.waitFor(/public\.items: full sync done/, 120_000);
      await run.waitFor(/public\.docs: full sync done/, 120_000);
      await sleep(1500); // streaming while the writer goes on
    } finally {
      await writer.stop();
    }
    await sleep(1500);
    run.kill('SIGTERM');
    const res = await run.exited;
    assert.equal(res.code, 0, res.stderr);
    assert.ok(writer.transactions > 20, `writer made ${writer.transactions} transactions`);
    await runUntilCaughtUp(task); // what the graceful stop left for later
    await assertWorkloadEqual(t, task.duckdb);
  });

  it('kill -9 during the snapshot, then a restart: equal, no duplicates', async () => {
    const t = await testDatabase();
    await createWorkload(t, 40000);
    const task = e2eTask(t, { snapshot: { concurrency: 2, chunkSize: 500 } });
    const writer = new Writer(t);
    writer.start();
    const run = spawnCli(['run', task.file, '--json']);
    try {
      // killed as soon as a status shows the stored chunk plan and a first chunk done (a fixed
      // delay after the start was too short on a loaded machine)
      await run.waitFor(/"chunksDone":[1-9]/, 60_000);
      run.kill('SIGKILL');
      await run.exited;
      await sleep(500);
    } finally {
      await writer.stop();
    }
    const chunks = await targetRows(task.duckdb, 'SELECT count(*) FILTER (WHERE done), count(*) FROM _lakesync.chunks');
    assert.ok(Number(chunks[0][1]) > 0, 'the chunk plan was stored');
    assert.ok(Number(chunks[0][0]) < Number(chunks[0][1]), `the kill came during the snapshot (${chunks[0][0]} of ${chunks[0][1]} chunks done)`);
    await runUntilCaughtUp(task);
    await assertWorkloadEqual(t, task.duckdb);
  });

  it('kill -9 during streaming, then a restart: equal, no duplicates', async () => {
    const t = await testDatabase();
    await createWorkload(t, 3000);
    const task = e2eTask(t);
    const run = spawnCli(['run', task.file]);
    const writer = new Writer(t);
    try {
      await run.waitFor(/public\.pairs: full sync done/, 60_000);
      await run.waitFor(/public\.items: full sync done/, 60_000);
      await run.waitFor(/public\.docs: full sync done/, 60_000);
      writer.start();
      await sleep(2500);
      run.kill('SIGKILL');
      await run.exited;
      await sleep(1000);
    } finally {
      await writer.stop();
    }
    await runUntilCaughtUp(task);
    await assertWorkloadEqual(t, task.duckdb);
  });

  it('a second task on the same slot is refused while the first runs, naming the slot and the pid', async () => {
    const t = await testDatabase();
    await t.sql('CREATE TABLE a (id int PRIMARY KEY)');
    const first = e2eTask(t);
    const run = spawnCli(['run', first.file]);
    try {
      await run.waitFor(/public\.a: full sync done/, 60_000);
      await waitSlotActive(t.server, first.slot, run); // the stream takes the slot a moment after the full sync
      const second = e2eTask(t, { source: t.server.source(t.db, { slot: first.slot, publication: first.slot }) });
      const res = await runCli(['run', second.file, '--until-caught-up'], { timeoutMs: 60_000 });
      assert.notEqual(res.code, 0);
      assert.match(res.stderr + res.stdout, new RegExp(`slot "${first.slot}" is in use by another connection \\(pid \\d+\\)`));
    } finally {
      run.kill('SIGTERM');
      await run.exited;
    }
  });

  it('--position lsn: streams every table from that LSN, without a full sync', async () => {
    const t = await testDatabase();
    await t.sql('CREATE TABLE ev (id int PRIMARY KEY, v text)');
    await t.sql("INSERT INTO ev VALUES (1, 'before everything')");
    const task = e2eTask(t);
    await runUntilCaughtUp(task, ['--no-snapshot']); // creates the slot, copies nothing
    await t.sql("INSERT INTO ev VALUES (2, 'before the position')");
    const [{ lsn }] = await t.sql<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    await t.sql("INSERT INTO ev VALUES (3, 'after the position')");
    await t.sql("UPDATE ev SET v = 'updated after' WHERE id = 1");
    const other = e2eTask(t, { source: t.server.source(t.db, { slot: task.slot, publication: task.slot }) });
    await runUntilCaughtUp(other, ['--position', `lsn:${lsn}`]);
    const rows = await targetRows(other.duckdb, 'SELECT id::VARCHAR, v FROM ods.ev ORDER BY id');
    assert.deepEqual(rows, [['1', 'updated after'], ['3', 'after the position']]);
  });

  it('reset --drop-slot drops slot and publication; the next run is a full sync that matches the source', async () => {
    const t = await testDatabase();
    await createWorkload(t, 500);
    const task = e2eTask(t);
    await runUntilCaughtUp(task);
    await t.sql('DELETE FROM items WHERE id <= 100');
    const res = await runCli(['reset', task.file, '--drop-slot']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal((await t.sql('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [task.slot])).length, 0);
    assert.equal((await t.sql('SELECT 1 FROM pg_publication WHERE pubname = $1', [task.slot])).length, 0);
    await runUntilCaughtUp(task);
    await assertWorkloadEqual(t, task.duckdb);
  });

  it('the source server restarts while streaming: the engine reconnects by itself and the target equals the source', async () => {
    const server = await startPostgres();
    try {
      const t = await testDatabase(server);
      await createWorkload(t, 300);
      const task = e2eTask(t);
      const run = spawnCli(['run', task.file]);
      try {
        await run.waitFor(/public\.items: full sync done/, 60_000);
        await run.waitFor(/public\.docs: full sync done/, 60_000);
        await t.sql("INSERT INTO items VALUES (100001, 'before restart', 1, 1.00, now())");
        await sleep(1500);
        await server.closeConnections();
        await server.restart();
        await t.sql("INSERT INTO items VALUES (100002, 'after restart', 2, 2.00, now())");
        await t.sql('DELETE FROM items WHERE id = 1');
        const [{ lsn }] = await t.sql<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
        await run.waitFor(/reconnecting/, 30_000);
        // applied once the engine confirms past the delete (it confirms only after its target commit)
        await waitUntil('the engine to confirm the changes made across the restart', async () => (await t.sql<{ done: boolean }>(
          'SELECT confirmed_flush_lsn >= $2::pg_lsn AS done FROM pg_replication_slots WHERE slot_name = $1', [task.slot, lsn]))[0]?.done === true, 120_000, run);
      } finally {
        run.kill('SIGTERM');
      }
      const res = await run.exited;
      assert.equal(res.code, 0, res.stderr);
      // what the running engine applied after reconnecting, before any other run
      const rows = await targetRows(task.duckdb, 'SELECT name FROM ods.items WHERE id IN (1, 100001, 100002) ORDER BY items.id');
      assert.deepEqual(rows, [['before restart'], ['after restart']]);
      await runUntilCaughtUp(task);
      await assertWorkloadEqual(t, task.duckdb);
    } finally {
      await server.stop();
    }
  });

  it('resync of one table while the task streams and a writer goes on: equal afterwards', async () => {
    const t = await testDatabase();
    await createWorkload(t, 2000);
    const task = e2eTask(t);
    const run = spawnCli(['run', task.file]);
    const writer = new Writer(t);
    try {
      await run.waitFor(/public\.items: full sync done/, 60_000);
      await run.waitFor(/public\.docs: full sync done/, 60_000);
      writer.start();
      await sleep(1000);
      const res = await runCli(['resync', task.file, '--table', 'public.items']);
      assert.equal(res.code, 0, res.stderr + res.stdout);
      // the resync's copy takes seconds, longer on a loaded machine: stop once it is done
      await waitUntil('the resync to finish', () => (run.stdout() + run.stderr()).match(/public\.items: full sync done/g)?.length === 2, 120_000, run);
      await sleep(1000); // streaming on after the resync while the writer goes on
    } finally {
      await writer.stop();
      run.kill('SIGTERM');
    }
    const out = await run.exited;
    assert.equal(out.code, 0, out.stderr);
    assert.equal((out.stdout + out.stderr).match(/public\.items: full sync done/g)?.length, 2, out.stdout + out.stderr);
    await runUntilCaughtUp(task);
    await assertWorkloadEqual(t, task.duckdb);
  });

  it('columns added and retyped at the source while streaming reach the lakehouse', async () => {
    const t = await testDatabase();
    await t.sql('CREATE TABLE evo (id int PRIMARY KEY, n int)');
    await t.sql('INSERT INTO evo VALUES (1, 1)');
    const task = e2eTask(t);
    await runUntilCaughtUp(task);
    const run = spawnCli(['run', task.file]);
    try {
      await run.waitFor(/public\.evo: incremental/, 60_000);
      await t.sql('INSERT INTO evo VALUES (2, 2)');
      await t.sql('ALTER TABLE evo ADD COLUMN note text');
      await t.sql("INSERT INTO evo VALUES (3, 3, 'three')");
      await t.sql("UPDATE evo SET note = 'one' WHERE id = 1");
      await t.sql('ALTER TABLE evo ALTER COLUMN n TYPE bigint');
      await t.sql('INSERT INTO evo VALUES (4, 9000000000, \'four\')');
      await sleep(3000);
    } finally {
      run.kill('SIGTERM');
    }
    assert.equal((await run.exited).code, 0);
    await runUntilCaughtUp(task);
    const rows = await targetRows(task.duckdb, 'SELECT id::VARCHAR, n::VARCHAR, note FROM ods.evo ORDER BY evo.id');
    assert.deepEqual(rows, [['1', '1', 'one'], ['2', '2', null], ['3', '3', 'three'], ['4', '9000000000', 'four']]);
  });
});
