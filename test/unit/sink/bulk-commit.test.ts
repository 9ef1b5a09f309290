// Snapshot commits of at least a row group skip DuckDB's WAL and leave a partial row group each;
// a checkpoint with vacuum then merged and rewrote nearly the whole table at once (at the close:
// 8 s and +300 MB for 2M rows, docs/performance.md "Where the chunk-size memory goes"). BulkCommits
// turns vacuum off for the rest of the process and checkpoints each such commit: the row groups are
// written once, as committed.
import { strict as assert } from 'node:assert';
import { DuckDbSink } from '../../../src/engine/sink/duckdb/sink';
import { BulkCommits, ROW_GROUP_ROWS } from '../../../src/engine/sink/duckdb/bulkcommit';
import type { Conn } from '../../../src/engine/sink/duckdb/db';
import { tempDir } from './helpers';

const PER = 125_000; // the default chunk: one full row group and a partial one per commit
const COMMITS = 5;

async function load(t: DuckDbSink, bulk: BulkCommits | undefined): Promise<void> {
  await t.conn.exec('CREATE SCHEMA ods; CREATE TABLE ods.big (id BIGINT PRIMARY KEY, a VARCHAR)');
  for (let c = 0; c < COMMITS; c++) {
    await bulk?.before(PER);
    await t.conn.transaction(() => t.conn.exec(`INSERT INTO ods.big SELECT ${c * PER} + i, md5(i::VARCHAR) FROM range(${PER}) r(i)`))
      .finally(() => bulk?.after());
  }
}

/** Rows per row group of the table, in order (its key column's segments). */
async function rowGroups(conn: Conn): Promise<number[]> {
  const rows = await conn.rows<{ n: bigint }>(
    "SELECT sum(count) AS n FROM pragma_storage_info('ods.big') WHERE column_id = 0 AND column_path = '[0]' GROUP BY row_group_id ORDER BY row_group_id");
  return rows.map((r) => Number(r.n));
}

async function vacuumTasks(conn: Conn): Promise<number> {
  const [r] = await conn.rows<{ v: bigint }>("SELECT current_setting('max_vacuum_tasks') AS v");
  return Number(r.v);
}

describe('DuckDB target: snapshot commits of whole row groups', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  it('are checkpointed without vacuum: the close rewrites nothing; the next start has vacuum again', async () => {
    const path = `${tmp.dir}/bulk.duckdb`;
    const t = await DuckDbSink.open(path, { memoryMb: 1024 });
    const bulk = new BulkCommits(t.conn);
    try {
      await load(t, bulk);
      assert.equal(bulk.checkpoints, COMMITS);
      assert.equal(await vacuumTasks(t.conn), 0);
    } finally { await t.close(); }
    const again = await DuckDbSink.open(path, { memoryMb: 1024 });
    try {
      // as committed: a full row group and the commit's remainder each, nothing merged
      const expected = Array.from({ length: COMMITS }, () => [ROW_GROUP_ROWS, PER - ROW_GROUP_ROWS]).flat();
      assert.deepEqual(await rowGroups(again.conn), expected);
      const [n] = await again.conn.rows<{ n: bigint }>('SELECT count(DISTINCT id) AS n FROM ods.big');
      assert.equal(Number(n.n), COMMITS * PER);
      assert.equal(await vacuumTasks(again.conn), 100);
      // a later checkpoint with vacuum (deletes, as the stream's) leaves the settled row groups alone
      await again.conn.exec('DELETE FROM ods.big WHERE id % 1000 = 0');
      await again.conn.exec('CHECKPOINT');
      assert.deepEqual(await rowGroups(again.conn), expected);
    } finally { await again.close(); }
  });

  it('without it, the close merges and rewrites the committed row groups (what the checkpoint avoids)', async () => {
    const path = `${tmp.dir}/plain.duckdb`;
    const t = await DuckDbSink.open(path, { memoryMb: 1024 });
    try { await load(t, undefined); } finally { await t.close(); }
    const again = await DuckDbSink.open(path, { memoryMb: 1024 });
    try {
      const groups = await rowGroups(again.conn);
      assert.ok(groups.length < 2 * COMMITS, `row groups after the close: ${groups.join(', ')}`);
    } finally { await again.close(); }
  });

  it('leaves smaller commits (through the WAL) and vacuum alone', async () => {
    const t = await DuckDbSink.open(`${tmp.dir}/small.duckdb`, { memoryMb: 1024 });
    const bulk = new BulkCommits(t.conn);
    try {
      await bulk.before(ROW_GROUP_ROWS - 1);
      await t.conn.exec('CREATE TABLE x AS SELECT 1 AS a');
      await bulk.after();
      assert.equal(bulk.checkpoints, 0);
      assert.equal(await vacuumTasks(t.conn), 100);
    } finally { await t.close(); }
  });
});
