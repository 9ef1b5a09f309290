// The DuckDB sink's schema operations and state store, as the runtime uses them through the Sink
// interface: existing rows keep their values through add / rename / change type / drop.
import { strict as assert } from 'node:assert';
import { openReadOnlySink, openSink } from '../../../src/engine/sink/registry';
import { DuckDbSink } from '../../../src/engine/sink/duckdb/sink';
import { lsn, parsePosition } from '../../../src/engine/positions';
import { BatchReducer } from '../../../src/engine/pipeline/batch';
import { route, table, tempDir } from './helpers';

const src = table('shop', 'items', [['id', 'INTEGER'], ['qty', 'INTEGER'], ['note', 'VARCHAR']]);
const r = route(src, ['INTEGER', 'INTEGER', 'VARCHAR']);

describe('DuckDB sink: schema operations and state through the Sink interface', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  it('add, rename, change type and drop keep the existing rows', async () => {
    const sink = await DuckDbSink.open(`${tmp.dir}/t.duckdb`);
    try {
      await sink.ensureTable(r.mapping);
      const red = new BatchReducer(() => r);
      for (let i = 1; i <= 3; i++) red.add({ kind: 'insert', table: src.id, after: [String(i), String(i * 10), `n${i}`] }, Date.now());
      await sink.applyBatch([...red.tables.values()], lsn(5n));
      await sink.alterTable(r.mapping, { kind: 'add-column', column: 'price', type: 'DECIMAL(10,2)' });
      await sink.alterTable(r.mapping, { kind: 'rename-column', from: 'note', to: 'remark' });
      await sink.alterTable(r.mapping, { kind: 'change-type', column: 'qty', type: 'BIGINT' });
      await sink.alterTable(r.mapping, { kind: 'drop-column', column: 'price' });
      const cols = await sink.tableColumns(r.mapping);
      assert.deepEqual([...cols].slice(0, 3), [['id', 'INTEGER'], ['qty', 'BIGINT'], ['remark', 'VARCHAR']]);
      assert.ok(await sink.sameType('TIMESTAMPTZ', 'TIMESTAMP WITH TIME ZONE'));
      assert.ok(!(await sink.sameType('INTEGER', 'BIGINT')));
      const rows = await sink.conn.rows('SELECT id, qty, remark FROM ods.items ORDER BY id');
      assert.deepEqual(rows, [{ id: 1, qty: 10n, remark: 'n1' }, { id: 2, qty: 20n, remark: 'n2' }, { id: 3, qty: 30n, remark: 'n3' }]);
      assert.equal(await sink.rowCount(r), 3);
      await sink.dropTable(r.mapping);
      assert.equal((await sink.tableColumns(r.mapping)).size, 0);
    } finally { await sink.close(); }
  });

  it('stores typed positions per table and as the checkpoint, and reads them back through the registry', async () => {
    const plan = { type: 'duckdb' as const, path: `${tmp.dir}/t.duckdb`, namespace: 'ods' };
    const sink = await openSink(plan);
    try {
      await sink.ensureTable(r.mapping);
      await sink.state.upsertTable(r.key, 'ods.items', 'incremental');
      const red = new BatchReducer(() => r);
      red.add({ kind: 'insert', table: src.id, after: ['1', '1', 'x'] }, Date.now());
      await sink.applyBatch([...red.tables.values()], parsePosition('mysql-bin.000003:1234#gtid:0-1-9'));
      await sink.state.saveChunkPlan(r.key, [{ table: src.id, index: 0, from: null, to: ['10'] }, { table: src.id, index: 1, from: ['10'], to: null }], 'upsert');
    } finally { await sink.close(); }
    const ro = await openReadOnlySink(plan);
    assert.ok(ro?.state);
    try {
      const cp = await ro.state.checkpoint();
      assert.deepEqual(cp?.position, { kind: 'binlog', file: 'mysql-bin.000003', pos: 1234, gtid: '0-1-9' });
      const st = await ro.state.table(r.key);
      assert.deepEqual(st?.position, cp?.position, 'the table holds the batch position');
      assert.equal(st?.phase, 'full-sync', 'a chunk plan starts the full sync');
      assert.equal(st?.chunksTotal, 2);
      assert.deepEqual(await ro.query('SELECT count(*)::INTEGER AS n FROM ods.items', 10), { columns: ['n'], rows: [[1]], truncated: false });
    } finally { await ro.close(); }
    assert.equal(await openReadOnlySink({ ...plan, path: `${tmp.dir}/none.duckdb` }), undefined);
  });
});
