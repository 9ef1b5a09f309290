// The DuckDB sink with many small tables: per-table DuckDB memory is released as tables are
// written (checkpoint + cache trim every TABLES_PER_RELEASE tables), the batched state writes
// store exactly what the one-table versions store, and a table's last chunk ends its full sync
// in the same commit. Real DuckDB files; read back through the sink's own state and SQL.
import { strict as assert } from 'node:assert';
import { DuckDbSink } from '../../../src/engine/sink/duckdb/sink';
import { TABLES_PER_RELEASE } from '../../../src/engine/sink/duckdb/tablememory';
import { mapping, route, table, tempDir } from './helpers';

const cols: [string, string][] = [['id', 'BIGINT'], ['name', 'VARCHAR'], ['amount', 'DECIMAL(10,2)']];
const types = cols.map(([, t]) => t);
const rows = (n: number, tag: string) => Array.from({ length: n }, (_, i) => [String(i + 1), `${tag} ${i + 1}`, `${i}.50`]);

/** DuckDB's memory held for unsaved tables: primary-key indexes and new row groups, MiB. */
async function unsavedMb(t: DuckDbSink): Promise<number> {
  const [r] = await t.conn.rows<{ b: bigint | null }>(
    "SELECT sum(memory_usage_bytes)::BIGINT AS b FROM duckdb_memory() WHERE tag IN ('ART_INDEX', 'IN_MEMORY_TABLE')");
  return Number(r.b ?? 0) / 1048576;
}

