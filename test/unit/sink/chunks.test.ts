// Snapshot chunks: a chunk's rows and its "done" mark commit together, so a crash in the middle
// of a chunk leaves nothing of it, and reading it again gives no duplicates.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { commitStagedSnapshot } from '../../../src/engine/sink/duckdb/apply';
import { DuckDbSink } from '../../../src/engine/sink/duckdb/sink';
import { route, table, tempDir } from './helpers';

const src = table('shop', 'customers', [['id', 'BIGINT'], ['name', 'VARCHAR'], ['balance', 'DECIMAL(12,2)']]);
const r = route(src, ['BIGINT', 'VARCHAR', 'DECIMAL(12,2)']);
const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => [String(from + i), `c${from + i}`, `${from + i}.25`]);

describe('DuckDB target: snapshot chunks', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  async function count(t: DuckDbSink): Promise<{ n: number; distinct: number }> {
    const [c] = await t.conn.rows<{ n: bigint; d: bigint }>('SELECT count(*) AS n, count(DISTINCT id) AS d FROM ods.customers');
    return { n: Number(c.n), distinct: Number(c.d) };
  }

  it('a chunk interrupted before its commit is absent after restart, and redoing it gives no duplicates', async () => {
    const file = `${tmp.dir}/t.duckdb`;
    let t = await DuckDbSink.open(file);
    await t.ensureTable(r.mapping);
    await t.state.upsertTable(r.key, 'ods.customers', 'full-sync');
    await t.state.saveChunkPlan(r.key, [
      { table: src.id, index: 0, from: null, to: ['3000'] },
      { table: src.id, index: 1, from: ['3000'], to: null },
    ], 'append');
    let w = await t.snapshotWriter();
    await w.stage(r, rows(0, 3000), 1);
    assert.equal(await w.commitChunk(r, 0, true), 3000);
    // chunk 1: rows staged and written inside an open transaction, then the process "dies"
    await w.stage(r, rows(3000, 5000), 1);
    await w.conn.exec('BEGIN TRANSACTION');
    await commitStagedSnapshot(w.conn, r, true);
    await w.close();
    await t.close();

    t = await DuckDbSink.open(file);
    assert.deepEqual(await count(t), { n: 3000, distinct: 3000 });
    const plan = await t.state.chunkPlan(r.key, src.id);
    assert.deepEqual(plan.map((c) => [c.index, c.done, c.rows]), [[0, true, 3000], [1, false, 0]]);
    assert.deepEqual(plan[1].from, ['3000']);
    w = await t.snapshotWriter();
    await w.stage(r, rows(3000, 5000), 1);
    await w.commitChunk(r, 1, true);
    assert.deepEqual(await count(t), { n: 5000, distinct: 5000 });
    const st = await t.state.table(r.key);
    assert.equal(st?.chunksDone, 2);
    assert.equal(st?.snapshotRows, 5000);
    const [sum] = await t.conn.rows<{ s: string }>('SELECT CAST(sum(balance) AS VARCHAR) AS s FROM ods.customers');
    assert.equal(sum.s, String(rows(0, 5000).reduce((a, x) => a + Number(x[0]), 0) + 0.25 * 5000) + '.00');
    await w.close();
    await t.close();
  });

  it('chunks committed together from their files: data and done marks in one commit, nothing when a file miscounts', async () => {
    const file = `${tmp.dir}/f.duckdb`;
    const t = await DuckDbSink.open(file);
    await t.ensureTable(r.mapping);
    await t.state.upsertTable(r.key, 'ods.customers', 'full-sync');
    await t.state.saveChunkPlan(r.key, [0, 1, 2, 3].map((i) => ({ table: src.id, index: i, from: i ? [String(i * 1000)] : null, to: i < 3 ? [String(i * 1000 + 1000)] : null })), 'append');
    const csv = (i: number, from: number, to: number) => {
      const f = `${tmp.dir}/chunk-${i}.csv`;
      writeFileSync(f, rows(from, to).map((x) => `${x[0]},"${x[1]}",${x[2]}\n`).join(''));
      return { index: i, file: f, rows: to - from };
    };
    const w = await t.snapshotWriter();
    assert.deepEqual(await w.commitFiles(r, [csv(0, 0, 1000), csv(1, 1000, 2000), { index: 2, file: `${tmp.dir}/none.csv`, rows: 0 }], 1), { rows: 2000, removed: 0 });
    await assert.rejects(w.commitFiles(r, [{ ...csv(3, 3000, 3500), rows: 501 }], 1), /501 rows copied but 500 read/);
    assert.deepEqual(await count(t), { n: 2000, distinct: 2000 });
    let plan = await t.state.chunkPlan(r.key, src.id);
    assert.deepEqual(plan.map((c) => [c.index, c.done, c.rows]), [[0, true, 1000], [1, true, 1000], [2, true, 0], [3, false, 0]]);
    assert.equal((await t.state.table(r.key))?.chunksDone, 3);
    // the last chunk ends the table's full sync in the same commit
    assert.deepEqual(await w.commitFiles(r, [csv(3, 3000, 3500)], 1, { removeStale: false }), { rows: 500, removed: 0 });
    plan = await t.state.chunkPlan(r.key, src.id);
    assert.equal(plan.length, 0);
    const st = await t.state.table(r.key);
    assert.deepEqual([st?.phase, st?.chunksDone, st?.snapshotRows], ['incremental', 4, 2500]);
    // the values are those of the staged path
    const [sum] = await t.conn.rows<{ s: string; names: bigint }>("SELECT CAST(sum(balance) AS VARCHAR) AS s, count(*) FILTER (WHERE name = 'c' || id) AS names FROM ods.customers");
    assert.equal(sum.s, String(rows(0, 3500).filter((x) => Number(x[0]) < 2000 || Number(x[0]) >= 3000).reduce((a, x) => a + Number(x[0]) + 0.25, 0)) + '.00');
    assert.equal(Number(sum.names), 2500);
    await w.close();
    await t.close();
  });

  it('in upsert mode (resync over existing rows) writing the same chunk twice keeps one row per key', async () => {
    const t = await DuckDbSink.open(`${tmp.dir}/u.duckdb`);
    await t.ensureTable(r.mapping);
    await t.state.upsertTable(r.key, 'ods.customers', 'full-sync');
    await t.state.saveChunkPlan(r.key, [{ table: src.id, index: 0, from: null, to: null }], 'upsert');
    const w = await t.snapshotWriter();
    await w.stage(r, rows(0, 100), 1);
    await w.commitChunk(r, 0, false);
    await w.stage(r, rows(50, 150).map((x) => [x[0], 'again', x[2]]), 1);
    await w.commitChunk(r, 0, false);
    assert.deepEqual(await count(t), { n: 150, distinct: 150 });
    const [again] = await t.conn.rows<{ n: bigint }>("SELECT count(*) AS n FROM ods.customers WHERE name = 'again'");
    assert.equal(Number(again.n), 100);
    await w.close();
    await t.close();
  });
});
