// source.plugin: decoderbufs (Debian's postgresql-15-decoderbufs) end to end: the type fixtures of
// the pgoutput path, a writer with kill -9, a schema change, a restart from an LSN and a
// partitioned table, all through `lakesync run` into DuckDB: the target equals the source.
import assert from 'node:assert/strict';
import { runCli, sleep, spawnCli } from '../../harness';
import { assertWorkloadEqual, createWorkload, e2eTask, runUntilCaughtUp, targetRows, Writer, type E2eTask } from './e2e-helpers';
import { testDatabase, dropTestSlots, type PgTestDb } from './helpers';
import { CASES, createTypesTable } from './type-cases';

/** A task on `t` whose slot uses decoderbufs. */
function dbufTask(t: PgTestDb, over: Record<string, unknown> = {}): E2eTask {
  const probe = e2eTask(t, over);
  const task = e2eTask(t, { ...over, source: t.server.source(t.db, { slot: probe.slot, publication: probe.slot, plugin: 'decoderbufs' }) }, probe.dir);
  return { ...task, slot: probe.slot };
}

/** Values whose decoderbufs datum is not text (ints, floats, dates, times, money, point): [type, literal]. */
const TYPED: [string, string][] = [
  ['int2', '-32768'], ['int4', '2147483647'], ['oid', '4294967295'],
  ['float4', "'1e-05'"], ['float4', "'-0.1'"], ['float4', "'123456'"], ['float4', "'NaN'"], ['float4', "'-0'"],
  ['float8', "'1e-05'"], ['float8', "'123456789012345.6'"], ['float8', "'1e15'"], ['float8', "'-2.5e-300'"],
  ['money', "'-0.05'"], ['money', "'92233720368547758.07'"],
  ['date', "'4713-01-01 BC'"], ['date', "'5874897-12-31'"], ['date', "'1970-01-01'"], ['date', "'1969-12-31'"],
  ['timestamp', "'0044-03-15 12:00:00.5 BC'"], ['timestamp', "'1969-12-31 23:59:59.999999'"], ['timestamp', "'-infinity'"],
  ['timestamp(3)', "'2024-06-01 00:00:00.123'"], ['timestamptz', "'0001-01-01 00:00:00+00 BC'"], ['timestamptz', "'infinity'"],
  ['time', "'24:00:00'"], ['time', "'00:00:00'"], ['time(2)', "'12:34:56.78'"],
  ['point', "'(1.5,-2e-05)'"], ['bool', 'NULL'], ['"char"', "'x'"], ['numeric(5,-2)', '12345'], ['interval day to second(2)', "'1 day 00:00:01.25'"],
];

