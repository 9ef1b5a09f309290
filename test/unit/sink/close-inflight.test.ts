// Closing while a statement still runs. DuckDB deadlocks for good when a connection is closed
// under its own running statement (the worker thread ends up waiting for a lock it holds), so an
// engine whose Iceberg maintenance round was still compacting when a run stopped said "stopped"
// and never exited (bench, 2026-12-08). Closing must wait for the work in flight, give it its
// result, and then refuse new work on the closed connection.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { Db } from '../../../src/engine/sink/duckdb/db';
import { IcebergSink } from '../../../src/engine/sink/iceberg/sink';
import { DEFAULT_MAINTENANCE } from '../../../src/engine/sink/iceberg/maintenance';
import { BatchReducer } from '../../../src/engine/pipeline/batch';
import { lsn } from '../../../src/engine/positions';
import { route, table, tempDir } from './helpers';

/** Settles with `p`, or rejects after `ms` (the old close left `p` pending for ever). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

describe('closing DuckDB connections with work in flight', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  it('Db.close waits for the running statements, which get their results; later work is refused', async () => {
    const db = await Db.open(join(tmp.dir, 'x.duckdb'));
    const a = await db.connect();
    const b = await db.connect();
    // long enough to be running when close() is called (a few hundred ms on this machine)
    const slow = a.rows<{ n: bigint }>('SELECT count(*) AS n FROM range(300000000) WHERE range % 7 = 3');
    const other = b.exec('CREATE TABLE t AS SELECT range AS i FROM range(1000000)');
    await new Promise((r) => setTimeout(r, 20));
    await within(db.close(), 60_000, 'close');
    assert.equal((await within(slow, 1000, 'the running query'))[0].n, 42857143n);
    await other;
    await assert.rejects(a.rows('SELECT 1'), /connection is closed/);
    // the file is closed for real: it opens again in this process with the table in it
    const again = await Db.open(join(tmp.dir, 'x.duckdb'));
    try {
      assert.equal((await (await again.connect()).rows<{ n: bigint }>('SELECT count(*) AS n FROM t'))[0].n, 1000000n);
    } finally { await again.close(); }
  });

  it('an Iceberg sink closes after the maintenance round in flight, and reopens with every row', async () => {
    const src = table('shop', 'items', [['id', 'INTEGER'], ['v', 'VARCHAR']]);
    const r = route(src, ['INTEGER', 'VARCHAR']);
    const warehouse = join(tmp.dir, 'lake');
    const settings = {
      warehouse, statePath: join(warehouse, '.lakesync', 'state.duckdb'),
      maintenance: { ...DEFAULT_MAINTENANCE, enabled: false, minFiles: 2 },
    };
    const sink = await IcebergSink.open(settings);
    await sink.ensureTable(r.mapping);
    let id = 0;
    for (let c = 1; c <= 30; c++) {
      const red = new BatchReducer(() => r);
      for (let k = 0; k < 2000; k++) { id++; red.add({ kind: 'insert', table: src.id, after: [String(id), `v${id}`.repeat(5)] }, Date.now()); }
      if (c > 1) red.add({ kind: 'delete', table: src.id, before: [String(c), `v${c}`.repeat(5)] }, Date.now());
      await sink.applyBatch([...red.tables.values()], lsn(BigInt(c)));
    }
    const round = sink.maintenance.runOnce();
    await new Promise((res) => setTimeout(res, 5));
    await within(sink.close(), 60_000, 'close');
    const reports = await within(round, 1000, 'the maintenance round');
    for (const rep of reports) assert.equal(rep.error, undefined, `maintenance: ${rep.error}`);

    const reopened = await IcebergSink.open(settings);
    try {
      const n = Number((await reopened.query('SELECT count(*) FROM ods.items', 1)).rows[0][0]);
      assert.equal(n, id - 29);
    } finally { await reopened.close(); }
  });
});
