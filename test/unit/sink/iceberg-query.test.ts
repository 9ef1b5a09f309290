// Queries over an Iceberg warehouse while it is written (`lakesync query`, the extension's Query
// command, the bench's freshness poll): the running engine keeps one reader whose views and
// tables are reused while a table's version stays the same. A query must still see every commit
// as soon as it is made, from this process or another, schema changes included, and a query
// running beside commits sees one committed state (never a mix of two).
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { IcebergSink, WarehouseReader } from '../../../src/engine/sink/iceberg/sink';
import { DEFAULT_MAINTENANCE } from '../../../src/engine/sink/iceberg/maintenance';
import { BatchReducer } from '../../../src/engine/pipeline/batch';
import { lsn } from '../../../src/engine/positions';
import { route, table, tempDir } from './helpers';

const src = table('shop', 'items', [['id', 'INTEGER'], ['v', 'VARCHAR']]);
const r = route(src, ['INTEGER', 'VARCHAR']);

async function insert(sink: IcebergSink, from: number, n: number, at: bigint): Promise<void> {
  const red = new BatchReducer(() => r);
  for (let i = from; i < from + n; i++) red.add({ kind: 'insert', table: src.id, after: [String(i), `v${i}`] }, Date.now());
  await sink.applyBatch([...red.tables.values()], lsn(at));
}

describe('Iceberg warehouse queries while the task writes', () => {
  let tmp: ReturnType<typeof tempDir>;
  let sink: IcebergSink;
  let warehouse: string;
  beforeEach(async () => {
    tmp = tempDir();
    warehouse = join(tmp.dir, 'lake');
    sink = await IcebergSink.open({ warehouse, statePath: join(warehouse, '.lakesync', 'state.duckdb'), maintenance: { ...DEFAULT_MAINTENANCE, enabled: false } });
    await sink.ensureTable(r.mapping);
  });
  afterEach(async () => { await sink.close(); tmp.cleanup(); });

  const count = async (q: { query(sql: string, limit: number): Promise<{ rows: unknown[][] }> }) => Number((await q.query('SELECT count(*) FROM ods.items', 1)).rows[0][0]);

  it('the engine\'s reader and a reader of another process see each commit at once, schema changes included', async () => {
    const other = new WarehouseReader(warehouse);
    try {
      assert.equal(await count(sink), 0);
      assert.equal(await count(other), 0);
      for (let k = 1; k <= 5; k++) {
        await insert(sink, k * 100, 10, BigInt(k));
        assert.equal(await count(sink), k * 10);
        assert.equal(await count(other), k * 10);
      }
      // a change that rewrites the rows (new field id under the same name) and an added column
      await sink.alterTable(r.mapping, { kind: 'add-column', column: 'tag', type: 'VARCHAR', fill: { text: 'x', fromText: 'CAST($ AS VARCHAR)' } });
      for (const reader of [sink, other]) {
        const res = await reader.query("SELECT count(*) FILTER (WHERE tag = 'x'), count(*) FROM ods.items", 1);
        assert.deepEqual(res.rows[0].map(Number), [50, 50]);
      }
    } finally { await other.close(); }
  });

  it('queries beside a stream of commits each see one committed state', async () => {
    const seen: number[] = [];
    let writing = true;
    const poll = (async () => {
      while (writing) seen.push(await count(sink));
    })();
    for (let k = 1; k <= 15; k++) await insert(sink, k * 100, 7, BigInt(k));
    writing = false;
    await poll;
    assert.ok(seen.length >= 3, `queries ran beside the commits (${seen.length})`);
    for (const n of seen) assert.equal(n % 7, 0, `a query saw ${n} rows: not a committed state`);
    assert.deepEqual([...seen].sort((a, b) => a - b), seen, 'counts never go back');
    assert.equal(await count(sink), 105);
  });
});
