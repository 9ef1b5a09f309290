// When the stream applies its batch (runtime/stream.ts), against the scripted TEST-DOUBLE source
// (scripted-source.ts) and a real DuckDB target: a transaction on a quiet stream is committed
// right after it arrives, not on the flush timer; transactions arriving back to back still go
// into one batch. (A late idle timer, stream.ts LATE_FLUSH_AGE_MS, is measured by the bench's
// freshness cases on a loaded machine: blocking this process's event loop slows the apply
// itself more than it shows the rule.)
import { strict as assert } from 'node:assert';
import { formatPosition, lsn } from '../../../src/engine/positions';
import { TaskRunner, runTask } from '../../../src/engine/runtime/runner';
import { DuckDbSink } from '../../../src/engine/sink/duckdb/sink';
import { tempDir } from '../sink/helpers';
import { testPlan } from './plan';
import { ITEMS, ScriptedSource } from './scripted-source';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Commits `count` one-row transactions `spacingMs` apart on a running stream and returns how long
 * each took to be committed in the target (its position in the status), and how long the target's
 * commits took on average (the stream's own count, from its log). The flush timer ticks every
 * second (flushIntervalMs 60000 is capped there): on the timer alone, latencies spread evenly over
 * 0–1000 ms plus the commit.
 */
async function latencies(dir: string, count: number, spacingMs: number): Promise<{ lat: number[]; applyMs: number }> {
  const plan = testPlan(dir, { tables: ['app.items'], parameters: { memoryMb: 512, flushIntervalMs: 60_000, batchSize: 100_000, maxTransactionChanges: 1000 } });
  const src = new ScriptedSource(plan, {}, [ITEMS]);
  src.commit([{ kind: 'insert', table: ITEMS.id, after: ['1', 'a', 'x'] }]);
  assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
  let applied = { batches: 0, ms: 0 };
  const log = (_level: string, message: string) => {
    const m = /^stream: (\d+) batches, \d+ changes, apply (\d+) ms/.exec(message);
    if (m) applied = { batches: Number(m[1]), ms: Number(m[2]) };
  };
  const runner = new TaskRunner(plan, src, { controlSocket: false, log });
  const running = runner.run();
  const out: number[] = [];
  try {
    while (runner.status.status.position !== formatPosition(lsn(1n))) await sleep(10);
    for (let i = 0; i < count; i++) {
      await sleep(spacingMs);
      const t0 = performance.now();
      src.commit([{ kind: 'insert', table: ITEMS.id, after: [String(i + 2), `v${i}`, null] }]);
      const want = formatPosition(lsn(BigInt(i + 2)));
      while (runner.status.status.position !== want) await sleep(2);
      out.push(performance.now() - t0);
    }
  } finally {
    runner.stop();
    assert.equal(await running, 0);
  }
  const t = await DuckDbSink.open(plan.target.path);
  try {
    const ids = (await t.conn.rows<{ id: number }>('SELECT id FROM ods.items ORDER BY id')).map((r) => Number(r.id));
    assert.deepEqual(ids, Array.from({ length: count + 1 }, (_, i) => i + 1));
  } finally { await t.close(); }
  assert.ok(applied.batches > 0, 'the stream logged its batches');
  return { lat: out, applyMs: applied.ms / applied.batches };
}

describe('stream: when a batch is applied (scripted test-double source)', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  it('a quiet stream applies each transaction right after it arrives, not on the flush timer', async () => {
    const { lat, applyMs } = await latencies(tmp.dir, 30, 250);
    // Judged by the median, so one transaction slowed by another process does not decide, and by
    // what it waited beyond the target's own commit time: a loaded machine makes every commit
    // slower (and the stream then holds a batch up to LATE_FLUSH_AGE_MS, stream.ts), which is not
    // waiting for the timer. A median under 150 ms failed at load 15 (335 ms, commits included;
    // at load 21 commits took 467 ms). On the timer alone (waits even over 0–1000 ms) a median wait
    // under 250 ms of 30 comes about once in 1,200 runs (12 under 150 ms: once in 1,500).
    const median = [...lat].sort((a, b) => a - b)[lat.length / 2];
    assert.ok(median - applyMs < 250, `median ${median.toFixed(0)} ms with commits of ${applyMs.toFixed(0)} ms on average; ${lat.map((x) => x.toFixed(0)).join(', ')}`);
    console.log(`      median ${median.toFixed(0)} ms, commits ${applyMs.toFixed(0)} ms on average`);
  });

  it('transactions arriving back to back go into one batch', async () => {
    const plan = testPlan(tmp.dir, { tables: ['app.items'], parameters: { memoryMb: 512, flushIntervalMs: 60_000, batchSize: 100_000, maxTransactionChanges: 1000 } });
    const src = new ScriptedSource(plan, {}, [ITEMS]);
    src.commit([{ kind: 'insert', table: ITEMS.id, after: ['1', 'a', 'x'] }]);
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    for (let i = 2; i <= 2001; i++) src.commit([{ kind: 'insert', table: ITEMS.id, after: [String(i), `v${i}`, null] }]);
    const batches: number[] = [];
    const sink = DuckDbSink.prototype;
    const apply = sink.applyBatch;
    sink.applyBatch = function (this: DuckDbSink, ...args: Parameters<typeof apply>) {
      batches.push(args[0].reduce((n, b) => n + b.entries.size, 0));
      return apply.apply(this, args);
    };
    try {
      assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    } finally { sink.applyBatch = apply; }
    assert.equal(batches.reduce((a, b) => a + b, 0), 2000);
    // handed over without a pause, they never look like a quiet stream
    assert.ok(batches.length <= 3, `2,000 transactions in ${batches.length} batches: ${batches.join(', ')}`);
  });
});
