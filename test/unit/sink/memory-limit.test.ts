// The task's parameters.memoryMb bounds DuckDB too: the writer opens the lakehouse with its share as
// memory_limit (DuckDB's default is 80% of the machine's RAM, which let its cache of the target grow
// with the rows written) and threads to match. Read back from the real DuckDB settings, for both sinks.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db, duckdbConfig } from '../../../src/engine/sink/duckdb/db';
import { IcebergSink, icebergSinkFactory } from '../../../src/engine/sink/iceberg';
import type { TargetConfig } from '../../../src/engine/config/plan';

describe('DuckDB sink: memory limit and threads from parameters.memoryMb', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'lakesync-mem-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives DuckDB half of the engine memory (at least 256 MB) and a thread per 64 MB, at most the cores', () => {
    assert.deepEqual(duckdbConfig(1024, 2), { memory_limit: '512MB', threads: '2', allocator_background_threads: 'true' });
    assert.deepEqual(duckdbConfig(1024, 8), { memory_limit: '512MB', threads: '8', allocator_background_threads: 'true' });
    assert.deepEqual(duckdbConfig(4096, 8), { memory_limit: '2048MB', threads: '8', allocator_background_threads: 'true' });
    assert.deepEqual(duckdbConfig(128, 4), { memory_limit: '256MB', threads: '4', allocator_background_threads: 'true' });
  });

  it('opens the file with those settings in force', async () => {
    const db = await Db.open(join(dir, 'lake.duckdb'), { memoryMb: 1024 });
    try {
      const c = await db.connect();
      const [s] = await c.rows<{ m: string; t: bigint | number; bg: boolean }>("SELECT current_setting('memory_limit') AS m, current_setting('threads') AS t, current_setting('allocator_background_threads') AS bg");
      await c.close();
      // DuckDB reports the limit in MiB units of its own: 512 MB = 488.2 MiB
      assert.equal(s.m, '488.2 MiB');
      assert.equal(Number(s.t), Number(duckdbConfig(1024).threads));
      assert.equal(s.bg, true);
    } finally { await db.close(); }
  });
});

describe('Iceberg sink: memory limit from parameters.memoryMb', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'lakesync-mem-ice-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('bounds the sink\'s DuckDB like the DuckDB sink\'s, and its query reader by half of that, spilling beside the state file', async () => {
    const warehouse = join(dir, 'lake');
    const target = { type: 'iceberg', path: join(warehouse, '.lakesync', 'state.duckdb'), warehouse, namespace: 'lake' } as TargetConfig;
    const sink = await icebergSinkFactory.open(target, { memoryMb: 2048 }) as IcebergSink;
    try {
      const [s] = await sink.conn.rows<{ m: string }>("SELECT current_setting('memory_limit') AS m");
      assert.equal(s.m, '976.5 MiB'); // 1024 MB
      const q = await sink.query("SELECT current_setting('memory_limit') AS m, current_setting('temp_directory') AS t");
      assert.deepEqual(q.rows[0], ['488.2 MiB', join(warehouse, '.lakesync', 'query.tmp')]); // 512 MB
    } finally { await sink.close(); }
  });
});
