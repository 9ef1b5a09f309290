// The runner against an in-process scripted source (a TEST DOUBLE, see scripted-source.ts; the
// real-server tests of each source are in test/integration/). Every assertion compares the
// DuckDB target with the source's rows.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { formatPosition } from '../../../src/engine/positions';
import { DuckDbSink } from '../../../src/engine/sink/duckdb/sink';
import { TaskRunner, runTask } from '../../../src/engine/runtime/runner';
import { sendControlRequest } from '../../../src/engine/runtime/control';
import { tempDir } from '../sink/helpers';
import { ScriptedSource, emptyModel, modelRows, workload } from './scripted-source';
import { targetRows, testPlan } from './plan';
import { waitUntil } from '../../harness';

async function checkpoint(path: string): Promise<string | undefined> {
  const t = await DuckDbSink.open(path);
  try { const cp = await t.state.checkpoint(); return cp && formatPosition(cp.position); } finally { await t.close(); }
}

describe('runner (scripted test-double source)', function () {
  this.timeout(120_000); // seconds each when quiet; a loaded 2-core machine takes several times longer
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  it('full sync, then changes, until caught up: the target equals the source', async () => {
    const plan = testPlan(tmp.dir);
    const src = new ScriptedSource(plan);
    src.commitAll(workload(1, 150, emptyModel()));
    // changes keep coming while the snapshot runs
    const more = workload(2, 60, structuredClone(src.model));
    let i = 0;
    const timer = setInterval(() => { if (i < more.length) src.commit(more[i++]); }, 2);
    const code = await runTask(plan, src, { untilCaughtUp: true, controlSocket: false });
    clearInterval(timer);
    assert.equal(code, 0);
    const cp = await checkpoint(plan.target.path);
    assert.ok(cp, 'a checkpoint is stored');
    // everything committed before the catch-up goal is in; run again to pick up the rest
    while (i < more.length) src.commit(more[i++]);
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    assert.deepEqual(await targetRows(plan.target.path, 'items'), modelRows(src.model, 'app.items'));
    assert.deepEqual(await targetRows(plan.target.path, 'tags'), modelRows(src.model, 'app.tags'));
    assert.equal(await checkpoint(plan.target.path), formatPosition(await src.currentPosition()));
    src.commit([{ kind: 'insert', table: { db: 'app', table: 'items' }, after: ['5000', 'last', 'x'] }]);
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    assert.equal(formatPosition(src.confirmed.at(-1)!), formatPosition(await src.currentPosition()), 'the source is confirmed up to the checkpoint');
  });

  it('a table dropped at the source after discovery, before its chunks are planned: it stops as dropped, the others sync (the task does not fail)', async () => {
    const plan = testPlan(tmp.dir);
    const src = new ScriptedSource(plan);
    src.commitAll(workload(3, 80, emptyModel()));
    // the DROP lands between the task's discovery and the planning of the table's chunks (a window
    // a loaded machine widens: CI saw "relation does not exist" fail the whole run)
    const open = src.openSnapshot.bind(src);
    src.openSnapshot = async () => {
      const session = await open();
      const plan = session.planChunks.bind(session);
      session.planChunks = async (table, chunkSize, where) => {
        if (table.id.table !== 'tags') return plan(table, chunkSize, where);
        src.tables.delete('app.tags');
        throw new Error('relation "app.tags" does not exist');
      };
      return session;
    };
    const logs: string[] = [];
    const code = await runTask(plan, src, { untilCaughtUp: true, controlSocket: false, log: (_l, m) => logs.push(m) });
    assert.equal(code, 0, logs.join('\n'));
    assert.deepEqual(await targetRows(plan.target.path, 'items'), modelRows(src.model, 'app.items'));
    assert.ok(logs.some((l) => /^app\.tags: source table dropped; target table kept$/.test(l)), logs.join('\n'));
    const t = await DuckDbSink.open(plan.target.path);
    try { assert.equal((await t.state.table('app.tags'))?.phase, 'stopped'); } finally { await t.close(); }
  });

  it('checkpoints only at the end of a transaction that came in parts, and still converges', async () => {
    const plan = testPlan(tmp.dir, { parameters: { memoryMb: 512, flushIntervalMs: 20, batchSize: 3, maxTransactionChanges: 3 } });
    const src = new ScriptedSource(plan);
    src.commitAll(workload(3, 20, emptyModel()));
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    const big = workload(4, 40, structuredClone(src.model)).flat();
    src.commit(big, 5); // one source transaction delivered in 5 parts
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    const cps = src.confirmed.map(formatPosition);
    for (const p of cps) {
      const n = Number(BigInt('0x' + p.split('/')[1]));
      assert.ok(!src.log[n - 1].partial, `confirmed ${p} is the end of a complete transaction`);
    }
    assert.deepEqual(await targetRows(plan.target.path, 'items'), modelRows(src.model, 'app.items'));
  });

  it('a stop during the full sync resumes with the unfinished chunks only', async () => {
    const plan = testPlan(tmp.dir, { snapshot: { enabled: true, concurrency: 2, chunkSize: 500 } });
    const src = new ScriptedSource(plan, { chunkDelayMs: 30 });
    src.commitAll(workload(5, 200, emptyModel()));
    const runner = new TaskRunner(plan, src, { controlSocket: false });
    const running = runner.run();
    while (src.chunkReads.length < 6) await new Promise((r) => setTimeout(r, 5));
    runner.stop();
    assert.equal(await running, 0);
    const t = await DuckDbSink.open(plan.target.path);
    const done = (await t.state.chunkPlan('app.items', { db: 'app', table: 'items' })).filter((c) => c.done).length
      + (await t.state.chunkPlan('app.tags', { db: 'app', table: 'tags' })).filter((c) => c.done).length;
    await t.close();
    assert.ok(done >= 4 && done < 40, `some chunks done (${done})`);
    const firstReads = src.chunkReads.length;
    const resumed = new ScriptedSource(plan);
    resumed.commitAll(workload(5, 200, emptyModel()));
    assert.equal(await runTask(plan, resumed, { untilCaughtUp: true, controlSocket: false }), 0);
    assert.equal(resumed.snapshotsOpened, 1);
    assert.equal(resumed.chunkReads.length, 40 - done, `only the ${40 - done} unfinished chunks are read again (first run read ${firstReads})`);
    assert.deepEqual(await targetRows(plan.target.path, 'items'), modelRows(resumed.model, 'app.items'));
    assert.deepEqual(await targetRows(plan.target.path, 'tags'), modelRows(resumed.model, 'app.tags'));
  });

  it('start modes: --stateless refuses a checkpoint, --resume needs one, --no-snapshot starts at the current position', async () => {
    const plan = testPlan(tmp.dir);
    const src = new ScriptedSource(plan);
    src.commitAll(workload(6, 30, emptyModel()));
    await assert.rejects(runTask(plan, src, { resume: true, controlSocket: false }), /no checkpoint/);
    assert.equal(await runTask(plan, src, { noSnapshot: true, untilCaughtUp: true, controlSocket: false }), 0);
    assert.deepEqual(await targetRows(plan.target.path, 'items'), [], 'no full sync: nothing copied');
    assert.equal(src.snapshotsOpened, 0);
    await assert.rejects(runTask(plan, src, { stateless: true, controlSocket: false }), /lakesync reset/);
    const more = workload(7, 10, structuredClone(src.model));
    src.commitAll(more);
    assert.equal(await runTask(plan, src, { resume: true, untilCaughtUp: true, controlSocket: false }), 0);
    const touched = new Set(more.flat().map((c) => (c.after ?? c.before)![0]));
    assert.ok((await targetRows(plan.target.path, 'items')).every((r) => touched.has(r[0])), 'only rows changed after the start position');
  });

  it('--position streams every table from that position', async () => {
    const plan = testPlan(tmp.dir);
    const src = new ScriptedSource(plan);
    src.commitAll(workload(8, 50, emptyModel()));
    assert.equal(await runTask(plan, src, { position: 'lsn:0/0', untilCaughtUp: true, controlSocket: false }), 0);
    assert.equal(src.snapshotsOpened, 0);
    assert.deepEqual(await targetRows(plan.target.path, 'items'), modelRows(src.model, 'app.items'));
  });

  it('answers status, table operations and read-only queries on the control socket, and writes the status file', async () => {
    const plan = testPlan(tmp.dir);
    const src = new ScriptedSource(plan);
    src.commitAll(workload(9, 40, emptyModel()));
    const runner = new TaskRunner(plan, src);
    const running = runner.run();
    let status: Awaited<ReturnType<typeof sendControlRequest>> | undefined;
    await waitUntil('the task to be incremental', async () => {
      status = await sendControlRequest(plan.file, { type: 'status', id: 1 }).catch(() => undefined);
      return !!status && status.type === 'reply' && status.ok && (status.result as { phase: string }).phase === 'incremental';
    });
    assert.equal(status?.type, 'reply');
    const q = await sendControlRequest(plan.file, { type: 'query', id: 2, sql: 'SELECT count(*) AS n FROM ods.items' });
    assert.deepEqual(q, { type: 'reply', id: 2, ok: true, result: { columns: ['n'], rows: [[String(src.model.get('app.items')!.size)]], truncated: false } });
    const w = await sendControlRequest(plan.file, { type: 'query', id: 3, sql: 'DELETE FROM ods.items' });
    assert.equal(w?.type === 'reply' && w.ok, false, 'writes are refused');
    const bad = await sendControlRequest(plan.file, { type: 'table-op', id: 4, op: 'details', table: 'app.nope' });
    assert.match(bad?.type === 'reply' && !bad.ok ? bad.error : '', /not a table of this task/);
    const details = await sendControlRequest(plan.file, { type: 'table-op', id: 5, op: 'details', table: 'app.items' });
    assert.equal(details?.type === 'reply' && details.ok && (details.result as { chunksTotal: number }).chunksTotal, 100);
    // resync while running: the table is copied again and the stream goes on
    const before = src.snapshotsOpened;
    await sendControlRequest(plan.file, { type: 'table-op', id: 6, op: 'resync', table: 'app.items' });
    await waitUntil('the resync to open a snapshot', () => src.snapshotsOpened !== before).catch(() => undefined);
    assert.equal(src.snapshotsOpened, before + 1);
    src.commitAll(workload(10, 20, structuredClone(src.model)));
    const goal = formatPosition(await src.currentPosition());
    await waitUntil(`the task to reach ${goal}`, async () => {
      const s = await sendControlRequest(plan.file, { type: 'status', id: 8 });
      return s?.type === 'reply' && s.ok && (s.result as { position?: string }).position === goal;
    });
    await sendControlRequest(plan.file, { type: 'stop', id: 7 });
    assert.equal(await running, 0);
    assert.deepEqual(await targetRows(plan.target.path, 'items'), modelRows(src.model, 'app.items'));
    const file = `${plan.target.path}.status.json`;
    assert.ok(existsSync(file));
    const text = readFileSync(file, 'utf8');
    assert.equal(JSON.parse(text).phase, 'stopped');
    assert.ok(!text.includes('secret-pw'), 'no secret in the status file');
  });

  it('queues operations for the next start when the task is not running', async () => {
    const plan = testPlan(tmp.dir);
    const src = new ScriptedSource(plan);
    src.commitAll(workload(11, 30, emptyModel()));
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    const t = await DuckDbSink.open(plan.target.path);
    await t.state.queueOp('resync', 'app.tags');
    await t.close();
    const again = new ScriptedSource(plan);
    again.commitAll(workload(11, 30, emptyModel()));
    assert.equal(await runTask(plan, again, { untilCaughtUp: true, controlSocket: false }), 0);
    assert.deepEqual(again.chunkReads.every((c) => c.startsWith('tags#')) && again.chunkReads.length, 100);
  });

  it('a resync over existing rows removes the rows the source no longer has, and only in that table', async () => {
    const plan = testPlan(tmp.dir);
    const src = new ScriptedSource(plan);
    src.commitAll(workload(12, 40, emptyModel()));
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    const t = await DuckDbSink.open(plan.target.path);
    // rows whose deletes were never applied (e.g. while the table was force-stopped)
    await t.conn.exec("INSERT INTO ods.items VALUES (9999, 'stale', 'x', 'insert', now(), now() - INTERVAL 1 DAY)");
    await t.conn.exec("INSERT INTO ods.tags VALUES (9999, 'kept', 'insert', now(), now() - INTERVAL 1 DAY)");
    await t.state.queueOp('resync', 'app.items');
    await t.close();
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    assert.deepEqual(await targetRows(plan.target.path, 'items'), modelRows(src.model, 'app.items'));
    const tags = await targetRows(plan.target.path, 'tags');
    assert.deepEqual(tags.at(-1), ['9999', 'kept']);
  });

  it('counts failovers across engine processes: a supervised restart is recorded with its cause', async () => {
    const plan = testPlan(tmp.dir);
    const src = new ScriptedSource(plan);
    src.commitAll(workload(13, 5, emptyModel()));
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    const runner = new TaskRunner(plan, src, { untilCaughtUp: true, controlSocket: false, restartCause: 'engine exited (SIGKILL)' });
    assert.equal(await runner.run(), 0);
    assert.equal(runner.status.status.failovers, 1);
    const again = new TaskRunner(plan, src, { untilCaughtUp: true, controlSocket: false, restartCause: 'engine exited (code 1)' });
    assert.equal(await again.run(), 0);
    assert.equal(again.status.status.failovers, 2);
    assert.deepEqual(again.status.status.failoverEvents.map((e) => e.cause), ['engine exited (SIGKILL)', 'engine exited (code 1)']);
  });

  it('backfill --where rewrites only the matching rows and deletes nothing; prioritize puts a table first', async () => {
    const plan = testPlan(tmp.dir, { snapshot: { enabled: true, concurrency: 1, chunkSize: 5000 } });
    const src = new ScriptedSource(plan);
    src.commitAll(workload(14, 60, emptyModel()));
    let t = await DuckDbSink.open(plan.target.path);
    await t.state.queueOp('prioritize', 'app.tags');
    await t.close();
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    assert.deepEqual(src.chunkReads, ['tags#0', 'tags#1', 'items#0', 'items#1'], 'tags went first');
    t = await DuckDbSink.open(plan.target.path);
    // drift in the target: one row wrong inside the range, one outside, one extra row inside
    const ids = [...src.model.get('app.items')!.keys()].sort((a, b) => a - b);
    const inside = ids.find((k) => k < 100)!, outside = ids.find((k) => k >= 100)!;
    await t.conn.exec(`UPDATE ods.items SET v = 'drift' WHERE id IN (${inside}, ${outside})`);
    await t.conn.exec("INSERT INTO ods.items VALUES (99999, 'extra', 'x', 'insert', now(), now())");
    await t.state.queueOp('backfill', 'app.items', 'id < 100');
    await t.close();
    src.chunkReads.length = 0;
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    assert.deepEqual(src.chunkReads, ['items#0', 'items#1']);
    const got = new Map((await targetRows(plan.target.path, 'items')).map((r) => [r[0], r[1]]));
    assert.equal(got.get(String(inside)), src.model.get('app.items')!.get(inside)![1], 'the row in the range is right again');
    assert.equal(got.get(String(outside)), 'drift', 'rows outside the filter are not touched');
    assert.equal(got.get('99999'), 'extra', 'a backfill deletes nothing');
  });

  it('resumes from the checkpoint, and a table whose sink committed past it skips exactly what it holds', async () => {
    const plan = testPlan(tmp.dir);
    const src = new ScriptedSource(plan);
    src.commitAll(workload(21, 40, emptyModel()));
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    const start = await checkpoint(plan.target.path);
    // three more transactions, each touching both tables
    for (let i = 0; i < 3; i++) {
      src.commit([
        { kind: 'insert', table: { db: 'app', table: 'items' }, after: [String(7000 + i), `i${i}`, 'd'] },
        { kind: 'insert', table: { db: 'app', table: 'tags' }, after: [String(7000 + i), `t${i}`] },
      ]);
    }
    // what a sink committing table by table leaves after a crash between two tables: tags holds the
    // first two transactions (its rows marked so a replay would show), items and the checkpoint do not
    const t = await DuckDbSink.open(plan.target.path);
    const heldAt = formatPosition(src.log.at(-2)!.position);
    await t.conn.exec("INSERT INTO ods.tags VALUES (7000, 'held', 'insert', now(), now()), (7001, 'held', 'insert', now(), now())");
    await t.conn.exec(`UPDATE _lakesync.tables SET position = '${heldAt}' WHERE source = 'app.tags'`);
    await t.close();
    assert.equal(await checkpoint(plan.target.path), start);
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    const tags = new Map((await targetRows(plan.target.path, 'tags')).map((r) => [r[0], r[1]]));
    assert.equal(tags.get('7000'), 'held', 'tags skipped the transaction it held');
    assert.equal(tags.get('7001'), 'held');
    assert.equal(tags.get('7002'), 't2', 'and applied the one after its position');
    assert.deepEqual(await targetRows(plan.target.path, 'items'), modelRows(src.model, 'app.items'), 'items replayed everything from the checkpoint');
    assert.equal(await checkpoint(plan.target.path), formatPosition(await src.currentPosition()));
  });
});