describe('DuckDB target: many small tables', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  it('releases per-table memory as tables are written: unsaved memory stays that of a few tables, every row lands', async () => {
    const t = await DuckDbSink.open(`${tmp.dir}/many.duckdb`, { memoryMb: 1024 });
    try {
      const n = 4 * TABLES_PER_RELEASE + 3;
      const routes = Array.from({ length: n }, (_, i) => route(table('shop', `t${i}`, cols), types));
      assert.deepEqual([...(await t.ensureTables(routes.map((r) => r.mapping))).keys()], []);
      await t.state.upsertTables!(routes.map((r) => ({ source: r.key, target: `ods.${r.mapping.table}`, phase: 'pending' })));
      await t.state.saveChunkPlans!(routes.map((r) => ({ source: r.key, chunks: [{ table: r.source.id, index: 0, from: null, to: null }], loadMode: 'append' })));
      const w = await t.snapshotWriter();
      let most = 0;
      for (const r of routes) {
        await w.stage(r, rows(100, r.mapping.table), 1);
        assert.deepEqual(await w.commitLastChunk(r, 0, true, false), { rows: 100, removed: 0 });
        most = Math.max(most, await unsavedMb(t));
      }
      await w.close();
      // a keyed table's index alone holds ~1.25 MiB until saved: without the releases this
      // reached ~1.25 MiB x n; with them it stays below that of TABLES_PER_RELEASE tables
      assert.ok(most < 1.5 * TABLES_PER_RELEASE, `unsaved DuckDB memory peaked at ${most.toFixed(1)} MiB`);
      assert.equal(t.tableMemory.releases, 4);
      const [limit] = await t.conn.rows<{ m: string }>("SELECT current_setting('memory_limit') AS m");
      assert.equal(limit.m, '488.2 MiB'); // the trim set it back
      const [c] = await t.conn.rows<{ n: bigint }>(`SELECT count(*) AS n FROM (${routes.map((r) => `SELECT id FROM ods.${r.mapping.table}`).join(' UNION ALL ')})`);
      assert.equal(Number(c.n), 100 * n);
      const states = await t.state.tables();
      assert.deepEqual(new Set(states.map((s) => `${s.phase} ${s.chunksDone}/${s.chunksTotal} ${s.snapshotRows} ${s.loadMode}`)), new Set(['incremental 1/1 100 append']));
      assert.ok(states.every((s) => s.snapshotEndedAt !== undefined));
      const [left] = await t.conn.rows<{ n: bigint }>('SELECT count(*) AS n FROM "_lakesync".chunks');
      assert.equal(Number(left.n), 0, 'a finished plan leaves no chunk rows');
    } finally { await t.close(); }
  });

  it('a last chunk over existing rows removes the stale ones in the same commit', async () => {
    const t = await DuckDbSink.open(`${tmp.dir}/stale.duckdb`);
    try {
      const r = route(table('shop', 'orders', cols), types);
      await t.ensureTable(r.mapping);
      await t.state.upsertTable(r.key, 'ods.orders', 'pending');
      const plan = [{ table: r.source.id, index: 0, from: null, to: ['50'] }, { table: r.source.id, index: 1, from: ['50'], to: null }];
      await t.state.saveChunkPlan(r.key, plan, 'append');
      const w = await t.snapshotWriter();
      await w.stage(r, rows(80, 'old'), 1);
      await w.commitChunk(r, 0, true);
      await new Promise((res) => setTimeout(res, 20)); // the resync starts after the first rows were synced
      await t.state.saveChunkPlan(r.key, plan, 'upsert');
      await w.stage(r, rows(30, 'new'), 2);
      await w.commitChunk(r, 0, false);
      await w.stage(r, rows(60, 'new').slice(30), 2);
      assert.deepEqual(await w.commitLastChunk(r, 1, false, true), { rows: 30, removed: 20 });
      await w.close();
      const got = await t.conn.rows<{ id: bigint; name: string }>('SELECT id, name FROM ods.orders ORDER BY id');
      assert.deepEqual(got.map((x) => `${x.id} ${x.name}`), rows(60, 'new').map((x) => `${x[0]} ${x[1]}`));
      const st = await t.state.table(r.key);
      assert.equal(st?.phase, 'incremental');
      assert.equal(st?.chunksDone, 2);
    } finally { await t.close(); }
  });

  it('batched state writes store what the one-table writes store', async () => {
    const t = await DuckDbSink.open(`${tmp.dir}/state.duckdb`);
    try {
      const n = 450; // more than one 200-row statement
      const ids = Array.from({ length: n }, (_, i) => table('shop', `t${i}`, cols));
      await t.state.upsertTables!(ids.map((s, i) => ({ source: `shop.t${i}`, target: `ods.t${i}`, phase: 'pending' })));
      await t.state.upsertTable('shop.t7', 'ods.renamed', 'stopped'); // an update of one of them
      const all = await t.state.tables();
      assert.equal(all.length, n);
      assert.deepEqual(await t.state.table('shop.t7'), all.find((s) => s.source === 'shop.t7'));
      assert.equal((await t.state.table('shop.t7'))?.target, 'ods.renamed');
      assert.equal(await t.state.table('shop.nope'), undefined);

      await t.state.saveChunkPlans!([
        { source: 'shop.t1', chunks: [{ table: ids[1].id, index: 0, from: null, to: ['5', 'a b'] }, { table: ids[1].id, index: 1, from: ['5', 'a b'], to: null }], loadMode: 'append' },
        { source: 'shop.t2', chunks: [{ table: ids[2].id, index: 0, from: null, to: null, where: 'id > 3' }], loadMode: 'upsert', where: 'id > 3' },
      ]);
      await t.state.saveChunkPlan('shop.t3', [{ table: ids[3].id, index: 0, from: null, to: null, where: 'id > 3' }], 'upsert', 'id > 3');
      assert.deepEqual((await t.state.chunkPlan('shop.t1', ids[1].id)).map((c) => [c.index, c.from, c.to, c.done]), [[0, null, ['5', 'a b'], false], [1, ['5', 'a b'], null, false]]);
      const [t2, t3] = [await t.state.table('shop.t2'), await t.state.table('shop.t3')];
      const strip = (s: typeof t2) => ({ ...s, source: '', target: '', snapshotStartedAt: undefined });
      assert.deepEqual(strip(t2), strip(t3));
      assert.deepEqual((await t.state.chunkPlan('shop.t2', ids[2].id)).map((c) => ({ ...c, table: null })),
        (await t.state.chunkPlan('shop.t3', ids[3].id)).map((c) => ({ ...c, table: null })));
      assert.equal((await t.state.table('shop.t1'))?.chunksTotal, 2);

      await t.state.saveSchemas!(ids.map((s) => ({ table: s.id, position: 'lsn:0/10', definition: s })));
      await t.state.saveSchema(ids[5].id, 'lsn:0/20', { ...ids[5], primaryKey: [] });
      const hist = await t.state.schemaHistories!([ids[5].id, ids[6].id]);
      assert.deepEqual([...hist.keys()].sort(), ['shop.t5', 'shop.t6']);
      assert.deepEqual(hist.get('shop.t5'), await t.state.schemaHistory(ids[5].id));
      assert.deepEqual(hist.get('shop.t5')!.map((h) => h.position), ['lsn:0/10', 'lsn:0/20']);
    } finally { await t.close(); }
  });

  it('ensureTables creates every table it can in one go and names the one it cannot', async () => {
    const t = await DuckDbSink.open(`${tmp.dir}/ensure.duckdb`);
    try {
      const good = Array.from({ length: 5 }, (_, i) => mapping(table('shop', `g${i}`, cols), types, { namespace: i % 2 ? 'a' : 'b' }));
      const bad = mapping(table('shop', 'bad', cols), ['BIGINT', 'NO_SUCH_TYPE', 'INTEGER']);
      const failed = await t.ensureTables([...good.slice(0, 2), bad, ...good.slice(2)]);
      assert.deepEqual([...failed.keys()], [bad]);
      assert.match(failed.get(bad)!.message, /NO_SUCH_TYPE/i);
      const columns = await t.tablesColumns([...good, bad]);
      for (const m of good) assert.deepEqual(columns.get(m), await t.tableColumns(m));
      assert.deepEqual([...columns.get(good[0])!.keys()].slice(0, 3), ['id', 'name', 'amount']);
      assert.equal(columns.get(bad)!.size, 0);
    } finally { await t.close(); }
  });
});
