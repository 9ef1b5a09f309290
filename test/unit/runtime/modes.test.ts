// Runner behaviour beyond plain mirroring, against the scripted TEST-DOUBLE source
// (scripted-source.ts): merged shards, schema changes in the stream, a table whose changes
// cannot be applied, and catching up on a quiet source.
import { strict as assert } from 'node:assert';
import { lsn, type Position } from '../../../src/engine/positions';
import { TaskRunner, runTask } from '../../../src/engine/runtime/runner';
import type { SourceTable } from '../../../src/engine/source/types';
import { DuckDbSink } from '../../../src/engine/sink/duckdb/sink';
import { tempDir } from '../sink/helpers';
import { testPlan } from './plan';
import { ITEMS, ScriptedSource } from './scripted-source';
import { EXIT_TABLES_FAILED } from '../../../src/engine/errors';

const shard = (db: string): SourceTable => ({
  id: { db, table: 'orders' },
  columns: [
    { name: 'id', ordinal: 1, dataType: 'int4', fullType: 'integer', nullable: false },
    { name: 'total', ordinal: 2, dataType: 'numeric', fullType: 'numeric(10,2)', nullable: true, precision: 10, scale: 2 },
  ],
  primaryKey: ['id'],
});

async function rows(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const t = await DuckDbSink.open(path);
  try { return await t.conn.rows(sql); } finally { await t.close(); }
}

