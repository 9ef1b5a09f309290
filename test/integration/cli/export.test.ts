// `lakesync export --to flink-cdc` on real servers: the extension's path (--ipc, the secret only in
// the init message) writes a pipeline that names the secret and never holds it; what the pipeline
// cannot express is refused with the reason and nothing is written.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { ensureBuilt, runCli, runWithInit, sharedMariadb, sharedPostgres, sleep, spawnCli, tempDir, uniqueName, writeTask } from '../../harness';
import { loadTask } from '../../../src/engine/config';
import { readHandoverPosition, stopRunningTask, stopWhenCaughtUp } from '../../../src/engine/export/handover';
import { comparePositions, formatPosition, lsn, parseLsn, parsePosition, type Position } from '../../../src/engine/positions';
import { assertTablesEqual } from '../../support/compare';

describe('lakesync export --to flink-cdc (real servers)', function () {
  this.timeout(120_000);
  before(() => ensureBuilt());

  it('from the extension (--ipc): the pipeline lands beside the task file, the secret stays a placeholder', async () => {
    const pg = await sharedPostgres();
    const db = await pg.createDatabase();
    await pg.sql('CREATE TABLE public.items (id int PRIMARY KEY, name text); CREATE TABLE public.tags (id int PRIMARY KEY)', [], { database: db });
    const dir = tempDir('export-ipc');
    const file = writeTask({ name: 'shop', source: pg.source(db, { password: '${secret:shop-db}' }), mode: 'database-mirror', databases: ['public'], target: { path: 'lake.duckdb' } }, dir);
    const r = await runWithInit(['export', file, '--to', 'flink-cdc'], { 'shop-db': pg.password });
    assert.equal(r.code, 0, r.out);
    const out = join(dir, 'shop.flink-cdc.yaml');
    assert.match(r.out, new RegExp(`wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const text = readFileSync(out, 'utf8');
    assert.ok(!text.includes(pg.password), 'the resolved password is in the pipeline');
    assert.ok(!r.out.includes(pg.password), 'the resolved password is in the output');
    const doc = parse(text) as { source: Record<string, unknown> };
    assert.equal(doc.source.password, '${LAKESYNC_SECRET_SHOP_DB}');
    assert.equal(doc.source.tables, `${db}.public.\\.*`);
    assert.equal(doc.source['slot.name'], 'lakesync_shop');
  });

  it('a keyless table is refused with the reason and the alternative; no file is written', async () => {
    const maria = await sharedMariadb();
    const db = await maria.createDatabase();
    await maria.sql(`CREATE TABLE ${db}.orders (id INT PRIMARY KEY); CREATE TABLE ${db}.audit (at DATETIME, what TEXT)`);
    const dir = tempDir('export-keyless');
    const file = writeTask({ name: 'keyless', source: maria.source(), mode: 'database-mirror', databases: [db], target: { path: 'lake.duckdb' } }, dir);
    const r = await runCli(['export', file, '--to', 'flink-cdc']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`${db}\\.audit has no primary key`));
    assert.match(r.stderr, /Alternatives: add a primary key/);
    assert.equal(existsSync(join(dir, 'keyless.flink-cdc.yaml')), false);
  });

  it('--handover from a DuckDB target is refused: Flink CDC cannot continue those tables', async () => {
    const maria = await sharedMariadb();
    const db = await maria.createDatabase();
    await maria.sql(`CREATE TABLE ${db}.orders (id INT PRIMARY KEY)`);
    const file = writeTask({ name: 'duck', source: maria.source(), mode: 'database-mirror', databases: [db], target: { path: 'lake.duckdb' } }, tempDir('export-duck'));
    const r = await runCli(['export', file, '--to', 'flink-cdc', '--handover']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--handover continues the tables LakeSync wrote.*target\.type: iceberg.*without --handover/s);
    const bad = await runCli(['export', file]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /needs --to flink-cdc/);
  });

  it('PostgreSQL hand-over: the running task stops through its socket; its slot is at the checkpoint, or past it by keepalives only with every change in the target, so committed-offset leaves no gap', async () => {
    const pg = await sharedPostgres();
    const db = await pg.createDatabase();
    await pg.sql('CREATE TABLE public.items (id int PRIMARY KEY, name text); INSERT INTO public.items SELECT g, md5(g::text) FROM generate_series(1, 500) g', [], { database: db });
    const file = writeTask({ name: uniqueName('pgho'), source: pg.source(db), mode: 'multi-table-mirror', tables: ['public.items'], target: { path: 'lake.duckdb' } }, tempDir('export-pg-handover'));
    const run = spawnCli(['run', file, '--json']);
    const deadline = Date.now() + 90_000;
    for (;;) {
      const s = await runCli(['status', file, '--json'], { timeoutMs: 30_000 });
      const st = s.code === 0 ? JSON.parse(s.stdout) as { running?: boolean; tables?: { phase: string }[] } : undefined;
      if (st?.running && st.tables?.length && st.tables.every((t) => t.phase === 'incremental')) break;
      assert.ok(Date.now() < deadline, `the task did not reach incremental: ${s.stdout}`);
      await sleep(300);
    }
    await pg.sql("INSERT INTO public.items VALUES (501, 'after'); UPDATE public.items SET name = 'x' WHERE id < 10", [], { database: db });
    await sleep(1500);
    assert.equal(await stopRunningTask(file), 'stopped');
    const exited = await run.exited;
    assert.equal(exited.code, 0, exited.stderr.slice(-2000));
    const plan = await loadTask(file, { env: { ...process.env, ...pg.env } });
    const start = await readHandoverPosition(plan);
    assert.equal(start.kind, 'lsn');
    const [slot] = await pg.sql<{ lsn: string }>('SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1', [plan.source.slot]);
    assert.ok(slot, `slot ${plan.source.slot}`);
    const cmp = comparePositions(lsn(parseLsn(slot.lsn)), lsn(parseLsn(start.kind === 'lsn' ? start.lsn : '0/0')));
    // committed-offset starts Flink at the slot's position. The slot may stand past the checkpoint
    // only by keepalives confirmed while nothing was unapplied (postgres/stream.ts): then the
    // target already holds every change, which is what "no gap" means, and is checked here.
    if (cmp > 0) {
      await assertTablesEqual([{ server: pg, database: db, table: { db: 'public', table: 'items' }, duckdbPath: join(dirname(file), 'lake.duckdb') }],
        `the slot confirmed ${slot.lsn}, past the checkpoint ${start.checkpoint}: Flink would skip what the target lacks`);
    }
    console.log(`      checkpoint ${start.checkpoint}, slot confirmed_flush_lsn ${slot.lsn}${cmp === 0 ? ' (equal)'
      : cmp > 0 ? ' (ahead by keepalives only: the target holds every change)' : ' (behind: Flink re-reads a little, idempotent by key)'}`);
  });

  it('the hand-over waits until the running task has committed the source\'s position (a 300,000-row transaction in flight), then stops it', async function () {
    this.timeout(600_000);
    const pg = await sharedPostgres();
    const db = await pg.createDatabase();
    await pg.sql('CREATE TABLE public.items (id int PRIMARY KEY, name text); INSERT INTO public.items SELECT g, md5(g::text) FROM generate_series(1, 500) g', [], { database: db });
    const file = writeTask({ name: uniqueName('pgwait'), source: pg.source(db), mode: 'multi-table-mirror', tables: ['public.items'], target: { path: 'lake.duckdb' } }, tempDir('export-pg-wait'));
    const run = spawnCli(['run', file, '--json']);
    try {
      await run.waitFor(/"phase":"incremental"/, 120_000);
      await pg.sql('INSERT INTO public.items SELECT g, md5(g::text) FROM generate_series(501, 300500) g', [], { database: db });
      const plan = await loadTask(file, { env: { ...process.env, ...pg.env } });
      let goal: Position | undefined;
      const lines: string[] = [];
      const stopped = await stopWhenCaughtUp(file, async () => {
        goal = lsn(parseLsn((await pg.sql<{ l: string }>('SELECT pg_current_wal_insert_lsn()::text AS l', [], { database: db }))[0].l));
        return goal;
      }, (l) => lines.push(l));
      assert.equal(stopped, 'stopped');
      assert.equal((await run.exited).code, 0);
      const start = await readHandoverPosition(plan);
      assert.ok(goal && comparePositions(parsePosition(start.checkpoint), goal) >= 0, `handed over at ${start.checkpoint}, before the source's position ${goal && formatPosition(goal)}`);
      assert.match(lines.join('\n'), /waiting until the task has committed .*caught up: checkpoint/s);
      await assertTablesEqual([{ server: pg, database: db, table: { db: 'public', table: 'items' }, duckdbPath: join(dirname(file), 'lake.duckdb') }],
        'the target at the hand-over');
    } finally {
      run.kill();
    }
  });
});
