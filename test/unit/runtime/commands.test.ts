// status / reset / table operations on a task that is not running: they read and write the
// state in the target file and never need the source's password. The state is made by the
// runner against the scripted TEST-DOUBLE source (scripted-source.ts).
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resetCommand } from '../../../src/engine/commands/reset';
import { statusCommand } from '../../../src/engine/commands/status';
import { tableOpCommand } from '../../../src/engine/commands/table-op';
import { UserError } from '../../../src/engine/errors';
import { loadTaskOffline } from '../../../src/engine/runtime/offline';
import { runTask } from '../../../src/engine/runtime/runner';
import { DuckDbSink } from '../../../src/engine/sink/duckdb/sink';
import { tempDir } from '../sink/helpers';
import { targetRows } from './plan';
import { ScriptedSource, emptyModel, modelRows, workload } from './scripted-source';

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => { lines.push(a.map(String).join(' ')); };
  try { return { code: await fn(), out: lines.join('\n') }; } finally { console.log = orig; }
}

describe('status, reset and table operations while the task is not running', function () {
  this.timeout(120_000); // seconds each when quiet; a loaded 2-core machine takes several times longer
  let tmp: ReturnType<typeof tempDir>;
  let file: string;
  beforeEach(() => {
    tmp = tempDir();
    file = join(tmp.dir, 'shop.sync.yaml');
    writeFileSync(file, [
      'source:', '  type: postgres', '  host: 127.0.0.1', '  port: 1', '  user: u',
      '  password: ${env:LAKESYNC_UNIT_NOT_SET_PASSWORD}', '  database: app',
      'mode: multi-table-mirror', 'tables: [app.items, app.tags]',
      'target:', '  path: lake.duckdb', '  namespace: ods', '',
    ].join('\n'));
  });
  afterEach(() => tmp.cleanup());

  it('status prints the never-run state, then the tables and the checkpoint; reset forgets the checkpoint and keeps the data', async () => {
    const never = await capture(() => statusCommand({ file, flags: { json: true }, positionals: [] }));
    assert.equal(JSON.parse(never.out).neverRun, true);

    const plan = await loadTaskOffline(file);
    const src = new ScriptedSource(plan);
    src.commitAll(workload(31, 30, emptyModel()));
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);

    const st = JSON.parse((await capture(() => statusCommand({ file, flags: { json: true }, positionals: [] }))).out);
    assert.equal(st.running, false);
    assert.equal(st.position, 'lsn:0/1E');
    assert.deepEqual(st.tables.map((t: { source: string; phase: string }) => [t.source, t.phase]), [['app.items', 'incremental'], ['app.tags', 'incremental']]);
    const text = (await capture(() => statusCommand({ file, flags: {}, positionals: [] }))).out;
    assert.match(text, /not running/);
    assert.match(text, /app\.items\s+incremental/);

    const reset = await capture(() => resetCommand({ file, flags: {}, positionals: [] }));
    assert.match(reset.out, /checkpoint lsn:0\/1E .*forgotten/);
    const t = await DuckDbSink.open(plan.target.path);
    assert.equal(await t.state.checkpoint(), undefined);
    await t.close();
    assert.deepEqual(await targetRows(plan.target.path, 'items'), modelRows(src.model, 'app.items'), 'target data stays');

    // the next run is a full sync over the existing rows, and ends equal to the source
    src.commitAll(workload(32, 30, structuredClone(src.model)));
    const again = new ScriptedSource(plan);
    again.commitAll(src.log.map((tx) => tx.changes as never));
    assert.equal(await runTask(plan, again, { untilCaughtUp: true, controlSocket: false }), 0);
    assert.equal(again.snapshotsOpened, 1);
    assert.deepEqual(await targetRows(plan.target.path, 'items'), modelRows(again.model, 'app.items'));
  });

  it('table operations: names are checked, details and exceptions are read, the others are queued', async () => {
    const plan = await loadTaskOffline(file);
    const src = new ScriptedSource(plan);
    src.commitAll(workload(33, 10, emptyModel()));
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);

    await assert.rejects(tableOpCommand('resync')({ file, flags: { table: 'items' }, positionals: [] }),
      (err: unknown) => err instanceof UserError && err.exitCode === 2 && /DB\.TABLE/.test(err.message));
    await assert.rejects(tableOpCommand('resync')({ file, flags: { table: 'app.nope' }, positionals: [] }), /not a table of task shop/);
    await assert.rejects(tableOpCommand('backfill')({ file, flags: { table: 'app.items' }, positionals: [] }), /--where/);

    const details = await capture(() => tableOpCommand('details')({ file, flags: { table: 'app.items', json: true }, positionals: [] }));
    const d = JSON.parse(details.out);
    assert.deepEqual([d.status, d.phase, d.chunksDone, d.chunksTotal], ['not running', 'incremental', 1, 1]);
    const queued = await capture(() => tableOpCommand('backfill')({ file, flags: { table: 'app.items', where: 'id < 50', json: true }, positionals: [] }));
    assert.deepEqual(JSON.parse(queued.out), { queued: true, op: 'backfill', table: 'app.items', where: 'id < 50' });
    const t = await DuckDbSink.open(plan.target.path);
    assert.deepEqual((await t.state.queuedOps()).map((o) => [o.op, o.source, o.where]), [['backfill', 'app.items', 'id < 50']]);
    await t.close();
  });
});