describe('runner: merge, schema changes, failing tables, quiet sources (scripted test-double source)', function () {
  this.timeout(120_000); // seconds each when quiet; a loaded 2-core machine takes several times longer
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  it('merges shards with equal primary keys into one table without collisions; a truncate hits one shard only', async () => {
    const plan = testPlan(tmp.dir, { mode: 'multi-table-merge', tables: [], virtualTables: { orders_all: ['shard_\\d+\\.orders'] } });
    const s1 = shard('shard_1'), s2 = shard('shard_2');
    const src = new ScriptedSource(plan, {}, [s1, s2]);
    src.commit([{ kind: 'insert', table: s1.id, after: ['1', '10.00'] }, { kind: 'insert', table: s2.id, after: ['1', '20.00'] }]);
    src.commit([{ kind: 'insert', table: s1.id, after: ['2', '30.00'] }]);
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    src.commit([{ kind: 'update', table: s2.id, before: ['1', null], after: ['1', '21.50'] }]);
    src.commit([{ kind: 'truncate', table: s1.id }]);
    src.commit([{ kind: 'insert', table: s1.id, after: ['3', '5.00'] }]);
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    const got = await rows(plan.target.path, `SELECT _lakesync_source_db AS db, _lakesync_source_table AS tbl, id, CAST(total AS VARCHAR) AS total
      FROM ods.orders_all ORDER BY db, id`);
    assert.deepEqual(got, [
      { db: 'shard_1', tbl: 'orders', id: 3, total: '5.00' },
      { db: 'shard_2', tbl: 'orders', id: 1, total: '21.50' },
    ]);
  });

  it('applies an added column from the stream, and keeps a dropped one (NULL from then on)', async () => {
    const plan = testPlan(tmp.dir, { tables: ['app.items'] });
    const src = new ScriptedSource(plan, {}, [ITEMS]);
    src.commit([{ kind: 'insert', table: ITEMS.id, after: ['1', 'a', 'doc1'] }]);
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    // while the task runs: the DDL arrives in the stream
    const runner = new TaskRunner(plan, src, { controlSocket: false });
    const running = runner.run();
    await new Promise((r) => setTimeout(r, 300));
    const withColor: SourceTable = { ...ITEMS, columns: [...ITEMS.columns, { name: 'color', ordinal: 4, dataType: 'int8', fullType: 'bigint', nullable: true }] };
    src.tables.set('app.items', withColor);
    src.commit([{ kind: 'schema', table: ITEMS.id, ddl: 'ALTER TABLE items ADD color bigint' },
      { kind: 'insert', table: ITEMS.id, after: ['2', 'b', 'doc2', '9007199254740993'] }]);
    while (runner.status.status.position !== 'lsn:0/2') await new Promise((r) => setTimeout(r, 20));
    runner.stop();
    assert.equal(await running, 0);
    // while the task is stopped: the next start finds the new shape
    const noDoc: SourceTable = { ...withColor, columns: withColor.columns.filter((c) => c.name !== 'doc') };
    src.tables.set('app.items', noDoc);
    src.commit([{ kind: 'schema', table: ITEMS.id, ddl: 'ALTER TABLE items DROP doc' },
      { kind: 'update', table: ITEMS.id, before: ['1', null, null], after: ['1', 'a2', '7'] }]);
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    const got = await rows(plan.target.path, 'SELECT id, v, doc, CAST(color AS VARCHAR) AS color FROM ods.items ORDER BY id');
    assert.deepEqual(got, [
      { id: 1, v: 'a2', doc: null, color: '7' },
      { id: 2, v: 'b', doc: 'doc2', color: '9007199254740993' },
    ]);
  });

  it('a table whose changes cannot be applied fails alone; the other tables go on', async () => {
    const plan = testPlan(tmp.dir);
    const src = new ScriptedSource(plan);
    src.commit([{ kind: 'insert', table: ITEMS.id, after: ['1', 'a', 'x'] }]);
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    // the same batch: a tag whose key is not an integer, and good item changes
    src.commit([{ kind: 'insert', table: { db: 'app', table: 'tags' }, after: ['not-a-number', 't'] },
      { kind: 'insert', table: ITEMS.id, after: ['2', 'b', 'y'] }]);
    src.commit([{ kind: 'insert', table: ITEMS.id, after: ['3', 'c', 'z'] }]);
    const statuses: string[] = [];
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false,
      onStatus: (s) => statuses.push(s.tables.map((t) => `${t.source}=${t.phase}`).join(',')) }), EXIT_TABLES_FAILED,
    'caught up except a failed table: exit 3, never a success');
    assert.deepEqual((await rows(plan.target.path, 'SELECT id FROM ods.items ORDER BY id')).map((r) => r.id), [1, 2, 3]);
    assert.ok(statuses.at(-1)!.includes('app.tags=failed'), statuses.at(-1));
    const t = await DuckDbSink.open(plan.target.path);
    const errors = await t.state.errors('app.tags');
    assert.match(errors[0].message, /not-a-number/);
    assert.equal((await t.state.table('app.tags'))?.phase, 'failed');
    await t.close();
  });

  it('--until-caught-up finishes on a quiet source only by a proven position; silence is a stall, never a success', async () => {
    const plan = testPlan(tmp.dir);
    const src = new ScriptedSource(plan);
    src.commit([{ kind: 'insert', table: ITEMS.id, after: ['1', 'a', 'x'] }]);
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    // the source's position moved on (other databases' WAL) without a transaction for this task
    let current: Position = lsn(BigInt(src.log.length + 1));
    src.currentPosition = async () => current;
    const started = Date.now();
    // a keepalive: a transaction without changes that only carries the position
    setTimeout(() => src.commit([]), 100);
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false, stallTimeoutMs: 20_000 }), 0);
    // well before the 20 s stall timeout (a loaded machine takes seconds to open and run the task)
    assert.ok(Date.now() - started < 15_000, 'the position-only transaction reached the goal');
    // a goal that nothing proves: the run waits, then fails as stalled (it never says caught up)
    current = lsn(100n);
    const idleStart = Date.now();
    await assert.rejects(runTask(plan, src, { untilCaughtUp: true, controlSocket: false, stallTimeoutMs: 1500 }),
      (err: Error) => err.name === 'StallError' && /stalled/.test(err.message) && /lsn:0\/64/.test(err.message));
    assert.ok(Date.now() - idleStart >= 1500);
    const t = await DuckDbSink.open(plan.target.path);
    try { assert.notEqual((await t.state.checkpoint())?.position, 'lsn:0/64', 'the checkpoint stays where the data is'); } finally { await t.close(); }
  });

  it('at start, widens a target column whose source type grew while the task was stopped', async () => {
    const counts: SourceTable = {
      id: { db: 'app', table: 'counts' },
      columns: [
        { name: 'id', ordinal: 1, dataType: 'int4', fullType: 'integer', nullable: false },
        { name: 'n', ordinal: 2, dataType: 'int4', fullType: 'integer', nullable: true },
      ],
      primaryKey: ['id'],
    };
    const plan = testPlan(tmp.dir, { tables: ['app.counts'] });
    const src = new ScriptedSource(plan, {}, [counts]);
    src.commit([{ kind: 'insert', table: counts.id, after: ['1', '7'] }]);
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    src.tables.set('app.counts', { ...counts, columns: [counts.columns[0], { ...counts.columns[1], dataType: 'int8', fullType: 'bigint' }] });
    src.commit([{ kind: 'insert', table: counts.id, after: ['2', '9007199254740993'] }]);
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    const got = await rows(plan.target.path, `SELECT id, CAST(n AS VARCHAR) AS n, typeof(n) AS t FROM ods.counts ORDER BY id`);
    assert.deepEqual(got, [{ id: 1, n: '7', t: 'BIGINT' }, { id: 2, n: '9007199254740993', t: 'BIGINT' }]);
  });
});
