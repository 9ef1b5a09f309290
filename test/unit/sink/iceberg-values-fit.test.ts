// The Iceberg sink's valuesFit (Sink.valuesFit: may a narrowing apply?): never for a smaller type of the same kind (long -> int), else
// only when every current value converts to the new type unchanged; within one Iceberg type
// the change then leaves the Iceberg schema as it is.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { IcebergSink } from '../../../src/engine/sink/iceberg/sink';
import { DEFAULT_MAINTENANCE } from '../../../src/engine/sink/iceberg/maintenance';
import { BatchReducer } from '../../../src/engine/pipeline/batch';
import { lsn } from '../../../src/engine/positions';
import { route, table, tempDir } from './helpers';

const src = table('shop', 'items', [['id', 'INTEGER'], ['qty', 'INTEGER'], ['big', 'BIGINT'], ['note', 'VARCHAR'], ['price', 'DECIMAL(12,2)']]);
const r = route(src, ['INTEGER', 'INTEGER', 'BIGINT', 'VARCHAR', 'DECIMAL(12,2)']);

describe('Iceberg sink: valuesFit for narrowings', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  it('true only for a narrowing within the same Iceberg type whose values all fit', async () => {
    const sink = await IcebergSink.open({ warehouse: join(tmp.dir, 'lake'), statePath: join(tmp.dir, 'lake', '.lakesync', 'state.duckdb'),
      maintenance: { ...DEFAULT_MAINTENANCE, enabled: false } });
    try {
      await sink.ensureTable(r.mapping);
      const red = new BatchReducer(() => r);
      red.add({ kind: 'insert', table: src.id, after: ['1', '10', '5', 'short', '1.50'] }, Date.now());
      red.add({ kind: 'insert', table: src.id, after: ['2', '40000', '6', 'a longer text', '2.25'] }, Date.now());
      await sink.applyBatch([...red.tables.values()], lsn(5n));
      // INTEGER -> SMALLINT: both Iceberg `int`; 40000 does not fit, 10 would
      assert.equal(await sink.valuesFit(r.mapping, 'qty', 'SMALLINT'), false);
      const del = new BatchReducer(() => r);
      del.add({ kind: 'delete', table: src.id, before: ['2', '40000', '6', 'a longer text', '2.25'] }, Date.now());
      await sink.applyBatch([...del.tables.values()], lsn(6n));
      assert.equal(await sink.valuesFit(r.mapping, 'qty', 'SMALLINT'), true);
      // the change then keeps the Iceberg schema (no new schema id), rows unchanged
      const before = (await sink.tableColumns(r.mapping)).get('qty');
      await sink.alterTable(r.mapping, { kind: 'change-type', column: 'qty', type: 'SMALLINT' });
      assert.equal((await sink.tableColumns(r.mapping)).get('qty'), before);
      // BIGINT -> INTEGER (long -> int) and DECIMAL(12,2) -> DECIMAL(10,2): Iceberg cannot narrow, whatever the values
      assert.equal(await sink.valuesFit(r.mapping, 'big', 'INTEGER'), false);
      assert.equal(await sink.valuesFit(r.mapping, 'price', 'DECIMAL(10,2)'), false);
      // VARCHAR -> UUID: another Iceberg type, and 'short' is no uuid
      assert.equal(await sink.valuesFit(r.mapping, 'note', 'UUID'), false);
      assert.deepEqual((await sink.query('SELECT id, qty, big, note, price FROM ods.items')).rows.map((x) => x.map(String)), [['1', '10', '5', 'short', '1.50']]);
    } finally { await sink.close(); }
  });
});
