// The Iceberg sink commits a schema change in the table first and in its state store right after.
// The table's commit carries the change's position and the source's new shape (a table property
// that lasts until the next snapshot), so a kill -9 between the two commits loses neither: the
// table's position is the change's, and a sink opened again puts the shape back in the history.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { IcebergSink } from '../../../src/engine/sink/iceberg/sink';
import { DEFAULT_MAINTENANCE } from '../../../src/engine/sink/iceberg/maintenance';
import { IcebergTable, UNTIL_NEXT_SNAPSHOT } from '../../../src/engine/sink/iceberg/table';
import { BatchReducer } from '../../../src/engine/pipeline/batch';
import { formatPosition, lsn } from '../../../src/engine/positions';
import { route, table, tempDir } from './helpers';

const src = table('shop', 'items', [['id', 'INTEGER'], ['note', 'VARCHAR']]);
const r = route(src, ['INTEGER', 'VARCHAR']);
const renamed = table('shop', 'items', [['id', 'INTEGER'], ['remark', 'VARCHAR']]);
const marks = (t: IcebergTable) => Object.keys(t.metadata.properties).filter((k) => k.startsWith(UNTIL_NEXT_SNAPSHOT));

describe('Iceberg sink: a schema change between its two commits', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  it('the table holds the change\'s position and shape until its next snapshot; a reopened sink restores the history from it', async () => {
    const warehouse = join(tmp.dir, 'lake');
    const statePath = join(warehouse, '.lakesync', 'state.duckdb');
    const open = () => IcebergSink.open({ warehouse, statePath, maintenance: { ...DEFAULT_MAINTENANCE, enabled: false } });
    const dir = join(warehouse, 'ods', 'items');
    let sink = await open();
    try {
      await sink.ensureTable(r.mapping);
      await sink.state.upsertTable('shop.items', 'ods.items', 'incremental');
      const a = new BatchReducer(() => r);
      for (let i = 1; i <= 5; i++) a.add({ kind: 'insert', table: src.id, after: [String(i), `n${i}`] }, Date.now());
      await sink.applyBatch([...a.tables.values()], lsn(10n));
      await sink.applySchema(r.mapping, [{ kind: 'rename-column', from: 'note', to: 'remark' }], lsn(30n), renamed);

      const t = await IcebergTable.open(dir);
      assert.deepEqual(marks(t!), [`${UNTIL_NEXT_SNAPSHOT}schema-change:shop.items`]);
      assert.equal(t!.summary('lakesync.position:shop.items'), formatPosition(lsn(10n)), 'a rename makes no snapshot');
      assert.equal(formatPosition((await sink.state.table('shop.items'))!.position!), formatPosition(lsn(30n)), 'the table is at the rename');
    } finally {
      await sink.close();
    }

    // what a kill -9 right after the table's commit leaves: the state store without the new shape
    const db = await DuckDBInstance.create(statePath);
    const conn = await db.connect();
    await conn.run(`DELETE FROM "_lakesync".schema_history WHERE position = '${formatPosition(lsn(30n))}'`);
    conn.closeSync();
    db.closeSync();

    sink = await open();
    let history;
    try {
      history = await sink.state.schemaHistory(src.id);
      const restored = history.filter((h) => h.position === formatPosition(lsn(30n)));
      assert.deepEqual(restored.map((h) => h.table.columns.map((c) => c.name)), [['id', 'remark']], 'the shape is back in the history');
    } finally {
      await sink.close();
    }

    sink = await open();
    try {
      assert.equal((await sink.state.schemaHistory(src.id)).length, history.length, 'opened again, nothing is added twice');
      // the next snapshot carries the position itself: the mark goes
      const renamedRoute = route(renamed, ['INTEGER', 'VARCHAR']);
      const b = new BatchReducer(() => renamedRoute);
      b.add({ kind: 'insert', table: src.id, after: ['6', 'r6'] }, Date.now());
      await sink.applyBatch([...b.tables.values()], lsn(40n));
      const t = await IcebergTable.open(dir);
      assert.deepEqual(marks(t!), []);
      assert.equal(formatPosition((await sink.state.table('shop.items'))!.position!), formatPosition(lsn(40n)));
    } finally {
      await sink.close();
    }
  });
});
