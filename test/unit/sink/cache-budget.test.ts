// DuckDB's cache of saved blocks does not grow with the rows already written: after commits the
// sink trims it to its budget (tablememory.ts CACHE_BUDGET_MB; 8 MiB here). Without the trim DuckDB keeps every
// block it wrote until its memory_limit (512 MiB at the default memoryMb), so the engine's memory grew
// with the table (~20 MiB per million rows of the bench's shape). A real DuckDB file; the rows are
// made by DuckDB itself (the sink's staging is not what is tested here).
import { strict as assert } from 'node:assert';
import { DuckDbSink } from '../../../src/engine/sink/duckdb/sink';
import { TableMemory } from '../../../src/engine/sink/duckdb/tablememory';

const BUDGET_MB = 8;
import { tempDir } from './helpers';

async function cachedMb(t: DuckDbSink): Promise<number> {
  const [r] = await t.conn.rows<{ b: number | null }>("SELECT sum(memory_usage_bytes)::DOUBLE AS b FROM duckdb_memory() WHERE tag = 'BASE_TABLE'");
  return (r.b ?? 0) / 1048576;
}

describe('DuckDB target: cache of saved blocks', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  it('is trimmed back toward its budget while one table grows far beyond it, and every row stays', async () => {
    const t = await DuckDbSink.open(`${tmp.dir}/big.duckdb`, { memoryMb: 1024 });
    try {
      await t.conn.exec('CREATE SCHEMA ods; CREATE TABLE ods.big (id BIGINT PRIMARY KEY, a VARCHAR, b VARCHAR)');
      const memory = new TableMemory(t.conn, t.db.memoryLimitMb, 16, BUDGET_MB);
      const commits = 24;
      const per = 40_000;
      let most = 0;
      for (let c = 0; c < commits; c++) {
        await t.conn.exec(`INSERT INTO ods.big SELECT ${c * per} + i, md5(i::VARCHAR || 'a${c}') || md5(i::VARCHAR || 'b${c}'), md5(i::VARCHAR || 'c${c}') FROM range(${per}) r(i)`);
        await t.conn.exec('CHECKPOINT');
        await t.conn.rows(`SELECT count(*), max(a), max(b) FROM ods.big WHERE id >= ${c * per}`); // the new blocks read back, as a batch's apply does
        await memory.wrote(['shop.big']);
        most = Math.max(most, await cachedMb(t));
      }
      const [size] = await t.conn.rows<{ b: number }>('SELECT (used_blocks * block_size)::DOUBLE AS b FROM pragma_database_size()');
      const tableMb = size.b / 1048576;
      assert.ok(tableMb > 3 * BUDGET_MB, `the file's blocks (${tableMb.toFixed(0)} MiB) are far more than the budget`);
      assert.ok(memory.cacheTrims > 0, 'the cache was trimmed');
      // without the trim the cache held ~90% of the file's blocks at the end (49 of 57 MiB), and so at
      // its peak; with it, right after a look ~25%, and between two looks (every 8 commits, a third
      // of the rows here) it grows by what those commits wrote
      const last = await cachedMb(t);
      assert.ok(last < tableMb / 3, `the cache holds ${last.toFixed(0)} MiB after the last look, of ${tableMb.toFixed(0)} MiB of blocks`);
      assert.ok(most < 0.75 * tableMb, `the cache peaked at ${most.toFixed(0)} MiB, of ${tableMb.toFixed(0)} MiB of blocks`);
      const [limit] = await t.conn.rows<{ m: string }>("SELECT current_setting('memory_limit') AS m");
      assert.equal(limit.m, '488.2 MiB'); // set back after each trim
      const [n] = await t.conn.rows<{ n: bigint; d: bigint }>('SELECT count(*) AS n, count(DISTINCT id) AS d FROM ods.big');
      assert.deepEqual([Number(n.n), Number(n.d)], [commits * per, commits * per]);
    } finally { await t.close(); }
  });
});