describe('lakesync run (PostgreSQL, source.plugin: decoderbufs)', function () {
  this.timeout(300_000);
  afterEach(dropTestSlots);

  it('every type fixture: the streamed row equals the snapshot row (timetz: the same instant at +00)', async () => {
    const t = await testDatabase();
    const values = await createTypesTable(t);
    await t.sql(`ALTER TABLE types ${TYPED.map(([type], i) => `ADD COLUMN d${i} ${type}`).join(', ')}`);
    const typed = TYPED.map(([, lit]) => lit).join(', ');
    await t.sql(`INSERT INTO types VALUES (1, ${values}, ${typed})`);
    const task = dbufTask(t);
    await runUntilCaughtUp(task);            // row 1: snapshot (COPY)
    await t.sql(`INSERT INTO types VALUES (2, ${values}, ${typed})`);
    await runUntilCaughtUp(task);            // row 2: stream (decoderbufs)
    const [{ plugin }] = await t.sql<{ plugin: string }>('SELECT plugin FROM pg_replication_slots WHERE slot_name = $1', [task.slot]);
    assert.equal(plugin, 'decoderbufs');
    const names = [...CASES.map(([type, lit], i) => ({ col: `c${i}`, what: `${type} ${lit}` })), ...TYPED.map(([type, lit], i) => ({ col: `d${i}`, what: `${type} ${lit}` }))];
    const rows = await targetRows(task.duckdb, `SELECT id::VARCHAR, ${names.map((n) => `${n.col}::VARCHAR`).join(', ')}, _lakesync_op FROM ods.types ORDER BY types.id`);
    assert.equal(rows.length, 2);
    const [snap, streamed] = rows;
    assert.notEqual(snap.at(-1), streamed.at(-1), 'one row per path');
    const problems: string[] = [];
    names.forEach(({ what }, i) => {
      let expected = snap[i + 1];
      // decoderbufs sends timetz as its UTC time of day (documented): 10:11:12.345678+05:30 arrives as 04:41:12.345678+00
      if (what.startsWith('timetz')) expected = '04:41:12.345678+00';
      if (streamed[i + 1] !== expected) problems.push(`${what}: snapshot ${JSON.stringify(snap[i + 1])}, stream ${JSON.stringify(streamed[i + 1])}`);
    });
    assert.deepEqual(problems, []);
    // a few of the typed datums, spelled out (the snapshot path is held to the source by run-types)
    const at = (type: string, lit: string) => streamed[CASES.length + 1 + TYPED.findIndex(([ty, l]) => ty === type && l === lit)];
    assert.equal(at('timestamp', "'0044-03-15 12:00:00.5 BC'"), '0044-03-15 (BC) 12:00:00.5');
    assert.equal(at('date', "'5874897-12-31'"), '5874897-12-31');
    assert.equal(at('money', "'92233720368547758.07'"), '92233720368547758.07');
    assert.equal(at('float8', "'1e15'"), '1000000000000000.0');
    assert.equal(at('point', "'(1.5,-2e-05)'"), '(1.5,-2e-05)');
  });

  it('snapshot under writes, streaming, kill -9 while streaming, restart: target equals source (unchanged TOAST and key changes included)', async () => {
    const t = await testDatabase();
    await createWorkload(t, 3000);
    const task = dbufTask(t);
    const writer = new Writer(t);
    writer.start();
    const run = spawnCli(['run', task.file]);
    try {
      await run.waitFor(/public\.items: full sync done/, 120_000);
      await run.waitFor(/public\.docs: full sync done/, 120_000);
      await run.waitFor(/public\.pairs: full sync done/, 120_000);
      await sleep(2500);
      run.kill('SIGKILL');
      await run.exited;
      await sleep(1000);
    } finally {
      await writer.stop();
    }
    assert.ok(writer.transactions > 20, `writer made ${writer.transactions} transactions`);
    await runUntilCaughtUp(task);
    await assertWorkloadEqual(t, task.duckdb);
  });

  it('columns added and retyped while streaming reach the lakehouse', async () => {
    const t = await testDatabase();
    await t.sql('CREATE TABLE evo (id int PRIMARY KEY, n int, price numeric(8,2))');
    await t.sql('INSERT INTO evo VALUES (1, 1, 1.5)');
    const task = dbufTask(t);
    await runUntilCaughtUp(task);
    const run = spawnCli(['run', task.file]);
    try {
      await run.waitFor(/public\.evo: incremental/, 60_000);
      await t.sql('INSERT INTO evo VALUES (2, 2, 2.25)');
      await t.sql('DELETE FROM evo WHERE id = 2');
      await t.sql('ALTER TABLE evo ADD COLUMN note text');
      await t.sql("INSERT INTO evo VALUES (3, 3, 3, 'three')");
      await t.sql("UPDATE evo SET note = 'one' WHERE id = 1");
      await t.sql('ALTER TABLE evo ALTER COLUMN n TYPE bigint, ALTER COLUMN price TYPE numeric(12,4)');
      await t.sql("INSERT INTO evo VALUES (4, 9000000000, 12345678.1234, 'four')");
      await sleep(3000);
    } finally {
      run.kill('SIGTERM');
    }
    assert.equal((await run.exited).code, 0);
    await runUntilCaughtUp(task);
    const rows = await targetRows(task.duckdb, 'SELECT id::VARCHAR, n::VARCHAR, price::VARCHAR, note FROM ods.evo ORDER BY evo.id');
    assert.deepEqual(rows, [['1', '1', '1.5000', 'one'], ['3', '3', '3.0000', 'three'], ['4', '9000000000', '12345678.1234', 'four']]);
  });

  it('--position lsn: streams from that LSN; a restart resumes from the stored LSN without duplicates', async () => {
    const t = await testDatabase();
    await t.sql('CREATE TABLE ev (id int PRIMARY KEY, v text)');
    await t.sql("INSERT INTO ev VALUES (1, 'before everything')");
    const task = dbufTask(t);
    await runUntilCaughtUp(task, ['--no-snapshot']); // creates the slot, copies nothing
    await t.sql("INSERT INTO ev VALUES (2, 'before the position')");
    const [{ lsn }] = await t.sql<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    await t.sql("INSERT INTO ev VALUES (3, 'after the position')");
    await t.sql("UPDATE ev SET v = 'updated after' WHERE id = 1");
    await runUntilCaughtUp(task, ['--position', `lsn:${lsn}`]);
    assert.deepEqual(await targetRows(task.duckdb, 'SELECT id::VARCHAR, v FROM ods.ev ORDER BY id'), [['1', 'updated after'], ['3', 'after the position']]);
    // resume: only what came after the checkpoint, once
    await t.sql("INSERT INTO ev VALUES (4, 'later')");
    await t.sql('DELETE FROM ev WHERE id = 3');
    const res = await runUntilCaughtUp(task);
    assert.doesNotMatch(res.stdout + res.stderr, /full sync/, 'a resume, not a new full sync');
    assert.deepEqual(await targetRows(task.duckdb, 'SELECT id::VARCHAR, v FROM ods.ev ORDER BY id'), [['1', 'updated after'], ['4', 'later']]);
    const status = await runCli(['status', task.file, '--json']);
    assert.equal(status.code, 0, status.stderr);
  });

  it('a transaction larger than maxTransactionChanges arrives in parts and commits whole: equal to the source', async () => {
    const t = await testDatabase();
    await t.sql('CREATE TABLE big (id int PRIMARY KEY, v text)');
    const task = dbufTask(t, { parameters: { maxTransactionChanges: 1000 } });
    await runUntilCaughtUp(task);
    await t.sql("INSERT INTO big SELECT g, 'v' || g FROM generate_series(1, 25000) g");
    await t.sql("UPDATE big SET v = v || '+' WHERE id % 3 = 0");
    await t.sql('DELETE FROM big WHERE id % 5 = 0');
    await runUntilCaughtUp(task);
    const [src] = await t.sql<{ n: string; h: string }>("SELECT count(*)::text AS n, md5(string_agg(id || ':' || v, ',' ORDER BY id)) AS h FROM big");
    const [[n, h]] = await targetRows(task.duckdb, "SELECT count(*)::VARCHAR, md5(string_agg(id || ':' || v, ',' ORDER BY id)) FROM ods.big");
    assert.deepEqual([n, h], [src.n, src.h]);
    assert.equal(n, '20000');
  });

  it('a partitioned table: rows of its partitions land in the one target table; other tables of the database are ignored', async () => {
    const t = await testDatabase();
    await t.sql('CREATE TABLE m (id int, region text, v int, PRIMARY KEY (id, region)) PARTITION BY LIST (region)');
    await t.sql("CREATE TABLE m_eu PARTITION OF m FOR VALUES IN ('eu')");
    await t.sql("CREATE TABLE m_us PARTITION OF m FOR VALUES IN ('us')");
    await t.sql('CREATE TABLE other (id int PRIMARY KEY)');
    await t.sql("INSERT INTO m VALUES (1, 'eu', 1), (2, 'us', 2)");
    const task = dbufTask(t, { tables: ['public.m'] });
    await runUntilCaughtUp(task);
    await t.sql("INSERT INTO m VALUES (3, 'eu', 3), (4, 'us', 4)");
    await t.sql("UPDATE m SET v = 20 WHERE id = 2");
    await t.sql("DELETE FROM m WHERE id = 1");
    await t.sql('INSERT INTO other VALUES (1)');
    await runUntilCaughtUp(task);
    assert.deepEqual(await targetRows(task.duckdb, 'SELECT id::VARCHAR, region, v::VARCHAR FROM ods.m ORDER BY id'),
      [['2', 'us', '20'], ['3', 'eu', '3'], ['4', 'us', '4']]);
    assert.deepEqual(await targetRows(task.duckdb, "SELECT count(*)::VARCHAR FROM information_schema.tables WHERE table_name = 'other'"), [['0']]);
  });

  it('lakesync check: the plugin is found and what it cannot carry is said', async () => {
    const t = await testDatabase();
    await t.sql('CREATE TABLE a (id int PRIMARY KEY)');
    const task = dbufTask(t);
    const res = await runCli(['check', task.file, '--json'], { timeoutMs: 60_000 });
    const checks = JSON.parse(res.stdout) as { checks?: { id: string; status: string; detail?: string }[] } | { id: string; status: string; detail?: string }[];
    const list = Array.isArray(checks) ? checks : checks.checks ?? [];
    const byId = new Map(list.map((c) => [c.id, c]));
    assert.equal(byId.get('decoderbufs')?.status, 'ok', res.stdout);
    assert.equal(byId.get('decoderbufs_limits')?.status, 'warn', res.stdout);
    assert.match(byId.get('decoderbufs_limits')?.detail ?? '', /TRUNCATE/);
    assert.ok(!byId.has('publication'), 'decoderbufs uses no publication');
  });
});
