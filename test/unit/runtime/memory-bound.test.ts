// The stream's memory bound, reader -> batch -> sink: the engine holds at most about two batches of
// changes at once (one being applied, one being gathered, each at most batchSize plus one
// transaction or part), however far the source is ahead and however slow the target is. The
// source is the scripted test double (scripted-source.ts); the sink is the real DuckDB sink, made
// slow. Without the stream's backpressure (the reader waits while a full batch is written), the
// reader would hand over the whole backlog while the first batches are still being applied.
import { strict as assert } from 'node:assert';
import type { TableBatch } from '../../../src/engine/pipeline/batch';
import type { Transaction } from '../../../src/engine/pipeline/events';
import { runTask } from '../../../src/engine/runtime/runner';
import { DuckDbSink } from '../../../src/engine/sink/duckdb/sink';
import { tempDir } from '../sink/helpers';
import { ScriptedSource, emptyModel, modelRows, workload } from './scripted-source';
import { targetRows, testPlan } from './plan';

describe('stream memory bound (scripted source, slow DuckDB sink)', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  const applyBatch = DuckDbSink.prototype.applyBatch;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => { DuckDbSink.prototype.applyBatch = applyBatch; tmp.cleanup(); });

  it('never holds more than two batches of changes read but not applied, and lands every change', async () => {
    const batchSize = 60;
    const maxTransactionChanges = 50;
    const plan = testPlan(tmp.dir, { parameters: { memoryMb: 512, flushIntervalMs: 20, batchSize, maxTransactionChanges } });
    const src = new ScriptedSource(plan);
    src.commitAll(workload(11, 20, emptyModel()));
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);

    // a backlog: a large transaction in parts of at most maxTransactionChanges, then many small ones
    const model = structuredClone(src.model);
    const before = src.log.length;
    const big = workload(12, 400, model).flat();
    src.commit(big, Math.ceil(big.length / maxTransactionChanges));
    assert.ok(src.log.slice(before).every((t) => t.changes.length <= maxTransactionChanges));
    src.commitAll(workload(13, 600, model));
    const backlog = src.log.slice(before).reduce((a, t) => a + t.changes.length, 0);

    let applied = 0;
    DuckDbSink.prototype.applyBatch = async function (this: DuckDbSink, tables: TableBatch[], position) {
      await new Promise((r) => setTimeout(r, 15)); // a slow target
      const out = await applyBatch.call(this, tables, position);
      applied += tables.reduce((a, t) => a + t.changes, 0);
      return out;
    };
    let delivered = 0;
    let most = 0;
    const stream = src.stream.bind(src);
    src.stream = (from, tables, onTx) => stream(from, tables, async (tx: Transaction) => {
      delivered += tx.changes.length;
      most = Math.max(most, delivered - applied);
      await onTx(tx);
    });
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);

    assert.equal(delivered, backlog, 'the whole backlog was read');
    assert.ok(most <= 2 * (batchSize + maxTransactionChanges), `at most ${most} changes read and not yet applied (backlog ${backlog})`);
    assert.ok(most >= batchSize, `the bound was reached (${most}): the test measures a real backlog`);
    assert.deepEqual(await targetRows(plan.target.path, 'items'), modelRows(src.model, 'app.items'));
    assert.deepEqual(await targetRows(plan.target.path, 'tags'), modelRows(src.model, 'app.tags'));
  });
});
