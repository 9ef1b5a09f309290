// A transaction of a million rows streams in parts of maxTransactionChanges: the reader's memory
// stays bounded by the part size, not by the transaction.
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createPostgresSource, type PostgresSource } from '../../../src/engine/source/postgres';
import { testDatabase, dropTestSlots } from './helpers';

// What the reader keeps alive is measured after a full collection at each part, so garbage not yet
// collected on a loaded machine does not count as retained memory.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

describe('PostgreSQL source: a 1,000,000-row transaction', function () {
  this.timeout(300_000);
  let src: PostgresSource | undefined;
  afterEach(async () => { await src?.close(); await dropTestSlots(); });

  it('arrives in parts, complete and in order, with the heap staying far below the transaction size', async () => {
    const t = await testDatabase();
    await t.sql('CREATE TABLE big (id int PRIMARY KEY, pad text)');
    src = createPostgresSource(t.plan({ parameters: { memoryMb: 1024, flushIntervalMs: 1000, batchSize: 10000, maxTransactionChanges: 10000 } }));
    const tables = await src.discover();
    const session = await src.openSnapshot(tables, 1);
    await session.close();
    const N = Number(process.env.BIG_N ?? 1_000_000);
    await t.sql(`INSERT INTO big SELECT g, repeat('x', 100) || g FROM generate_series(1, ${N}) g`);
    collect();
    const base = process.memoryUsage().heapUsed;
    let peak = 0, count = 0, next = 1, parts = 0, finals = 0, maxPart = 0;
    const done = new Promise<void>((resolve, reject) => {
      void src!.stream(session.streamStart, tables, (tx) => {
        collect();
        peak = Math.max(peak, process.memoryUsage().heapUsed - base);
        if (!tx.partial && count === N) { finals++; resolve(); return; } // the end of the big one (its last part may be empty)
        if (tx.changes.length === 0) return; // a heartbeat
        maxPart = Math.max(maxPart, tx.changes.length);
        for (const c of tx.changes) {
          if (c.kind !== 'insert' || Number(c.after![0]) !== next) { reject(new Error(`out of order at ${next}`)); return; }
          next++;
        }
        count += tx.changes.length;
        if (tx.partial) parts++; else { finals++; resolve(); }
      }).then((h) => h.done.catch(reject));
    });
    await done;
    assert.equal(count, N);
    assert.equal(finals, 1);
    assert.ok(parts >= N / 10000 - 1, `parts: ${parts}`);
    assert.ok(maxPart <= 10000);
    // 1M buffered rows would take several hundred MB of heap; parts of 10,000 take a few MB.
    assert.ok(peak < 64 * 1024 * 1024, `heap grew by ${Math.round(peak / 1048576)} MB`);
    console.log(`      heap growth peak ${Math.round(peak / 1048576)} MB over ${parts + finals} parts`);
  });
});
